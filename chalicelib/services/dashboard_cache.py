"""The dashboard's figures, computed once per view and kept until the data changes.

A view is the dashboard's filters (project included) on one UTC day (expiry alerts change with
the date). Its entry in ``dashboardcache`` holds the aggregation's raw result and the number of
audit entries when the computation began. Every change this system makes to teachers, stages,
alert rules, schools or projects commits together with an audit entry (the audit log is
append-only), so while that number is unchanged, nothing the dashboard counts has changed — a
later request with the same number reuses the result; any write makes it recompute. The number
is read from the collection's statistics (``$collStats``) in the same command as the stages and
alert rules, so a reused view costs one command besides the session check.

What the audit log does not see is bounded by ``DASHBOARD_CACHE_SECONDS`` (an entry is never
reused after that): writes that bypass the API (the original FETMS backend, a manual edit in the
database). Migrations clear the cache. Role masking is applied after the cache, so one entry
serves every role.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from pymongo.errors import DocumentTooLarge, OperationFailure

from chalicelib.db import AUDIT_LOG, DASHBOARD_CACHE, Db, Document
from chalicelib.models.teachers import DashboardQuery
from chalicelib.observability import logger

READ_AS = "_readAs"
AUDIT_COUNT = "audit"
CACHED = "cache"


@dataclass(frozen=True)
class CachedView:
    """What the context read found for one view: the audit count now, and the stored entry."""

    key: str
    audit_count: int | None
    entry: Document | None

    def reusable(self, now: datetime) -> Document | None:
        """The stored result when it was computed at the current audit count and is fresh."""
        entry = self.entry
        if entry is None or self.audit_count is None:
            return None
        if entry.get("auditCount") != self.audit_count:
            return None
        expires = entry.get("expiresAt")
        if not isinstance(expires, datetime) or expires <= now:
            return None
        result = entry.get("result")
        return result if isinstance(result, dict) else None


def view_key(query: DashboardQuery, now: datetime) -> str:
    """The filters and the UTC day, hashed (the filters are free text)."""
    filters = query.model_dump(mode="json", exclude_none=True)
    text = json.dumps({"filters": filters, "day": now.date().isoformat()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def context_stages(key: str) -> list[Document]:
    """``$unionWith`` branches for the context read: the audit log's document count and the
    stored entry of the view ``key``, each tagged in ``READ_AS``."""
    return [
        {
            "$unionWith": {
                "coll": AUDIT_LOG,
                "pipeline": [
                    {"$collStats": {"count": {}}},
                    {"$project": {"_id": 0, "count": 1, READ_AS: {"$literal": AUDIT_COUNT}}},
                ],
            }
        },
        {
            "$unionWith": {
                "coll": DASHBOARD_CACHE,
                "pipeline": [
                    {"$match": {"_id": key}},
                    {"$addFields": {READ_AS: {"$literal": CACHED}}},
                ],
            }
        },
    ]


def found_view(key: str, rows: list[Document]) -> CachedView:
    counts = [row.get("count") for row in rows if row.get(READ_AS) == AUDIT_COUNT]
    entries = [row for row in rows if row.get(READ_AS) == CACHED]
    count = counts[0] if counts and isinstance(counts[0], int) else None
    return CachedView(key, count, entries[0] if entries else None)


def store(db: Db, view: CachedView, result: Document, now: datetime, seconds: int) -> None:
    """Keep ``result`` for ``view`` (computed at ``view.audit_count``), for ``seconds`` at most.

    A view without an audit count (no audit log yet) is not stored. A result too large for one
    document is simply not kept."""
    if view.audit_count is None:
        return
    entry = {
        "auditCount": view.audit_count,
        "result": result,
        "computedAt": now,
        "expiresAt": now + timedelta(seconds=seconds),
    }
    try:
        db[DASHBOARD_CACHE].replace_one({"_id": view.key}, entry, upsert=True)
    except (DocumentTooLarge, OperationFailure) as exc:  # over the 16 MB document limit
        logger.warning("dashboard not cached", extra={"error": type(exc).__name__})


def clear(db: Db) -> int:
    """Forget every stored view (after a migration or a manual change to the data)."""
    return int(db[DASHBOARD_CACHE].delete_many({}).deleted_count)
