"""GET /api/health: MongoDB and S3 reachability."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib.api.routing import ApiRequest, Reply, route
from chalicelib.models.health import HealthOut
from chalicelib.services.health import check_health

bp = Blueprint(__name__)


@route(bp, "/api/health", summary="Liveness and dependency checks", role=None, response=HealthOut)
def health(req: ApiRequest) -> Reply:
    settings = req.settings
    healthy, body = check_health(
        req.db, req.deps.s3_probe, settings.uploads_bucket, settings.app_version
    )
    headers = {"Cache-Control": "no-store"}
    if not healthy:
        headers["Retry-After"] = "10"
    return Reply(body=body, status=200 if healthy else 503, headers=headers)
