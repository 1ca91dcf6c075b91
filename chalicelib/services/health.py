"""Health: MongoDB ping and S3 bucket head, run side by side, each bounded in time; plus the
maintenance state. No connection strings or secrets are ever reported."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pymongo
from botocore.exceptions import BotoCoreError, ClientError
from pymongo.errors import PyMongoError

from chalicelib.db import Db
from chalicelib.services.maintenance import read_state
from chalicelib.services.schema_state import migration_state, startup_warning
from chalicelib.storage import head_bucket

HEALTH_TIMEOUT_SECONDS = 2.0
MAINTENANCE_READ_SECONDS = 0.5


def check_health(db: Db, s3_probe: Any, bucket: str, version: str) -> tuple[bool, dict[str, Any]]:
    """Return (healthy, body). The body names every check with its status and latency.

    The two checks run in parallel: the answer comes within about ``HEALTH_TIMEOUT_SECONDS``
    (``s3_probe`` must be a client with short timeouts and no retries) whatever is down.
    """
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="health") as pool:
        mongo = pool.submit(_check_mongo, db)
        s3 = pool.submit(_check_s3, s3_probe, bucket)
        checks = {"mongodb": mongo.result(), "s3": s3.result()}
    healthy = all(c["status"] == "ok" for c in checks.values())
    failing = [name for name, c in checks.items() if c["status"] != "ok"]
    mongo_ok = checks["mongodb"]["status"] == "ok"
    body: dict[str, Any] = {
        "status": "ok" if healthy else "unavailable",
        "version": version,
        "checks": checks,
        "maintenance": _maintenance(db) if mongo_ok else {"enabled": None},
        "migrations": _migrations(db) if mongo_ok else {"status": None},
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


def _check_s3(s3_probe: Any, bucket: str) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        head_bucket(s3_probe, bucket)
    except (ClientError, BotoCoreError) as exc:
        return {"status": "error", "error": _describe(exc)}
    return {"status": "ok", "latencyMs": round((time.perf_counter() - started) * 1000, 1)}


def _maintenance(db: Db) -> dict[str, Any]:
    """Maintenance mode as health reports it (``enabled: null`` when it cannot be read)."""
    try:
        with pymongo.timeout(MAINTENANCE_READ_SECONDS):
            return read_state(db).as_dict()
    except PyMongoError:
        return {"enabled": None}


def _migrations(db: Db) -> dict[str, Any]:
    """Pending migrations as health reports them (``status: null`` when they cannot be read).

    Pending migrations do not make the API unhealthy (it answers), but they are named here and
    logged once per process: the database is not yet what this version expects.
    """
    try:
        with pymongo.timeout(MAINTENANCE_READ_SECONDS):
            startup_warning.check(db)
            return migration_state(db)
    except PyMongoError:
        return {"status": None}


def _describe(exc: Exception) -> str:
    """A short, secret-free reason: the exception class only, never its message (may hold URIs)."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        return f"S3 error {code}"
    return type(exc).__name__
