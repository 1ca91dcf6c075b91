"""A scratch database the whole application (settings, CLI, API) points at for one test.

The session's test database keeps the registry's indexes for every other test; tests that build
an original FETMS database (Mongoose's indexes) or migrate one use this instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from chalicelib import db as dbmod
from chalicelib.settings import reset_settings


@contextmanager
def scratch_database(monkeypatch: pytest.MonkeyPatch, name: str) -> Iterator[Any]:
    """``MONGO_DB=name`` for settings, the CLI and the API; dropped before and after."""
    monkeypatch.setenv("MONGO_DB", name)
    reset_settings()
    database = dbmod.get_db()
    database.client.drop_database(name)
    try:
        yield database
    finally:
        database.client.drop_database(name)
        reset_settings()


@contextmanager
def api_on(database: Any) -> Iterator[Any]:
    """A JSON helper (admin) over the Chalice test client, with the app on ``database``."""
    from chalice.test import Client

    from app import app
    from chalicelib import storage
    from chalicelib.api import deps
    from chalicelib.settings import get_settings
    from tests.support.auth import bearer
    from tests.support.http import Api

    bundle = deps.Dependencies(
        settings=get_settings(), db_factory=lambda: database, s3_factory=storage.get_s3
    )
    with deps.override(lambda: bundle), Client(app, stage_name="local") as client:
        yield Api(client, headers=bearer(database, "admin"))
