"""A local server that dies does not take `fetms run` down: the API keeps answering (503 for what
needs the dead server, fast), the server is restarted on the same port with the same data, and
nothing else is restarted. Real processes: kill -9 of the SecantusDB and SeaweedFS children.

While a server is down, `fetms run` itself is frozen (SIGSTOP) so that the outage lasts until the
test has seen the API's answer; on SIGCONT it notices the crash and restarts the server.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import requests

from tests.e2e.test_local_stack import PDF, upload_passport
from tests.support.files import multipart
from tests.support.stack import Stack, running_stack, stack_env, wait_until_dead


def _kill(stack: Stack, name: str) -> int:
    pid = stack.children()[name]
    os.kill(pid, signal.SIGKILL)
    wait_until_dead(pid)
    return pid


def test_crashed_database_and_s3_are_restarted_while_the_api_answers(tmp_path: Path) -> None:
    env = stack_env(tmp_path)
    env["MONGO_TIMEOUT_MS"] = "1000"
    with running_stack(env) as stack:
        token = stack.login(stack.first_password())
        created = stack.call("POST", "/api/projects", {"name": "Kept", "code": "keep"}, token)
        assert created.status == 201
        teacher = {"firstName": "Ada", "lastName": "Crash", "email": "ada.crash@example.org"}
        status, created_teacher = stack.request("POST", "/api/teachers", teacher, token)
        assert status == 201
        teacher_id = created_teacher["_id"]
        assert upload_passport(stack, token, teacher_id, PDF).status == 200
        link = stack.call("GET", f"/api/teachers/{teacher_id}/documents/passport/url", None, token)
        before = stack.children()
        assert set(before) == {"mongo", "s3", "api"}

        # The database dies.
        with stack.supervisor_paused():
            _kill(stack, "mongo")
            during = stack.call("GET", "/api/projects", token=token)
            assert during.status == 503, during.body
            assert during.headers["Content-Type"].startswith("application/problem+json")
            assert during.headers.get("Retry-After")
            health = stack.call("GET", "/api/health")
            assert health.status == 503 and health.body["failing"] == ["mongodb"]
        crashed = stack.wait_for("SecantusDB (MongoDB) stopped unexpectedly", timeout=30)
        stack.wait_for("SecantusDB (MongoDB) is back", timeout=60, after=crashed)
        after_db = stack.children()
        assert after_db["mongo"] != before["mongo"], "a new SecantusDB process"
        assert after_db["api"] == before["api"] and after_db["s3"] == before["s3"]
        projects = stack.call("GET", "/api/projects", token=token)
        assert projects.status == 200 and [p["code"] for p in projects.body] == ["KEEP"]

        # S3 dies.
        with stack.supervisor_paused():
            _kill(stack, "s3")
            health = stack.call("GET", "/api/health")
            assert health.status == 503 and health.body["failing"] == ["s3"]
            assert stack.call("GET", "/api/projects", token=token).status == 200
            body, headers = multipart({}, {"file": ("p.pdf", PDF, "application/pdf")})
            inline = requests.post(
                f"{stack.base}/api/teachers/{teacher_id}/documents/contract",
                data=body,
                headers={**headers, "Authorization": f"Bearer {token}"},
                timeout=30,
            )
            assert inline.status_code == 503, inline.text
            assert inline.headers["Content-Type"].startswith("application/problem+json")
            try:
                refused = requests.get(link.body["url"], timeout=10).status_code
            except requests.ConnectionError:
                refused = 0
            assert refused != 200
        crashed = stack.wait_for("SeaweedFS (S3) stopped unexpectedly", timeout=30)
        stack.wait_for("SeaweedFS (S3) is back", timeout=90, after=crashed)
        after_s3 = stack.children()
        assert after_s3["s3"] != before["s3"], "a new SeaweedFS process"
        assert after_s3["api"] == before["api"] and after_s3["mongo"] == after_db["mongo"]
        assert stack.call("GET", "/api/health").status == 200
        assert requests.get(link.body["url"], timeout=15).content == PDF, "same data"
        assert "Traceback" not in stack.output
    assert stack.process.returncode == 0
