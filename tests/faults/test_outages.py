"""Outages get a fast, clear answer: with the database or S3 killed or frozen under a running
API, every route answers problem+json 503 with ``Retry-After`` within its configured timeout,
health says what is down within 3 s, and everything recovers without a restart."""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId
from pymongo import MongoClient

from app import app  # noqa: F401  (registers every route)
from chalicelib.api.routing import ROUTES, RouteSpec
from tests.support.apiserver import HttpApi, api_process
from tests.support.auth import bearer
from tests.support.factories import make_teacher
from tests.support.files import PDF, multipart
from tests.support.http import Result
from tests.support.processes import MongoProcess, s3_process

DB_NAME = "fetms_outage"
SELECTION_MS = 1000  # MONGO_TIMEOUT_MS of the server under test
REQUEST_MS = 2000  # MONGO_REQUEST_TIMEOUT_MS of the server under test
HEALTH_BOUND = 3.0  # seconds: health always answers within this


@pytest.fixture
def stack(services: dict[str, str], tmp_path: Path) -> Iterator[tuple[MongoProcess, str, Any]]:
    """(database process, API base URL, database handle) with an editor user in place."""
    from chalicelib.db import ensure_indexes

    mongo = MongoProcess(tmp_path / "mongo")
    mongo.start()
    client: MongoClient[dict[str, Any]] = MongoClient(mongo.uri)
    ensure_indexes(client[DB_NAME])
    env = {
        **services,
        "MONGO_URI": mongo.uri,
        "MONGO_DB": DB_NAME,
        "MONGO_TIMEOUT_MS": str(SELECTION_MS),
        "MONGO_REQUEST_TIMEOUT_MS": str(REQUEST_MS),
        "S3_READ_TIMEOUT_SECONDS": "1",
        "S3_MAX_ATTEMPTS": "1",
    }
    try:
        with api_process(env) as base:
            yield mongo, base, client[DB_NAME]
    finally:
        client.close()
        mongo.stop()


def concrete(spec: RouteSpec) -> str:
    return re.sub(r"{\w+}", lambda _: str(ObjectId()), spec.path)


def assert_unavailable(result: Result) -> None:
    assert result.status == 503, result.body
    assert result.header("Content-Type") == "application/problem+json"
    assert result.header("Retry-After")
    assert result.body["status"] == 503 and result.body["detail"]
    assert "mongodb://" not in str(result.body) and "Traceback" not in str(result.body)


def every_authenticated_route(api: HttpApi, bound: float) -> list[tuple[str, Result]]:
    """Call every protected route once, in parallel; each must answer within ``bound`` s."""
    protected = [s for s in ROUTES if s.role is not None]

    def call(spec: RouteSpec) -> tuple[str, Result]:
        body: dict[str, Any] | None = {} if spec.body is not None else None
        headers = {"Content-Type": spec.content_types[0]}
        result = api.call(spec.method, concrete(spec), body, headers=headers, timeout=bound)
        return f"{spec.method} {spec.path}", result

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(call, protected))


def test_database_killed_every_route_answers_503_fast_and_recovers(
    stack: tuple[MongoProcess, str, Any],
) -> None:
    mongo, base, database = stack
    api = HttpApi(base, bearer(database, "admin"))
    teacher = make_teacher(database)
    assert api.get(f"/api/teachers/{teacher['_id']}").status == 200
    mongo.kill9()
    # Connection refused: each answer within the server-selection timeout + 1 s.
    bound = SELECTION_MS / 1000 + 1
    for name, result in every_authenticated_route(api, bound):
        assert result.status == 503, (name, result.body)
        assert_unavailable(result)
    login = {"email": "admin@example.org", "password": "whatever-it-is-1"}
    assert_unavailable(api.post("/api/auth/login", login, timeout=bound))
    health = api.get("/api/health", timeout=HEALTH_BOUND)
    assert health.status == 503
    assert health.body["failing"] == ["mongodb"]
    assert health.body["checks"]["s3"]["status"] == "ok"
    mongo.start()
    recovered = HttpApi(base, api.headers).get(f"/api/teachers/{teacher['_id']}", timeout=10)
    assert recovered.status == 200, recovered.body
    assert api.get("/api/health", timeout=HEALTH_BOUND).status == 200


def test_database_frozen_requests_answer_503_within_the_request_budget(
    stack: tuple[MongoProcess, str, Any],
) -> None:
    mongo, base, database = stack
    api = HttpApi(base, bearer(database, "editor"))
    assert api.get("/api/stages").status == 200  # pooled connections now exist
    mongo.signal(signal.SIGSTOP)
    try:
        bound = REQUEST_MS / 1000 + 1
        assert_unavailable(api.get("/api/stages", timeout=bound))
        assert_unavailable(api.post("/api/schools", {"name": {"chinese": "校"}}, timeout=bound))
        health = api.get("/api/health", timeout=HEALTH_BOUND)
        assert health.status == 503 and "mongodb" in health.body["failing"]
    finally:
        mongo.signal(signal.SIGCONT)
    assert api.get("/api/stages", timeout=10).status == 200


def test_storage_frozen_or_down_is_reported_and_answered_with_503(
    services: dict[str, str], db: Any
) -> None:
    from chalicelib.settings import get_settings
    from chalicelib.storage import make_client
    from fetms_cli.buckets import ensure_bucket

    teacher = make_teacher(db)
    body, headers = multipart({}, {"file": ("passport.pdf", PDF, "application/pdf")})
    assert isinstance(body, bytes)
    upload = f"/api/teachers/{teacher['_id']}/documents/passport"
    with s3_process() as s3:
        env = {**services, "S3_ENDPOINT_URL": s3.url, "S3_READ_TIMEOUT_SECONDS": "1"}
        settings = get_settings().model_copy(update={"s3_endpoint_url": s3.url})
        ensure_bucket(make_client(settings), settings.uploads_bucket, [])
        with api_process({**env, "S3_MAX_ATTEMPTS": "1"}) as base:
            api = HttpApi(base, bearer(db, "editor"))
            assert api.get("/api/health", timeout=HEALTH_BOUND).status == 200
            s3.signal(signal.SIGSTOP)
            try:
                health = api.get("/api/health", timeout=HEALTH_BOUND)
                assert health.status == 503
                assert health.body["failing"] == ["s3"]
                frozen = api.call("POST", upload, headers=headers, raw=body, timeout=10)
                assert_unavailable(frozen)
            finally:
                s3.signal(signal.SIGCONT)
            assert api.get("/api/health", timeout=HEALTH_BOUND).status == 200
            s3.kill9()
            down = api.call("POST", upload, headers=headers, raw=body, timeout=10)
            assert_unavailable(down)
    assert db.teachers.find_one({"_id": teacher["_id"]})["documents"]["passport"] == {
        "status": "missing"
    }
