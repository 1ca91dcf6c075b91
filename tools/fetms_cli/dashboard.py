"""``fetms dashboard clear-cache``: forget the stored dashboard views (after a change made to the
data outside the API, e.g. by hand or by the original FETMS backend)."""

from __future__ import annotations

import argparse
from typing import Any

from chalicelib.services import dashboard_cache
from fetms_cli import target


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("dashboard", help="the dashboard's stored views")
    sub = group.add_subparsers(dest="dashboard_command", metavar="ACTION", required=True)
    clear = sub.add_parser(
        "clear-cache", help="forget every stored view: the next request recomputes it"
    )
    clear.set_defaults(func=cmd_clear_cache)


def cmd_clear_cache(args: argparse.Namespace) -> int:
    target.announce("forget the stored dashboard views")
    removed = dashboard_cache.clear(target.database())
    print(f"dashboard cache: {removed} stored view(s) removed")
    return 0
