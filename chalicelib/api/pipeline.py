"""Kanban read of the recruitment pipeline."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.routing import ApiRequest, route
from chalicelib.models.teachers import PipelineColumnOut, PipelineQuery
from chalicelib.services import pipeline

bp = Blueprint(__name__)


@route(
    bp,
    "/api/pipeline",
    summary="Kanban: stages in order (uncategorized first) with their teacher cards",
    query=PipelineQuery,
    response=PipelineColumnOut,
    many=True,
)
def get_pipeline(req: ApiRequest) -> list[dict[str, Any]]:
    return pipeline.kanban(req.db, project_id=req.query.projectId, per_column=req.query.limit)
