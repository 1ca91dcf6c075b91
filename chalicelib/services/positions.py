"""Positions of teachers in a kanban column: unique and contiguous (0, 1, … n-1).

A column is a live stage, or ``uncategorized`` (teachers whose ``pipelineStage`` is
``uncategorized``, missing, or names a stage that no longer exists). Every change of membership
or order runs inside the caller's transaction and first writes the column's lock document
(``common.serialize_on``): two transactions touching the same column then conflict on it, the
driver retries the later one on fresh data, and no interleaving of reorders, moves, creates and
deletes can leave two teachers on one position or a gap (snapshot isolation alone would allow
both).

A position shift caused by someone else's change does not bump a teacher's ``__v``: clients
cannot write ``pipelineOrder`` through the teacher routes, so no lost update can hide there, and
open profile forms stay valid.
"""

from __future__ import annotations

from collections.abc import Iterable

from bson import ObjectId
from pymongo import UpdateOne
from pymongo.client_session import ClientSession

from chalicelib.db import STAGES, TEACHERS, Db, Document
from chalicelib.errors import FieldError, ValidationFailed
from chalicelib.services.common import NOT_DELETED, serialize_on

UNCATEGORIZED_STAGE = "uncategorized"


def live_stage_ids(db: Db, session: ClientSession | None = None) -> list[str]:
    """Ids (as strings) of the non-deleted stages."""
    return [str(s["_id"]) for s in db[STAGES].find(NOT_DELETED, {"_id": 1}, session=session)]


def check_stage(value: str, live_ids: list[str], field: str = "pipelineStage") -> str:
    """``uncategorized`` or the id of a live stage; anything else is a 400 naming ``field``."""
    if value.strip().lower() == UNCATEGORIZED_STAGE:
        return UNCATEGORIZED_STAGE
    stage = value.strip().lower()
    if len(stage) != 24 or not ObjectId.is_valid(stage):
        raise ValidationFailed(
            detail=f"'{field}' must be a stage id or '{UNCATEGORIZED_STAGE}'",
            errors=[FieldError(field, "unknown stage")],
        )
    if stage not in live_ids:
        raise ValidationFailed(
            detail=f"Stage '{value}' does not exist",
            errors=[FieldError(field, "unknown stage")],
        )
    return stage


def column_of(stage: object, live_ids: list[str]) -> str:
    """The column a stored ``pipelineStage`` value shows in."""
    return stage if isinstance(stage, str) and stage in live_ids else UNCATEGORIZED_STAGE


def column_query(column: str, live_ids: list[str]) -> Document:
    """The live teachers shown in ``column``."""
    if column == UNCATEGORIZED_STAGE:
        return {"pipelineStage": {"$nin": live_ids}, **NOT_DELETED}
    return {"pipelineStage": column, **NOT_DELETED}


def lock_column(db: Db, column: str, session: ClientSession) -> None:
    """Serialize every change of ``column``'s membership or order (``common.serialize_on``)."""
    serialize_on(db, f"pipeline-column:{column}", session)


def next_position(db: Db, column: str, live_ids: list[str], session: ClientSession) -> int:
    """Lock ``column`` and return the position after its last teacher."""
    lock_column(db, column, session)
    last = db[TEACHERS].find_one(
        column_query(column, live_ids),
        {"pipelineOrder": 1},
        sort=[("pipelineOrder", -1), ("_id", -1)],
        session=session,
    )
    if last is None or not isinstance(last.get("pipelineOrder"), int | float):
        return 0
    return int(last["pipelineOrder"]) + 1


def renumber(
    db: Db,
    column: str,
    live_ids: list[str],
    session: ClientSession,
    *,
    first: Iterable[ObjectId] = (),
    last: Iterable[ObjectId] = (),
) -> dict[ObjectId, int]:
    """Lock ``column`` and give its teachers positions 0..n-1: ``first`` in the given order, then
    the others in their current order (``pipelineOrder``, then ``_id``), then ``last``.

    Returns the new position of every teacher of the column; writes only the changed ones.
    """
    lock_column(db, column, session)
    head, tail = list(first), list(last)
    pinned = set(head) | set(tail)
    members = db[TEACHERS].find(
        column_query(column, live_ids), {"pipelineOrder": 1}, session=session
    )
    current = {doc["_id"]: doc.get("pipelineOrder") for doc in members}
    middle = sorted(
        (oid for oid in current if oid not in pinned),
        key=lambda oid: (_sortable(current[oid]), oid),
    )
    ordered = [oid for oid in head if oid in current] + middle
    ordered += [oid for oid in tail if oid in current]
    positions = {oid: index for index, oid in enumerate(ordered)}
    changes = [
        UpdateOne({"_id": oid}, {"$set": {"pipelineOrder": position}})
        for oid, position in positions.items()
        if current[oid] != position
    ]
    if changes:
        db[TEACHERS].bulk_write(changes, ordered=False, session=session)
    return positions


def _sortable(value: object) -> float:
    """Stored positions as numbers; legacy records without one sort last."""
    return float(value) if isinstance(value, int | float) else float("inf")
