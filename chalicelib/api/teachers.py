"""Teacher routes (FETMS-compatible, plus PATCH, restore, export and the pipeline reorder).

Literal paths (``/api/teachers/export``, ``/api/teachers/pipeline/reorder``) are declared before
``/api/teachers/{id}``; Chalice matches literal segments first whatever the order.
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.routing import ApiRequest, Reply, route
from chalicelib.models.teachers import (
    PipelineReorder,
    ReorderOut,
    TeacherCreate,
    TeacherExportQuery,
    TeacherListQuery,
    TeacherOut,
    TeacherUpdate,
)
from chalicelib.services import exports, pipeline, teachers
from chalicelib.services.common import Page

bp = Blueprint(__name__)


@route(
    bp,
    "/api/teachers",
    summary="List teachers (school and project populated, newest first; filters, sort, paging; "
    "deleted ones on request)",
    query=TeacherListQuery,
    response=TeacherOut,
    paged=True,
)
def list_teachers(req: ApiRequest) -> Page:
    return teachers.list_teachers(
        req.db, req.query, limit=req.limit, offset=req.offset, actor=req.actor
    )


@route(
    bp,
    "/api/teachers",
    "POST",
    summary="Create a teacher",
    role="editor",
    body=TeacherCreate,
    response=TeacherOut,
)
def create_teacher(req: ApiRequest) -> dict[str, Any]:
    return teachers.create_teacher(req.db, req.body, req.actor)


@route(
    bp,
    "/api/teachers/export",
    summary="Export the filtered teachers as CSV (UTF-8 with BOM) or XLSX",
    query=TeacherExportQuery,
    raw_response=True,
    expensive=True,
)
def export_teachers(req: ApiRequest) -> Reply:
    exported = exports.export_teachers(req.db, req.query, req.actor.role)
    return Reply(
        body=exported.body,
        content_type=exported.content_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )


@route(
    bp,
    "/api/teachers/pipeline/reorder",
    "PUT",
    summary="Move teachers into a stage in the given order (one bulk write, all or nothing)",
    role="editor",
    body=PipelineReorder,
    response=ReorderOut,
)
def reorder_pipeline(req: ApiRequest) -> dict[str, Any]:
    return pipeline.reorder(req.db, req.body.stage, req.body.teacherIds, req.actor)


@route(bp, "/api/teachers/{id}", summary="Get a teacher", response=TeacherOut)
def get_teacher(req: ApiRequest, id: str) -> dict[str, Any]:
    return teachers.get_teacher(req.db, id)


@route(
    bp,
    "/api/teachers/{id}",
    "PUT",
    summary="Update a teacher (only the sent fields; nested sections merge)",
    role="editor",
    body=TeacherUpdate,
    response=TeacherOut,
)
def update_teacher(req: ApiRequest, id: str) -> dict[str, Any]:
    return teachers.update_teacher(req.db, id, req.body, req.actor, req.if_match)


@route(
    bp,
    "/api/teachers/{id}",
    "PATCH",
    summary="Partially update a teacher (same semantics as PUT)",
    role="editor",
    body=TeacherUpdate,
    response=TeacherOut,
)
def patch_teacher(req: ApiRequest, id: str) -> dict[str, Any]:
    return teachers.update_teacher(req.db, id, req.body, req.actor, req.if_match)


@route(
    bp,
    "/api/teachers/{id}",
    "DELETE",
    summary="Soft-delete a teacher",
    role="editor",
    response=TeacherOut,
)
def delete_teacher(req: ApiRequest, id: str) -> dict[str, Any]:
    deleted = teachers.delete_teacher(req.db, id, req.actor, req.if_match)
    return {**deleted, "message": "Teacher deleted"}


@route(
    bp,
    "/api/teachers/{id}/restore",
    "PUT",
    summary="Restore a deleted teacher",
    role="editor",
    response=TeacherOut,
)
def restore_teacher(req: ApiRequest, id: str) -> dict[str, Any]:
    return teachers.restore_teacher(req.db, id, req.actor, req.if_match)
