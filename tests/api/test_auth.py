"""Login, tokens, sessions, passwords and brute-force protection."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from tests.support.auth import TEST_PASSWORD, bearer, make_user
from tests.support.clock import install_clock
from tests.support.http import Api


def login(api: Api, email: str, password: str) -> Any:
    return api.post("/api/auth/login", {"email": email, "password": password})


@pytest.fixture
def anon(api_as: Any) -> Api:
    result: Api = api_as(None)
    return result


def test_login_returns_tokens_and_me_works(anon: Api, db: Any) -> None:
    make_user(db, "editor", email="ed@example.org")
    result = login(anon, "ED@example.org", TEST_PASSWORD)
    assert result.status == 200, result.body
    assert result.body["tokenType"] == "Bearer"
    assert result.body["user"]["role"] == "editor"
    assert "passwordHash" not in result.body["user"]
    headers = {"Authorization": f"Bearer {result.body['accessToken']}"}
    me = anon.get("/api/auth/me", headers=headers)
    assert me.status == 200
    assert me.body["email"] == "ed@example.org"
    assert db.users.find_one({"email": "ed@example.org"})["lastLoginAt"] is not None


def test_wrong_password_and_unknown_email_look_the_same(anon: Api, db: Any) -> None:
    make_user(db, "viewer", email="v@example.org")
    wrong = login(anon, "v@example.org", "not-the-password-1")
    unknown = login(anon, "nobody@example.org", "not-the-password-1")
    assert wrong.status == unknown.status == 401
    assert wrong.body["message"] == unknown.body["message"]
    assert "exist" not in wrong.body["message"].lower()


def test_disabled_user_cannot_log_in(anon: Api, db: Any) -> None:
    make_user(db, "viewer", email="off@example.org", active=False)
    assert login(anon, "off@example.org", TEST_PASSWORD).status == 401


def test_logout_revokes_the_access_token_at_once(anon: Api, db: Any) -> None:
    make_user(db, "viewer", email="v@example.org")
    tokens = login(anon, "v@example.org", TEST_PASSWORD).body
    headers = {"Authorization": f"Bearer {tokens['accessToken']}"}
    assert anon.post("/api/auth/logout", {}, headers=headers).status == 204
    assert anon.get("/api/auth/me", headers=headers).status == 401
    assert anon.post("/api/auth/refresh", {"refreshToken": tokens["refreshToken"]}).status == 401


def test_refresh_rotates_and_reuse_ends_the_session(anon: Api, db: Any) -> None:
    make_user(db, "viewer", email="v@example.org")
    first = login(anon, "v@example.org", TEST_PASSWORD).body
    second = anon.post("/api/auth/refresh", {"refreshToken": first["refreshToken"]})
    assert second.status == 200
    assert second.body["refreshToken"] != first["refreshToken"]
    replay = anon.post("/api/auth/refresh", {"refreshToken": first["refreshToken"]})
    assert replay.status == 401
    # the stolen-token signal revoked the whole session, including the rotated token
    assert (
        anon.post("/api/auth/refresh", {"refreshToken": second.body["refreshToken"]}).status == 401
    )


def test_access_token_expires(anon: Api, db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = install_clock(monkeypatch)
    make_user(db, "viewer", email="v@example.org")
    tokens = login(anon, "v@example.org", TEST_PASSWORD).body
    headers = {"Authorization": f"Bearer {tokens['accessToken']}"}
    assert anon.get("/api/auth/me", headers=headers).status == 200
    clock.advance(16 * 60)
    assert anon.get("/api/auth/me", headers=headers).status == 401


def test_disabling_or_demoting_a_user_ends_their_sessions(api: Api, anon: Api, db: Any) -> None:
    user = make_user(db, "editor", email="ed@example.org")
    tokens = login(anon, "ed@example.org", TEST_PASSWORD).body
    headers = {"Authorization": f"Bearer {tokens['accessToken']}"}
    assert api.patch(f"/api/users/{user['_id']}", {"role": "viewer"}).status == 200
    assert anon.get("/api/auth/me", headers=headers).status == 401
    again = login(anon, "ed@example.org", TEST_PASSWORD).body
    assert again["user"]["role"] == "viewer"
    assert api.patch(f"/api/users/{user['_id']}", {"active": False}).status == 200
    assert (
        anon.get("/api/auth/me", headers={"Authorization": f"Bearer {again['accessToken']}"}).status
        == 401
    )


def test_password_change_enforces_policy(anon: Api, db: Any) -> None:
    make_user(db, "viewer", email="v@example.org")
    tokens = login(anon, "v@example.org", TEST_PASSWORD).body
    headers = {"Authorization": f"Bearer {tokens['accessToken']}"}
    weak_ones = (
        "short",
        "password123456"[:8] * 2,
        "v@example.org",
        "password1234",
        "Password123!",
        "1qaz2wsx3edc",
        "v@example.org2026",
    )
    for weak in weak_ones:
        result = anon.post(
            "/api/auth/password",
            {"currentPassword": TEST_PASSWORD, "newPassword": weak},
            headers=headers,
        )
        assert result.status == 400, weak
        assert result.body["errors"][0]["field"] == "newPassword"
        if len(weak) >= 12:
            assert "too easy to guess (" in result.body["detail"], result.body
    wrong = anon.post(
        "/api/auth/password",
        {"currentPassword": "nope-nope-nope", "newPassword": "A-much-better-passphrase-7"},
        headers=headers,
    )
    assert wrong.status == 401
    ok = anon.post(
        "/api/auth/password",
        {"currentPassword": TEST_PASSWORD, "newPassword": "A-much-better-passphrase-7"},
        headers=headers,
    )
    assert ok.status == 204
    assert login(anon, "v@example.org", TEST_PASSWORD).status == 401
    assert login(anon, "v@example.org", "A-much-better-passphrase-7").status == 200


def test_account_lockout_grows_and_hides_existence(
    anon: Api, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = install_clock(monkeypatch)
    make_user(db, "viewer", email="v@example.org")
    for email in ("v@example.org", "ghost@example.org"):
        for _ in range(5):
            assert login(anon, email, "wrong-password-x").status == 401
        locked = login(anon, email, TEST_PASSWORD)
        assert locked.status == 429, email
        assert locked.header("Retry-After") == "60"
    clock.advance(61)
    for _ in range(5):
        assert login(anon, "v@example.org", "wrong-password-x").status == 401
    second = login(anon, "v@example.org", TEST_PASSWORD)
    assert second.status == 429
    assert second.header("Retry-After") == "120"
    clock.advance(121)
    assert login(anon, "v@example.org", TEST_PASSWORD).status == 200


def test_failed_logins_are_limited_per_address(
    anon: Api, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.settings import get_settings

    install_clock(monkeypatch)
    monkeypatch.setattr(get_settings(), "login_address_failures_per_window", 3)
    statuses = [login(anon, f"user{i}@example.org", "wrong-password-x").status for i in range(5)]
    assert statuses[:3] == [401, 401, 401]
    assert statuses[3:] == [429, 429]


def test_write_rate_limit_per_session(
    api: Api, client: Any, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.settings import get_settings

    clock = install_clock(monkeypatch)
    monkeypatch.setattr(get_settings(), "writes_per_minute_per_session", 3)
    statuses = [api.post("/api/stages", {"title": f"S{i}"}).status for i in range(4)]
    assert statuses == [201, 201, 201, 429]
    limited = api.post("/api/stages", {"title": "late"})
    retry = limited.header("Retry-After")
    assert retry is not None and 1 <= int(retry) <= 60
    assert limited.body["status"] == 429
    assert db.stages.count_documents({}) == 3, "a refused write wrote nothing"
    assert api.get("/api/stages").status == 200, "reads are not limited"
    # The count lives on the session: another session has its own budget, across instances.
    other = Api(client, headers=bearer(db, "admin"))  # the same user, signed in again
    assert other.post("/api/stages", {"title": "another session"}).status == 201
    clock.advance(60)
    assert api.post("/api/stages", {"title": "next minute"}).status == 201


def test_write_counted_in_the_session_check_command(api: Api, db: Any) -> None:
    """The write limit costs no command of its own: the session check counts it."""
    from tests.support.commands import recording_commands

    api.post("/api/stages", {"title": "warm"})  # maintenance state cached, as in a warm Lambda
    with recording_commands() as log:
        assert api.post("/api/stages", {"title": "counted"}).status == 201
        assert api.get("/api/stages").status == 200
    assert log.on("ratelimits") == []
    assert log.on("sessions") == ["findAndModify", "find"]
    counted = db.sessions.find_one({"writeCount": {"$exists": True}})
    assert counted is not None and counted["writeCount"] == 2


def test_logs_never_contain_passwords_or_tokens(
    anon: Api, db: Any, log_stream: io.StringIO
) -> None:
    make_user(db, "viewer", email="v@example.org")
    login(anon, "v@example.org", "Wrong-but-secret-pass-42")
    tokens = login(anon, "v@example.org", TEST_PASSWORD).body
    anon.get("/api/auth/me", headers={"Authorization": f"Bearer {tokens['accessToken']}"})
    from chalicelib.observability import logger

    logger.info(
        "debugging", extra={"password": TEST_PASSWORD, "auth": f"Bearer {tokens['accessToken']}"}
    )
    logs = log_stream.getvalue()
    assert logs, "nothing was logged"
    for secret in (
        TEST_PASSWORD,
        "Wrong-but-secret-pass-42",
        tokens["accessToken"],
        tokens["refreshToken"],
    ):
        assert secret not in logs
    assert all(json.loads(line) for line in logs.splitlines())


def test_audit_records_logins(anon: Api, db: Any) -> None:
    make_user(db, "viewer", email="v@example.org")
    login(anon, "v@example.org", "wrong-password-x")
    login(anon, "v@example.org", TEST_PASSWORD)
    actions = [e["action"] for e in db.auditlog.find().sort("at", 1)]
    assert actions == ["auth.login-failed", "auth.login"]
    assert all(
        "password" not in json.dumps(e, default=str).lower()
        for e in db.auditlog.find({}, {"_id": 0})
    )


def test_a_successful_login_clears_the_failure_count(
    anon: Api, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_clock(monkeypatch)
    make_user(db, "viewer", email="v@example.org")
    for _ in range(4):
        assert login(anon, "v@example.org", "wrong-password-x").status == 401
    assert login(anon, "v@example.org", TEST_PASSWORD).status == 200
    # Four more failures would lock the account had the first four still counted.
    for _ in range(4):
        assert login(anon, "v@example.org", "wrong-password-x").status == 401
    assert login(anon, "v@example.org", TEST_PASSWORD).status == 200


def test_a_lockout_starts_a_fresh_count(
    anon: Api, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = install_clock(monkeypatch)
    make_user(db, "viewer", email="v@example.org")
    for _ in range(5):
        assert login(anon, "v@example.org", "wrong-password-x").status == 401
    assert login(anon, "v@example.org", TEST_PASSWORD).status == 429
    clock.advance(61)
    for _ in range(4):
        assert login(anon, "v@example.org", "wrong-password-x").status == 401
    assert login(anon, "v@example.org", TEST_PASSWORD).status == 200


def test_refresh_gives_a_working_access_token(anon: Api, db: Any) -> None:
    make_user(db, "viewer", email="v@example.org")
    first = login(anon, "v@example.org", TEST_PASSWORD).body
    renewed = anon.post("/api/auth/refresh", {"refreshToken": first["refreshToken"]})
    assert renewed.status == 200
    headers = {"Authorization": f"Bearer {renewed.body['accessToken']}"}
    me = anon.get("/api/auth/me", headers=headers)
    assert me.status == 200 and me.body["email"] == "v@example.org"
    assert renewed.body["user"]["email"] == "v@example.org"


@pytest.mark.parametrize(
    "token",
    ["garbage", "a.b", ".", "x" * 24 + ".secret", "6b1031b8ba17847cbb15e209.", "..", "a" * 5000],
)
def test_malformed_refresh_tokens_are_401(anon: Api, token: str) -> None:
    result = anon.post("/api/auth/refresh", {"refreshToken": token})
    assert result.status in (400, 401), result.body
    assert result.header("Content-Type") == "application/problem+json"


def test_a_password_change_changes_only_the_callers_password(anon: Api, db: Any) -> None:
    make_user(db, "viewer", email="first@example.org")
    make_user(db, "editor", email="second@example.org")
    tokens = login(anon, "second@example.org", TEST_PASSWORD).body
    headers = {"Authorization": f"Bearer {tokens['accessToken']}"}
    new = "An-entirely-new-passphrase-42"
    changed = anon.post(
        "/api/auth/password",
        {"currentPassword": TEST_PASSWORD, "newPassword": new},
        headers=headers,
    )
    assert changed.status == 204
    assert login(anon, "second@example.org", new).status == 200
    assert login(anon, "first@example.org", TEST_PASSWORD).status == 200
    assert login(anon, "first@example.org", new).status == 401


def test_no_route_ever_returns_a_password_hash(api: Api, anon: Api, db: Any) -> None:
    user = make_user(db, "editor", email="ed@example.org")
    tokens = login(anon, "ed@example.org", TEST_PASSWORD).body
    headers = {"Authorization": f"Bearer {tokens['accessToken']}"}
    answers = [
        tokens,
        anon.get("/api/auth/me", headers=headers).body,
        api.get("/api/users").body,
        api.get(f"/api/users/{user['_id']}").body,
        api.patch(f"/api/users/{user['_id']}", {"name": "Ed"}).body,
        api.post("/api/users", {"email": "n@example.org", "name": "N", "role": "viewer"}).body,
        api.post(f"/api/users/{user['_id']}/reset-password", {}).body,
    ]
    text = json.dumps(answers)
    assert "argon2" not in text and "passwordHash" not in text
