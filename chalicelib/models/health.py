"""Health check response."""

from __future__ import annotations

from typing import Any, ClassVar

from chalicelib.models.base import PresentOut


class MaintenanceOut(PresentOut):
    """Maintenance mode: writes are refused while ``enabled`` (null: database unreachable)."""

    enabled: bool | None = None
    message: str | None = None
    since: str | None = None
    until: str | None = None


class HealthOut(PresentOut):
    ALWAYS: ClassVar[frozenset[str]] = frozenset({"status", "version", "checks"})

    status: str
    version: str
    checks: dict[str, dict[str, Any]]
    maintenance: MaintenanceOut | None = None


class MaintenanceAdminOut(MaintenanceOut):
    """Maintenance mode as admins see it: also who turned it on."""

    by: str | None = None
