"""The API as a real process (``chalice local``) and a JSON client over HTTP, for tests that need
what the in-process test client cannot give: parallel clients, dependencies killed or frozen
underneath a running server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from tests.support.http import Result
from tests.support.servers import free_port, stop_process

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def api_process(env: dict[str, str], timeout: float = 30.0) -> Iterator[str]:
    """The local API server (``fetms_cli.apiserver``, as ``make run`` serves it) on a free port
    with ``env`` over the current environment; its base URL.

    The server's output goes to a temporary log, printed when the test fails (pytest shows it).
    """
    port = free_port()
    argv = [sys.executable, "-m", "fetms_cli.apiserver", "--stage", "local", "--workers", "2"]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [*argv, "--host", "127.0.0.1", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for_port(base, process, timeout)
            yield base
        finally:
            stop_process(process)
            log.seek(0)
            print(log.read().decode(errors="replace")[-20000:])


def _wait_for_port(base: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the API server exited early (its output follows)")
        try:
            requests.get(base + "/api/openapi.json", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError("the API server did not start in time")


class HttpApi:
    """The same calls as ``tests.support.http.Api``, over real HTTP (safe to use from threads)."""

    def __init__(self, base: str, headers: dict[str, str] | None = None, timeout: float = 30.0):
        self.base = base
        self.headers = headers or {}
        self.timeout = timeout

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
        raw: bytes | None = None,
    ) -> Result:
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = requests.request(
            method,
            self.base + path,
            data=payload,
            headers={"Content-Type": "application/json", **self.headers, **(headers or {})},
            timeout=timeout or self.timeout,
        )
        try:
            parsed = response.json() if response.content else None
        except ValueError:
            parsed = response.text
        return Result(status=response.status_code, headers=dict(response.headers), body=parsed)

    def get(self, path: str, **kw: Any) -> Result:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Result:
        return self.call("POST", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Result:
        return self.call("PUT", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Result:
        return self.call("DELETE", path, **kw)
