"""Hostile HTTP against the API as a process: every error is problem+json, bounded in size,
carries the security headers, never echoes a token, and never hangs — including what the
gateway answers before any app code runs (401, unknown routes, broken bodies)."""

from __future__ import annotations

import json
import socket
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.support.auth import bearer

MAX_ERROR_BYTES = 16 * 1024
SECRET_TOKEN = "Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2VuLXRoYXQtbXVzdC1ub3QtbGVhaw.sig"


def check_problem(response: requests.Response, status: int, *echo_forbidden: str) -> None:
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["Content-Type"] == "application/problem+json"
    assert len(response.content) <= MAX_ERROR_BYTES, len(response.content)
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    everything = response.text + json.dumps(dict(response.headers))
    for forbidden in ("eyJhbGciOiJIUzI1NiJ9", "Traceback", *echo_forbidden):
        assert forbidden not in everything


def raw_exchange(base: str, request: bytes, timeout: float = 15) -> bytes:
    """Send bytes as they are and read the whole answer (the server closes the connection)."""
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


@pytest.mark.parametrize(
    ("headers", "path"),
    [
        ({}, "/api/teachers"),
        ({"Authorization": "Bearer not-a-jwt"}, "/api/teachers"),
        ({"Authorization": SECRET_TOKEN}, "/api/teachers"),
        ({"Authorization": "Basic YWRtaW46YWRtaW4="}, "/api/stages"),
    ],
)
def test_authorizer_refusals_are_problem_json(
    live_api: str, headers: dict[str, str], path: str
) -> None:
    check_problem(requests.get(live_api + path, headers=headers, timeout=10), 401)


@pytest.mark.parametrize("with_token", [True, False])
def test_unknown_routes_are_404_without_echo(live_api: str, with_token: bool) -> None:
    headers = {"Authorization": SECRET_TOKEN} if with_token else {}
    response = requests.get(live_api + "/api/no-such-thing/../x", headers=headers, timeout=10)
    check_problem(response, 404)


def test_app_level_refusals_are_problem_json(live_api: str, db: Any) -> None:
    auth = bearer(db, "admin")
    json_headers = {**auth, "Content-Type": "application/json"}
    cases: list[tuple[requests.Response, int]] = [
        (requests.delete(live_api + "/api/stages", headers=auth, timeout=10), 405),
        (requests.post(live_api + "/api/schools", data="{", headers=json_headers, timeout=10), 400),
        (
            requests.post(
                live_api + "/api/schools",
                data=b'{"name": {"chinese": "\xff\xfe"}}',
                headers=json_headers,
                timeout=10,
            ),
            400,
        ),
        (
            requests.post(
                live_api + "/api/schools",
                data="x",
                headers={**auth, "Content-Type": "text/plain"},
                timeout=10,
            ),
            415,
        ),
        (requests.get(live_api + "/api/stages?$where=1", headers=auth, timeout=10), 400),
        (requests.get(live_api + "/api/teachers?limit=abc", headers=auth, timeout=10), 400),
        (requests.get(live_api + "/api/teachers/..%2F..%2Fetc", headers=auth, timeout=10), 400),
        (
            requests.options(
                live_api + "/api/stages",
                headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
                timeout=10,
            ),
            403,
        ),
    ]
    for response, status in cases:
        check_problem(response, status)


def test_a_huge_invalid_body_gets_a_small_answer(live_api: str, db: Any) -> None:
    headers = {**bearer(db, "admin"), "Content-Type": "application/json"}
    reorder = {"stages": [{"_id": "x" * 24, "order": -1} for _ in range(400)]}
    response = requests.put(
        live_api + "/api/stages/reorder", data=json.dumps(reorder), headers=headers, timeout=20
    )
    check_problem(response, 400)
    assert response.json()["errorsOmitted"] > 0
    too_big = json.dumps({"name": {"chinese": "校" * 700_000}})
    response = requests.post(live_api + "/api/schools", data=too_big, headers=headers, timeout=20)
    check_problem(response, 413, "校校校")


def test_control_characters_are_refused_with_the_field(live_api: str, db: Any) -> None:
    headers = {**bearer(db, "editor"), "Content-Type": "application/json"}
    body = {"firstName": "Ann\x0bMarie", "lastName": "Lee", "email": "ann@example.org"}
    response = requests.post(
        live_api + "/api/teachers", data=json.dumps(body), headers=headers, timeout=10
    )
    check_problem(response, 400)
    assert [e["field"] for e in response.json()["errors"]] == ["firstName"]
    assert db.teachers.count_documents({}) == 0


def test_a_body_shorter_than_its_content_length_is_answered_not_held(live_api: str) -> None:
    request = (
        b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 500\r\n\r\n{"email": "a@b.org"'
    )
    answer = raw_exchange(live_api, request)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b"application/problem+json" in answer


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (b"Content-Length: 99999999999\r\n", b"413"),
        (b"Content-Length: -5\r\n", b"400"),
        (b"Transfer-Encoding: chunked\r\n", b"411"),
    ],
)
def test_impossible_framing_is_refused(live_api: str, header: bytes, status: bytes) -> None:
    request = b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\n" + header + b"\r\n"
    answer = raw_exchange(live_api, request)
    assert answer.startswith(b"HTTP/1.1 " + status), answer[:200]
    assert b"application/problem+json" in answer


def test_answers_over_a_kilobyte_are_gzipped_for_clients_that_accept_it(
    live_api: str, db: Any
) -> None:
    from tests.support.factories import make_teacher

    for i in range(30):
        make_teacher(db, firstName=f"T{i}", email=f"t{i}@example.org")
    headers = bearer(db, "viewer")
    url = live_api + "/api/teachers?limit=30"
    zipped = requests.get(url, headers={**headers, "Accept-Encoding": "gzip"}, timeout=10)
    assert zipped.status_code == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert int(zipped.headers["Content-Length"]) < len(zipped.content) / 3
    assert len(zipped.json()) == 30
    plain = requests.get(url, headers={**headers, "Accept-Encoding": "identity"}, timeout=10)
    assert "Content-Encoding" not in plain.headers
    assert plain.json() == zipped.json()
    small = requests.get(live_api + "/api/health", headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert "Content-Encoding" not in small.headers, "small answers are not worth compressing"
