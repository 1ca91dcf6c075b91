"""Health: MongoDB ping and S3 bucket head, each with a short timeout. No secrets reported."""

from __future__ import annotations

import time
from typing import Any

import pymongo
from botocore.exceptions import BotoCoreError, ClientError
from pymongo.errors import PyMongoError

from chalicelib.db import Db
from chalicelib.services.maintenance import read_state
from chalicelib.storage import head_bucket

HEALTH_TIMEOUT_SECONDS = 2.0


def check_health(db: Db, s3: Any, bucket: str, version: str) -> tuple[bool, dict[str, Any]]:
    """Return (healthy, body). The body names every check with its status and latency."""
    checks = {"mongodb": _check_mongo(db), "s3": _check_s3(s3, bucket)}
    healthy = all(c["status"] == "ok" for c in checks.values())
    failing = [name for name, c in checks.items() if c["status"] != "ok"]
    body: dict[str, Any] = {
        "status": "ok" if healthy else "unavailable",
        "version": version,
        "checks": checks,
    }
    if failing:
        body["failing"] = failing
        body["message"] = "Unavailable: " + ", ".join(failing)
    return healthy, body


def _check_mongo(db: Db) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with pymongo.timeout(HEALTH_TIMEOUT_SECONDS):
            db.command("ping")
    except PyMongoError as exc:
        return {"status": "error", "error": _describe(exc)}
    return {"status": "ok", "latencyMs": round((time.perf_counter() - started) * 1000, 1)}


def _check_s3(s3: Any, bucket: str) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        head_bucket(s3, bucket)
    except (ClientError, BotoCoreError) as exc:
        return {"status": "error", "error": _describe(exc)}
    return {"status": "ok", "latencyMs": round((time.perf_counter() - started) * 1000, 1)}


def _describe(exc: Exception) -> str:
    """A short, secret-free reason: the exception class only, never its message (may hold URIs)."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        return f"S3 error {code}"
    return type(exc).__name__


def maintenance_report(db: Db) -> dict[str, Any]:
    """Maintenance mode as health reports it (``enabled: null`` when the database is down)."""
    try:
        with pymongo.timeout(HEALTH_TIMEOUT_SECONDS):
            return read_state(db).as_dict()
    except PyMongoError:
        return {"enabled": None}
