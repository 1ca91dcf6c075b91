"""`fetms run` as a user runs it: start, use the API, Ctrl-C, restart, data still there."""

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
from pathlib import Path
from typing import Any

from tests.support.files import make_pdf
from tests.support.servers import free_port

FETMS = str(Path(sys.executable).with_name("fetms"))


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

    def request(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "".join(self.lines)
            if any("FETMS API ready" in line for line in self.lines):
                return
            time.sleep(0.3)
        raise AssertionError("stack not ready:\n" + "".join(self.lines))


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
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)


def stack_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("MONGO_URI", "S3_ENDPOINT_URL", "MONGO_DB")
    }
    env.update(
        {
            "API_PORT": str(free_port()),
            "MONGO_PORT": str(free_port()),
            "S3_PORT": str(free_port()),
            "LOCAL_DATA_DIR": str(tmp_path / "data"),
            "FETMS_STAGE": "local",
        }
    )
    return env


def upload_and_download_a_passport(stack: Stack, token: str) -> None:
    """The document vault against the local S3 endpoint (s3rver): presigned POST, confirm, GET."""
    import requests

    teacher = {"firstName": "Local", "lastName": "Stack", "email": "local.stack@example.org"}
    status, created = stack.request("POST", "/api/teachers", teacher, token)
    assert status == 201, created
    content = make_pdf()  # a real PDF: the confirmation parses it
    ask = {
        "kind": "passport",
        "fileName": "passport.pdf",
        "contentType": "application/pdf",
        "size": len(content),
    }
    status, upload = stack.request("POST", f"/api/teachers/{created['_id']}/uploads", ask, token)
    assert status == 201, upload
    files = {"file": ("passport.pdf", content, "application/pdf")}
    posted = requests.post(upload["url"], data=upload["fields"], files=files, timeout=15)
    assert posted.status_code in (200, 201, 204), posted.text
    confirm_path = f"/api/teachers/{created['_id']}/uploads/{upload['uploadId']}/confirm"
    status, confirmed = stack.request("POST", confirm_path, {"number": "X1234567"}, token)
    assert status == 200, confirmed
    assert confirmed["documents"]["passport"]["status"] == "valid"
    status, link = stack.request(
        "GET", f"/api/teachers/{created['_id']}/documents/passport/url", token=token
    )
    assert status == 200, link
    downloaded = requests.get(link["url"], timeout=15)
    assert downloaded.status_code == 200 and downloaded.content == content


def port_in_use(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_run_serves_stops_cleanly_and_keeps_data(tmp_path: Path) -> None:
    env = stack_env(tmp_path)
    with running_stack(env) as stack:
        status, health = stack.request("GET", "/api/health")
        assert status == 200 and health["status"] == "ok"
        output = "".join(stack.lines)
        match = re.search(r"password \(shown only this once\): (\S+)", output)
        assert match, output
        password = match.group(1)
        status, tokens = stack.request(
            "POST", "/api/auth/login", {"email": "admin@example.com", "password": password}
        )
        assert status == 200, tokens
        token = tokens["accessToken"]
        assert (
            stack.request("POST", "/api/projects", {"name": "Kept", "code": "keep"}, token)[0]
            == 201
        )
        status, stages = stack.request("GET", "/api/stages", token=token)
        assert status == 200 and len(stages) == 6, "default stages seeded"
        assert stack.request("GET", "/api/projects")[0] == 401, "auth enforced locally too"
        upload_and_download_a_passport(stack, token)
    assert stack.process.returncode == 0
    for port in (env["API_PORT"], env["MONGO_PORT"], env["S3_PORT"]):
        assert not port_in_use(int(port)), f"port {port} still open after Ctrl-C"

    with running_stack(env) as again:
        assert "shown only this once" not in "".join(again.lines), "admin is created only once"
        status, tokens = again.request(
            "POST", "/api/auth/login", {"email": "admin@example.com", "password": password}
        )
        assert status == 200
        status, projects = again.request("GET", "/api/projects", token=tokens["accessToken"])
        assert [p["code"] for p in projects] == ["KEEP"]
        assert len(again.request("GET", "/api/stages", token=tokens["accessToken"])[1]) == 6, (
            "not re-seeded"
        )


def test_port_in_use_names_the_variable(tmp_path: Path) -> None:
    import socket

    env = stack_env(tmp_path)
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", int(env["API_PORT"])))
        blocker.listen()
        result = subprocess.run([FETMS, "run"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "API_PORT" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
