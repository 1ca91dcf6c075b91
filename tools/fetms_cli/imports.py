"""``fetms import teachers|schools FILE [--dry-run] | undo ID | list | show ID``: spreadsheet
imports for operators, with a progress bar (the same service as ``POST /api/teachers/import``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from chalicelib.db import Document
from chalicelib.errors import DomainError
from chalicelib.services.imports import operations, records
from chalicelib.services.imports.reading import open_sheet
from chalicelib.services.imports.running import Options
from chalicelib.services.imports.sources import Source, from_path
from chalicelib.services.imports.undo import undo_import
from chalicelib.settings import Settings, get_settings
from fetms_cli import target
from fetms_cli.common import CliError, Progress
from fetms_cli.maintenance import operator_actor

SHOWN_ERRORS = 50


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("import", help="import teachers or schools from CSV / XLSX")
    sub = group.add_subparsers(dest="import_command", metavar="ACTION", required=True)
    for kind in ("teachers", "schools"):
        run = sub.add_parser(kind, help=f"import {kind} from a CSV or XLSX file")
        run.add_argument("file", type=Path)
        run.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        run.add_argument(
            "--on-error",
            choices=("abort", "skip"),
            default="abort",
            help="abort: all rows or none (default); skip: import the rows without errors",
        )
        run.add_argument("--encoding", choices=("auto", "utf-8", "big5"), default="auto")
        run.add_argument(
            "--max-rows", type=int, default=None, help="row limit (default IMPORT_MAX_ROWS)"
        )
        run.set_defaults(func=cmd_import, kind=kind)
    undo = sub.add_parser("undo", help="undo an applied import (by its id)")
    undo.add_argument("import_id")
    undo.set_defaults(func=cmd_undo)
    listing = sub.add_parser("list", help="recent imports")
    listing.add_argument("--kind", choices=("teachers", "schools"), default=None)
    listing.add_argument("--limit", type=int, default=20)
    listing.set_defaults(func=cmd_list)
    show = sub.add_parser("show", help="one import: who, when, file, counts, errors")
    show.add_argument("import_id")
    show.set_defaults(func=cmd_show)


def _count_rows(source: Source, options: Options, settings: Settings) -> int:
    with open_sheet(source, encoding=options.encoding, max_rows=settings.import_max_rows) as sheet:
        return sum(1 for _ in sheet.rows)


def cmd_import(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        raise CliError(f"no such file: {args.file}")
    settings = get_settings()
    if args.max_rows:
        settings = settings.model_copy(update={"import_max_rows": args.max_rows})
    options = Options(on_error=args.on_error, encoding=args.encoding)
    source = from_path(args.file)
    if not args.dry_run:
        target.announce(f"import the {args.kind} of {args.file.name}")
    database = target.database()
    actor = operator_actor()
    try:
        total = _count_rows(source, options, settings)
        record = records.new_record(
            database,
            args.kind,
            actor,
            file_name=source.name,
            size=source.size,
            status=records.UPLOADED,
            source="file",
        )
        bar = Progress("dry run" if args.dry_run else "import", total)
        run = operations.dry_run if args.dry_run else operations.apply
        report = run(
            database,
            record,
            source,
            actor,
            options,
            settings,
            progress=lambda done: bar.advance(done - bar.done),
        )
        bar.finish()
    except DomainError as exc:
        _print_problem(exc)
        return 1
    _print_report(report)
    return 1 if report["counts"]["error"] and args.dry_run else 0


def _print_problem(exc: DomainError) -> None:
    print(f"refused: {exc.detail}")
    for error in exc.errors[:SHOWN_ERRORS]:
        print(f"  {error.field}: {error.message}")
    if len(exc.errors) > SHOWN_ERRORS:
        print(f"  … and {len(exc.errors) - SHOWN_ERRORS} more")
    import_id = getattr(exc, "extra", {}).get("importId")
    if import_id:
        print(f"import {import_id}: nothing was written")


def _print_report(report: Document) -> None:
    print(f"import {report['_id']} ({report['kind']}, {report['fileName']}): {report['message']}")
    errors = [e for row in report.get("rows", []) for e in row.get("errors", [])]
    for error in errors[:SHOWN_ERRORS]:
        print(f"  row {error['row']}, {error['column']}: {error['message']}")
    if len(errors) > SHOWN_ERRORS:
        print(f"  … and {len(errors) - SHOWN_ERRORS} more")
    if report.get("status") == records.APPLIED:
        print(f"undo with: fetms import undo {report['_id']}")


def cmd_undo(args: argparse.Namespace) -> int:
    target.announce(f"undo import {args.import_id}")
    try:
        report = undo_import(target.database(), args.import_id, operator_actor(), get_settings())
    except DomainError as exc:
        _print_problem(exc)
        return 1
    undone = report.get("undone") or {}
    print(
        f"import {report['_id']} undone: {undone.get('removed', 0)} removed, "
        f"{undone.get('restored', 0)} restored"
    )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    page = records.list_records(target.database(), kind=args.kind, limit=args.limit, offset=0)
    print(f"{'ID':<26} {'KIND':<9} {'STATUS':<16} {'WHEN':<20} {'BY':<24} FILE")
    for item in page.items:
        when = item["createdAt"].strftime("%Y-%m-%d %H:%M")
        print(
            f"{item['_id']!s:<26} {item['kind']:<9} {item['status']:<16} {when:<20} "
            f"{item.get('createdBy', ''):<24} {item.get('fileName', '')}"
        )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    try:
        record = records.get_record(target.database(), args.import_id)
    except DomainError as exc:
        raise CliError(exc.detail) from exc
    for key in ("kind", "fileName", "status", "createdBy", "createdAt", "appliedBy", "appliedAt"):
        if record.get(key) is not None:
            print(f"{key}: {record[key]}")
    for phase in ("validation", "applied", "rejected"):
        summary = record.get(phase)
        if summary:
            print(f"{phase}: {summary['counts']}")
            for error in summary.get("errors", [])[:SHOWN_ERRORS]:
                print(f"  row {error['row']}, {error['column']}: {error['message']}")
    if record.get("undone"):
        print(f"undone: {record['undone']} by {record.get('undoneBy')} at {record.get('undoneAt')}")
    return 0
