"""Operations for admins: maintenance mode and the latest backups — read-only views and the one
switch of what the operator CLI (``fetms maintenance``, ``fetms backup list``) does."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.routing import ApiRequest, route
from chalicelib.models.health import MaintenanceAdminOut
from chalicelib.models.operations import BackupOut, BackupQuery, MaintenanceSwitch
from chalicelib.services import backups, maintenance

bp = Blueprint(__name__)


@route(
    bp,
    "/api/maintenance",
    summary="Maintenance mode (what `fetms maintenance status` prints)",
    role="admin",
    response=MaintenanceAdminOut,
)
def get_maintenance(req: ApiRequest) -> dict[str, Any]:
    return maintenance.read_state(req.db).as_admin_dict()


@route(
    bp,
    "/api/maintenance",
    "PUT",
    summary="Turn maintenance mode on (message, optional end) or off; audited",
    role="admin",
    body=MaintenanceSwitch,
    response=MaintenanceAdminOut,
)
def set_maintenance(req: ApiRequest) -> dict[str, Any]:
    body = req.body
    state = maintenance.switch(
        req.db, req.actor, enabled=body.enabled, message=body.message, until=body.until
    )
    return state.as_admin_dict()


@route(
    bp,
    "/api/backups",
    summary="The newest database backups with their status and kind (`fetms backup list`)",
    role="admin",
    query=BackupQuery,
    response=BackupOut,
    many=True,
)
def list_backups(req: ApiRequest) -> list[dict[str, Any]]:
    return backups.latest_backups(req.deps.s3, req.settings.backups_bucket, req.query.limit)
