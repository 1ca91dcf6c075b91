"""Projects routes (FETMS-compatible)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.routing import ApiRequest, route
from chalicelib.models.projects import ProjectCreate, ProjectListQuery, ProjectOut, ProjectUpdate
from chalicelib.services import projects
from chalicelib.services.common import Page

bp = Blueprint(__name__)


@route(
    bp,
    "/api/projects",
    summary="List projects",
    query=ProjectListQuery,
    response=ProjectOut,
    paged=True,
)
def list_projects(req: ApiRequest) -> Page:
    return projects.list_projects(
        req.db, include_archived=req.query.includeArchived, limit=req.limit, offset=req.offset
    )


@route(
    bp,
    "/api/projects",
    "POST",
    summary="Create a project",
    role="admin",
    body=ProjectCreate,
    response=ProjectOut,
)
def create_project(req: ApiRequest) -> dict[str, Any]:
    return projects.create_project(req.db, req.body, req.actor)


@route(bp, "/api/projects/{id}", summary="Get a project", response=ProjectOut)
def get_project(req: ApiRequest, id: str) -> dict[str, Any]:
    return projects.get_project(req.db, id)


@route(
    bp,
    "/api/projects/{id}",
    "PUT",
    summary="Update a project (code is immutable)",
    role="admin",
    body=ProjectUpdate,
    response=ProjectOut,
)
def update_project(req: ApiRequest, id: str) -> dict[str, Any]:
    return projects.update_project(req.db, id, req.body, req.actor, req.if_match)


@route(
    bp,
    "/api/projects/{id}",
    "DELETE",
    summary="Archive a project",
    role="admin",
    response=ProjectOut,
)
def archive_project(req: ApiRequest, id: str) -> dict[str, Any]:
    return projects.set_archived(req.db, id, True, req.actor, req.if_match)


@route(
    bp,
    "/api/projects/{id}/restore",
    "PUT",
    summary="Restore an archived project",
    role="admin",
    response=ProjectOut,
)
def restore_project(req: ApiRequest, id: str) -> dict[str, Any]:
    return projects.set_archived(req.db, id, False, req.actor, req.if_match)


@route(
    bp,
    "/api/projects/{id}/permanent",
    "DELETE",
    summary="Delete an archived project without teachers",
    role="admin",
    response=ProjectOut,
)
def delete_project_permanently(req: ApiRequest, id: str) -> dict[str, Any]:
    deleted = projects.delete_permanently(req.db, id, req.actor, req.if_match)
    deleted.pop("__v", None)
    return {**deleted, "message": "Project permanently deleted"}
