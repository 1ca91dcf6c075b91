"""GET /api/health: 200 with checks when everything answers, 503 naming the failing check."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from pymongo import MongoClient

from tests.support.http import Api
from tests.support.servers import free_port


def test_health_ok_reports_version_and_checks(api: Api) -> None:
    result = api.get("/api/health")
    assert result.status == 200
    assert result.body["status"] == "ok"
    assert result.body["version"]
    assert result.body["checks"]["mongodb"]["status"] == "ok"
    assert result.body["checks"]["s3"]["status"] == "ok"
    assert "mongodb://" not in str(result.body)


@contextmanager
def unreachable_db() -> Iterator[None]:
    """Point the app's dependency seam at a port where no MongoDB listens (authorizer included)."""
    from chalicelib.api import deps

    dead: MongoClient[dict[str, Any]] = MongoClient(
        f"mongodb://127.0.0.1:{free_port()}/?directConnection=true", serverSelectionTimeoutMS=300
    )
    outage = replace(deps.current(), db_factory=lambda: dead["fetms"])
    try:
        with deps.override(lambda: outage):
            yield
    finally:
        dead.close()


def test_health_503_names_mongodb_when_unreachable(api: Api) -> None:
    with unreachable_db():
        result = api.get("/api/health")
    assert result.status == 503
    assert result.body["checks"]["mongodb"]["status"] == "error"
    assert result.body["checks"]["s3"]["status"] == "ok"
    assert result.header("Retry-After")


def test_health_503_names_s3_when_bucket_missing(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.settings import get_settings

    monkeypatch.setattr(get_settings(), "uploads_bucket", "no-such-bucket-here")
    result = api.get("/api/health")
    assert result.status == 503
    assert result.body["checks"]["s3"]["status"] == "error"
    assert result.body["checks"]["mongodb"]["status"] == "ok"


def test_routes_answer_503_problem_when_database_down(api: Api) -> None:
    with unreachable_db():
        result = api.get("/api/stages")
    assert result.status == 503
    assert result.header("Retry-After") == "5"
    assert result.header("Content-Type") == "application/problem+json"
    assert "127.0.0.1" not in result.body["detail"]
