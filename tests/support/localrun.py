"""The whole local stack as `make run` starts it (`fetms run`: SecantusDB, the local S3 endpoint,
the API and the SPA under vite preview) on free ports, for the browser tests and the SPA bench."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fetms_cli.seaweedfs import PORTS_PER_SERVER
from tests.support.servers import free_port, free_port_block

FETMS = str(Path(sys.executable).with_name("fetms"))
# Debian's chromium (no browser download); the flags keep it quiet and offline.
CHROMIUM = next(
    (p for p in ("/usr/lib/chromium/chromium", "/usr/bin/chromium") if Path(p).exists()),
    "/usr/bin/chromium",
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Stack:
    """A running `fetms run`: the SPA's origin (the API answers under /api there too)."""

    base: str
    password: str
    mongo_uri: str
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    _token: str | None = None

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        """A JSON call as the admin; (status, parsed body)."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310
        req.add_header("Content-Type", "application/json")
        req.add_header("Authorization", f"Bearer {self.token()}")
        for key, value in (headers or {}).items():
            req.add_header(key, value)
        try:
            with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def token(self) -> str:
        if self._token is None:
            req = urllib.request.Request(  # noqa: S310
                self.base + "/api/auth/login",
                data=json.dumps({"email": "admin@example.com", "password": self.password}).encode(),
                method="POST",
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310
                self._token = json.loads(response.read())["accessToken"]
        assert self._token is not None
        return self._token


@contextmanager
def local_stack(data_dir: Path, timeout: float = 240) -> Iterator[Stack]:
    """`fetms run` with its data in ``data_dir``; stopped with Ctrl-C (SIGINT) afterwards."""
    spa_port, mongo_port = free_port(), free_port()
    env = {
        k: v for k, v in os.environ.items() if k not in ("MONGO_URI", "S3_ENDPOINT_URL", "MONGO_DB")
    }
    env.update(
        {
            "API_PORT": str(free_port()),
            "MONGO_PORT": str(mongo_port),
            "S3_PORT": str(free_port_block(PORTS_PER_SERVER)),  # SeaweedFS takes ten ports
            "SPA_PORT": str(spa_port),
            "CORS_ORIGINS": f"http://127.0.0.1:{spa_port}",
            "LOCAL_DATA_DIR": str(data_dir),
            "FETMS_STAGE": "local",
        }
    )
    process = subprocess.Popen(
        [FETMS, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    try:
        deadline = time.monotonic() + timeout
        while not any("FETMS API ready" in line for line in lines):
            assert process.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "stack not ready:\n" + "".join(lines)
            time.sleep(0.3)
        password = next(
            m.group(1)
            for line in lines
            if (m := re.search(r"password \(shown only this once\): (\S+)", line))
        )
        yield Stack(
            base=f"http://127.0.0.1:{spa_port}",
            password=password,
            mongo_uri=f"mongodb://127.0.0.1:{mongo_port}/?directConnection=true",
            process=process,
            lines=lines,
        )
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
