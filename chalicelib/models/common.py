"""Output fields every stored entity shares."""

from __future__ import annotations

from pydantic import Field

from chalicelib.models.base import OutputModel


class StoredOut(OutputModel):
    """``_id``, timestamps and the ``__v`` version that also serves as the ETag."""

    id: str = Field(alias="_id", description="24-hex id")
    createdAt: str | None = None
    updatedAt: str | None = None
    version: int = Field(default=0, alias="__v", description="Document version (the ETag)")


class SoftDeletableOut(StoredOut):
    isDeleted: bool = False
    deletedAt: str | None = None
    deletedBy: str | None = None
