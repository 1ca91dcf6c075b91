"""``fetms users create-admin | list | create | disable | enable | reset | unlock``."""

from __future__ import annotations

import argparse
import json
from typing import Any

from chalicelib import db
from chalicelib.db import USERS
from chalicelib.errors import DomainError
from chalicelib.models.users import Role, UserCreate, UserUpdate
from chalicelib.services import users
from chalicelib.services.actor import Actor
from fetms_cli import target
from fetms_cli.common import CliError

OPERATOR = Actor(user_id=None, email="cli-operator", role="admin")


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("users", help="manage user accounts")
    commands = group.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    admin = commands.add_parser(
        "create-admin", help="create an admin (prints a generated password once)"
    )
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", default="Administrator")
    admin.set_defaults(func=cmd_create_admin)

    listing = commands.add_parser("list", help="list users")
    listing.set_defaults(func=cmd_list)

    create = commands.add_parser("create", help="create a user (prints a generated password once)")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.set_defaults(func=cmd_create)

    disable = commands.add_parser("disable", help="disable a user and end their sessions")
    disable.add_argument("--email", required=True)
    disable.set_defaults(func=cmd_disable)

    enable = commands.add_parser("enable", help="re-enable a disabled user")
    enable.add_argument("--email", required=True)
    enable.set_defaults(func=cmd_enable)

    reset = commands.add_parser("reset", help="generate a new password and end the user's sessions")
    reset.add_argument("--email", required=True)
    reset.set_defaults(func=cmd_reset)

    unlock = commands.add_parser(
        "unlock", help="end the sign-in lockouts of an account (from every address)"
    )
    unlock.add_argument("--email", required=True)
    unlock.set_defaults(func=cmd_unlock)


def create_user(email: str, name: str, role: str) -> tuple[dict[str, Any], str]:
    try:
        payload = json.dumps({"email": email, "name": name, "role": role})
        data = UserCreate.model_validate_json(payload)
        user, password = users.create_user(db.get_db(), data, OPERATOR)
    except DomainError as exc:
        raise CliError(exc.detail) from exc
    except ValueError as exc:
        raise CliError(f"invalid input: {exc}") from exc
    assert password is not None
    return user, password


def ensure_first_admin(email: str = "admin@example.com") -> str | None:
    """Create an admin when no user exists; return the generated password (shown once)."""
    if db.get_db()[USERS].estimated_document_count() > 0:
        return None
    _, password = create_user(email, "Local administrator", Role.ADMIN.value)
    return password


def cmd_create_admin(args: argparse.Namespace) -> int:
    target.announce(f"create the admin {args.email}")
    user, password = create_user(args.email, args.name, Role.ADMIN.value)
    print(f"admin created: {user['email']}")
    print(f"password (shown once): {password}")
    return 0


def cmd_create(args: argparse.Namespace) -> int:
    target.announce(f"create the {args.role} {args.email}")
    user, password = create_user(args.email, args.name, args.role)
    print(f"{user['role']} created: {user['email']}")
    print(f"password (shown once): {password}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    page = users.list_users(target.database(), include_inactive=True, limit=10_000, offset=0)
    print(f"{'email':<40} {'role':<8} {'active':<7} last login")
    for user in page.items:
        last = user.get("lastLoginAt")
        print(
            f"{user['email']:<40} {user['role']:<8} {user.get('active', True)!s:<7} {last or '-'}"
        )
    return 0


def _user_id(email: str) -> str:
    found = users.find_by_email(target.database(), email)
    if found is None:
        raise CliError(f"no user with e-mail {email}")
    return str(found["_id"])


def _set_active(email: str, active: bool) -> None:
    try:
        change = UserUpdate.model_validate_json(json.dumps({"active": active}))
        users.update_user(target.database(), _user_id(email), change, OPERATOR, None)
    except DomainError as exc:
        raise CliError(exc.detail) from exc


def cmd_disable(args: argparse.Namespace) -> int:
    target.announce(f"disable {args.email} and end their sessions")
    _set_active(args.email, False)
    print(f"disabled: {args.email} (sessions ended)")
    return 0


def cmd_enable(args: argparse.Namespace) -> int:
    target.announce(f"re-enable {args.email}")
    _set_active(args.email, True)
    print(f"enabled: {args.email}")
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    target.announce(f"reset the password of {args.email} and end their sessions")
    _, password = users.reset_password(target.database(), _user_id(args.email), OPERATOR)
    print(f"new password for {args.email} (shown once): {password}")
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    """Lockouts are stored under a keyed hash of the e-mail (never the typed text), so this
    needs the stage's signing key: run it with the stage's variables (RUNBOOK)."""
    from chalicelib.services import auth
    from chalicelib.services.tokens import signing_key
    from chalicelib.settings import get_settings

    ended = auth.unlock(db.get_db(), args.email, signing_key(get_settings()))
    print(f"lockouts ended for {args.email}: {ended}")
    return 0
