"""Session-wide real services and a clean database for every test."""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from typing import Any

import pytest

from fetms_cli.seaweedfs import S3Credentials, SeaweedPorts
from tests.support.servers import MongoServer, S3Server, s3_server, secantus_server
from tests.support.shared import session_database, shared_servers

TEST_DB = "fetms_test"


SPA_ORIGINS = ["https://spa.example.org", "http://127.0.0.1:5173"]


@pytest.fixture(scope="session")
def local_s3() -> Iterator[S3Server]:
    """SeaweedFS, started as `fetms run` starts it (signed requests only, explicit ports), or the
    one a runner shares between sessions (``tests/support/shared.py``)."""
    shared = shared_servers()
    if shared is not None:
        keys = S3Credentials(shared.access_key, shared.secret_key)
        ports = SeaweedPorts.block(shared.s3_first_port)
        yield S3Server(shared.s3_url, keys, ports, None, external_pid=shared.s3_pid)
        return
    with s3_server(SPA_ORIGINS) as server:
        yield server


@pytest.fixture(scope="session")
def services(local_s3: S3Server) -> Iterator[dict[str, str]]:
    """SecantusDB (in memory) and SeaweedFS (S3) for the whole session, as settings see them."""
    s3 = local_s3
    shared = shared_servers()
    mongo_server = nullcontext(MongoServer(shared.mongo_uri, 0)) if shared else secantus_server()
    with mongo_server as mongo:
        env = {
            "FETMS_STAGE": "test",
            "MONGO_URI": mongo.uri,
            "MONGO_DB": session_database(TEST_DB),
            "S3_ENDPOINT_URL": s3.url,
            "AWS_ACCESS_KEY_ID": s3.credentials.access_key,
            "AWS_SECRET_ACCESS_KEY": s3.credentials.secret_key,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "UPLOADS_BUCKET": "fetms-uploads-test",
            "BACKUPS_BUCKET": "fetms-backups-test",
            "CORS_ORIGINS": ",".join(SPA_ORIGINS),
            "POWERTOOLS_METRICS_NAMESPACE": "FETMS",
            "STRICT_RESPONSES": "true",
            # Tests insert records directly (no audit entry): the dashboard cache is tested on
            # its own (tests/api/test_dashboard_cache.py), and off elsewhere.
            "DASHBOARD_CACHE_SECONDS": "0",
            # A key made for this run: the placeholder is refused outside an explicit local
            # stage, and the test stage is not one.
            "JWT_SECRET": secrets.token_urlsafe(48),
        }
        previous = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        reset_process_singletons()
        from chalicelib import db, storage
        from chalicelib.settings import get_settings
        from fetms_cli.buckets import ensure_bucket

        settings = get_settings()
        database = db.get_db()
        db.ensure_indexes(database)
        client = storage.get_s3()
        refused = ensure_bucket(client, settings.uploads_bucket, settings.cors_origins)
        refused += ensure_bucket(client, settings.backups_bucket, [])
        assert refused == [], f"the local S3 refused bucket settings: {refused}"
        try:
            yield env
        finally:
            if shared is not None:  # the servers outlive this session: leave nothing behind
                db.get_client().drop_database(env["MONGO_DB"])
            reset_process_singletons()
            for key, value in previous.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def reset_process_singletons() -> None:
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
    # Swapped directly: ``setStream`` flushes the old stream, which a runner that redirects the
    # output (mutmut) may already have closed.
    original, handler.stream = handler.stream, buffer
    try:
        yield buffer
    finally:
        handler.stream = original


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
