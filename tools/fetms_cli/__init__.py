"""The ``fetms`` command for operators and local use. Each module adds one group of commands.

A command module exposes ``register(subparsers)``; each command sets ``func(args) -> int``.
Errors the operator can fix are raised as :class:`CliError` and printed without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from botocore.exceptions import BotoCoreError, ClientError
from pymongo.errors import PyMongoError

from chalicelib import __version__
from fetms_cli import (
    backup,
    common,
    dashboard,
    imports,
    indexes,
    local,
    maintenance,
    migrate,
    target,
    users,
)
from fetms_cli.common import CliError

COMMAND_MODULES = (local, backup, maintenance, migrate, indexes, imports, users, dashboard)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fetms", description="FETMS Serverless operations and local development."
    )
    parser.add_argument("--version", action="version", version=f"fetms {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if getattr(args, "aims_at_local_stack", True):
            target.aim_at_local_stack()
        return int(args.func(args))
    except CliError as exc:
        common.error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        common.error("interrupted")
        return 130
    except PyMongoError as exc:
        common.error(
            f"MongoDB error: {type(exc).__name__} (check MONGO_URI and that it is reachable)"
        )
        return 2
    except (BotoCoreError, ClientError) as exc:
        common.error(f"AWS error: {type(exc).__name__} (check credentials, region and buckets)")
        return 2


if __name__ == "__main__":
    sys.exit(main())
