"""GET /api/health: MongoDB and S3 reachability."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib.api.routing import ApiRequest, Reply, route
from chalicelib.db import get_db
from chalicelib.models.health import HealthOut
from chalicelib.services.health import check_health, maintenance_report
from chalicelib.settings import get_settings
from chalicelib.storage import get_s3

bp = Blueprint(__name__)


@route(bp, "/api/health", summary="Liveness and dependency checks", role=None, response=HealthOut)
def health(req: ApiRequest) -> Reply:
    settings = get_settings()
    healthy, body = check_health(get_db(), get_s3(), settings.uploads_bucket, settings.app_version)
    body["maintenance"] = maintenance_report(get_db())
    headers = {"Cache-Control": "no-store"}
    if not healthy:
        headers["Retry-After"] = "10"
    return Reply(body=body, status=200 if healthy else 503, headers=headers)
