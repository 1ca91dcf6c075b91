"""Recruitment pipeline: stage targets, bulk reorder with stage history, the kanban read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import UpdateOne

from chalicelib.db import STAGES, TEACHERS, Db, Document
from chalicelib.errors import FieldError, ValidationFailed
from chalicelib.services import audit, common
from chalicelib.services.actor import Actor
from chalicelib.services.common import NOT_DELETED, parse_object_id
from chalicelib.services.stages import UNCATEGORIZED

UNCATEGORIZED_TITLE = "Uncategorized"
DEFAULT_CARDS_PER_COLUMN = 200
CARD_FIELDS: Document = {
    "firstName": 1,
    "middleName": 1,
    "lastName": 1,
    "email": 1,
    "profilePicture": 1,
    "school": 1,
    "project": 1,
    "pipelineStage": 1,
    "pipelineOrder": 1,
    "personalInfo.chineseName": 1,
    "personalInfo.englishName": 1,
    "personalInfo.serviceSchool": 1,
    "personalInfo.nationality": 1,
    "personalInfo.hiringStatus": 1,
    "updatedAt": 1,
    "__v": 1,
}


def live_stages(db: Db) -> list[Document]:
    """Non-deleted stages in kanban order (only the fields the pipeline needs)."""
    cursor = db[STAGES].find(NOT_DELETED, {"title": 1, "order": 1, "isEmployed": 1})
    return list(cursor.sort([("order", 1), ("_id", 1)]))


def live_stage_ids(db: Db) -> list[str]:
    return [str(stage["_id"]) for stage in live_stages(db)]


def check_stage(db: Db, value: str, field: str = "pipelineStage") -> str:
    """``uncategorized`` or the id of a live stage; anything else is a 400."""
    if value.strip().lower() == UNCATEGORIZED:
        return UNCATEGORIZED
    if not ObjectId.is_valid(value) or len(value) != 24:
        raise ValidationFailed(
            detail=f"'{field}' must be a stage id or '{UNCATEGORIZED}'",
            errors=[FieldError(field, "unknown stage")],
        )
    found = db[STAGES].find_one({"_id": ObjectId(value), **NOT_DELETED}, {"_id": 1})
    if found is None:
        raise ValidationFailed(
            detail=f"Stage '{value}' does not exist",
            errors=[FieldError(field, "unknown stage")],
        )
    return value.lower()


def history_entry(old: Any, new: str, at: datetime, actor: Actor) -> Document:
    """One append-only stage history entry."""
    return {"from": old, "to": new, "at": at, "by": actor.email}


def reorder(db: Db, stage: str, teacher_ids: list[str], actor: Actor) -> Document:
    """Move the listed teachers into ``stage`` with ``pipelineOrder`` = their position.

    All ids must be valid, distinct, existing non-deleted teachers; otherwise nothing is written.
    The whole move is one bulk write in a transaction; stage changes append to ``stageHistory``.
    """
    target = check_stage(db, stage, "stage")
    oids = [parse_object_id(tid, f"teacherIds[{i}]") for i, tid in enumerate(teacher_ids)]
    if len(set(oids)) != len(oids):
        raise ValidationFailed(
            detail="A teacher is listed more than once",
            errors=[FieldError("teacherIds", "each id may appear only once")],
        )
    current = {
        doc["_id"]: doc.get("pipelineStage")
        for doc in db[TEACHERS].find({"_id": {"$in": oids}, **NOT_DELETED}, {"pipelineStage": 1})
    }
    missing = [i for i, oid in enumerate(oids) if oid not in current]
    if missing:
        raise ValidationFailed(
            detail="Some teachers do not exist or are deleted; nothing was moved",
            errors=[FieldError(f"teacherIds[{i}]", "no such teacher") for i in missing],
        )
    now = common.utcnow()
    operations: list[UpdateOne] = []
    moved: list[tuple[ObjectId, Any]] = []
    for position, oid in enumerate(oids):
        update: Document = {
            "$set": {"pipelineStage": target, "pipelineOrder": position, "updatedAt": now},
            "$inc": {"__v": 1},
        }
        if current[oid] != target:
            update["$push"] = {"stageHistory": history_entry(current[oid], target, now, actor)}
            moved.append((oid, current[oid]))
        operations.append(UpdateOne({"_id": oid, **NOT_DELETED}, update))
    if operations:
        with db.client.start_session() as session, session.start_transaction():
            db[TEACHERS].bulk_write(operations, ordered=True, session=session)
    for oid, old in moved:
        audit.record(
            db,
            actor,
            "stage_move",
            TEACHERS,
            oid,
            before={"pipelineStage": old},
            after={"pipelineStage": target},
        )
    audit.record(
        db,
        actor,
        "pipeline_reorder",
        TEACHERS,
        None,
        details={"stage": target, "teachers": len(oids), "moved": len(moved)},
    )
    return {
        "message": "Pipeline updated",
        "stage": target,
        "updated": len(oids),
        "moved": len(moved),
    }


def kanban(db: Db, *, project_id: str | None, per_column: int | None) -> list[Document]:
    """Columns in order (uncategorized first), each with its count and first cards.

    One aggregation groups every teacher of the project by column, keeping only the first
    ``per_column`` cards of each (``$topN``: bounded memory and reply size whatever the data size);
    teachers whose stage is unknown or deleted fall into ``uncategorized``.
    """
    stages = live_stages(db)
    stage_ids = [str(s["_id"]) for s in stages]
    limit = per_column or DEFAULT_CARDS_PER_COLUMN
    match: Document = dict(NOT_DELETED)
    if project_id:
        match["project"] = parse_object_id(project_id, "projectId")
    column = {"$cond": [{"$in": ["$pipelineStage", stage_ids]}, "$pipelineStage", UNCATEGORIZED]}
    pipeline: list[Document] = [
        {"$match": match},
        {"$project": {**CARD_FIELDS, "column": column}},
        {
            "$group": {
                "_id": "$column",
                "count": {"$sum": 1},
                "teachers": {
                    "$topN": {
                        "output": "$$ROOT",
                        "sortBy": {"pipelineOrder": 1, "_id": 1},
                        "n": limit,
                    }
                },
            }
        },
    ]
    groups = {g["_id"]: g for g in db[TEACHERS].aggregate(pipeline)}
    columns: list[Document] = []
    heads: list[Document] = [
        {"_id": UNCATEGORIZED, "title": UNCATEGORIZED_TITLE, "order": -1, "isEmployed": False}
    ]
    heads += [
        {
            "_id": str(s["_id"]),
            "title": s.get("title", ""),
            "order": s.get("order", 0),
            "isEmployed": bool(s.get("isEmployed", False)),
        }
        for s in stages
    ]
    for head in heads:
        group = groups.get(head["_id"], {})
        cards = group.get("teachers", [])
        for card in cards:
            card.pop("column", None)
        columns.append({**head, "count": group.get("count", 0), "teachers": cards})
    return columns
