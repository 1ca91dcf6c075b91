"""Undoing an applied import: created records removed, updated ones restored as they were.

All or nothing, in one transaction. It is refused (409, naming the rows) when a record the import
wrote has changed since (its version moved on) or was deleted, and when a kanban column the import
renumbered has been reordered since: undoing then would overwrite someone's later work. When
nothing changed, the database is exactly as before the import (kanban positions included).
"""

from __future__ import annotations

from bson import ObjectId
from pymongo import UpdateOne
from pymongo.client_session import ClientSession

from chalicelib.db import IMPORT_ITEMS, IMPORTS, Db, Document
from chalicelib.errors import Conflict, FieldError
from chalicelib.services import audit, positions
from chalicelib.services.actor import Actor
from chalicelib.services.common import in_transaction, serialize_on, utcnow
from chalicelib.services.imports import records
from chalicelib.services.imports.sources import chunked
from chalicelib.services.imports.writing import CREATE, POSITIONS, UPDATE
from chalicelib.settings import Settings


def _changed_since(db: Db, items: list[Document], session: ClientSession) -> list[FieldError]:
    records_now: dict[ObjectId, Document] = {}
    for entity in {i["entity"] for i in items}:
        ids = [i["recordId"] for i in items if i["entity"] == entity and "recordId" in i]
        for chunk in chunked(ids):
            found = db[entity].find(
                {"_id": {"$in": chunk}}, {"__v": 1, "isDeleted": 1}, session=session
            )
            records_now.update({doc["_id"]: doc for doc in found})
    problems: list[FieldError] = []
    for item in items:
        if item["action"] == POSITIONS:
            continue
        current = records_now.get(item["recordId"])
        where = f"row {item['row']}"
        if current is None:
            problems.append(FieldError(where, "the record no longer exists"))
        elif current.get("isDeleted"):
            problems.append(FieldError(where, "the record was deleted since the import"))
        elif int(current.get("__v") or 0) != item["afterVersion"]:
            problems.append(
                FieldError(
                    where,
                    f"changed since the import (version {current.get('__v')}, "
                    f"the import left {item['afterVersion']})",
                )
            )
    return problems


def _column_moved_since(
    db: Db, item: Document, created: set[ObjectId], session: ClientSession
) -> FieldError | None:
    after = {oid: order for oid, order in item["after"] if oid not in created}
    now: dict[ObjectId, object] = {}
    for chunk in chunked(list(after)):
        members = db[item["entity"]].find(
            {"_id": {"$in": chunk}}, {"pipelineOrder": 1}, session=session
        )
        now.update({m["_id"]: m.get("pipelineOrder") for m in members})
    if now != after:
        return FieldError(
            f"column {item['column']}", "the kanban column was reordered since the import"
        )
    return None


def undo_import(db: Db, import_id: str, actor: Actor, settings: Settings) -> Document:
    record = records.get_record(db, import_id)
    oid = record["_id"]

    def work(session: ClientSession) -> Document:
        serialize_on(db, f"import:{oid}", session)
        items = list(db[IMPORT_ITEMS].find({"importId": oid}, session=session))
        created = {i["recordId"] for i in items if i["action"] == CREATE}
        problems = _changed_since(db, items, session)
        for item in items:
            if item["action"] == POSITIONS:
                moved = _column_moved_since(db, item, created, session)
                if moved is not None:
                    problems.append(moved)
        if problems:
            raise Conflict(
                detail=f"{len(problems)} record(s) changed since the import; nothing was undone. "
                "Undo is refused so that later work is not overwritten.",
                errors=problems,
            )
        records.set_state(
            db, oid, {"status": records.UNDONE}, expect=(records.APPLIED,), session=session
        )
        restored = removed = 0
        by_entity: dict[str, list[Document]] = {}
        for item in items:
            by_entity.setdefault(item["entity"], []).append(item)
        for entity, group in by_entity.items():
            gone = [i["recordId"] for i in group if i["action"] == CREATE]
            for chunk in chunked(gone):
                deleted = db[entity].delete_many({"_id": {"$in": chunk}}, session=session)
                removed += deleted.deleted_count
            for item in group:
                if item["action"] == UPDATE:
                    db[entity].replace_one(
                        {"_id": item["recordId"]}, item["before"], session=session
                    )
                    restored += 1
            _restore_positions(db, entity, group, created, session)
        counts = {"removed": removed, "restored": restored}
        audit.record(db, actor, "import.undo", IMPORTS, oid, details=counts, session=session)
        return records.set_state(
            db,
            oid,
            {"undone": counts, "undoneAt": utcnow(), "undoneBy": actor.email},
            session=session,
        )

    return records.report(in_transaction(db, work, timeout_ms=settings.import_timeout_ms))


def _restore_positions(
    db: Db, entity: str, items: list[Document], created: set[ObjectId], session: ClientSession
) -> None:
    """Columns a moved teacher left get their recorded positions back. Columns where the import
    appended teachers are renumbered only when someone was placed after them since (their
    removal would leave a gap); otherwise they are exactly as before."""
    restores = [
        UpdateOne({"_id": oid}, {"$set": {"pipelineOrder": order}})
        for item in items
        if item["action"] == POSITIONS
        for oid, order in item["before"]
        if oid not in created
    ]
    if restores:
        db[entity].bulk_write(restores, ordered=False, session=session)
    lowest: dict[str, float] = {}
    for item in items:
        if item.get("placed"):
            column, position = item["placed"]
            lowest[column] = min(lowest.get(column, float("inf")), float(position))
    if not lowest:
        return
    live = positions.live_stage_ids(db, session)
    for column, first in lowest.items():
        later = {**positions.column_query(column, live), "pipelineOrder": {"$gte": first}}
        if db[entity].find_one(later, {"_id": 1}, session=session) is not None:
            positions.renumber(db, column, live, session)
