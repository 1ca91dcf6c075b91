"""Sessions nobody else can end, idle and absolute session limits, lockouts of password changes,
and failure counting per account and per address (issue 16: Medium 1, 2, 4; Low: sessions,
lockouts, audit)."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

import pytest
from bson import ObjectId

from chalicelib.errors import TooManyRequests, Unauthorized
from chalicelib.services import auth
from chalicelib.services.tokens import AccessClaims, issue_access_token, signing_key
from chalicelib.settings import get_settings
from tests.support.auth import TEST_PASSWORD, make_user, token_for
from tests.support.clock import install_clock
from tests.support.http import Api

NEW_PASSWORD = "A-much-better-passphrase-7"


@pytest.fixture
def anon(api_as: Any) -> Api:
    made: Api = api_as(None)
    return made


def login(anon: Api, email: str, password: str) -> Any:
    return anon.post("/api/auth/login", {"email": email, "password": password})


def refresh(anon: Api, token: str) -> Any:
    return anon.post("/api/auth/refresh", {"refreshToken": token})


def claims_of(access_token: str) -> dict[str, Any]:
    payload = access_token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * 4))
    return decoded


def actions(db: Any) -> list[str]:
    return [e["action"] for e in db.auditlog.find().sort([("at", 1), ("_id", 1)])]


# --- Medium 1: ending another user's session -------------------------------------------------


def test_a_wrong_secret_does_not_end_the_session(anon: Api, db: Any) -> None:
    make_user(db, "admin", email="boss@example.org")
    tokens = login(anon, "boss@example.org", TEST_PASSWORD).body
    session_id = tokens["refreshToken"].split(".")[0]
    for _ in range(10):
        guess = f"{session_id}.{secrets.token_urlsafe(32)}"
        assert refresh(anon, guess).status == 401
    me = anon.get("/api/auth/me", headers={"Authorization": f"Bearer {tokens['accessToken']}"})
    assert me.status == 200, "the admin is still signed in"
    assert refresh(anon, tokens["refreshToken"]).status == 200
    assert "auth.refresh-reuse" not in actions(db)


def test_a_replayed_rotated_secret_ends_the_session_and_is_audited(anon: Api, db: Any) -> None:
    make_user(db, "viewer", email="v@example.org")
    first = login(anon, "v@example.org", TEST_PASSWORD).body
    second = refresh(anon, first["refreshToken"]).body
    third = refresh(anon, second["refreshToken"]).body
    assert refresh(anon, first["refreshToken"]).status == 401, "a secret from two rotations ago"
    assert refresh(anon, third["refreshToken"]).status == 401, "the whole session ended"
    entry = db.auditlog.find_one({"action": "auth.refresh-reuse"})
    assert entry is not None and entry["actor"] == "v@example.org"
    assert entry["details"]["revoked"] is True
    assert first["refreshToken"].split(".")[0] not in json.dumps(entry, default=str)


def test_session_identifiers_are_unguessable(anon: Api, db: Any) -> None:
    make_user(db, "viewer", email="v@example.org")
    ids = set()
    for _ in range(3):
        tokens = login(anon, "v@example.org", TEST_PASSWORD).body
        session_id = tokens["refreshToken"].split(".")[0]
        assert claims_of(tokens["accessToken"])["sid"] == session_id
        assert not ObjectId.is_valid(session_id), "not a timestamp-and-counter ObjectId"
        assert len(session_id) >= 32  # 192 random bits, base64url
        ids.add(session_id)
    assert len(ids) == 3
    prefixes = {i[:8] for i in ids}
    assert len(prefixes) == 3, "no shared (time-based) prefix"


def test_failed_refreshes_are_limited_per_address_but_valid_tokens_still_work(
    anon: Api, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_clock(monkeypatch)
    monkeypatch.setattr(get_settings(), "refresh_address_failures_per_window", 5)
    make_user(db, "viewer", email="v@example.org")
    tokens = login(anon, "v@example.org", TEST_PASSWORD).body
    guesses = [f"{secrets.token_urlsafe(24)}.{secrets.token_urlsafe(32)}" for _ in range(8)]
    statuses = [refresh(anon, guess).status for guess in guesses]
    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429] * 3
    limited = refresh(anon, guesses[0])
    assert limited.header("Retry-After") is not None
    assert limited.header("Content-Type") == "application/problem+json"
    assert refresh(anon, tokens["refreshToken"]).status == 200, "a colleague behind the NAT"


# --- Medium 2: the token's identity must be its session's ------------------------------------


def test_a_token_cannot_borrow_another_users_session(api_as: Any, db: Any) -> None:
    viewer = make_user(db, "viewer", email="v@example.org")
    admin = make_user(db, "admin", email="boss@example.org")
    session_id = token_for(db, viewer).refresh_token.split(".")[0]
    settings = get_settings()
    from chalicelib.services import common

    forged_claims = AccessClaims(str(admin["_id"]), session_id, admin["email"], "viewer")
    forged, _ = issue_access_token(forged_claims, signing_key(settings), common.utcnow(), 15)
    anon: Api = api_as(None)
    me = anon.get("/api/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert me.status == 401
    wrong_email = AccessClaims(str(viewer["_id"]), session_id, "boss@example.org", "viewer")
    token, _ = issue_access_token(wrong_email, signing_key(settings), common.utcnow(), 15)
    assert anon.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status == 401


# --- Sessions: idle and absolute limits -----------------------------------------------------


def test_a_session_ends_after_30_idle_minutes(
    anon: Api, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = install_clock(monkeypatch)
    make_user(db, "viewer", email="v@example.org")
    tokens = login(anon, "v@example.org", TEST_PASSWORD).body
    clock.advance(29 * 60)
    renewed = refresh(anon, tokens["refreshToken"])
    assert renewed.status == 200
    clock.advance(31 * 60)
    idle = refresh(anon, renewed.body["refreshToken"])
    assert idle.status == 401
    assert "activity" in idle.body["detail"]


def test_a_session_ends_12_hours_after_sign_in_however_active(
    anon: Api, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = install_clock(monkeypatch)
    make_user(db, "viewer", email="v@example.org")
    tokens = login(anon, "v@example.org", TEST_PASSWORD).body
    token = tokens["refreshToken"]
    for _ in range(28):  # every 25 minutes: 11 h 40 min
        clock.advance(25 * 60)
        result = refresh(anon, token)
        assert result.status == 200
        token = result.body["refreshToken"]
    clock.advance(25 * 60)
    assert refresh(anon, token).status == 401


# --- Medium 4: guessing the current password ------------------------------------------------


def test_wrong_current_passwords_lock_out_like_logins_and_are_audited(
    api_as: Any, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_clock(monkeypatch)
    anon: Api = api_as(None)
    make_user(db, "viewer", email="v@example.org")
    tokens = login(anon, "v@example.org", TEST_PASSWORD).body
    headers = {"Authorization": f"Bearer {tokens['accessToken']}"}

    def change(current: str) -> Any:
        body = {"currentPassword": current, "newPassword": NEW_PASSWORD}
        return anon.post("/api/auth/password", body, headers=headers)

    assert [change(f"guess-number-{i}").status for i in range(5)] == [401] * 5
    locked = change(TEST_PASSWORD)
    assert locked.status == 429
    assert locked.header("Retry-After") == "60"
    assert login(anon, "v@example.org", TEST_PASSWORD).status == 429, "the same lockout"
    assert actions(db).count("auth.password-change-failed") == 5
    lockout = db.auditlog.find_one({"action": "auth.lockout"})
    assert lockout is not None and lockout["details"]["via"] == "password-change"
    assert lockout["actor"] == "v@example.org"


# --- Low: per account and per address, separately -------------------------------------------


def _login(db: Any, email: str, password: str, address: str) -> auth.IssuedTokens:
    settings = get_settings()
    return auth.login(
        db, email, password, address=address, settings=settings, key=signing_key(settings)
    )


def test_an_attacker_elsewhere_cannot_lock_the_owner_out(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_clock(monkeypatch)
    make_user(db, "viewer", email="v@example.org")
    for _ in range(5):
        with pytest.raises(Unauthorized):
            _login(db, "v@example.org", "wrong-password-x", "203.0.113.9")
    with pytest.raises(TooManyRequests):
        _login(db, "v@example.org", TEST_PASSWORD, "203.0.113.9")
    assert _login(db, "v@example.org", TEST_PASSWORD, "198.51.100.20").user["email"]


def test_a_sprayer_behind_the_office_nat_does_not_lock_colleagues_out(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_clock(monkeypatch)
    monkeypatch.setattr(get_settings(), "login_address_failures_per_window", 3)
    office = "198.51.100.7"
    make_user(db, "viewer", email="colleague@example.org")
    make_user(db, "editor", email="newcomer@example.org")
    _login(db, "colleague@example.org", TEST_PASSWORD, office)  # signed in from here before
    for i in range(3):
        with pytest.raises(Unauthorized):
            _login(db, f"user{i}@example.org", "wrong-password-x", office)
    with pytest.raises(TooManyRequests):
        _login(db, "user9@example.org", "wrong-password-x", office)
    assert _login(db, "colleague@example.org", TEST_PASSWORD, office).user
    with pytest.raises(TooManyRequests):
        _login(db, "newcomer@example.org", TEST_PASSWORD, office)


def test_distributed_guessing_of_one_account_is_capped(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_clock(monkeypatch)
    monkeypatch.setattr(get_settings(), "login_account_failures_per_window", 4)
    make_user(db, "viewer", email="v@example.org")
    _login(db, "v@example.org", TEST_PASSWORD, "198.51.100.1")  # the owner's office
    for i in range(4):
        with pytest.raises(Unauthorized):
            _login(db, "v@example.org", "wrong-password-x", f"203.0.113.{i}")
    with pytest.raises(TooManyRequests):
        _login(db, "v@example.org", TEST_PASSWORD, "203.0.113.50")
    assert _login(db, "v@example.org", TEST_PASSWORD, "198.51.100.1").user, "owner unaffected"


def test_what_was_typed_as_an_email_is_stored_nowhere(anon: Api, db: Any) -> None:
    typed = "Hunter2-typed-in-the-wrong-field"
    assert login(anon, typed, "anything").status == 401
    for name in db.list_collection_names():
        for doc in db[name].find():
            assert typed.lower() not in json.dumps(doc, default=str).lower(), name
    entry = db.auditlog.find_one({"action": "auth.login-failed"})
    assert entry is not None and entry["actor"] == "(unknown account)"


def test_unlock_ends_every_lockout_of_the_account(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    install_clock(monkeypatch)
    make_user(db, "viewer", email="v@example.org")
    for address in ("203.0.113.1", "203.0.113.2"):
        for _ in range(5):
            with pytest.raises(Unauthorized):
                _login(db, "v@example.org", "wrong-password-x", address)
    assert auth.unlock(db, "V@example.org", signing_key(get_settings())) == 2
    assert _login(db, "v@example.org", TEST_PASSWORD, "203.0.113.1").user


def test_the_cli_ends_a_lockout(
    db: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from fetms_cli import main

    install_clock(monkeypatch)
    make_user(db, "viewer", email="v@example.org")
    for _ in range(5):
        with pytest.raises(Unauthorized):
            _login(db, "v@example.org", "wrong-password-x", "203.0.113.1")
    assert main(["users", "unlock", "--email", "v@example.org"]) == 0
    assert "lockouts ended for v@example.org: 1" in capsys.readouterr().out
    assert _login(db, "v@example.org", TEST_PASSWORD, "203.0.113.1").user
