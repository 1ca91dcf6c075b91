"""A record's write and its audit entry in one round trip, inside the caller's transaction.

MongoDB 8's client-level ``bulkWrite`` carries writes to several collections in one command; an
older server (``maxWireVersion`` < 25) gets the same writes as separate commands. Either way they
run in the caller's transaction (``common.in_transaction``), so they commit together or not at all.

:func:`apply_update` computes what an update document makes of a record, so a service that read
the record before can return (and audit) the result without reading it again.
"""

from __future__ import annotations

import copy
from typing import Any

from pymongo import InsertOne, UpdateOne
from pymongo.client_session import ClientSession
from pymongo.errors import ClientBulkWriteException, DuplicateKeyError, InvalidOperation
from pymongo.results import ClientBulkWriteResult

from chalicelib.db import AUDIT_LOG, Db, Document

_server_has_bulk_write: dict[str, bool] = {}  # "known": False once a server refused it


def update_with_entry(
    db: Db,
    collection: str,
    query: Document,
    update: Document,
    entry: Document,
    session: ClientSession,
) -> bool:
    """Update the one document matching ``query`` and insert the audit ``entry``.

    Returns False when nothing matched: the caller then raises, which aborts the transaction and
    so drops the entry too.
    """
    writes = [
        UpdateOne(query, update, namespace=f"{db.name}.{collection}"),
        InsertOne(entry, namespace=f"{db.name}.{AUDIT_LOG}"),
    ]
    result = _bulk(db, writes, session)
    if result is not None:
        return result.matched_count == 1
    if db[collection].update_one(query, update, session=session).matched_count != 1:
        return False
    db[AUDIT_LOG].insert_one(entry, session=session)
    return True


def insert_with_entry(
    db: Db, collection: str, doc: Document, entry: Document, session: ClientSession
) -> None:
    """Insert ``doc`` and its audit ``entry`` (a unique-index clash raises DuplicateKeyError)."""
    writes = [
        InsertOne(doc, namespace=f"{db.name}.{collection}"),
        InsertOne(entry, namespace=f"{db.name}.{AUDIT_LOG}"),
    ]
    if _bulk(db, writes, session) is None:
        db[collection].insert_one(doc, session=session)
        db[AUDIT_LOG].insert_one(entry, session=session)


def _bulk(db: Db, writes: list[Any], session: ClientSession) -> ClientBulkWriteResult | None:
    """``writes`` as one ``bulkWrite`` command; None when the server does not have it."""
    if _server_has_bulk_write.get("known") is False:
        return None
    try:
        result = db.client.bulk_write(writes, session=session, ordered=True)
    except InvalidOperation:
        _server_has_bulk_write["known"] = False  # MongoDB < 8.0: separate commands from now on
        return None
    except ClientBulkWriteException as exc:
        raise _underlying(exc) from exc
    return result


def _underlying(exc: ClientBulkWriteException) -> Exception:
    """The error the equivalent single-collection command would have raised, so callers (and
    the transaction's retry of transient errors) handle it the same way."""
    if isinstance(exc.error, Exception):
        return exc.error
    errors = exc.write_errors or []
    for error in errors.values() if isinstance(errors, dict) else errors:
        if isinstance(error, dict) and error.get("code") == 11000:
            return DuplicateKeyError(str(error.get("errmsg", "duplicate key")), 11000, error)
    return exc


def apply_update(doc: Document, update: Document) -> Document:
    """What ``update`` (``$set``/``$unset``/``$inc``/``$push`` on dotted paths) makes of ``doc``,
    computed here as MongoDB would; ``doc`` is left unchanged."""
    result = copy.deepcopy(doc)
    for path, value in update.get("$set", {}).items():
        parent, key = _parent(result, path)
        parent[key] = copy.deepcopy(value)
    for path in update.get("$unset", {}):
        parent, key = _parent(result, path)
        parent.pop(key, None)
    for path, amount in update.get("$inc", {}).items():
        parent, key = _parent(result, path)
        parent[key] = (parent.get(key) or 0) + amount
    for path, value in update.get("$push", {}).items():
        parent, key = _parent(result, path)
        parent[key] = [*(parent.get(key) or []), copy.deepcopy(value)]
    return result


def _parent(doc: Document, path: str) -> tuple[Document, str]:
    *parents, last = path.split(".")
    target = doc
    for part in parents:
        inner = target.get(part)
        if not isinstance(inner, dict):
            inner = target[part] = {}
        target = inner
    return target, last
