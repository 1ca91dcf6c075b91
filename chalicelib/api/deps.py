"""The one dependency seam: what a request may use — settings, database, storage.

The routing layer builds a :class:`Dependencies` bundle per request and hands it to handlers
inside :class:`~chalicelib.api.routing.ApiRequest` (``req.db``, ``req.vault``, ``req.settings``,
with ``req.actor``). Guards and the authorizer ask :func:`current` for the same bundle. Tests
substitute every dependency in one place with :func:`override`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from chalicelib.db import Db, get_db
from chalicelib.settings import Settings, get_settings
from chalicelib.storage import Vault, get_probe_s3, get_s3


@dataclass(frozen=True)
class Dependencies:
    """Handles for one request. The database and S3 clients are created on first use."""

    settings: Settings
    db_factory: Callable[[], Db]
    s3_factory: Callable[[], Any]
    s3_probe_factory: Callable[[], Any] = get_probe_s3

    @property
    def db(self) -> Db:
        return self.db_factory()

    @property
    def s3(self) -> Any:
        return self.s3_factory()

    @property
    def s3_probe(self) -> Any:
        """An S3 client with short timeouts and no retries (health checks)."""
        return self.s3_probe_factory()

    @property
    def vault(self) -> Vault:
        return Vault(s3=self.s3, settings=self.settings)


def process_dependencies() -> Dependencies:
    """The process-wide clients (reused across Lambda invocations) and settings."""
    return Dependencies(settings=get_settings(), db_factory=get_db, s3_factory=get_s3)


Provider = Callable[[], Dependencies]
_provider: list[Provider] = [process_dependencies]


def current() -> Dependencies:
    """The bundle for the request being handled."""
    return _provider[0]()


@contextmanager
def override(provider: Provider) -> Iterator[None]:
    """Use ``provider`` instead of the process-wide dependencies (tests)."""
    previous = _provider[0]
    _provider[0] = provider
    try:
        yield
    finally:
        _provider[0] = previous
