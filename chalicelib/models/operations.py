"""Operations (admins): maintenance mode and the latest backups, as the operator CLI sees them."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from chalicelib.models.base import InputModel, PresentOut, QueryModel, UtcDateTime


class MaintenanceSwitch(InputModel):
    """Turn maintenance on (writes answer 503 with the message) or off."""

    enabled: bool
    message: str | None = Field(
        default=None,
        max_length=500,
        description="Shown to users while on (default: a generic notice).",
    )
    until: UtcDateTime | None = Field(
        default=None,
        description="When maintenance ends by itself (in the future); none: when turned off.",
    )


class BackupQuery(QueryModel):
    limit: int = Field(default=10, ge=1, le=50, description="How many of the newest backups.")


class BackupOut(PresentOut):
    """One backup folder: ``complete`` (manifest written), ``incomplete`` (running or failed: no
    manifest yet) or ``unreadable`` (its manifest could not be read)."""

    ALWAYS: ClassVar[frozenset[str]] = frozenset({"id", "status", "startedAt"})

    id: str
    status: str
    startedAt: str
    kind: str | None = Field(
        default=None, description="scheduled, manual, safety (before a restore) or pre-migration"
    )
    finishedAt: str | None = None
    note: str | None = None
    database: str | None = None
    appVersion: str | None = None
    collections: int | None = None
    documents: int | None = None
    archiveBytes: int | None = None
