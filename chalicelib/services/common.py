"""Helpers every service shares: ids, clock, versioned writes, paging, safe search."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import pymongo
from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.collection import Collection
from pymongo.errors import ConnectionFailure, DuplicateKeyError, ExecutionTimeout, PyMongoError

from chalicelib.db import LOCKS, Db, Document
from chalicelib.errors import (
    Conflict,
    DomainError,
    FieldError,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from chalicelib.settings import get_settings

T = TypeVar("T")

# Live records: isDeleted false or absent (FETMS documents created before the field existed).
# Point values (not $ne) let MongoDB merge-sort on an {isDeleted, <sort key>} index.
NOT_DELETED: Document = {"isDeleted": {"$in": [False, None]}}


def utcnow() -> datetime:
    """The current time in UTC (services call this, never ``datetime.now()`` directly)."""
    return datetime.now(UTC)


def utcnow_ms() -> datetime:
    """:func:`utcnow` at the millisecond precision MongoDB stores, for a value a service returns
    without reading it back."""
    now = utcnow()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


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
    collection: Collection[Document],
    query: Document,
    what: str,
    projection: Document | None = None,
    *,
    session: ClientSession | None = None,
) -> Document:
    doc = collection.find_one(query, projection, session=session)
    if doc is None:
        raise NotFound(detail=f"{what} not found")
    return doc


Explain = Callable[[Document], DomainError]


def versioned_update(
    collection: Collection[Document],
    query: Document,
    update: Document | list[Document],
    *,
    expected_version: int | None,
    what: str,
    now: datetime | None = None,
    session: ClientSession | None = None,
    conditions: list[Document] | None = None,
    array_filters: list[Document] | None = None,
    explain: Explain | None = None,
) -> Document:
    """Apply ``update`` bumping ``__v`` and ``updatedAt``; honour ``If-Match`` (412 when stale).

    ``update`` is an update document or an update pipeline (a list of stages). ``conditions``
    must also hold at write time (e.g. "this ad-hoc document exists"). Returns the updated
    document. When nothing matches, nothing is written and the cause is reported: 404 when the
    record does not exist, 412 for a stale version, else ``explain(current)`` (default 409).
    """
    moment = now or utcnow()
    guarded = dict(query)
    if expected_version is not None:
        guarded["__v"] = expected_version
    if conditions:
        guarded["$and"] = conditions
    full_update: Document | list[Document]
    if isinstance(update, list):
        bump = {
            "updatedAt": {"$literal": moment},
            "__v": {"$add": [{"$ifNull": ["$__v", 0]}, 1]},
        }
        full_update = [*update, {"$set": bump}]
    else:
        full_update = {op: dict(value) for op, value in update.items()}
        full_update.setdefault("$set", {})["updatedAt"] = moment
        full_update.setdefault("$inc", {})["__v"] = 1
    try:
        doc = collection.find_one_and_update(
            guarded,
            full_update,
            array_filters=array_filters,
            return_document=ReturnDocument.AFTER,
            session=session,
        )
    except DuplicateKeyError as exc:
        raise Conflict(detail=f"{what} conflicts with an existing record") from exc
    if doc is not None:
        return doc
    current = collection.find_one(query, session=session)
    if current is None:
        raise NotFound(detail=f"{what} not found")
    check_version(current, expected_version, what)
    if explain is not None:
        raise explain(current)
    raise Conflict(detail=f"{what} changed at the same time; reload and try again")


def in_transaction(
    db: Db, work: Callable[[ClientSession], T], *, timeout_ms: int | None = None
) -> T:
    """Run ``work(session)`` as one MongoDB transaction: all of its writes commit, or none.

    Transient failures (a write conflict with a concurrent transaction, a primary step-down) are
    retried with backoff by the driver, within ``MONGO_TRANSACTION_TIMEOUT_MS``; past that the
    caller gets 409. An unreachable database is not retried here: it surfaces at once as
    ``ConnectionFailure`` (503). ``work`` may run more than once, so it must only touch MongoDB
    through ``session`` and have no other side effects. ``timeout_ms`` replaces
    ``MONGO_TRANSACTION_TIMEOUT_MS`` for long writes (imports).
    """
    settings = get_settings()
    budget_ms = timeout_ms or settings.mongo_transaction_timeout_ms

    def attempt(session: ClientSession) -> T:
        try:
            return work(session)
        except ConnectionFailure as exc:
            raise _Unreachable from exc  # not a PyMongoError: with_transaction does not retry it

    try:
        with (
            pymongo.timeout(budget_ms / 1000),
            # Each transaction has its own session, so causal consistency adds nothing; without
            # it a retried attempt sends no ``afterClusterTime`` read concern, which SecantusDB
            # refuses on a ``bulkWrite`` that opens a transaction.
            db.client.start_session(causal_consistency=False) as session,
        ):
            return session.with_transaction(attempt)
    except _Unreachable as exc:
        raise exc.__cause__ or ConnectionFailure("database unreachable") from None
    except ConnectionFailure:
        raise
    except PyMongoError as exc:
        if exc.has_error_label("TransientTransactionError") or isinstance(exc, ExecutionTimeout):
            raise Conflict(
                detail="Another change to the same records was being saved; try again"
            ) from exc
        raise


def serialize_on(db: Db, key: str, session: ClientSession) -> None:
    """Write the lock document ``key`` inside the caller's transaction.

    Transactions that all write it conflict with each other, so the driver retries the later
    ones on fresh data: a check-then-write over several documents cannot interleave (plain
    snapshot isolation would let two of them decide on the same stale view).
    """
    db[LOCKS].update_one(
        {"_id": key},
        {"$inc": {"writes": 1}, "$set": {"at": utcnow()}},
        upsert=True,
        session=session,
    )


class _Unreachable(Exception):
    """Carries a ``ConnectionFailure`` out of a transaction without the driver retrying it."""


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


def effective_changes(current: Document, changes: Document) -> Document:
    """The dotted ``$set`` entries of ``changes`` that differ from what ``current`` stores.

    A client that sends back what it loaded (every form does) changes nothing, so nothing is
    written, no version is bumped and no rule re-checks a value it did not touch (a FETMS record
    may hold values our checks would refuse for new input).
    """
    return {
        path: value
        for path, value in changes.items()
        if not same_value(value_at(current, path), value)
    }


def unflatten(flat: Document) -> Document:
    """``{"a.b": 1}`` → ``{"a": {"b": 1}}`` (paths come from validated models only)."""
    nested: Document = {}
    for path, value in flat.items():
        target = nested
        *parents, last = path.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = value
    return nested


def value_at(doc: Document, path: str) -> Any:
    """The value at a dotted path of a stored document (None when any part is missing)."""
    value: Any = doc
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def same_value(stored: Any, sent: Any) -> bool:
    """Whether writing ``sent`` over ``stored`` would change nothing a reader can tell apart.

    ``None``, absent and ``""`` are the same; ids compare as hex; datetimes as instants; text
    ignoring surrounding spaces (input is trimmed); a number and its decimal text as numbers.
    """
    if _blank(stored) and _blank(sent):
        return True
    if stored is None or sent is None:
        return False
    if isinstance(stored, ObjectId) or isinstance(sent, ObjectId):
        return str(stored) == str(sent)
    either_date = isinstance(stored, datetime) or isinstance(sent, datetime)
    if either_date and isinstance(stored, datetime | str) and isinstance(sent, datetime | str):
        return _as_instant(stored) == _as_instant(sent)
    if isinstance(stored, bool) or isinstance(sent, bool):
        return type(stored) is type(sent) and stored == sent
    if isinstance(stored, str) and isinstance(sent, str):
        return stored.strip() == sent.strip()
    if isinstance(stored, int | float) and isinstance(sent, str | int | float):
        return _as_number(sent) == stored
    if isinstance(stored, str) and isinstance(sent, int | float):
        return _as_number(stored) == sent
    return bool(stored == sent)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _as_instant(value: datetime | str) -> datetime | None:
    """A datetime, or an ISO date/datetime text (FETMS's ``Mixed`` fields may hold either)."""
    if isinstance(value, datetime):
        return _aware(value)
    try:
        return _aware(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
    except ValueError:
        return None


def _as_number(value: Any) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None
