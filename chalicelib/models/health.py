"""Health check response."""

from __future__ import annotations

from typing import Any

from chalicelib.models.base import OutputModel


class HealthOut(OutputModel):
    status: str
    version: str
    checks: dict[str, dict[str, Any]]
