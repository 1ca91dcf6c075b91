"""Recruitment pipeline: stage targets, bulk reorder with stage history, the kanban read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import UpdateOne
from pymongo.client_session import ClientSession

from chalicelib.db import STAGES, TEACHERS, Db, Document
from chalicelib.errors import FieldError, ValidationFailed
from chalicelib.services import audit, common, positions
from chalicelib.services.actor import Actor
from chalicelib.services.common import NOT_DELETED, parse_object_id
from chalicelib.services.positions import UNCATEGORIZED_STAGE

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
    "arcDetails.expiryDate": 1,
    "workPermitDetails.expiryDate": 1,
    "passportDetails.expiryDate": 1,
    "teachingLicense.expiryDate": 1,
    "updatedAt": 1,
    "__v": 1,
}


STAGE_FIELDS: Document = {"title": 1, "order": 1, "isEmployed": 1}
KANBAN_ORDER: dict[str, int] = {"order": 1, "_id": 1}


def live_stages(db: Db) -> list[Document]:
    """Non-deleted stages in kanban order (only the fields the pipeline needs), with
    ``isEmployed`` decided (:func:`resolve_employed`)."""
    cursor = db[STAGES].find(NOT_DELETED, STAGE_FIELDS)
    return resolve_employed(list(cursor.sort(list(KANBAN_ORDER.items()))))


FETMS_EMPLOYED_MARKER = "Employed"


def resolve_employed(stages: list[Document]) -> list[Document]:
    """``stages`` (in kanban order) with ``isEmployed`` decided for each.

    A stored ``isEmployed`` flag wins. FETMS stages have none: FETMS counts as employed the
    first stage, in order, whose title contains "Employed" (case-sensitive), and only that one —
    the same rule picks one among the stages without a flag.
    """
    fetms_pick = next(
        (
            s
            for s in stages
            if not isinstance(s.get("isEmployed"), bool)
            and FETMS_EMPLOYED_MARKER in str(s.get("title") or "")
        ),
        None,
    )
    return [
        {
            **s,
            "isEmployed": s["isEmployed"]
            if isinstance(s.get("isEmployed"), bool)
            else s is fetms_pick,
        }
        for s in stages
    ]


def stage_history_entry(old: Any, new: str, at: datetime, actor: Actor) -> Document:
    """One append-only ``stageHistory`` entry."""
    return {"from": old, "to": new, "at": at, "by": actor.email}


def record_stage_move(
    db: Db, actor: Actor, oid: ObjectId, old: Any, new: str, session: ClientSession
) -> None:
    """The audit entry of a teacher changing stage (in the transaction that moves it)."""
    before, after = {"pipelineStage": old}, {"pipelineStage": new}
    audit.record(
        db, actor, "stage_move", TEACHERS, oid, before=before, after=after, session=session
    )


def reorder(db: Db, stage: str, teacher_ids: list[str], actor: Actor) -> Document:
    """Put the listed teachers into ``stage`` at positions 0, 1, … in the given order.

    The column's other teachers keep their relative order after them, and the columns the listed
    teachers came from close their gaps: positions stay unique and contiguous (see
    ``services/positions.py``). All ids must be valid, distinct, existing non-deleted teachers;
    otherwise nothing is written. One transaction (retried on write conflicts); stage changes
    append to ``stageHistory`` and are audited with the move.
    """
    oids = [parse_object_id(tid, f"teacherIds[{i}]") for i, tid in enumerate(teacher_ids)]
    if len(set(oids)) != len(oids):
        raise ValidationFailed(
            detail="A teacher is listed more than once",
            errors=[FieldError("teacherIds", "each id may appear only once")],
        )

    def write(session: ClientSession) -> Document:
        now = common.utcnow()
        live = positions.live_stage_ids(db, session)
        target = positions.check_stage(stage, live, "stage")
        found = db[TEACHERS].find(
            {"_id": {"$in": oids}, **NOT_DELETED}, {"pipelineStage": 1}, session=session
        )
        current = {doc["_id"]: doc.get("pipelineStage") for doc in found}
        missing = [i for i, oid in enumerate(oids) if oid not in current]
        if missing:
            raise ValidationFailed(
                detail="Some teachers do not exist or are deleted; nothing was moved",
                errors=[FieldError(f"teacherIds[{i}]", "no such teacher") for i in missing],
            )
        moved = [oid for oid in oids if current[oid] != target]
        operations = [_listed_update(oid, current[oid], target, now, actor) for oid in oids]
        if operations:
            db[TEACHERS].bulk_write(operations, ordered=True, session=session)
        positions.renumber(db, target, live, session, first=oids)
        sources = {positions.column_of(current[oid], live) for oid in moved} - {target}
        for column in sorted(sources):
            positions.renumber(db, column, live, session)
        for oid in moved:
            record_stage_move(db, actor, oid, current[oid], target, session)
        audit.record(
            db,
            actor,
            "pipeline_reorder",
            TEACHERS,
            None,
            details={"stage": target, "teachers": len(oids), "moved": len(moved)},
            session=session,
        )
        return {
            "message": "Pipeline updated",
            "stage": target,
            "updated": len(oids),
            "moved": len(moved),
        }

    return common.in_transaction(db, write)


def _listed_update(
    oid: ObjectId, old_stage: Any, target: str, now: datetime, actor: Actor
) -> UpdateOne:
    """A listed teacher joins ``target`` (its position is set by the renumbering)."""
    update: Document = {"$set": {"pipelineStage": target, "updatedAt": now}, "$inc": {"__v": 1}}
    if old_stage != target:
        update["$push"] = {"stageHistory": stage_history_entry(old_stage, target, now, actor)}
    return UpdateOne({"_id": oid, **NOT_DELETED}, update)


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
    column = {
        "$cond": [{"$in": ["$pipelineStage", stage_ids]}, "$pipelineStage", UNCATEGORIZED_STAGE]
    }
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
        {"_id": UNCATEGORIZED_STAGE, "title": UNCATEGORIZED_TITLE, "order": -1, "isEmployed": False}
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
