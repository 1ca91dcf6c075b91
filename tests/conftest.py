"""Session-wide real services and a clean database for every test."""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.servers import s3_server, secantus_server

TEST_DB = "fetms_test"


@pytest.fixture(scope="session")
def services() -> Iterator[dict[str, str]]:
    with secantus_server() as mongo, s3_server() as s3_url:
        env = {
            "FETMS_STAGE": "test",
            "MONGO_URI": mongo.uri,
            "MONGO_DB": TEST_DB,
            "S3_ENDPOINT_URL": s3_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "UPLOADS_BUCKET": "fetms-uploads-test",
            "BACKUPS_BUCKET": "fetms-backups-test",
            "CORS_ORIGINS": "https://spa.example.org,http://127.0.0.1:5173",
            "POWERTOOLS_METRICS_NAMESPACE": "FETMS",
            "STRICT_RESPONSES": "true",
            # A key made for this run: the placeholder is refused outside an explicit local
            # stage, and the test stage is not one.
            "JWT_SECRET": secrets.token_urlsafe(48),
        }
        previous = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        _reset_process_singletons()
        from chalicelib import db, storage
        from chalicelib.settings import get_settings
        from fetms_cli.buckets import ensure_bucket

        settings = get_settings()
        database = db.get_db()
        db.ensure_indexes(database)
        s3 = storage.get_s3()
        ensure_bucket(s3, settings.uploads_bucket, settings.cors_origins)
        ensure_bucket(s3, settings.backups_bucket, [])
        try:
            yield env
        finally:
            _reset_process_singletons()
            for key, value in previous.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def _reset_process_singletons() -> None:
    from chalicelib import db, storage
    from chalicelib.settings import reset_settings

    db.close_client()
    storage.reset_s3()
    reset_settings()


@pytest.fixture
def db(services: dict[str, str]) -> Iterator[Any]:
    """The test database, emptied (indexes kept) before each test."""
    from chalicelib import db as dbmod

    database = dbmod.get_db()
    for name in database.list_collection_names():
        if name.startswith("system."):
            continue
        database[name].delete_many({})
    yield database


@pytest.fixture
def client(db: Any) -> Iterator[Any]:
    """Chalice test client over the real app, talking to the real services.

    The app's one dependency seam (``chalicelib.api.deps``) is pointed at the test database and
    the test S3 endpoint here, and nowhere else.
    """
    from chalice.test import Client

    from app import app
    from chalicelib import storage
    from chalicelib.api import deps
    from chalicelib.settings import get_settings

    test_dependencies = deps.Dependencies(
        settings=get_settings(), db_factory=lambda: db, s3_factory=storage.get_s3
    )
    with deps.override(lambda: test_dependencies), Client(app, stage_name="local") as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def _clean_metrics() -> Iterator[None]:
    from chalicelib.observability import metrics

    metrics.clear_metrics()
    yield
    metrics.clear_metrics()


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """Capture powertools Logger output (capsys does not see it)."""
    from chalicelib.observability import logger

    buffer = io.StringIO()
    handler: Any = logger.registered_handler
    original = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(original)


@pytest.fixture
def api(client: Any, db: Any) -> Any:
    """JSON helper around the test client, authenticated as an admin."""
    from tests.support.auth import bearer
    from tests.support.http import Api

    return Api(client, headers=bearer(db, "admin"))


@pytest.fixture
def api_as(client: Any, db: Any) -> Any:
    """``api_as("editor")`` → a JSON helper authenticated with that role (None: no token)."""
    from tests.support.auth import bearer
    from tests.support.http import Api

    def make(role: str | None) -> Api:
        return Api(client, headers=bearer(db, role) if role else {})

    return make


@pytest.fixture(scope="module")
def live_api(services: dict[str, str]) -> Iterator[str]:
    """Base URL of the API as a process (``fetms_cli.apiserver``, as ``make run`` serves it)
    against the test database and S3: for parallel clients and raw HTTP."""
    from tests.support.apiserver import api_process

    with api_process(services) as base:
        yield base


@pytest.fixture
def http_as(live_api: str, db: Any) -> Callable[[str], Any]:
    """``http_as("editor")`` → an HTTP client for ``live_api`` authenticated with that role."""
    from tests.support.apiserver import HttpApi
    from tests.support.auth import bearer

    def make(role: str) -> HttpApi:
        return HttpApi(live_api, headers=bearer(db, role))

    return make
