"""Audit trail routes: the whole log for admins, a teacher's history for editors. Read-only."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib.api.routing import ApiRequest, route
from chalicelib.db import TEACHERS
from chalicelib.models.audit import AuditEntryOut, AuditQuery, HistoryQuery
from chalicelib.services import audit
from chalicelib.services.common import Page, parse_object_id

bp = Blueprint(__name__)


@route(
    bp,
    "/api/audit",
    summary="Search the audit log",
    role="admin",
    query=AuditQuery,
    response=AuditEntryOut,
    paged=True,
)
def search_audit(req: ApiRequest) -> Page:
    q = req.query
    return audit.list_entries(
        req.db,
        entity=q.entity,
        entity_id=q.entityId,
        actor=q.actor,
        action=q.action,
        since=q.from_,
        until=q.to,
        limit=req.limit,
        offset=req.offset,
    )


@route(
    bp,
    "/api/teachers/{id}/history",
    summary="Audit history of one teacher",
    role="editor",
    query=HistoryQuery,
    response=AuditEntryOut,
    paged=True,
)
def teacher_history(req: ApiRequest, id: str) -> Page:
    teacher_id = str(parse_object_id(id))
    return audit.list_entries(
        req.db,
        entity=TEACHERS,
        entity_id=teacher_id,
        actor=None,
        since=None,
        until=None,
        limit=req.limit,
        offset=req.offset,
    )
