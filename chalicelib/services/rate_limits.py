"""Fixed-window counters in MongoDB (TTL collection), shared by every Lambda instance."""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo import ReturnDocument

from chalicelib.db import RATE_LIMITS, Db
from chalicelib.errors import TooManyRequests


def window_bounds(now: datetime, window_seconds: int) -> tuple[int, int, int]:
    """``(now, start, end)`` of the fixed window holding ``now``, as epoch seconds."""
    epoch = int(now.timestamp())
    start = epoch - epoch % window_seconds
    return epoch, start, start + window_seconds


def check(db: Db, key: str, *, limit: int, window_seconds: int, now: datetime) -> None:
    """Refuse (429) without counting when ``key`` is already over ``limit`` in this window."""
    epoch, start, end = window_bounds(now, window_seconds)
    doc = db[RATE_LIMITS].find_one({"_id": f"{key}@{start}"}, {"count": 1})
    if doc is not None and int(doc["count"]) >= limit:
        raise too_many(max(1, end - epoch))


def too_many(retry: int) -> TooManyRequests:
    return TooManyRequests(
        detail=f"Too many requests; try again in {retry} seconds",
        headers={"Retry-After": str(retry)},
    )


def hit(db: Db, key: str, *, limit: int, window_seconds: int, now: datetime) -> None:
    """Count one event for ``key`` in the current window; 429 with Retry-After past ``limit``."""
    epoch, window_start, window_end = window_bounds(now, window_seconds)
    doc = db[RATE_LIMITS].find_one_and_update(
        {"_id": f"{key}@{window_start}"},
        {
            "$inc": {"count": 1},
            "$setOnInsert": {"expiresAt": now + timedelta(seconds=window_end - epoch + 60)},
        },
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    if doc is not None and int(doc["count"]) > limit:
        raise too_many(max(1, window_end - epoch))
