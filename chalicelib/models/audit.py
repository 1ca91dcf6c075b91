"""Audit log queries and entries."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from chalicelib.models.base import OutputModel, QueryModel, UtcDateTime


class AuditQuery(QueryModel):
    entity: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    entityId: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    actor: str | None = Field(default=None, max_length=254, description="The actor's e-mail.")
    action: str | None = Field(
        default=None, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$", description="e.g. user.update"
    )
    from_: UtcDateTime | None = Field(default=None, alias="from")
    to: UtcDateTime | None = None
    limit: int | None = Field(default=None, ge=1)
    offset: int = Field(default=0, ge=0)


class HistoryQuery(QueryModel):
    limit: int | None = Field(default=None, ge=1)
    offset: int = Field(default=0, ge=0)


class AuditChangeOut(OutputModel):
    """One changed field; values the API masks (passwords, tokens, document numbers, phone
    numbers, birth dates) read ``***``."""

    field: str
    from_: Any = Field(default=None, alias="from")
    to: Any = None


class AuditEntryOut(OutputModel):
    id: str = Field(alias="_id")
    at: str
    actor: str
    actorId: str | None = None
    role: str | None = None
    action: str
    entity: str
    entityId: str | None = None
    changes: list[AuditChangeOut] | None = None
    details: dict[str, Any] | None = None
    correlationId: str | None = None
    clientAddress: str | None = None
