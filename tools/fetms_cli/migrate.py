"""``fetms migrate status | up [--to N] [--no-backup] | down --to N | new NAME``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pymongo.errors import PyMongoError

from chalicelib import db
from chalicelib.jobs import backup
from chalicelib.migrations import runner
from chalicelib.services import audit
from chalicelib.settings import Settings, get_settings
from chalicelib.storage import get_s3
from fetms_cli import target
from fetms_cli.common import CliError
from fetms_cli.maintenance import operator_actor


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("migrate", help="data migrations (status, up, down, new)")
    sub = group.add_subparsers(dest="migrate_command", metavar="ACTION", required=True)

    st = sub.add_parser("status", help="list migrations: applied, pending or interrupted")
    st.set_defaults(func=cmd_status)

    up = sub.add_parser("up", help="apply pending migrations (a backup is taken first)")
    up.add_argument("--to", type=int, default=None, metavar="N", help="stop after migration N")
    up.add_argument("--no-backup", action="store_true", help="do not take a backup first")
    up.add_argument(
        "--wait", type=float, default=0, metavar="SECONDS", help="wait for another runner's lock"
    )
    up.add_argument(
        "--uploads-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="FETMS backend/uploads directory (migration 0002; default UPLOADS_IMPORT_DIR)",
    )
    up.set_defaults(func=cmd_up)

    down = sub.add_parser("down", help="revert applied migrations above N (0 = all)")
    down.add_argument("--to", type=int, required=True, metavar="N")
    down.add_argument("--wait", type=float, default=0, metavar="SECONDS")
    down.set_defaults(func=cmd_down)

    new = sub.add_parser("new", help="create chalicelib/migrations/NNNN_NAME.py from a template")
    new.add_argument("name")
    new.set_defaults(func=cmd_new)


def _context(uploads_dir: Path | None = None) -> runner.MigrationContext:
    settings = get_settings()
    directory = uploads_dir or (
        Path(settings.uploads_import_dir) if settings.uploads_import_dir else None
    )
    return runner.MigrationContext(
        db=target.database(),
        s3=target.s3(),
        uploads_bucket=settings.uploads_bucket,
        uploads_dir=directory,
        log=print,
    )


def cmd_status(args: argparse.Namespace) -> int:
    rows = runner.status(target.database(), runner.discover())
    print(f"{'MIGRATION':<28} {'STATE':<12} {'APPLIED AT':<26} {'MS':>7}")
    for row in rows:
        applied = row.applied_at.isoformat() if row.applied_at else ""
        duration = "" if row.duration_ms is None else str(row.duration_ms)
        print(f"{row.migration.id:<28} {row.state:<12} {applied:<26} {duration:>7}")
    interrupted = [r.migration.id for r in rows if r.state == "interrupted"]
    if interrupted:
        print(f"interrupted: {', '.join(interrupted)} — run `fetms migrate up` to run them again")
    return 0


def pre_migration_backup(database: db.Db, s3: Any, settings: Settings, note: str) -> str:
    """Take the backup ``migrate up`` starts with; returns the line that names it."""
    manifest = backup.create_backup(
        database,
        s3,
        settings.backups_bucket,
        app_version=settings.app_version,
        kind=backup.PRE_MIGRATION,
        note=note,
    )
    return f"backup {manifest['id']} ({manifest['totals']['documents']} documents)"


def cmd_up(args: argparse.Namespace) -> int:
    settings = get_settings()
    buckets = (settings.uploads_bucket,) + (() if args.no_backup else (settings.backups_bucket,))
    target.announce("apply the pending migrations", buckets=buckets)
    ctx = _context(args.uploads_dir)

    def take_backup(todo: list[runner.Migration]) -> None:
        if args.no_backup:
            print("no backup taken (--no-backup)")
            return
        print(f"taking a backup before {len(todo)} migration(s)...")
        print(pre_migration_backup(ctx.db, ctx.s3, settings, f"before {len(todo)} migration(s)"))

    try:
        results = runner.migrate_up(
            ctx, runner.discover(), to=args.to, wait_seconds=args.wait, before=take_backup
        )
    except runner.MigrationError as exc:
        raise CliError(str(exc)) from exc
    except PyMongoError as exc:
        raise CliError(
            f"MongoDB error during migration ({type(exc).__name__}); "
            "`fetms migrate status` shows what is interrupted, `fetms migrate up` resumes",
            2,
        ) from exc
    for line in summary_lines(ctx.db, results):
        print(line)
    return 0


def summary_lines(database: db.Db, results: list[runner.RunResult]) -> list[str]:
    """Audit the applied migrations; one line per migration applied or still pending."""
    applied = [r for r in results if r.direction == "up"]
    audit_applied(database, applied)
    lines = [f"applied {r.migration.id} in {r.duration_ms} ms" for r in applied]
    lines += [
        f"still pending {r.migration.id}: {(r.result or {}).get('reason')}"
        for r in results
        if r.direction == runner.DEFERRED
    ]
    return lines or ["nothing to apply: the database is up to date"]


def audit_applied(database: db.Db, results: list[runner.RunResult]) -> None:
    for result in results:
        audit.record(
            database,
            operator_actor(),
            "migration.up",
            "migrations",
            result.migration.id,
            details={"durationMs": result.duration_ms},
        )


def apply_for_local_stack() -> list[str]:
    """``migrate up`` for ``fetms run``: a backup first, then every pending migration; failures
    are returned as lines (the stack starts anyway and reports the pending migrations). A new,
    empty database needs none: they are recorded as applied (``record_baseline``)."""
    settings = get_settings()
    out: list[str] = []
    directory = settings.uploads_import_dir
    ctx = runner.MigrationContext(  # fetms run's own servers (not a stack file: it writes it)
        db=db.get_db(),
        s3=get_s3(),
        uploads_bucket=settings.uploads_bucket,
        uploads_dir=Path(directory) if directory else None,
        log=out.append,
    )

    if not any(ctx.db[name].estimated_document_count() for name in db.FETMS_COLLECTIONS):
        recorded = runner.record_baseline(ctx.db, runner.discover(), "a new, empty database")
        if recorded:
            out.append(
                f"Migrations: a new database needs none ({len(recorded)} recorded as applied)"
            )
        else:
            out.append("Migrations: the database is up to date")
        return out

    def take_backup(todo: list[runner.Migration]) -> None:
        out.append(f"Taking a backup before {len(todo)} migration(s)...")
        note = f"before {len(todo)} migration(s), by fetms run"
        out.append(pre_migration_backup(ctx.db, ctx.s3, settings, note))

    try:
        results = runner.migrate_up(ctx, runner.discover(), before=take_backup)
    except runner.MigrationError as exc:
        out.append(f"Migration failed: {exc}")
        return out
    out.extend(summary_lines(ctx.db, results))
    return out


def cmd_down(args: argparse.Namespace) -> int:
    target.announce(
        f"revert the applied migrations above {args.to}", buckets=(get_settings().uploads_bucket,)
    )
    ctx = _context()
    try:
        results = runner.migrate_down(ctx, runner.discover(), to=args.to, wait_seconds=args.wait)
    except runner.MigrationError as exc:
        raise CliError(str(exc)) from exc
    for result in results:
        audit.record(
            ctx.db,
            operator_actor(),
            "migration.down",
            "migrations",
            result.migration.id,
            details={"durationMs": result.duration_ms},
        )
    if not results:
        print(f"nothing to revert above {args.to}")
    for result in results:
        print(f"reverted {result.migration.id} in {result.duration_ms} ms")
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    try:
        path = runner.new_migration(args.name)
    except runner.MigrationError as exc:
        raise CliError(str(exc)) from exc
    print(f"created {path}")
    return 0
