"""Pipeline stages: ordered list, create (appended), rename, delete, atomic reorder."""

from __future__ import annotations

from bson import ObjectId
from pymongo import UpdateOne
from pymongo.client_session import ClientSession

from chalicelib.db import DELETED_STAGES, STAGES, TEACHERS, Db, Document
from chalicelib.errors import FieldError, NotFound, ValidationFailed
from chalicelib.models.stages import StageCreate, StageReorder, StageUpdate
from chalicelib.services import audit, positions
from chalicelib.services.actor import Actor
from chalicelib.services.common import (
    NOT_DELETED,
    in_transaction,
    parse_object_id,
    serialize_on,
    stamp_new,
    utcnow,
    versioned_update,
)
from chalicelib.services.pipeline import resolve_employed, stage_history_entry
from chalicelib.services.positions import UNCATEGORIZED_STAGE

WHAT = "Stage"
STAGE_ORDER_LOCK = "stage-order"


def list_stages(db: Db) -> list[Document]:
    """Live stages in order; ``isEmployed`` decided for FETMS stages without the flag."""
    return resolve_employed(list(db[STAGES].find(NOT_DELETED).sort([("order", 1), ("_id", 1)])))


def create_stage(db: Db, data: StageCreate, actor: Actor) -> Document:
    """Append a stage after the last one (serialized with other creates and reorders)."""

    def write(session: ClientSession) -> Document:
        now = utcnow()
        serialize_on(db, STAGE_ORDER_LOCK, session)
        last = db[STAGES].find_one(NOT_DELETED, {"order": 1}, sort=[("order", -1)], session=session)
        next_order = int(last.get("order") or 0) + 1 if last else 0
        fields = {"title": data.title, "order": next_order, "isEmployed": data.isEmployed}
        doc = stamp_new(fields, now)
        db[STAGES].insert_one(doc, session=session)
        audit.record(db, actor, "create", STAGES, doc["_id"], after=doc, session=session)
        return doc

    return in_transaction(db, write)


def update_stage(
    db: Db, stage_id: str, data: StageUpdate, actor: Actor, expected_version: int | None
) -> Document:
    oid = parse_object_id(stage_id)
    changes = data.to_document()
    stored = db[STAGES].find_one({"_id": oid, **NOT_DELETED}, {"isEmployed": 1})
    if stored is not None and not isinstance(stored.get("isEmployed"), bool):
        # A FETMS stage: an echoed flag equal to the one derived from its title is no change.
        derived = get_stage(db, stage_id)["isEmployed"]
        if changes.get("isEmployed", not derived) == derived:
            changes.pop("isEmployed")
    return audit.audited_update(
        db,
        actor,
        STAGES,
        {"_id": oid, **NOT_DELETED},
        {"$set": changes},
        expected_version=expected_version,
        what=WHAT,
        only_changes=True,
    )


def delete_stage(
    db: Db, stage_id: str, actor: Actor, expected_version: int | None
) -> tuple[Document, int]:
    """Delete the stage and move its teachers to 'uncategorized' in one transaction.

    The stage document moves to ``deletedstages`` (flagged deleted, same ``_id``) so stage history
    can still show its title, while an original FETMS reading ``stages`` no longer sees a column.
    Returns the deleted stage and how many teachers moved.
    """
    oid = parse_object_id(stage_id)
    column = str(oid)

    def write(session: ClientSession) -> tuple[Document, int]:
        now = utcnow()
        live = positions.live_stage_ids(db, session)
        positions.lock_column(db, column, session)
        stage = versioned_update(
            db[STAGES],
            {"_id": oid, **NOT_DELETED},
            {"$set": {"isDeleted": True, "deletedAt": now, "deletedBy": actor.email}},
            expected_version=expected_version,
            what=WHAT,
            now=now,
            session=session,
        )
        db[DELETED_STAGES].replace_one({"_id": oid}, stage, upsert=True, session=session)
        db[STAGES].delete_one({"_id": oid}, session=session)
        members = db[TEACHERS].find(
            positions.column_query(column, live), {"pipelineOrder": 1}, session=session
        )
        moving = [doc["_id"] for doc in members.sort([("pipelineOrder", 1), ("_id", 1)])]
        moved = db[TEACHERS].update_many(
            {"_id": {"$in": moving}},
            {
                "$set": {"pipelineStage": UNCATEGORIZED_STAGE, "updatedAt": now},
                "$inc": {"__v": 1},
                "$push": {
                    "stageHistory": {
                        **stage_history_entry(column, UNCATEGORIZED_STAGE, now, actor),
                        "reason": "stage deleted",
                    }
                },
            },
            session=session,
        )
        remaining = [stage_id for stage_id in live if stage_id != column]
        positions.renumber(db, UNCATEGORIZED_STAGE, remaining, session, last=moving)
        audit.record(
            db,
            actor,
            "delete",
            STAGES,
            oid,
            details={"movedTeachers": moved.modified_count},
            session=session,
        )
        return stage, moved.modified_count

    return in_transaction(db, write)


def reorder_stages(db: Db, data: StageReorder, actor: Actor) -> list[Document]:
    """Order the stages by the given ``order`` values; stages not listed keep their place
    relative to each other (a listed stage goes first on a tie). Every live stage ends with
    ``order`` 0..n-1, in one transaction serialized with other stage-order changes; an unknown or
    repeated id fails the whole request."""
    ids = [parse_object_id(item.id, f"stages[{i}]._id") for i, item in enumerate(data.stages)]
    if len(set(ids)) != len(ids):
        raise ValidationFailed(
            detail="A stage is listed more than once",
            errors=[FieldError("stages", "each _id may appear only once")],
        )
    asked = {oid: item.order for oid, item in zip(ids, data.stages, strict=True)}

    def write(session: ClientSession) -> None:
        now = utcnow()
        serialize_on(db, STAGE_ORDER_LOCK, session)
        current = {
            d["_id"]: d.get("order")
            for d in db[STAGES].find(NOT_DELETED, {"order": 1}, session=session)
        }
        missing = [i for i, oid in enumerate(ids) if oid not in current]
        if missing:
            raise ValidationFailed(
                detail="Some stages do not exist; nothing was reordered",
                errors=[FieldError(f"stages[{i}]._id", "no such stage") for i in missing],
            )

        def rank(oid: ObjectId) -> tuple[float, int, ObjectId]:
            if oid in asked:
                return (asked[oid], 0, oid)
            value = current[oid]
            return (float(value) if isinstance(value, int | float) else float("inf"), 1, oid)

        final = {oid: index for index, oid in enumerate(sorted(current, key=rank))}
        operations = [
            UpdateOne(
                {"_id": oid},
                {"$set": {"order": position, "updatedAt": now}, "$inc": {"__v": 1}},
            )
            for oid, position in final.items()
            if current[oid] != position or oid in asked
        ]
        db[STAGES].bulk_write(operations, ordered=False, session=session)
        order = {str(oid): position for oid, position in final.items()}
        audit.record(db, actor, "reorder", STAGES, None, details={"order": order}, session=session)

    in_transaction(db, write)
    return list_stages(db)


def get_stage(db: Db, stage_id: str) -> Document:
    oid = parse_object_id(stage_id)
    for stage in list_stages(db):
        if stage["_id"] == oid:
            return stage
    raise NotFound(detail=f"{WHAT} not found")
