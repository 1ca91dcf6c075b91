"""Maintenance mode: a flag in the ``settings`` collection that makes the API refuse writes.

While on, every authenticated write answers 503 with ``Retry-After`` and the operator's message;
reads keep working and ``/api/health`` reports it. An ``until`` time in the past means off (a
forgotten maintenance window ends by itself). The API reads the flag at most every
``CACHE_SECONDS`` per Lambda container, so a change made from the CLI takes effect within that time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo.client_session import ClientSession

from chalicelib.db import APP_SETTINGS, Db, Document
from chalicelib.errors import FieldError, ValidationFailed
from chalicelib.services import audit
from chalicelib.services.actor import Actor
from chalicelib.services.common import in_transaction, utcnow

MAINTENANCE_ID = "maintenance"
DEFAULT_MESSAGE = "FETMS is in maintenance; changes are disabled for a short while."
DEFAULT_RETRY_AFTER_SECONDS = 300
MAX_MESSAGE = 500
CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class MaintenanceState:
    enabled: bool
    message: str = ""
    until: datetime | None = None
    since: datetime | None = None
    by: str | None = None

    def retry_after(self, now: datetime) -> int:
        """Seconds a client should wait: until the announced end, else a default."""
        if self.until is None:
            return DEFAULT_RETRY_AFTER_SECONDS
        return max(1, int((self.until - now).total_seconds()))

    def as_dict(self) -> Document:
        data: Document = {"enabled": self.enabled}
        if self.enabled:
            data["message"] = self.message
            data["since"] = self.since
            data["until"] = self.until
        return data

    def as_admin_dict(self) -> Document:
        """What admins see: also who turned it on."""
        data = self.as_dict()
        if self.enabled:
            data["by"] = self.by
        return data


OFF = MaintenanceState(enabled=False)


def _aware(value: object) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def read_state(
    db: Db, now: datetime | None = None, session: ClientSession | None = None
) -> MaintenanceState:
    """The current state from the database (no cache)."""
    doc = db[APP_SETTINGS].find_one({"_id": MAINTENANCE_ID}, session=session)
    if not doc or not doc.get("enabled"):
        return OFF
    until = _aware(doc.get("until"))
    if until is not None and until <= (now or utcnow()):
        return OFF
    return MaintenanceState(
        enabled=True,
        message=str(doc.get("message") or DEFAULT_MESSAGE),
        until=until,
        since=_aware(doc.get("since")),
        by=doc.get("by"),
    )


def turn_on(
    db: Db,
    *,
    message: str | None,
    until: datetime | None,
    by: str,
    now: datetime | None = None,
    session: ClientSession | None = None,
) -> MaintenanceState:
    moment = now or utcnow()
    text = (message or DEFAULT_MESSAGE).strip()
    if len(text) > MAX_MESSAGE:
        raise ValidationFailed(
            detail=f"the message is longer than {MAX_MESSAGE} characters",
            errors=[FieldError("message", "too long")],
        )
    end = _aware(until)
    if end is not None and end <= moment:
        raise ValidationFailed(
            detail="'until' must be in the future", errors=[FieldError("until", "in the past")]
        )
    db[APP_SETTINGS].replace_one(
        {"_id": MAINTENANCE_ID},
        {
            "_id": MAINTENANCE_ID,
            "enabled": True,
            "message": text,
            "until": end,
            "since": moment,
            "by": by,
        },
        upsert=True,
        session=session,
    )
    _cache.clear()
    return read_state(db, moment, session=session)


def turn_off(
    db: Db, *, by: str, now: datetime | None = None, session: ClientSession | None = None
) -> MaintenanceState:
    db[APP_SETTINGS].update_one(
        {"_id": MAINTENANCE_ID},
        {"$set": {"enabled": False, "endedAt": now or utcnow(), "endedBy": by}},
        session=session,
    )
    _cache.clear()
    return OFF


def switch(
    db: Db,
    actor: Actor,
    *,
    enabled: bool,
    message: str | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
) -> MaintenanceState:
    """Turn maintenance on (with a message and an optional end) or off, audited in the same
    transaction: what the operator CLI and the admins' route both call."""
    moment = now or utcnow()

    def write(session: ClientSession) -> MaintenanceState:
        if not enabled:
            state = turn_off(db, by=actor.email, now=moment, session=session)
            audit.record(
                db, actor, "maintenance.off", APP_SETTINGS, MAINTENANCE_ID, session=session
            )
            return state
        state = turn_on(
            db, message=message, until=until, by=actor.email, now=moment, session=session
        )
        audit.record(
            db,
            actor,
            "maintenance.on",
            APP_SETTINGS,
            MAINTENANCE_ID,
            details={"message": state.message, "until": state.until},
            session=session,
        )
        return state

    state = in_transaction(db, write)
    _cache.clear()
    return state


class _Cache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: MaintenanceState | None = None
        self._read_at = 0.0

    def get(self, db: Db) -> MaintenanceState:
        with self._lock:
            fresh = time.monotonic() - self._read_at < CACHE_SECONDS
            if self._value is not None and fresh:
                value = self._value
                if value.until is None or value.until > utcnow():
                    return value
        state = read_state(db)
        with self._lock:
            self._value, self._read_at = state, time.monotonic()
        return state

    def clear(self) -> None:
        with self._lock:
            self._value = None
            self._read_at = 0.0


_cache = _Cache()


def current_state(db: Db) -> MaintenanceState:
    """The state as the API sees it (cached for ``CACHE_SECONDS``)."""
    return _cache.get(db)


def clear_cache() -> None:
    _cache.clear()
