"""Helpers every service shares: ids, clock, versioned writes, paging, safe search."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from chalicelib.db import Document
from chalicelib.errors import Conflict, FieldError, NotFound, PreconditionFailed, ValidationFailed

# Live records: isDeleted false or absent (FETMS documents created before the field existed).
# Point values (not $ne) let MongoDB merge-sort on an {isDeleted, <sort key>} index.
NOT_DELETED: Document = {"isDeleted": {"$in": [False, None]}}


def utcnow() -> datetime:
    """The current time in UTC (services call this, never ``datetime.now()`` directly)."""
    return datetime.now(UTC)


def parse_object_id(value: str, field: str = "id") -> ObjectId:
    """Parse a 24-hex id from a client or fail with a 400 naming the field."""
    if isinstance(value, str) and len(value) == 24 and ObjectId.is_valid(value):
        return ObjectId(value)
    raise ValidationFailed(
        detail=f"'{field}' is not a valid id",
        errors=[FieldError(field, "must be a 24-character hexadecimal id")],
    )


def search_pattern(text: str) -> Document:
    """A case-insensitive ``$regex`` condition matching ``text`` literally (never a raw regex)."""
    return {"$regex": re.escape(text), "$options": "i"}


def stamp_new(doc: Document, now: datetime | None = None) -> Document:
    """Timestamps and version for an inserted document."""
    moment = now or utcnow()
    return {**doc, "createdAt": moment, "updatedAt": moment, "__v": 0}


@dataclass(frozen=True)
class Page:
    items: list[Document]
    total: int
    limit: int
    offset: int

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.total


def find_page(
    collection: Collection[Document],
    query: Document,
    *,
    sort: list[tuple[str, int]],
    limit: int,
    offset: int,
    projection: Document | None = None,
) -> Page:
    """One round trip for the page and one for the count."""
    cursor = collection.find(query, projection).sort(sort).skip(offset).limit(limit)
    items = list(cursor)
    total = len(items) if offset == 0 and len(items) < limit else collection.count_documents(query)
    return Page(items=items, total=total, limit=limit, offset=offset)


def get_or_404(
    collection: Collection[Document], query: Document, what: str, projection: Document | None = None
) -> Document:
    doc = collection.find_one(query, projection)
    if doc is None:
        raise NotFound(detail=f"{what} not found")
    return doc


def versioned_update(
    collection: Collection[Document],
    query: Document,
    update: Document,
    *,
    expected_version: int | None,
    what: str,
    now: datetime | None = None,
    session: ClientSession | None = None,
) -> Document:
    """Apply ``update`` bumping ``__v`` and ``updatedAt``; honour ``If-Match`` (412 when stale).

    Returns the updated document. Nothing is written when the version does not match.
    """
    guarded = dict(query)
    if expected_version is not None:
        guarded["__v"] = expected_version
    full_update: dict[str, Any] = {k: dict(v) for k, v in update.items()}
    full_update.setdefault("$set", {})["updatedAt"] = now or utcnow()
    full_update.setdefault("$inc", {})["__v"] = 1
    try:
        doc = collection.find_one_and_update(
            guarded, full_update, return_document=ReturnDocument.AFTER, session=session
        )
    except DuplicateKeyError as exc:
        raise Conflict(detail=f"{what} conflicts with an existing record") from exc
    if doc is not None:
        return doc
    current = collection.find_one(query, {"__v": 1}, session=session)
    if current is None:
        raise NotFound(detail=f"{what} not found")
    raise PreconditionFailed(
        detail=(
            f"{what} was changed by someone else (version {current.get('__v', 0)}, "
            f"you sent {expected_version}); reload and try again"
        )
    )


def check_version(doc: Document, expected_version: int | None, what: str) -> None:
    """Fail with 412 before a multi-step write when ``If-Match`` is stale."""
    if expected_version is not None and doc.get("__v", 0) != expected_version:
        raise PreconditionFailed(
            detail=(
                f"{what} was changed by someone else (version {doc.get('__v', 0)}, "
                f"you sent {expected_version}); reload and try again"
            )
        )


def flatten_for_set(prefix: str, value: Any, out: Document | None = None) -> Document:
    """Turn nested dicts into dotted ``$set`` paths so nested sections merge, not replace.

    Keys come from validated pydantic models only (never from raw client input).
    """
    result: Document = {} if out is None else out
    if isinstance(value, dict):
        for key, inner in value.items():  # an empty section changes nothing
            flatten_for_set(f"{prefix}.{key}" if prefix else key, inner, result)
    else:
        result[prefix] = value
    return result
