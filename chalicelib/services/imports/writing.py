"""The writes of an applied import, batch by batch inside its one transaction.

Every created or updated record gets an ``importitems`` entry (for undo: the full record before,
and its version after) and an audit entry. Teachers get kanban positions the way the API gives
them (``services/positions.py``): creates and moves are appended to their column; a column a
teacher left is renumbered at the end, its positions before and after recorded for undo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bson import ObjectId
from pymongo import UpdateOne
from pymongo.client_session import ClientSession

from chalicelib.db import AUDIT_LOG, IMPORT_ITEMS, Db, Document
from chalicelib.services import audit, positions
from chalicelib.services.actor import Actor
from chalicelib.services.common import value_at
from chalicelib.services.imports.kinds import Kind
from chalicelib.services.pipeline import stage_history_entry

CREATE = "create"
UPDATE = "update"
POSITIONS = "positions"


@dataclass
class Writer:
    db: Db
    kind: Kind
    actor: Actor
    import_id: ObjectId
    session: ClientSession
    now: datetime
    live_stages: list[str]
    inserts: list[Document] = field(default_factory=list)
    updates: list[UpdateOne] = field(default_factory=list)
    items: list[Document] = field(default_factory=list)
    audits: list[Document] = field(default_factory=list)
    next_position: dict[str, int] = field(default_factory=dict)
    columns_before: dict[str, dict[ObjectId, object]] = field(default_factory=dict)

    def _position(self, column: str) -> int:
        if column not in self.next_position:
            self.next_position[column] = positions.next_position(
                self.db, column, self.live_stages, self.session
            )
        position = self.next_position[column]
        self.next_position[column] += 1
        return position

    def _details(self, row: int) -> Document:
        return {"importId": str(self.import_id), "row": row}

    def create(self, row: int, doc: Document) -> ObjectId:
        doc["_id"] = ObjectId()
        if self.kind.name == "teachers":
            doc["pipelineOrder"] = self._position(doc["pipelineStage"])
        self.inserts.append(doc)
        item = self._item(row, doc["_id"], CREATE, None, doc["__v"])
        if self.kind.name == "teachers":
            item["placed"] = [doc["pipelineStage"], doc["pipelineOrder"]]
        self.items.append(item)
        self.audits.append(
            audit.entry(
                self.actor,
                "import.create",
                self.kind.collection,
                doc["_id"],
                after=doc,
                details=self._details(row),
            )
        )
        oid: ObjectId = doc["_id"]
        return oid

    def update(self, row: int, existing: Document, changes: Document) -> None:
        update: Document = {
            "$set": {**changes, "updatedAt": self.now},
            "$inc": {"__v": 1},
        }
        if self.kind.name == "teachers" and "pipelineStage" in changes:
            self._move(existing, changes["pipelineStage"], update)
        self.updates.append(UpdateOne({"_id": existing["_id"]}, update))
        version = int(existing.get("__v") or 0) + 1
        item = self._item(row, existing["_id"], UPDATE, existing, version)
        if "pipelineOrder" in update["$set"]:
            item["placed"] = [changes["pipelineStage"], update["$set"]["pipelineOrder"]]
        self.items.append(item)
        before = {path: value_at(existing, path) for path in changes}
        self.audits.append(
            audit.entry(
                self.actor,
                "import.update",
                self.kind.collection,
                existing["_id"],
                before=before,
                after=dict(changes),
                details=self._details(row),
            )
        )

    def _move(self, existing: Document, stage: str, update: Document) -> None:
        old_stage = existing.get("pipelineStage")
        old_column = positions.column_of(old_stage, self.live_stages)
        if stage != old_column:
            if old_column not in self.columns_before:
                members = self.db[self.kind.collection].find(
                    positions.column_query(old_column, self.live_stages),
                    {"pipelineOrder": 1},
                    session=self.session,
                )
                self.columns_before[old_column] = {
                    m["_id"]: m.get("pipelineOrder") for m in members
                }
            update["$set"]["pipelineOrder"] = self._position(stage)
        if stage != old_stage:
            update["$push"] = {
                "stageHistory": stage_history_entry(old_stage, stage, self.now, self.actor)
            }

    def _item(
        self, row: int, oid: ObjectId, action: str, before: Document | None, version: int
    ) -> Document:
        return {
            "importId": self.import_id,
            "row": row,
            "entity": self.kind.collection,
            "recordId": oid,
            "action": action,
            "before": before,
            "afterVersion": version,
        }

    def flush(self) -> None:
        collection = self.db[self.kind.collection]
        if self.inserts:
            collection.insert_many(self.inserts, session=self.session)
        if self.updates:
            collection.bulk_write(self.updates, ordered=True, session=self.session)
        if self.items:
            self.db[IMPORT_ITEMS].insert_many(self.items, session=self.session)
        if self.audits:
            self.db[AUDIT_LOG].insert_many(self.audits, session=self.session)
        self.inserts, self.updates, self.items, self.audits = [], [], [], []

    def finish(self) -> None:
        """Close the gaps moves left (positions before/after recorded for undo)."""
        self.flush()
        for column, before in self.columns_before.items():
            after = positions.renumber(self.db, column, self.live_stages, self.session)
            self.db[IMPORT_ITEMS].insert_one(
                {
                    "importId": self.import_id,
                    "row": 0,
                    "action": POSITIONS,
                    "entity": self.kind.collection,
                    "column": column,
                    "before": [[oid, order] for oid, order in before.items()],
                    "after": [[oid, order] for oid, order in after.items()],
                },
                session=self.session,
            )
