"""The browser form of the refresh token: an HttpOnly cookie scoped to /api/auth (the SPA's)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.support.auth import TEST_PASSWORD, make_user
from tests.support.http import Api, Result


def cookie_attributes(result: Result) -> tuple[str, str, set[str]]:
    """(name, value, attributes lower-cased) of the single Set-Cookie header."""
    header = result.header("Set-Cookie")
    assert header is not None, result.headers
    first, *attributes = [part.strip() for part in header.split(";")]
    name, _, value = first.partition("=")
    return name, value, {a.lower() for a in attributes}


COOKIE_MODE = {"refreshCookie": True}


def refresh_with_cookie(anon: Api, token: str) -> Result:
    return anon.post("/api/auth/refresh", COOKIE_MODE, headers={"Cookie": f"fetms_refresh={token}"})


@pytest.fixture
def anon(api_as: Any) -> Api:
    result: Api = api_as(None)
    return result


def browser_login(anon: Api, email: str = "ed@example.org") -> Result:
    return anon.post(
        "/api/auth/login", {"email": email, "password": TEST_PASSWORD, "refreshCookie": True}
    )


def test_login_with_refresh_cookie_keeps_the_token_out_of_the_body(anon: Api, db: Any) -> None:
    make_user(db, "editor", email="ed@example.org")
    result = browser_login(anon)
    assert result.status == 200, result.body
    assert result.body["refreshToken"] is None
    assert result.body["accessToken"]
    name, value, attributes = cookie_attributes(result)
    assert name == "fetms_refresh"
    assert len(value) > 20
    assert {"httponly", "samesite=strict", "path=/api/auth"} <= attributes
    max_age = next(a for a in attributes if a.startswith("max-age="))
    assert 11 * 3600 < int(max_age.split("=")[1]) <= 12 * 3600  # SESSION_MAX_HOURS


def test_refresh_reads_the_cookie_and_rotates_it(anon: Api, db: Any) -> None:
    make_user(db, "editor", email="ed@example.org")
    _, first, _ = cookie_attributes(browser_login(anon))
    renewed = anon.post(
        "/api/auth/refresh", COOKIE_MODE, headers={"Cookie": f"fetms_refresh={first}"}
    )
    assert renewed.status == 200, renewed.body
    assert renewed.body["refreshToken"] is None
    _, second, _ = cookie_attributes(renewed)
    assert second and second != first
    me = anon.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {renewed.body['accessToken']}"}
    )
    assert me.body["email"] == "ed@example.org"
    # Replaying the old cookie ends the session; the answer clears the cookie.
    replay = anon.post(
        "/api/auth/refresh", COOKIE_MODE, headers={"Cookie": f"fetms_refresh={first}"}
    )
    assert replay.status == 401
    name, value, attributes = cookie_attributes(replay)
    assert (name, value) == ("fetms_refresh", "")
    assert "max-age=0" in attributes
    after = anon.post(
        "/api/auth/refresh", COOKIE_MODE, headers={"Cookie": f"fetms_refresh={second}"}
    )
    assert after.status == 401


def test_refresh_in_cookie_mode_without_a_cookie_is_401(anon: Api, db: Any) -> None:
    result = anon.post("/api/auth/refresh", COOKIE_MODE)
    assert result.status == 401
    assert result.header("Content-Type") == "application/problem+json"
    assert "refresh" in result.body["message"].lower()


def test_refresh_with_neither_token_nor_cookie_flag_is_invalid(anon: Api, db: Any) -> None:
    result = anon.post("/api/auth/refresh", {}, headers={"Cookie": "fetms_refresh=x" * 3})
    assert result.status == 400
    assert result.body["errors"][0]["field"] == "refreshToken"


def test_logout_ends_the_session_and_clears_the_cookie(anon: Api, db: Any) -> None:
    make_user(db, "viewer", email="v@example.org")
    login = browser_login(anon, "v@example.org")
    _, token, _ = cookie_attributes(login)
    bearer = {"Authorization": f"Bearer {login.body['accessToken']}"}
    out = anon.post("/api/auth/logout", {}, headers=bearer)
    assert out.status == 204
    name, value, attributes = cookie_attributes(out)
    assert (name, value) == ("fetms_refresh", "")
    assert {"max-age=0", "path=/api/auth", "httponly"} <= attributes
    refused = anon.post(
        "/api/auth/refresh", COOKIE_MODE, headers={"Cookie": f"fetms_refresh={token}"}
    )
    assert refused.status == 401


def test_no_content_answers_carry_no_body(anon: Api, db: Any) -> None:
    """A 204 with a body ("null") desynchronises keep-alive connections: proxies such as the
    SPA's read the stray bytes as the next response and answer 502."""
    make_user(db, "viewer", email="v@example.org")
    login = browser_login(anon, "v@example.org")
    bearer = {"Authorization": f"Bearer {login.body['accessToken']}"}
    raw = anon.client.http.request(
        "POST",
        "/api/auth/logout",
        headers={"Content-Type": "application/json", **bearer},
        body=b"{}",
    )
    assert raw.status_code == 204
    assert raw.body in (b"", "")
    assert "content-type" not in {key.lower() for key in raw.headers}


def test_json_clients_keep_the_body_form_and_get_no_cookie(anon: Api, db: Any) -> None:
    make_user(db, "viewer", email="v@example.org")
    tokens = anon.post("/api/auth/login", {"email": "v@example.org", "password": TEST_PASSWORD})
    assert tokens.status == 200
    assert tokens.header("Set-Cookie") is None
    assert tokens.body["refreshToken"]
    renewed = anon.post("/api/auth/refresh", {"refreshToken": tokens.body["refreshToken"]})
    assert renewed.status == 200
    assert renewed.header("Set-Cookie") is None
    assert (
        renewed.body["refreshToken"] and renewed.body["refreshToken"] != tokens.body["refreshToken"]
    )


@contextmanager
def stage(db: Any, name: str) -> Iterator[None]:
    """The app's settings as in another stage."""
    from chalicelib import storage
    from chalicelib.api import deps
    from chalicelib.settings import get_settings

    settings = get_settings().model_copy(update={"fetms_stage": name})
    dependencies = deps.Dependencies(
        settings=settings, db_factory=lambda: db, s3_factory=storage.get_s3
    )
    with deps.override(lambda: dependencies):
        yield


@pytest.mark.parametrize(("name", "secure"), [("local", False), ("test", True), ("dev", True)])
def test_the_cookie_is_secure_outside_the_local_stage(
    anon: Api, db: Any, name: str, secure: bool
) -> None:
    make_user(db, "editor", email="ed@example.org")
    with stage(db, name):
        login = browser_login(anon)
    _, _, attributes = cookie_attributes(login)
    assert ("secure" in attributes) is secure
