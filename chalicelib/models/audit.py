"""Audit log queries and entries."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from chalicelib.models.base import OutputModel, QueryModel, UtcDateTime


class AuditQuery(QueryModel):
    entity: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    entityId: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    actor: str | None = Field(default=None, max_length=254)
    from_: UtcDateTime | None = Field(default=None, alias="from")
    to: UtcDateTime | None = None
    limit: int | None = Field(default=None, ge=1)
    offset: int = Field(default=0, ge=0)


class HistoryQuery(QueryModel):
    limit: int | None = Field(default=None, ge=1)
    offset: int = Field(default=0, ge=0)


class AuditEntryOut(OutputModel):
    id: str = Field(alias="_id")
    at: str
    actor: str
    role: str | None = None
    action: str
    entity: str
    entityId: str | None = None
    changes: list[dict[str, Any]] | None = None
    correlationId: str | None = None
    clientAddress: str | None = None
