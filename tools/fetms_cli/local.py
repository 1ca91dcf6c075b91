"""``fetms run | health | seed | indexes``: the local stack and basic checks."""

from __future__ import annotations

import argparse
import json
import urllib.error
import urllib.request
from typing import Any

from pymongo.errors import OperationFailure

from chalicelib import db
from chalicelib.errors import Conflict
from chalicelib.services import schema_state
from chalicelib.services.seed import seed_defaults
from chalicelib.settings import get_settings
from chalicelib.storage import get_s3
from fetms_cli import common, migrate, target
from fetms_cli.buckets import ensure_bucket
from fetms_cli.common import CliError, Progress
from fetms_cli.demo import seed_demo
from fetms_cli.localstack import StackError, run_local_stack
from fetms_cli.users import ensure_first_admin


def register(subparsers: Any) -> None:
    run = subparsers.add_parser(
        "run", help="start the local stack (MongoDB, S3, API); Ctrl-C stops it"
    )
    # `fetms run` writes the stack file the other commands read; it must not read an old one.
    run.set_defaults(func=cmd_run, aims_at_local_stack=False)

    health = subparsers.add_parser("health", help="call GET /api/health and report the result")
    health.add_argument("--url", default=None, help="API base URL (default: the local stack)")
    health.set_defaults(func=cmd_health)

    seed = subparsers.add_parser(
        "seed", help="insert default stages and alert rules into an empty database"
    )
    seed.add_argument(
        "--demo", action="store_true", help="also insert demo projects, schools and teachers"
    )
    seed.add_argument("--teachers", type=int, default=60, help="demo teachers (default 60)")
    seed.set_defaults(func=cmd_seed)


def prepare_database() -> list[str]:
    """Buckets, indexes and defaults: what the local stack does before serving."""
    settings = get_settings()
    s3 = get_s3()
    refused: set[str] = set()
    for bucket in (settings.uploads_bucket, settings.backups_bucket):
        refused.update(ensure_bucket(s3, bucket, settings.cors_origins))
    database = db.get_db()
    lines = [f"Buckets ready: {settings.uploads_bucket}, {settings.backups_bucket}"]
    if refused:
        lines.append("  (the S3 endpoint does not support: " + ", ".join(sorted(refused)) + ")")
    apply_pending_migrations(lines)
    try:
        created = db.ensure_indexes(database)
    except OperationFailure as exc:  # an index of the original FETMS the migrations replace
        lines.append(f"Indexes: not built ({type(exc).__name__}) until `fetms migrate up` runs")
    else:
        lines.append(f"Indexes created: {len(created)}" if created else "Indexes: all present")
    seeded = seed_defaults(database)
    if any(seeded.values()):
        lines.append(
            f"Seeded defaults: {seeded['stages']} stages, {seeded['alertRules']} alert rules"
        )
    password = ensure_first_admin()
    if password:
        lines.append("")
        lines.append("First start: created the admin user admin@example.com")
        lines.append(f"  password (shown only this once): {password}")
        lines.append("  change it with POST /api/auth/password, or: fetms users reset --email ...")
    return lines


def apply_pending_migrations(lines: list[str]) -> bool:
    """What ``fetms migrate up`` does, for the local stack: a backup first, then every pending
    migration. One that needs the operator (0002 without ``UPLOADS_IMPORT_DIR``) stays pending
    and the stack starts anyway; the API then says that migrations are pending (log + health).
    Returns whether the database is up to date."""
    lines.append("")
    for line in migrate.apply_for_local_stack():
        lines.append(line)
    pending = schema_state.migration_state(db.get_db())
    if pending["status"] == "current":
        return True
    lines.append("")
    lines.append("WARNING: " + str(pending["message"]))
    lines.append("")
    return False


def cmd_run(args: argparse.Namespace) -> int:
    try:
        return run_local_stack(prepare_database)
    except StackError as exc:
        raise CliError(str(exc), exit_code=2) from exc


def cmd_health(args: argparse.Namespace) -> int:
    base = (args.url or target.api_base_url()).rstrip("/")
    try:
        with urllib.request.urlopen(f"{base}/api/health", timeout=10) as response:  # noqa: S310
            body = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        body = json.loads(exc.read() or b"{}")
    except OSError as exc:
        raise CliError(f"cannot reach {base}: {exc}", exit_code=2) from exc
    print(json.dumps(body, indent=2))
    migrations = body.get("migrations") or {}
    if migrations.get("status") == "pending":
        common.error(str(migrations.get("message") or "the database has pending migrations"))
        return 1
    return 0 if body.get("status") == "ok" else 1


def cmd_seed(args: argparse.Namespace) -> int:
    target.announce("insert defaults (and demo data with --demo) where collections are empty")
    seeded = seed_defaults(target.database())
    print(f"stages inserted: {seeded['stages']}, alert rules inserted: {seeded['alertRules']}")
    if getattr(args, "demo", False):
        return seed_demo_data(args.teachers)
    return 0


def seed_demo_data(teachers: int) -> int:
    bar = Progress("demo teachers", teachers)
    try:
        counts = seed_demo(target.database(), teachers=teachers, on_teacher=bar.advance)
    except Conflict as exc:
        raise CliError(exc.detail) from exc
    bar.finish()
    print(
        f"demo data: {counts['projects']} projects, {counts['schools']} schools, "
        f"{counts['teachers']} teachers"
    )
    return 0
