"""What we return, we accept back: read-only fields a client may echo in a write body.

Every form loads a record, lets the user change a field and sends the whole record back. The
fields the server manages (ids, versions, timestamps, deletion marks, data only other routes
write) are therefore accepted in write bodies and **ignored**: validated as present, never
written. Fields nobody returns are still refused (``extra="forbid"``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from chalicelib.models.base import InputModel

Ignored = Annotated[
    Any,
    Field(default=None, exclude=True, description="Read-only: accepted and ignored on write."),
]
"""A server-managed field a client may send back; never written."""


class StoredEcho(InputModel):
    """``_id``, ``__v``, timestamps and soft-delete marks, as every stored record returns them."""

    id: Ignored = Field(default=None, alias="_id", exclude=True)
    version: Ignored = Field(default=None, alias="__v", exclude=True)
    createdAt: Ignored = None
    updatedAt: Ignored = None
    isDeleted: Ignored = None
    deletedAt: Ignored = None
    deletedBy: Ignored = None
