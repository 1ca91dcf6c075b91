"""What differs between importing teachers and schools: the key, the models, new documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId
from pydantic import BaseModel
from pymongo.client_session import ClientSession

from chalicelib.db import SCHOOLS, TEACHERS, Db, Document
from chalicelib.models.schools import SchoolCreate, SchoolUpdate
from chalicelib.models.teachers import TeacherCreate, TeacherUpdate
from chalicelib.services.actor import Actor
from chalicelib.services.common import (
    NOT_DELETED,
    effective_changes,
    flatten_for_set,
    stamp_new,
)
from chalicelib.services.imports.sources import chunked
from chalicelib.services.pipeline import stage_history_entry
from chalicelib.services.positions import UNCATEGORIZED_STAGE, column_of
from chalicelib.services.teachers import DOCUMENT_TYPES

REFERENCES = ("school", "project")


@dataclass(frozen=True)
class Kind:
    name: str
    collection: str
    key_path: str
    key_label: str
    create_model: type[BaseModel]
    update_model: type[BaseModel]

    def key_index(self, db: Db, session: ClientSession | None) -> dict[str, list[ObjectId]]:
        """Every live record's key (e-mails compared ignoring case) → its ids; read once per
        import (keys only), so matching a batch is one ``_id`` lookup whatever the server."""
        index: dict[str, list[ObjectId]] = {}
        cursor = db[self.collection].find(NOT_DELETED, {self.key_path: 1}, session=session)
        for doc in cursor:
            index.setdefault(self.key_of(doc), []).append(doc["_id"])
        return index

    def find_existing(
        self,
        db: Db,
        keys: list[str],
        index: dict[str, list[ObjectId]],
        session: ClientSession | None,
    ) -> dict[str, list[Document]]:
        """Live records per key (a list: FETMS data may hold several for one key)."""
        ids = [oid for key in keys for oid in index.get(key, [])]
        if not ids:
            return {}
        found: dict[str, list[Document]] = {}
        for chunk in chunked(ids):
            for doc in db[self.collection].find({"_id": {"$in": chunk}}, session=session):
                found.setdefault(self.key_of(doc), []).append(doc)
        return found

    def key_of(self, doc: Document) -> str:
        value: Any = doc.get(self.key_path) if self.key_path in doc else doc
        for part in () if self.key_path in doc else self.key_path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        text = str(value or "").strip()
        return text.lower() if self.name == "teachers" else text

    def changes(
        self, existing: Document, fields: Document, live_stages: list[str] | None = None
    ) -> Document:
        """The ``$set`` of an update: only what differs from the stored record (the key found
        the record: an e-mail differing only in case is the same e-mail)."""
        changes = effective_changes(existing, flatten_for_set("", _with_ids(fields)))
        if self.key_of(existing) == self.key_of(changes) and self.key_path in changes:
            del changes[self.key_path]
        stage = changes.get("pipelineStage")
        # "Uncategorized" names every teacher outside a live stage (a legacy title too)
        if live_stages is not None and stage == column_of(
            existing.get("pipelineStage"), live_stages
        ):
            del changes["pipelineStage"]
        return changes

    def new_document(self, fields: Document, actor: Actor, now: datetime) -> Document:
        """The inserted record (teachers: defaults as ``POST /api/teachers`` sets them; their
        kanban position is assigned by the writer)."""
        doc = {k: v for k, v in _with_ids(fields).items() if v is not None}
        if self.name == "schools":
            return stamp_new({**doc, "isDeleted": False}, now)
        documents = doc.get("documents") or {}
        for doc_type in DOCUMENT_TYPES:
            documents.setdefault(doc_type, {}).setdefault("status", "missing")
        stage = doc.get("pipelineStage") or UNCATEGORIZED_STAGE
        return stamp_new(
            {
                **doc,
                "email": str(doc["email"]).strip(),
                "documents": documents,
                "pipelineStage": stage,
                "documentBoxes": [],
                "otherDocuments": [],
                "stageHistory": [stage_history_entry(None, stage, now, actor)],
                "isDeleted": False,
            },
            now,
        )


def _with_ids(fields: Document) -> Document:
    out = dict(fields)
    for name in REFERENCES:
        if isinstance(out.get(name), str):
            out[name] = ObjectId(out[name])
    return out


TEACHERS_KIND = Kind("teachers", TEACHERS, "email", "e-mail", TeacherCreate, TeacherUpdate)
SCHOOLS_KIND = Kind("schools", SCHOOLS, "name.chinese", "Chinese name", SchoolCreate, SchoolUpdate)
KINDS = {k.name: k for k in (TEACHERS_KIND, SCHOOLS_KIND)}
