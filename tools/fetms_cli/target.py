"""What a ``fetms`` command aims at: the database and buckets, named before anything changes.

In the ``local`` stage the running local stack is the only source of endpoints and credentials:
:func:`aim_at_local_stack` overlays the values of ``<LOCAL_DATA_DIR>/stack.json`` (written by
``fetms run``) on the environment before settings are read, for every variable the operator did
not set explicitly. Without a running stack, local commands refuse to guess: no MongoDB on a
default port, and never AWS. Commands reach MongoDB and S3 through :func:`database`,
:func:`mongo_client` and :func:`s3`, and call :func:`announce` before a destructive action.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

from pymongo import MongoClient
from pymongo.database import Database

from chalicelib import db, storage
from chalicelib.settings import Settings, get_settings, reset_settings
from fetms_cli.common import CliError, redact_uri
from fetms_cli.stackfile import (
    StackFileError,
    StackInfo,
    process_alive,
    read_stack_file,
    stack_file_path,
)

# Temporary AWS credentials of the operator's shell must not be mixed with the local keys.
_FOREIGN_AWS_VARIABLES = ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


@dataclass
class _Aim:
    """Where the settings of this process came from (for messages)."""

    stack: StackInfo | None = None
    stack_file: str | None = None
    problem: str | None = None


_aim = _Aim()


def aim_at_local_stack() -> None:
    """In the ``local`` stage, point this process at the running local stack (if any)."""
    global _aim
    settings = get_settings()
    if settings.fetms_stage != "local":
        _aim = _Aim()
        return
    path = stack_file_path(settings)
    _aim = _Aim(stack_file=str(path))
    try:
        info = read_stack_file(path)
    except StackFileError as exc:
        _aim.problem = str(exc)
        return
    if info is None:
        _aim.problem = f"no local stack is running ({path} does not exist)"
        return
    if not process_alive(info.pid):
        _aim.problem = f"the local stack recorded in {path} (pid {info.pid}) is no longer running"
        return
    _aim.stack = info
    explicit = settings.model_fields_set
    overlay: dict[str, str] = {}
    if "mongo_uri" not in explicit:
        overlay.update(info.database_environment())
    if "s3_endpoint_url" not in explicit:
        overlay.update(info.s3_environment())
        for name in _FOREIGN_AWS_VARIABLES:
            os.environ.pop(name, None)
    if "api_port" not in explicit and "api_host" not in explicit:
        overlay.update(info.api_environment())
    os.environ.update(overlay)
    reset_settings()
    storage.reset_s3()
    db.close_client()


def _refusal(what: str, variable: str) -> CliError:
    reason = _aim.problem or "no local stack is running"
    return CliError(
        f"{reason}; in the local stage fetms uses the {what} of the running local stack only. "
        f"Start it with `make run` (same LOCAL_DATA_DIR), or set {variable} explicitly.",
        exit_code=2,
    )


def _checked_settings(*, mongo: bool, s3: bool) -> Settings:
    settings = get_settings()
    if not settings.is_local:
        return settings
    if mongo and "mongo_uri" not in settings.model_fields_set:
        raise _refusal("MongoDB", "MONGO_URI")
    if s3 and not settings.s3_endpoint_url:
        raise _refusal("S3 endpoint (never AWS)", "S3_ENDPOINT_URL")
    return settings


def database() -> Database[dict[str, Any]]:
    _checked_settings(mongo=True, s3=False)
    return db.get_db()


def mongo_client() -> MongoClient[dict[str, Any]]:
    _checked_settings(mongo=True, s3=False)
    return db.get_client()


def s3() -> Any:
    _checked_settings(mongo=False, s3=True)
    return storage.get_s3()


def api_base_url() -> str:
    settings = get_settings()
    return f"http://{settings.api_host}:{settings.api_port}"


def describe_database(settings: Settings, name: str | None = None) -> str:
    database = f"database '{name or settings.mongo_db}'"
    if settings.mongo_uri_secret_arn:
        try:
            where = redact_uri(db.connection_string(settings))
        except Exception as exc:  # the announcement must not hide the real error that follows
            where = f"(unreadable: {type(exc).__name__})"
        return f"{database} on {where} (from secret {settings.mongo_uri_secret_arn})"
    return f"{database} on {redact_uri(settings.mongo_uri)}"


def describe_bucket(settings: Settings, bucket: str) -> str:
    if settings.s3_endpoint_url:
        return f"bucket '{bucket}' on {settings.s3_endpoint_url}"
    return f"bucket 's3://{bucket}' in AWS ({settings.aws_region})"


def announce(
    action: str,
    *,
    database_name: str | None = None,
    uses_db: bool = True,
    buckets: tuple[str, ...] = (),
) -> None:
    """Name the database and buckets an action is about to change (on stderr), before it runs.

    Also checks that the local stage has a target at all, so nothing is touched by surprise.
    """
    settings = _checked_settings(mongo=uses_db, s3=bool(buckets))
    origin = f"local stack, {_aim.stack_file}" if _aim.stack else f"stage {settings.fetms_stage}"
    lines = [f"fetms: about to {action} ({origin})"]
    if uses_db:
        lines.append(f"  MongoDB: {describe_database(settings, database_name)}")
    for bucket in buckets:
        lines.append(f"  S3:      {describe_bucket(settings, bucket)}")
    print("\n".join(lines), file=sys.stderr, flush=True)
