"""`fetms run` as a user runs it: start, use the API, Ctrl-C, restart, data still there."""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import subprocess
from pathlib import Path
from typing import Any

import requests

from tests.support.files import make_pdf
from tests.support.stack import FETMS, Stack, port_in_use, running_stack, stack_env

PDF = make_pdf()  # a real PDF: the confirmation parses it


def upload_passport(stack: Stack, token: str, teacher_id: str, content: bytes) -> Any:
    """Ask for a presigned POST, send the file to the local S3 (SeaweedFS), confirm."""
    ask = {
        "kind": "passport",
        "fileName": "passport.pdf",
        "contentType": "application/pdf",
        "size": len(content),
    }
    status, upload = stack.request("POST", f"/api/teachers/{teacher_id}/uploads", ask, token)
    assert status == 201, upload
    files = {"file": ("passport.pdf", content, "application/pdf")}
    posted = requests.post(upload["url"], data=upload["fields"], files=files, timeout=15)
    assert posted.status_code in (200, 201, 204), posted.text
    confirm_path = f"/api/teachers/{teacher_id}/uploads/{upload['uploadId']}/confirm"
    return stack.call("POST", confirm_path, {"number": "X1234567"}, token)


def upload_and_download_a_passport(stack: Stack, token: str) -> str:
    """The document vault against the local S3: presigned POST, confirm, signed GET; then a
    replacement whose confirm fails (s3rver answered 500: no ListObjectVersions). Returns the
    teacher id."""
    teacher = {"firstName": "Local", "lastName": "Stack", "email": "local.stack@example.org"}
    status, created = stack.request("POST", "/api/teachers", teacher, token)
    assert status == 201, created
    confirmed = upload_passport(stack, token, created["_id"], PDF)
    assert confirmed.status == 200, confirmed.body
    assert confirmed.body["documents"]["passport"]["status"] == "valid"
    status, link = stack.request(
        "GET", f"/api/teachers/{created['_id']}/documents/passport/url", token=token
    )
    assert status == 200, link
    downloaded = requests.get(link["url"], timeout=15)
    assert downloaded.status_code == 200 and downloaded.content == PDF
    unsigned = requests.get(link["url"].split("?")[0], timeout=15)
    assert unsigned.status_code == 403, "a private file needs a signed URL"

    not_a_pdf = b"MZ" + b"\x00" * (len(PDF) - 2)
    rejected = upload_passport(stack, token, created["_id"], not_a_pdf)
    assert rejected.status == 415, rejected.body
    status, kept = stack.request("GET", f"/api/teachers/{created['_id']}", token=token)
    assert (
        kept["documents"]["passport"]["filePath"]
        == confirmed.body["documents"]["passport"]["filePath"]
    )
    teacher_id: str = created["_id"]
    return teacher_id


def operator(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    """A `fetms` command in another shell that knows only LOCAL_DATA_DIR (not the ports)."""
    moved = ("API_PORT", "MONGO_PORT", "S3_PORT", "SPA_PORT")
    shell = {k: v for k, v in env.items() if k not in moved}
    return subprocess.run(
        [FETMS, *argv], env=shell, capture_output=True, text=True, timeout=120, check=False
    )


def test_run_serves_stops_cleanly_and_keeps_data(tmp_path: Path) -> None:
    env = stack_env(tmp_path)
    stack_file = Path(env["LOCAL_DATA_DIR"]) / "stack.json"
    with running_stack(env) as stack:
        status, health = stack.request("GET", "/api/health")
        assert status == 200 and health["status"] == "ok"
        password = stack.first_password()
        token = stack.login(password)
        assert (
            stack.request("POST", "/api/projects", {"name": "Kept", "code": "keep"}, token)[0]
            == 201
        )
        status, stages = stack.request("GET", "/api/stages", token=token)
        assert status == 200 and len(stages) == 6, "default stages seeded"
        assert stack.request("GET", "/api/projects")[0] == 401, "auth enforced locally too"
        upload_and_download_a_passport(stack, token)

        assert stat.S_IMODE(stack_file.stat().st_mode) == 0o600
        recorded = json.loads(stack_file.read_text())
        assert recorded["s3_endpoint_url"] == f"http://127.0.0.1:{env['S3_PORT']}"
        assert f":{env['MONGO_PORT']}/" in recorded["mongo_uri"]
        backup = operator(env, "backup", "create")
        assert backup.returncode == 0, backup.stdout + backup.stderr
        assert "hashes and counts match" in backup.stdout
        backup_id = re.search(r"^backup (\S+):", backup.stdout, re.MULTILINE)
        assert backup_id, backup.stdout
        listing = operator(env, "backup", "list")
        assert listing.returncode == 0 and backup_id.group(1) in listing.stdout
        health_cli = operator(env, "health")
        assert health_cli.returncode == 0, health_cli.stdout + health_cli.stderr
        second = subprocess.run(
            [FETMS, "run"], env=stack_env(tmp_path), capture_output=True, text=True, timeout=60
        )
        assert second.returncode == 2 and "already running" in second.stderr, second.stderr
    assert stack.process.returncode == 0
    assert not stack_file.exists(), "the stack file goes with the stack"
    ports = [int(env[name]) for name in ("API_PORT", "MONGO_PORT", "S3_PORT", "SPA_PORT")]
    ports += [int(env["S3_PORT"]) + i for i in range(1, 10)]
    for port in ports:
        assert not port_in_use(port), f"port {port} still open after Ctrl-C"

    with running_stack(env) as again:
        assert "shown only this once" not in again.output, "admin is created only once"
        token = again.login(password)
        status, projects = again.request("GET", "/api/projects", token=token)
        assert [p["code"] for p in projects] == ["KEEP"]
        assert len(again.request("GET", "/api/stages", token=token)[1]) == 6, "not re-seeded"
        status, teachers = again.request("GET", "/api/teachers", token=token)
        passport = teachers[0]["documents"]["passport"]
        status, link = again.request(
            "GET", f"/api/teachers/{teachers[0]['_id']}/documents/passport/url", token=token
        )
        assert status == 200 and passport["status"] == "valid"
        assert requests.get(link["url"], timeout=15).content == PDF, "files survive a restart"


def test_port_in_use_names_the_variable(tmp_path: Path) -> None:
    env = stack_env(tmp_path)
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", int(env["API_PORT"])))
        blocker.listen()
        result = subprocess.run([FETMS, "run"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "API_PORT" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_taken_seaweedfs_port_names_s3_port(tmp_path: Path) -> None:
    env = stack_env(tmp_path)
    internal = int(env["S3_PORT"]) + 4  # one of SeaweedFS's internal ports (volume)
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", internal))
        blocker.listen()
        result = subprocess.run([FETMS, "run"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"Port {internal}" in result.stderr and "S3_PORT" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not os.path.exists(Path(env["LOCAL_DATA_DIR"]) / "stack.json")
