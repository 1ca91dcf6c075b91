"""The append-only audit trail: who did what to which record, with masked sensitive values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo.client_session import ClientSession

from chalicelib.db import AUDIT_LOG, Db, Document
from chalicelib.services.actor import Actor
from chalicelib.services.common import (
    Page,
    check_version,
    effective_changes,
    find_page,
    in_transaction,
    utcnow,
    versioned_update,
)

MASK = "***"
# Field names (last path segment, case-insensitive) whose values never enter the audit log.
SENSITIVE_FIELDS = frozenset(
    {
        "password",
        "passwordhash",
        "token",
        "refreshtoken",
        "number",
        "permitnumber",
        "passportnumber",
        "arcnumber",
        "phone",
        "dob",
    }
)
# Whole sections whose every value is masked (a teacher's addresses and emergency contact).
SENSITIVE_SECTIONS = frozenset({"address", "emergencycontact"})
# Money: masked wherever it appears.
SENSITIVE_AMOUNTS = frozenset({"salary", "estimatedpromotedsalary"})
# Dates of identity documents (issue, expiry, start): masked inside these sections.
DOCUMENT_SECTIONS = frozenset(
    {
        "passportdetails",
        "workpermitdetails",
        "arcdetails",
        "teachinglicense",
        "criminalrecord",
        "documents",
    }
)
IGNORED_FIELDS = frozenset({"updatedAt", "__v"})


def is_sensitive(path: str) -> bool:
    parts = [part.lower() for part in path.split(".")]
    last = parts[-1]
    if last in SENSITIVE_FIELDS or last in SENSITIVE_AMOUNTS:
        return True
    if SENSITIVE_SECTIONS.intersection(parts[:-1]) or last in SENSITIVE_SECTIONS:
        return True
    return last.endswith("date") and bool(DOCUMENT_SECTIONS.intersection(parts[:-1]))


def mask(path: str, value: Any) -> Any:
    return MASK if is_sensitive(path) and value not in (None, "") else value


def diff(before: Document | None, after: Document | None, prefix: str = "") -> list[Document]:
    """Field-level changes between two versions: ``[{field, from, to}]`` with masking."""
    changes: list[Document] = []
    old = before or {}
    new = after or {}
    for key in sorted(set(old) | set(new), key=str):
        if key in IGNORED_FIELDS and not prefix:
            continue
        path = f"{prefix}.{key}" if prefix else str(key)
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict | None) and isinstance(b, dict | None) and (a or b):
            changes.extend(diff(a, b, path))
        elif a != b:
            changes.append({"field": path, "from": mask(path, a), "to": mask(path, b)})
    return changes


def record(
    db: Db,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: ObjectId | str | None,
    *,
    before: Document | None = None,
    after: Document | None = None,
    details: Document | None = None,
    session: ClientSession | None = None,
) -> None:
    """Append one audit entry. ``before``/``after`` produce the field-level ``changes``.

    Pass the ``session`` of the transaction that makes the change, so that the change and its
    entry commit together (``common.in_transaction``).
    """
    made = entry(actor, action, entity, entity_id, before=before, after=after, details=details)
    db[AUDIT_LOG].insert_one(made, session=session)


def entry(
    actor: Actor,
    action: str,
    entity: str,
    entity_id: ObjectId | str | None,
    *,
    before: Document | None = None,
    after: Document | None = None,
    details: Document | None = None,
) -> Document:
    """One audit entry, not yet written (bulk writers insert many at once)."""
    made: Document = {
        "at": utcnow(),
        "actor": actor.email,
        "actorId": actor.user_id,
        "role": actor.role,
        "action": action,
        "entity": entity,
        "entityId": str(entity_id) if entity_id is not None else None,
        "correlationId": actor.correlation_id,
        "clientAddress": actor.client_address,
    }
    if before is not None or after is not None:
        made["changes"] = diff(before, after)
    if details:
        made["details"] = {k: mask(k, v) for k, v in details.items()}
    return made


def list_entries(
    db: Db,
    *,
    entity: str | None,
    entity_id: str | None,
    actor: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
    action: str | None = None,
) -> Page:
    """Audit entries, newest first, filtered by entity, id, actor, action and time range."""
    query: Document = {}
    if action:
        query["action"] = action
    if entity:
        query["entity"] = entity
    if entity_id:
        query["entityId"] = entity_id
    if actor:
        query["actor"] = actor.strip().lower()
    if since is not None or until is not None:
        query["at"] = {}
        if since is not None:
            query["at"]["$gte"] = since
        if until is not None:
            query["at"]["$lt"] = until
    return find_page(
        db[AUDIT_LOG], query, sort=[("at", -1), ("_id", -1)], limit=limit, offset=offset
    )


def audited_insert(
    db: Db,
    actor: Actor,
    collection: str,
    doc: Document,
    *,
    action: str = "create",
    shown: Document | None = None,
) -> Document:
    """Insert ``doc`` and its audit entry in one transaction (``shown``: what the entry records,
    default the document itself). A duplicate key raises ``DuplicateKeyError``; nothing is kept."""

    def write(session: ClientSession) -> Document:
        db[collection].insert_one(doc, session=session)
        after = doc if shown is None else shown
        record(db, actor, action, collection, doc["_id"], after=after, session=session)
        return doc

    return in_transaction(db, write)


def audited_update(
    db: Db,
    actor: Actor,
    collection: str,
    query: Document,
    update: Document,
    *,
    expected_version: int | None,
    what: str,
    action: str = "update",
    only_changes: bool = False,
) -> Document:
    """``versioned_update`` and its audit entry (field-level diff) in one transaction.

    ``only_changes`` (for ``{"$set": …}`` updates sent by clients): values equal to the stored
    ones are dropped (``common.effective_changes``); when nothing is left, nothing is written —
    no version bump, no audit entry — and the stored record is returned (``If-Match`` still
    checked)."""

    def write(session: ClientSession) -> Document:
        before = db[collection].find_one(query, session=session)
        wanted = update
        if only_changes and before is not None and set(update) == {"$set"}:
            wanted = {"$set": effective_changes(before, update["$set"])}
            if not wanted["$set"]:
                check_version(before, expected_version, what)
                return before
        after = versioned_update(
            db[collection],
            query,
            wanted,
            expected_version=expected_version,
            what=what,
            session=session,
        )
        record(
            db, actor, action, collection, after["_id"], before=before, after=after, session=session
        )
        return after

    return in_transaction(db, write)
