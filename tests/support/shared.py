"""Servers started once outside pytest and shared by many test sessions (``make mutation`` runs
one short session per mutant: starting SecantusDB and SeaweedFS each time would dominate)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

SHARED_ENV = "FETMS_TEST_SHARED_SERVERS"


@dataclass(frozen=True)
class SharedServers:
    mongo_uri: str
    s3_url: str
    s3_first_port: int
    s3_pid: int
    access_key: str
    secret_key: str

    def to_env(self) -> dict[str, str]:
        return {SHARED_ENV: json.dumps(asdict(self))}


def shared_servers() -> SharedServers | None:
    """The shared servers named by the environment, if a runner started them."""
    raw = os.environ.get(SHARED_ENV)
    return SharedServers(**json.loads(raw)) if raw else None


def session_database(base: str) -> str:
    """A database per test session: sessions sharing the servers run side by side."""
    return f"{base}_{os.getpid()}" if shared_servers() else base
