"""The migration runner: discovery, lock, records, up/down, and new-file scaffolding.

A migration is a module ``NNNN_name.py`` in this package with ``up(ctx) -> dict | None`` and
optionally ``down(ctx) -> dict | None`` and ``ready(ctx) -> str | None`` (a migration that needs
something from the operator — FETMS's uploads folder — says what, and is deferred: it stays pending
while the later ones run); ``ctx`` is a :class:`MigrationContext` (``ctx.db`` is the
database). Migrations must be idempotent: each one is recorded as ``running`` before it starts and
``applied`` when it finishes, so one interrupted by a crash is shown as ``interrupted`` and is
simply run again by the next ``fetms migrate up``.

Only one runner works at a time: the lock is a document in ``locks`` with an owner and an expiry
(a crashed runner's lock expires after ``LOCK_TTL``). A second runner waits up to ``wait_seconds``
and then fails with a message naming the holder.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from pymongo.errors import DuplicateKeyError

from chalicelib.db import LOCKS, MIGRATIONS, Db, Document
from chalicelib.observability import logger
from chalicelib.services import dashboard_cache
from chalicelib.services.common import utcnow

PACKAGE = "chalicelib.migrations"
NAME_PATTERN = re.compile(r"^(\d{4})_([a-z0-9_]+)$")
LOCK_ID = "migrations"
LOCK_TTL = timedelta(minutes=15)

APPLIED = "applied"
RUNNING = "running"
REVERTED = "reverted"
DEFERRED = "deferred"


class MigrationError(Exception):
    """A migration cannot run as asked (unknown target, no ``down``, failure)."""


class MigrationLocked(MigrationError):
    """Another runner holds the lock."""


@dataclass
class MigrationContext:
    db: Db
    s3: Any = None
    uploads_bucket: str | None = None
    uploads_dir: Path | None = None
    log: Callable[[str], None] = lambda message: None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    module: ModuleType

    @property
    def id(self) -> str:
        return f"{self.number:04d}_{self.name}"

    @property
    def description(self) -> str:
        doc = (self.module.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else self.name

    @property
    def reversible(self) -> bool:
        return callable(getattr(self.module, "down", None))

    def waiting_for(self, ctx: MigrationContext) -> str | None:
        """What a deferrable migration still needs from the operator (its ``ready(ctx)``), or
        None when it can run. A deferred migration stays pending; later ones still run."""
        ready = getattr(self.module, "ready", None)
        return ready(ctx) if callable(ready) else None


def discover(package: str = PACKAGE) -> list[Migration]:
    """Every ``NNNN_name`` module of ``package``, in order; numbers must be unique."""
    pkg = importlib.import_module(package)
    found: list[Migration] = []
    for info in pkgutil.iter_modules(pkg.__path__):
        match = NAME_PATTERN.match(info.name)
        if not match:
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        if not callable(getattr(module, "up", None)):
            raise MigrationError(f"migration {info.name} has no up(ctx) function")
        found.append(Migration(int(match.group(1)), match.group(2), module))
    found.sort(key=lambda m: m.number)
    numbers = [m.number for m in found]
    if len(numbers) != len(set(numbers)):
        raise MigrationError(f"two migrations share a number: {numbers}")
    return found


@dataclass(frozen=True)
class StatusRow:
    migration: Migration
    state: str  # applied | pending | interrupted
    applied_at: datetime | None = None
    duration_ms: int | None = None


def status(db: Db, migrations: list[Migration]) -> list[StatusRow]:
    records = {r["_id"]: r for r in db[MIGRATIONS].find({})}
    rows = []
    for migration in migrations:
        record = records.get(migration.id)
        state = (record or {}).get("state")
        if state == APPLIED:
            rows.append(
                StatusRow(migration, "applied", record.get("appliedAt"), record.get("durationMs"))  # type: ignore[union-attr]
            )
        elif state == RUNNING:
            rows.append(StatusRow(migration, "interrupted"))
        else:
            rows.append(StatusRow(migration, "pending"))
    return rows


def _owner() -> str:
    return f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"


@contextmanager
def migration_lock(
    db: Db, *, owner: str | None = None, wait_seconds: float = 0, poll_seconds: float = 0.5
) -> Iterator[str]:
    """Hold the migrations lock for the ``with`` block; wait up to ``wait_seconds`` for it."""
    me = owner or _owner()
    deadline = time.monotonic() + wait_seconds
    while True:
        now = utcnow()
        try:
            db[LOCKS].insert_one(
                {"_id": LOCK_ID, "owner": me, "acquiredAt": now, "expiresAt": now + LOCK_TTL}
            )
            break
        except DuplicateKeyError:
            stolen = db[LOCKS].find_one_and_update(
                {"_id": LOCK_ID, "expiresAt": {"$lt": now}},
                {"$set": {"owner": me, "acquiredAt": now, "expiresAt": now + LOCK_TTL}},
            )
            if stolen is not None:
                logger.warning("took over an expired migrations lock", extra={"from": stolen})
                break
        if time.monotonic() >= deadline:
            holder = db[LOCKS].find_one({"_id": LOCK_ID}) or {}
            raise MigrationLocked(
                f"migrations are locked by {holder.get('owner')} since "
                f"{holder.get('acquiredAt')} (expires {holder.get('expiresAt')}); another "
                "`fetms migrate` is running — wait for it, or retry with --wait SECONDS"
            )
        time.sleep(poll_seconds)
    try:
        yield me
    finally:
        db[LOCKS].delete_one({"_id": LOCK_ID, "owner": me})


def _refresh_lock(db: Db, owner: str) -> None:
    db[LOCKS].update_one(
        {"_id": LOCK_ID, "owner": owner}, {"$set": {"expiresAt": utcnow() + LOCK_TTL}}
    )


def pending(db: Db, migrations: list[Migration], to: int | None = None) -> list[Migration]:
    rows = status(db, migrations)
    return [
        r.migration
        for r in rows
        if r.state != "applied" and (to is None or r.migration.number <= to)
    ]


@dataclass(frozen=True)
class RunResult:
    migration: Migration
    direction: str
    duration_ms: int
    result: Document | None


def migrate_up(
    ctx: MigrationContext,
    migrations: list[Migration],
    *,
    to: int | None = None,
    wait_seconds: float = 0,
    before: Callable[[list[Migration]], None] | None = None,
) -> list[RunResult]:
    """Apply pending migrations (up to ``to``) in order under the lock."""
    if to is not None and to not in {m.number for m in migrations}:
        raise MigrationError(f"no migration number {to}")
    db = ctx.db
    results: list[RunResult] = []
    with migration_lock(db, wait_seconds=wait_seconds) as owner:
        todo = pending(db, migrations, to)
        if todo and before is not None:
            before(todo)
        for migration in todo:
            _refresh_lock(db, owner)
            waiting_for = migration.waiting_for(ctx)
            if waiting_for is not None:
                ctx.log(f"deferred {migration.id}: {waiting_for}")
                results.append(RunResult(migration, DEFERRED, 0, {"reason": waiting_for}))
                continue
            started_at = utcnow()
            db[MIGRATIONS].update_one(
                {"_id": migration.id},
                {
                    "$set": {
                        "number": migration.number,
                        "name": migration.name,
                        "state": RUNNING,
                        "startedAt": started_at,
                        "runner": owner,
                    }
                },
                upsert=True,
            )
            ctx.log(f"applying {migration.id}: {migration.description}")
            started = time.perf_counter()
            result = migration.module.up(ctx)
            duration_ms = int((time.perf_counter() - started) * 1000)
            db[MIGRATIONS].update_one(
                {"_id": migration.id},
                {
                    "$set": {
                        "state": APPLIED,
                        "appliedAt": utcnow(),
                        "durationMs": duration_ms,
                        "result": result,
                    }
                },
            )
            logger.info(
                "migration applied",
                extra={"migration": migration.id, "durationMs": duration_ms},
            )
            results.append(RunResult(migration, "up", duration_ms, result))
    if results:
        dashboard_cache.clear(db)  # migrations change data without audit entries
    return results


def record_baseline(db: Db, migrations: list[Migration], note: str) -> list[Migration]:
    """Record every pending migration as applied without running it (a new, empty database
    needs none of them); returns those recorded."""
    recorded = pending(db, migrations)
    now = utcnow()
    for migration in recorded:
        db[MIGRATIONS].update_one(
            {"_id": migration.id},
            {
                "$set": {
                    "number": migration.number,
                    "name": migration.name,
                    "state": APPLIED,
                    "appliedAt": now,
                    "durationMs": 0,
                    "result": {"baseline": note},
                }
            },
            upsert=True,
        )
    return recorded


def migrate_down(
    ctx: MigrationContext,
    migrations: list[Migration],
    *,
    to: int,
    wait_seconds: float = 0,
) -> list[RunResult]:
    """Revert applied migrations numbered above ``to``, newest first (``to=0`` reverts all)."""
    db = ctx.db
    results: list[RunResult] = []
    with migration_lock(db, wait_seconds=wait_seconds):
        rows = [r for r in status(db, migrations) if r.state != "pending"]
        todo = [r.migration for r in reversed(rows) if r.migration.number > to]
        blocked = [m.id for m in todo if not m.reversible]
        if blocked:
            raise MigrationError(
                f"cannot go down to {to}: {', '.join(blocked)} cannot be reverted (no down); "
                "restore the backup taken before `migrate up` instead"
            )
        for migration in todo:
            ctx.log(f"reverting {migration.id}")
            started = time.perf_counter()
            result = migration.module.down(ctx)
            duration_ms = int((time.perf_counter() - started) * 1000)
            db[MIGRATIONS].update_one(
                {"_id": migration.id},
                {"$set": {"state": REVERTED, "revertedAt": utcnow(), "durationMs": duration_ms}},
            )
            results.append(RunResult(migration, "down", duration_ms, result))
    if results:
        dashboard_cache.clear(db)
    return results


TEMPLATE = '''"""{title}."""

from __future__ import annotations

from chalicelib.db import Document
from chalicelib.migrations.runner import MigrationContext


def up(ctx: MigrationContext) -> Document | None:
    """Apply the change. Must be idempotent: an interrupted run is simply run again."""
    return {{}}


def down(ctx: MigrationContext) -> Document | None:
    """Revert the change (delete this function if it cannot be reverted)."""
    return {{}}
'''


def new_migration(name: str, directory: Path | None = None) -> Path:
    """Create ``NNNN_name.py`` with the next number; return its path."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if not slug:
        raise MigrationError("give the migration a name made of letters and digits")
    folder = directory or Path(__file__).parent
    numbers = [
        int(m.group(1))
        for p in folder.glob("*.py")
        if (m := NAME_PATTERN.match(p.stem)) is not None
    ]
    path = folder / f"{(max(numbers) + 1) if numbers else 1:04d}_{slug}.py"
    path.write_text(TEMPLATE.format(title=slug.replace("_", " ").capitalize()))
    return path
