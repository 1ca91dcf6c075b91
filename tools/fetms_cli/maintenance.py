"""``fetms maintenance on --message "..." [--until TIME] | off | status``."""

from __future__ import annotations

import argparse
import getpass
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.errors import ValidationFailed
from chalicelib.services import maintenance
from chalicelib.services.actor import Actor
from chalicelib.services.common import utcnow
from fetms_cli import target
from fetms_cli.common import CliError


def register(subparsers: Any) -> None:
    group = subparsers.add_parser(
        "maintenance", help="maintenance mode: writes answer 503, reads keep working"
    )
    sub = group.add_subparsers(dest="maintenance_command", metavar="ACTION", required=True)
    on = sub.add_parser("on", help="turn maintenance mode on")
    on.add_argument("--message", default=None, help="shown to users (the 503 'message')")
    on.add_argument(
        "--until",
        default=None,
        metavar="TIME",
        help="ISO time (UTC unless it has an offset) or a duration like 30m / 2h; "
        "maintenance ends by itself then",
    )
    on.set_defaults(func=cmd_on)
    off = sub.add_parser("off", help="turn maintenance mode off")
    off.set_defaults(func=cmd_off)
    status = sub.add_parser("status", help="print the current state (exit 3 when on)")
    status.set_defaults(func=cmd_status)


def parse_until(text: str, now: datetime) -> datetime:
    """``2026-06-15T14:00``, ``2026-06-15T14:00+08:00``, ``45m``, ``2h`` or ``1d`` → UTC time."""
    value = text.strip()
    units = {"m": "minutes", "h": "hours", "d": "days"}
    if value[:-1].isdigit() and value[-1:] in units:
        return now + timedelta(**{units[value[-1]]: int(value[:-1])})
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CliError(
            f"--until: '{text}' is neither an ISO time nor a duration (30m, 2h)"
        ) from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def operator_actor() -> Actor:
    """The operator running the CLI, as the audit trail names them."""
    return Actor(user_id=None, email=_operator(), role="admin")


def _print(state: maintenance.MaintenanceState) -> None:
    if not state.enabled:
        print("maintenance: off")
        return
    print("maintenance: ON")
    print(f"  message: {state.message}")
    print(f"  since:   {state.since.isoformat() if state.since else '?'}")
    print(f"  until:   {state.until.isoformat() if state.until else '(until turned off)'}")
    if state.by:
        print(f"  by:      {state.by}")


def cmd_on(args: argparse.Namespace) -> int:
    now = utcnow()
    until = parse_until(args.until, now) if args.until else None
    target.announce("turn maintenance mode on (writes answer 503)")
    try:
        state = maintenance.switch(
            target.database(),
            operator_actor(),
            enabled=True,
            message=args.message,
            until=until,
            now=now,
        )
    except ValidationFailed as exc:
        raise CliError(exc.detail) from exc
    _print(state)
    delay = f"{maintenance.CACHE_SECONDS:g}"
    print(f"writes now answer 503 (API containers pick this up within {delay} s)")
    return 0


def cmd_off(args: argparse.Namespace) -> int:
    target.announce("turn maintenance mode off")
    _print(maintenance.switch(target.database(), operator_actor(), enabled=False))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    state = maintenance.read_state(target.database())
    _print(state)
    return 3 if state.enabled else 0
