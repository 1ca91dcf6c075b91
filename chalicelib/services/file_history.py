"""A teacher's file history (``documentHistory``): every upload, replacement and removal with who
and when — the objects themselves stay in S3, so any version can be recovered from here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId

from chalicelib.db import Db, Document
from chalicelib.services.actor import Actor
from chalicelib.services.teacher_files import StoredFile, load_teacher, teacher_oid

HISTORY = "documentHistory"
HISTORY_LIMIT = 200


def file_history_entry(
    actor: Actor,
    kind: str,
    action: str,
    now: datetime,
    *,
    stored: StoredFile | None = None,
    doc_id: ObjectId | None = None,
    name: str | None = None,
    previous_path: str | None = None,
) -> Document:
    """One ``documentHistory`` entry (``kind``: avatar, a core type or adhoc)."""
    entry: Document = {
        "_id": ObjectId(),
        "type": kind,
        "action": action,
        "at": now,
        "by": actor.email,
        "byId": actor.user_id,
    }
    if stored is not None:
        entry.update(
            filePath=stored.key,
            fileName=stored.file_name,
            contentType=stored.content_type,
            size=stored.size,
        )
        if stored.upload_id is not None:
            entry["uploadId"] = stored.upload_id
    if doc_id is not None:
        entry["docId"] = doc_id
    if name is not None:
        entry["name"] = name
    if previous_path is not None:
        entry["previousFilePath"] = previous_path
    return entry


def push_history(entry: Document) -> Document:
    """The ``$push`` that appends ``entry``, keeping the newest ``HISTORY_LIMIT`` entries."""
    return {HISTORY: {"$each": [entry], "$slice": -HISTORY_LIMIT}}


def history_content_type(teacher: Document, key: Any) -> str | None:
    """The content type recorded when ``key`` was uploaded (avatars keep it only here)."""
    for entry in reversed(teacher.get(HISTORY) or []):
        if key and entry.get("filePath") == key:
            value = entry.get("contentType")
            return str(value) if value else None
    return None


def document_history(db: Db, teacher_id: str, kind: str | None = None) -> list[Document]:
    """The teacher's file history, newest first (optionally of one kind)."""
    teacher = load_teacher(db, teacher_oid(teacher_id), {HISTORY: 1})
    entries = [dict(e) for e in teacher.get(HISTORY) or []]
    if kind is not None:
        entries = [e for e in entries if e.get("type") == kind]
    return list(reversed(entries))
