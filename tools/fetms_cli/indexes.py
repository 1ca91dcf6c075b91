"""``fetms indexes check | ensure``: the index registry against the database."""

from __future__ import annotations

import argparse
from typing import Any

from pymongo.errors import OperationFailure

from chalicelib import db
from chalicelib.jobs.index_check import compare_indexes, summarize
from chalicelib.services import schema_state
from fetms_cli import target
from fetms_cli.common import CliError

INDEX_CONFLICTS = (85, 86)  # IndexOptionsConflict, IndexKeySpecsConflict


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("indexes", help="compare or build the registered indexes")
    sub = group.add_subparsers(dest="indexes_command", metavar="ACTION", required=True)
    check = sub.add_parser(
        "check", help="print missing, extra and mismatched indexes (exit 1 when any)"
    )
    check.set_defaults(func=cmd_check)
    ensure = sub.add_parser("ensure", help="build the registered indexes that are missing")
    ensure.set_defaults(func=cmd_ensure)


def cmd_check(args: argparse.Namespace) -> int:
    drift = compare_indexes(target.database())
    if not drift:
        print("indexes: the database matches the registry")
        return 0
    for item in drift:
        line = f"{item.problem:<11} {item.collection}.{item.name}"
        print(f"{line}  ({item.detail})" if item.detail else line)
    counts = summarize(drift)
    print(
        f"{counts['missing']} missing, {counts['extra']} extra, {counts['mismatched']} mismatched"
        " — `fetms indexes ensure` builds the missing ones; extra/mismatched need a migration"
    )
    _hint_pending(target.database())
    return 1


def _hint_pending(database: db.Db) -> None:
    state = schema_state.migration_state(database)
    if state["status"] != "current":
        print(str(state["message"]))


def cmd_ensure(args: argparse.Namespace) -> int:
    target.announce("build the missing registered indexes")
    database = target.database()
    try:
        created = db.ensure_indexes(database)
    except OperationFailure as exc:
        if exc.code not in INDEX_CONFLICTS:
            raise
        _hint_pending(database)
        raise CliError(
            "an existing index conflicts with a registered one (e.g. Mongoose's on a FETMS "
            "database): `fetms migrate up` replaces them"
        ) from exc
    if created:
        for name in created:
            print(f"created {name}")
    else:
        print("indexes: nothing to build")
    remaining = [d for d in compare_indexes(database) if d.problem != "extra"]
    if remaining:
        print(f"{len(remaining)} index(es) still differ: run `fetms indexes check`")
        return 1
    return 0
