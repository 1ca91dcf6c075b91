"""``fetms backup create | list | verify ID | restore ID | restore-dump DIR | prune``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pymongo.errors import PyMongoError

from chalicelib.db import Document
from chalicelib.jobs import backup, dumpformat, restore
from chalicelib.jobs.retention import policy_from
from chalicelib.services import audit
from chalicelib.services.common import utcnow
from chalicelib.settings import get_settings
from fetms_cli import target
from fetms_cli.common import CliError, Progress
from fetms_cli.maintenance import operator_actor


def register(subparsers: Any) -> None:
    group = subparsers.add_parser(
        "backup", help="database backups in the backups bucket (create, list, verify, restore)"
    )
    sub = group.add_subparsers(dest="backup_command", metavar="ACTION", required=True)

    create = sub.add_parser(
        "create", help="back up every collection now (a manual backup, kept BACKUP_KEEP_OTHER_DAYS)"
    )
    create.add_argument("--no-verify", action="store_true", help="skip re-reading the archive")
    create.add_argument("--note", default=None, help="why this backup was taken (listed with it)")
    create.set_defaults(func=cmd_create)

    listing = sub.add_parser("list", help="list complete backups, newest first")
    listing.set_defaults(func=cmd_list)

    verify = sub.add_parser("verify", help="re-read a backup: archive hash, file hashes, counts")
    verify.add_argument("backup_id", metavar="ID")
    verify.set_defaults(func=cmd_verify)

    rest = sub.add_parser("restore", help="restore a backup into a database")
    rest.add_argument("backup_id", metavar="ID")
    _restore_options(rest)
    rest.set_defaults(func=cmd_restore)

    dump = sub.add_parser(
        "restore-dump", help="restore a mongodump directory (<out>/<db>) into a database"
    )
    dump.add_argument("directory", type=Path, metavar="DIR")
    _restore_options(dump)
    dump.set_defaults(func=cmd_restore_dump)

    prune = sub.add_parser("prune", help="delete backups outside the retention policy")
    prune.add_argument("--dry-run", action="store_true", help="only print what would be deleted")
    prune.set_defaults(func=cmd_prune)


def _restore_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--to-db", default=None, metavar="NAME", help="target database (default: MONGO_DB)"
    )
    parser.add_argument(
        "--drop",
        action="store_true",
        help="replace the collections of the backup when the target is not empty",
    )


def _progress(label: str, total: int | None) -> tuple[Progress, Any]:
    bar = Progress(label, total)

    def step(name: str, count: int) -> None:
        bar.advance()

    return bar, step


def cmd_create(args: argparse.Namespace) -> int:
    settings = get_settings()
    database = target.database()
    s3 = target.s3()
    try:
        total = len(dumpformat.user_collections(database))
        bar, step = _progress("backup", total)
        manifest = backup.create_backup(
            database,
            s3,
            settings.backups_bucket,
            app_version=settings.app_version,
            kind=backup.MANUAL,
            note=args.note,
            on_collection=step,
        )
        bar.finish()
    except PyMongoError as exc:
        raise CliError(f"MongoDB error during backup: {type(exc).__name__}", 2) from exc
    totals = manifest["totals"]
    print(
        f"backup {manifest['id']}: {totals['collections']} collections, "
        f"{totals['documents']} documents, archive {manifest['archive']['size']} bytes"
    )
    print(f"s3://{settings.backups_bucket}/{manifest['archive']['key']}")
    if not args.no_verify:
        return _verify(s3, settings.backups_bucket, str(manifest["id"]))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    settings = get_settings()
    manifests = backup.list_backups(target.s3(), settings.backups_bucket)
    if not manifests:
        print(f"no backups in s3://{settings.backups_bucket}")
        return 0
    why = backup.retention_reasons(
        manifests, policy_from(settings), settings.backup_keep_other_days, utcnow()
    )
    print(f"{'ID':<18} {'KIND':<13} {'FINISHED':<22} {'DOCS':>8} {'BYTES':>12}  KEPT BY")
    for manifest in manifests:
        kept = ",".join(why[str(manifest["id"])]) or "(pruned next run)"
        note = f"  — {manifest['note']}" if manifest.get("note") else ""
        print(
            f"{manifest['id']:<18} {backup.kind_of(manifest):<13} {manifest['finishedAt']:<22} "
            f"{manifest['totals']['documents']:>8} {manifest['archive']['size']:>12}  "
            f"{kept}{note}"
        )
    return 0


def _verify(s3: Any, bucket: str, backup_id: str) -> int:
    try:
        report = backup.verify_backup(s3, bucket, backup_id)
    except backup.BackupError as exc:
        raise CliError(str(exc)) from exc
    if report.ok:
        print(
            f"backup {backup_id} verified: {report.checked_files} files, "
            f"{report.documents} documents, hashes and counts match"
        )
        return 0
    print(f"backup {backup_id} FAILED verification:")
    for problem in report.problems:
        print(f"  - {problem}")
    return 1


def cmd_verify(args: argparse.Namespace) -> int:
    return _verify(target.s3(), get_settings().backups_bucket, args.backup_id)


def _record_restore(report: restore.RestoreReport, safety: Document | None) -> None:
    """Audit entry in the restored database (whose audit log the restore merged, not replaced)."""
    details = {"source": report.source, "countsMatch": report.ok, "resumed": report.resumed}
    if safety is not None:
        details["safetyBackup"] = safety["id"]
    audit.record(
        target.mongo_client()[report.target_db],
        operator_actor(),
        "restore",
        "database",
        report.target_db,
        details=details,
    )


def _safety_backup(target_db: str, source: str) -> Document | None:
    """Back up what the restore is about to overwrite, and say so."""
    settings = get_settings()
    safety = restore.safety_backup(
        target.mongo_client(),
        target.s3(),
        settings.backups_bucket,
        target_db,
        source=source,
        app_version=settings.app_version,
    )
    if safety is not None:
        print(
            f"safety backup {safety['id']} taken of database '{target_db}' "
            f"({safety['totals']['documents']} documents); undo this restore with "
            f"`fetms backup restore {safety['id']} --drop`"
        )
    return safety


def _print_report(report: restore.RestoreReport, safety: Document | None) -> int:
    _record_restore(report, safety)
    if report.resumed:
        print(f"resumed the unfinished restore of {report.source}")
    print(f"restored {report.source} into database '{report.target_db}'")
    print(f"{'COLLECTION':<24} {'BACKUP':>10} {'RESTORED':>10}")
    for row in report.rows:
        mark = "" if row.ok else "  MISMATCH"
        print(f"{row.collection:<24} {row.expected:>10} {row.restored:>10}{mark}")
    print(f"indexes created: {report.indexes_created}")
    if report.ok:
        print("counts match")
        return 0
    print("COUNTS DIFFER")
    return 1


def _dropping(args: argparse.Namespace) -> str:
    return (
        " (replacing the collections it holds, after a safety backup: --drop)" if args.drop else ""
    )


def cmd_restore(args: argparse.Namespace) -> int:
    settings = get_settings()
    target_db = args.to_db or settings.mongo_db
    target.announce(
        f"restore backup {args.backup_id}{_dropping(args)}",
        database_name=target_db,
        buckets=(settings.backups_bucket,),
    )
    manifest_count: int | None = None
    try:
        s3 = target.s3()
        manifest = backup.get_manifest(s3, settings.backups_bucket, args.backup_id)
        manifest_count = len(manifest.get("collections", []))
        safety = _safety_backup(target_db, f"backup {args.backup_id}") if args.drop else None
        bar, step = _progress("restore", manifest_count)
        report = restore.restore_backup(
            target.mongo_client(),
            s3,
            settings.backups_bucket,
            args.backup_id,
            target_db,
            drop=args.drop,
            on_collection=step,
        )
        bar.finish()
    except (backup.BackupError, restore.RestoreRefused) as exc:
        raise CliError(str(exc)) from exc
    except PyMongoError as exc:
        raise CliError(
            f"MongoDB error during restore ({type(exc).__name__}); the target keeps a progress "
            "record: rerun the same command to complete it",
            2,
        ) from exc
    return _print_report(report, safety)


def cmd_restore_dump(args: argparse.Namespace) -> int:
    settings = get_settings()
    target_db = args.to_db or settings.mongo_db
    directory: Path = args.directory
    if not directory.is_dir():
        raise CliError(f"{directory} is not a directory (give <dump>/<database>)")
    target.announce(
        f"restore the dump {directory}{_dropping(args)}",
        database_name=target_db,
        buckets=(settings.backups_bucket,) if args.drop else (),
    )
    try:
        found = dumpformat.read_dump_directory(directory)
        if not found:
            raise CliError(f"no <collection>.bson files in {directory}")
        source = f"dump {directory.resolve()}"
        safety = _safety_backup(target_db, source) if args.drop else None
        bar, step = _progress("restore", len(found))
        report = restore.restore_directory(
            target.mongo_client(),
            directory,
            target_db,
            drop=args.drop,
            source=source,
            on_collection=step,
        )
        bar.finish()
    except restore.RestoreRefused as exc:
        raise CliError(str(exc)) from exc
    except PyMongoError as exc:
        raise CliError(
            f"MongoDB error during restore ({type(exc).__name__}); rerun to complete it", 2
        ) from exc
    return _print_report(report, safety)


def cmd_prune(args: argparse.Namespace) -> int:
    settings = get_settings()
    if not args.dry_run:
        target.announce(
            "delete the backups outside the retention policy",
            uses_db=False,
            buckets=(settings.backups_bucket,),
        )
    kept, deleted = backup.prune_backups(
        target.s3(),
        settings.backups_bucket,
        policy_from(settings),
        keep_other_days=settings.backup_keep_other_days,
        dry_run=args.dry_run,
    )
    verb = "would delete" if args.dry_run else "deleted"
    print(f"kept {len(kept)} backups; {verb} {len(deleted)}")
    for backup_id in deleted:
        print(f"  {verb}: {backup_id}")
    return 0
