"""Dashboard statistics (FETMS ``GET /stats/dashboard``)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.routing import ApiRequest, route
from chalicelib.models.teachers import DashboardOut, DashboardQuery
from chalicelib.services import stats

bp = Blueprint(__name__)


@route(
    bp,
    "/api/stats/dashboard",
    summary="Dashboard: KPIs, expiring documents, charts and candidates (FETMS filters)",
    query=DashboardQuery,
    response=DashboardOut,
)
def get_dashboard(req: ApiRequest) -> dict[str, Any]:
    return stats.dashboard(req.db, req.query, role=req.actor.role)
