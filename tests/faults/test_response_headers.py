"""Security headers and CORS for the SPA origin on every kind of response the API process gives
(issue 16, Low): gateway-level answers (no or bad token, unknown route, too large, no length),
app errors, refusals, preflights, redirects, downloads and empty bodies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from chalicelib.api.middleware import SECURITY_HEADERS
from tests.support.factories import make_teacher
from tests.support.files import PDF, upload_file

ORIGIN = "https://spa.example.org"


def _cases(
    live_api: str, bearer: Callable[[str], dict[str, str]], teacher_id: str, box_id: str
) -> dict[str, tuple[str, str, dict[str, str], bytes | None]]:
    admin, viewer = bearer("admin"), bearer("viewer")
    return {
        "200 read": ("GET", "/api/stages", admin, None),
        "200 export": ("GET", "/api/teachers/export", admin, None),
        "201 create": (
            "POST",
            "/api/stages",
            {**admin, "Content-Type": "application/json"},
            b'{"title": "Headers"}',
        ),
        "204 logout": (
            "POST",
            "/api/auth/logout",
            {**bearer("editor"), "Content-Type": "application/json"},
            b"{}",
        ),
        "302 zip redirect": (
            "GET",
            f"/api/teachers/{teacher_id}/boxes/{box_id}/download?redirect=true",
            admin,
            None,
        ),
        "400 bad input": ("GET", "/api/teachers?limit=abc", admin, None),
        "401 no token": ("GET", "/api/teachers", {}, None),
        "401 bad token": ("GET", "/api/teachers", {"Authorization": "Bearer a.b.c"}, None),
        "401 bad login": (
            "POST",
            "/api/auth/login",
            {"Content-Type": "application/json"},
            b'{"email": "nobody@example.org", "password": "wrong-pass"}',
        ),
        "403 role": (
            "POST",
            "/api/stages",
            {**viewer, "Content-Type": "application/json"},
            b'{"title": "x"}',
        ),
        "404 record": ("GET", "/api/teachers/" + "0" * 24, admin, None),
        "404 unknown route": ("GET", "/api/no-such-route", {}, None),
        "405 method": ("DELETE", "/api/health", {}, None),
    }


def test_every_kind_of_response_carries_security_headers_and_cors(
    live_api: str, db: Any, client: Any
) -> None:
    from tests.support.auth import bearer
    from tests.support.http import Api

    api = Api(client, headers=bearer(db, "admin"))
    teacher = make_teacher(db)
    tid = str(teacher["_id"])
    box = api.post(f"/api/teachers/{tid}/boxes", {"name": "B"}).body["documentBoxes"][0]
    upload_file(api, tid, "adhoc", PDF, {"name": "One", "boxId": box["_id"]})
    failures = []
    for name, (method, path, headers, body) in _cases(
        live_api, lambda role: bearer(db, role), tid, box["_id"]
    ).items():
        response = requests.request(
            method,
            live_api + path,
            headers={"Origin": ORIGIN, **headers},
            data=body,
            timeout=15,
            allow_redirects=False,
        )
        expected = int(name.split()[0])
        if response.status_code != expected:
            failures.append(f"{name}: status {response.status_code}")
        for header, value in SECURITY_HEADERS.items():
            if response.headers.get(header) != value:
                failures.append(f"{name}: {header} = {response.headers.get(header)!r}")
        if response.headers.get("Access-Control-Allow-Origin") != ORIGIN:
            failures.append(f"{name}: no CORS for the SPA origin")
    assert failures == []


def test_a_body_too_large_for_the_gateway_carries_them_too(live_api: str) -> None:
    length = 11 * 1024 * 1024
    import socket
    from urllib.parse import urlparse

    url = urlparse(live_api)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(
            f"POST /api/stages HTTP/1.1\r\nHost: x\r\nOrigin: {ORIGIN}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n".encode()
        )
        head = sock.recv(65536).decode(errors="replace")
    assert head.startswith("HTTP/1.1 413")
    lowered = head.lower()
    for header in SECURITY_HEADERS:
        assert header.lower() + ":" in lowered, header
    assert f"access-control-allow-origin: {ORIGIN}".lower() in lowered
