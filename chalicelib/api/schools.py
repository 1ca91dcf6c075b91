"""School routes (FETMS-compatible, plus restore)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.routing import ApiRequest, route
from chalicelib.models.schools import (
    SchoolCreate,
    SchoolDetailOut,
    SchoolListQuery,
    SchoolOut,
    SchoolUpdate,
)
from chalicelib.services import schools
from chalicelib.services.common import Page

bp = Blueprint(__name__)


@route(
    bp,
    "/api/schools",
    summary="List schools (search by Chinese or English name)",
    query=SchoolListQuery,
    response=SchoolOut,
    paged=True,
)
def list_schools(req: ApiRequest) -> Page:
    q = req.query
    return schools.list_schools(
        req.db,
        search=q.search,
        include_deleted=q.includeDeleted,
        limit=req.limit,
        offset=req.offset,
    )


@route(
    bp,
    "/api/schools",
    "POST",
    summary="Create a school",
    role="editor",
    body=SchoolCreate,
    response=SchoolOut,
)
def create_school(req: ApiRequest) -> dict[str, Any]:
    return schools.create_school(req.db, req.body, req.actor)


@route(
    bp,
    "/api/schools/{id}",
    summary="Get a school with its employed teachers",
    response=SchoolDetailOut,
)
def get_school(req: ApiRequest, id: str) -> dict[str, Any]:
    return schools.get_school(req.db, id)


@route(
    bp,
    "/api/schools/{id}",
    "PUT",
    summary="Update a school (nested sections merge)",
    role="editor",
    body=SchoolUpdate,
    response=SchoolOut,
)
def update_school(req: ApiRequest, id: str) -> dict[str, Any]:
    return schools.update_school(req.db, id, req.body, req.actor, req.if_match)


@route(
    bp,
    "/api/schools/{id}",
    "DELETE",
    summary="Soft-delete a school",
    role="editor",
    response=SchoolOut,
)
def delete_school(req: ApiRequest, id: str) -> dict[str, Any]:
    deleted = schools.soft_delete_school(req.db, id, req.actor, req.if_match)
    return {**deleted, "message": "School deleted"}


@route(
    bp,
    "/api/schools/{id}/restore",
    "PUT",
    summary="Restore a deleted school",
    role="editor",
    response=SchoolOut,
)
def restore_school(req: ApiRequest, id: str) -> dict[str, Any]:
    return schools.restore_school(req.db, id, req.actor, req.if_match)
