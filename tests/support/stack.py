"""`fetms run` as a user runs it, for the local-stack tests: start it on free ports, talk to its
API over HTTP, find its child processes, stop it with Ctrl-C."""

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fetms_cli.seaweedfs import PORTS_PER_SERVER
from tests.support.servers import free_port, free_port_block

FETMS = str(Path(sys.executable).with_name("fetms"))
# How each server of `fetms run` shows in its command line (python -m secantus, weed,
# python -m fetms_cli.apiserver).
CHILD_PROGRAMS = {"mongo": "secantus", "s3": "weed", "api": "fetms_cli.apiserver"}


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


class Stack:
    def __init__(self, process: subprocess.Popen[str], base: str) -> None:
        self.process = process
        self.base = base
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> Answer:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310
                return Answer(
                    response.status, json.loads(response.read() or b"null"), dict(response.headers)
                )
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, json.loads(exc.read() or b"null"), dict(exc.headers))

    def request(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, Any]:
        answer = self.call(method, path, body, token)
        return answer.status, answer.body

    def wait_for(self, text: str, timeout: float = 90, after: int = 0) -> int:
        """Wait until a line (from line number ``after`` on) contains ``text``; its index."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index in range(after, len(self.lines)):
                if text in self.lines[index]:
                    return index
            assert self.process.poll() is None, self.output
            time.sleep(0.2)
        raise AssertionError(f"no line with {text!r} within {timeout} s:\n{self.output}")

    def wait_ready(self, timeout: float = 120) -> None:
        self.wait_for("FETMS API ready", timeout)

    def first_password(self) -> str:
        match = re.search(r"password \(shown only this once\): (\S+)", self.output)
        assert match, self.output
        return match.group(1)

    def login(self, password: str) -> str:
        body = {"email": "admin@example.com", "password": password}
        status, tokens = self.request("POST", "/api/auth/login", body)
        assert status == 200, tokens
        token: str = tokens["accessToken"]
        return token

    def children(self) -> dict[str, int]:
        """The pids of the servers `fetms run` started, by service name."""
        pid = self.process.pid
        found: dict[str, int] = {}
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            try:
                argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            except FileNotFoundError:
                continue
            names = [Path(part.decode()).name for part in argv[:3]]
            for service, program in CHILD_PROGRAMS.items():
                if program in names and _alive(int(child)):
                    found[service] = int(child)
        return found

    @contextmanager
    def supervisor_paused(self) -> Iterator[None]:
        """Freeze `fetms run` itself (SIGSTOP): its servers keep running, nothing is restarted."""
        os.kill(self.process.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(self.process.pid, signal.SIGCONT)


def _alive(pid: int) -> bool:
    """Running, and not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until_dead(pid: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while _alive(pid):
        assert time.monotonic() < deadline, f"process {pid} still alive"
        time.sleep(0.05)


@contextmanager
def running_stack(env: dict[str, str]) -> Iterator[Stack]:
    process = subprocess.Popen(
        [FETMS, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    stack = Stack(process, f"http://127.0.0.1:{env['API_PORT']}")
    try:
        stack.wait_ready()
        yield stack
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)


def stack_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a user who moved every port and the data directory."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("MONGO_URI", "S3_ENDPOINT_URL", "MONGO_DB", "UPLOADS_BUCKET", "BACKUPS_BUCKET")
        and not k.startswith("AWS_")
    }
    spa_port = free_port()
    env.update(
        {
            "API_PORT": str(free_port()),
            "MONGO_PORT": str(free_port()),
            "S3_PORT": str(free_port_block(PORTS_PER_SERVER)),
            "SPA_PORT": str(spa_port),
            "CORS_ORIGINS": f"http://127.0.0.1:{spa_port}",
            "LOCAL_DATA_DIR": str(tmp_path / "data"),
            "FETMS_STAGE": "local",
        }
    )
    return env


def port_in_use(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
