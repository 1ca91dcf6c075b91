"""Pipeline stage routes (FETMS-compatible, plus rename)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.routing import ApiRequest, route
from chalicelib.models.stages import (
    StageCreate,
    StageDeleteOut,
    StageOut,
    StageReorder,
    StageUpdate,
)
from chalicelib.services import stages

bp = Blueprint(__name__)


@route(bp, "/api/stages", summary="List stages in order", response=StageOut, many=True)
def list_stages(req: ApiRequest) -> list[dict[str, Any]]:
    return stages.list_stages(req.db)


@route(
    bp,
    "/api/stages",
    "POST",
    summary="Create a stage at the end",
    role="admin",
    body=StageCreate,
    response=StageOut,
)
def create_stage(req: ApiRequest) -> dict[str, Any]:
    return stages.create_stage(req.db, req.body, req.actor)


@route(
    bp,
    "/api/stages/reorder",
    "PUT",
    summary="Reorder stages (all or nothing)",
    role="admin",
    body=StageReorder,
    response=StageOut,
    many=True,
)
def reorder_stages(req: ApiRequest) -> list[dict[str, Any]]:
    return stages.reorder_stages(req.db, req.body, req.actor)


@route(bp, "/api/stages/{id}", summary="Get a stage", response=StageOut)
def get_stage(req: ApiRequest, id: str) -> dict[str, Any]:
    return stages.get_stage(req.db, id)


@route(
    bp,
    "/api/stages/{id}",
    "PUT",
    summary="Rename a stage",
    role="admin",
    body=StageUpdate,
    response=StageOut,
)
def update_stage(req: ApiRequest, id: str) -> dict[str, Any]:
    return stages.update_stage(req.db, id, req.body, req.actor, req.if_match)


@route(
    bp,
    "/api/stages/{id}",
    "DELETE",
    summary="Delete a stage; its teachers become uncategorized",
    role="admin",
    response=StageDeleteOut,
)
def delete_stage(req: ApiRequest, id: str) -> dict[str, Any]:
    stage, moved = stages.delete_stage(req.db, id, req.actor, req.if_match)
    return {**stage, "movedTeachers": moved, "message": "Stage deleted"}
