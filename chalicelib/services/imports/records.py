"""The ``imports`` collection: one record per import — who, when, which file, what it did.

Status: ``awaiting-upload`` (presigned upload asked) → ``uploaded`` → ``validated`` (dry run) →
``applied`` → ``undone``. A rejected apply leaves the status as it was and records the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.client_session import ClientSession

from chalicelib.db import IMPORTS, Db, Document
from chalicelib.errors import Conflict, ValidationFailed
from chalicelib.services.actor import Actor
from chalicelib.services.common import Page, find_page, get_or_404, parse_object_id, utcnow
from chalicelib.services.imports.mapping import RowError

AWAITING_UPLOAD = "awaiting-upload"
UPLOADED = "uploaded"
VALIDATED = "validated"
APPLIED = "applied"
UNDONE = "undone"
APPLICABLE = (AWAITING_UPLOAD, UPLOADED, VALIDATED)
MAX_STORED_ERRORS = 200
WHAT = "Import"
ACTIONS = ("create", "update", "unchanged", "error")


@dataclass
class RowResult:
    row: int
    action: str  # create | update | unchanged | error
    key: str | None = None
    id: str | None = None
    changes: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> Document:
        out: Document = {"row": self.row, "action": self.action, "key": self.key}
        if self.id:
            out["id"] = self.id
        if self.changes:
            out["changes"] = self.changes
        if self.errors:
            out["errors"] = [e.as_dict() for e in self.errors]
        return out


@dataclass
class Outcome:
    """What an import run found (dry run) or did (apply), row by row."""

    format: str
    encoding: str | None
    results: list[RowResult] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = {action: 0 for action in ACTIONS}
        for result in self.results:
            counts[result.action] += 1
        return {"rows": len(self.results), **counts}

    def errors(self) -> list[RowError]:
        return [e for r in self.results for e in r.errors]

    def summary(self) -> Document:
        return {
            "format": self.format,
            "encoding": self.encoding,
            "counts": self.counts(),
            "errors": [e.as_dict() for e in self.errors()[:MAX_STORED_ERRORS]],
        }


@dataclass
class ImportRejected(ValidationFailed):
    """An apply refused because rows have errors (``onError=abort``): nothing was written.
    The problem carries the import id, the counts and every row's result."""

    extra: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        return {**super().problem(instance), **self.extra}


def new_record(
    db: Db,
    kind: str,
    actor: Actor,
    *,
    file_name: str,
    size: int,
    status: str,
    source: str,
    source_key: str | None = None,
    oid: ObjectId | None = None,
    project_id: str | None = None,
) -> Document:
    now = utcnow()
    record: Document = {
        "_id": oid or ObjectId(),
        "kind": kind,
        "fileName": file_name,
        "size": size,
        "source": source,
        "sourceKey": source_key,
        "status": status,
        "createdAt": now,
        "createdBy": actor.email,
        "updatedAt": now,
        "__v": 0,
    }
    if project_id:
        record["projectId"] = project_id
    db[IMPORTS].insert_one(record)
    return record


def get_record(db: Db, import_id: str) -> Document:
    return get_or_404(db[IMPORTS], {"_id": parse_object_id(import_id)}, WHAT)


def list_records(db: Db, *, kind: str | None, limit: int, offset: int) -> Page:
    """Imports, newest first, each as ``report`` shows it (its counts, no storage key)."""
    query: Document = {"kind": kind} if kind else {}
    page = find_page(
        db[IMPORTS], query, sort=[("createdAt", -1), ("_id", -1)], limit=limit, offset=offset
    )
    return replace(page, items=[report(item) for item in page.items])


def set_state(
    db: Db,
    oid: ObjectId,
    fields: Document,
    *,
    expect: tuple[str, ...] | None = None,
    session: ClientSession | None = None,
) -> Document:
    """Update the record (only from a status in ``expect``: 409 otherwise)."""
    query: Document = {"_id": oid}
    if expect is not None:
        query["status"] = {"$in": list(expect)}
    updated = db[IMPORTS].find_one_and_update(
        query,
        {"$set": {**fields, "updatedAt": utcnow()}, "$inc": {"__v": 1}},
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    if updated is None:
        current = get_or_404(db[IMPORTS], {"_id": oid}, WHAT, session=session)
        raise Conflict(
            detail=f"This import is {current.get('status')}; it can be done only when "
            + " or ".join(expect or ())
        )
    return updated


def report(record: Document, outcome: Outcome | None = None) -> Document:
    """The answer of the import routes: the record, the rows, and FETMS's ``message``,
    ``count`` (records written) and ``total`` (rows read)."""
    body = {k: v for k, v in record.items() if k != "sourceKey"}
    if outcome is not None:
        counts = outcome.counts()
        body["rows"] = [r.as_dict() for r in outcome.results]
        body["counts"] = counts
        body["total"] = counts["rows"]
        body["count"] = counts["create"] + counts["update"]
    if "counts" not in body:
        latest = body.get("applied") or body.get("validation") or {}
        if isinstance(latest.get("counts"), dict):
            body["counts"] = latest["counts"]
    status = body.get("status")
    counts = body.get("counts") or {}
    body["message"] = _message(str(status), counts, bool(body.get("dryRun")))
    return body


def _message(status: str, counts: Document, dry_run: bool) -> str:
    summary = ", ".join(f"{counts.get(a, 0)} {a}" for a in ACTIONS)
    if status == APPLIED:
        return f"Import successful: {summary}"
    if status == UNDONE:
        return "Import undone"
    if status == VALIDATED or dry_run:
        return f"Dry run (nothing written): {summary}"
    return f"Import {status}"
