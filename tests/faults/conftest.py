"""A real API process over the session's test database and S3, for parallel clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.apiserver import HttpApi, api_process
from tests.support.auth import bearer


@pytest.fixture(scope="module")
def live_api(services: dict[str, str]) -> Iterator[str]:
    """Base URL of ``chalice local`` serving the app against the test database (threaded)."""
    with api_process(services) as base:
        yield base


@pytest.fixture
def http_as(live_api: str, db: Any) -> Callable[[str], HttpApi]:
    """``http_as("editor")`` → an HTTP client authenticated with that role."""

    def make(role: str) -> HttpApi:
        return HttpApi(live_api, headers=bearer(db, role))

    return make
