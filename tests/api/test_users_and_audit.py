"""User administration, the users CLI, the audit trail routes and the signing key source."""

from __future__ import annotations

import secrets
from typing import Any

import boto3
import pytest
from bson import ObjectId
from moto import mock_aws

from fetms_cli import main
from tests.support.auth import TEST_PASSWORD, make_user
from tests.support.http import Api


def test_admin_creates_user_with_generated_password_shown_once(
    api: Api, api_as: Any, db: Any
) -> None:
    created = api.post(
        "/api/users", {"email": "New.Person@Example.org", "name": "New", "role": "editor"}
    )
    assert created.status == 201
    assert created.body["email"] == "new.person@example.org"
    password = created.body["generatedPassword"]
    assert len(password) >= 20
    assert "passwordHash" not in created.body
    fetched = api.get(f"/api/users/{created.body['_id']}")
    assert "generatedPassword" not in fetched.body and "passwordHash" not in fetched.body
    login = api_as(None).post(
        "/api/auth/login", {"email": "new.person@example.org", "password": password}
    )
    assert login.status == 200


def test_user_email_is_unique_case_insensitively(api: Api) -> None:
    assert (
        api.post("/api/users", {"email": "a@example.org", "name": "A", "role": "viewer"}).status
        == 201
    )
    dup = api.post("/api/users", {"email": "A@EXAMPLE.ORG", "name": "B", "role": "viewer"})
    assert dup.status == 409


def test_weak_chosen_password_is_refused(api: Api) -> None:
    result = api.post(
        "/api/users",
        {"email": "w@example.org", "name": "W", "role": "viewer", "password": "password"},
    )
    assert result.status == 400
    assert result.body["errors"][0]["field"] == "password"


def test_admin_cannot_lock_themselves_out(api: Api, db: Any) -> None:
    me = db.users.find_one({"email": "admin@example.org"})
    assert api.patch(f"/api/users/{me['_id']}", {"active": False}).status == 400
    assert api.patch(f"/api/users/{me['_id']}", {"role": "viewer"}).status == 400


def test_reset_password_ends_sessions(api: Api, api_as: Any, db: Any) -> None:
    user = make_user(db, "editor", email="e@example.org")
    anon: Api = api_as(None)
    tokens = anon.post(
        "/api/auth/login", {"email": "e@example.org", "password": TEST_PASSWORD}
    ).body
    reset = api.post(f"/api/users/{user['_id']}/reset-password")
    assert reset.status == 200
    new_password = reset.body["generatedPassword"]
    assert (
        anon.get(
            "/api/auth/me", headers={"Authorization": f"Bearer {tokens['accessToken']}"}
        ).status
        == 401
    )
    assert (
        anon.post("/api/auth/login", {"email": "e@example.org", "password": TEST_PASSWORD}).status
        == 401
    )
    assert (
        anon.post("/api/auth/login", {"email": "e@example.org", "password": new_password}).status
        == 200
    )


def test_audit_log_records_diffs_and_filters(api: Api, api_as: Any, db: Any) -> None:
    school = api.post("/api/schools", {"name": {"chinese": "甲", "english": "A"}}).body
    api.put(
        f"/api/schools/{school['_id']}", {"name": {"english": "B"}, "contact": {"phone": "02-555"}}
    )
    api.delete(f"/api/schools/{school['_id']}")
    entries = api.get(f"/api/audit?entity=schools&entityId={school['_id']}").body
    assert [e["action"] for e in entries] == ["delete", "update", "create"]
    update = entries[1]
    changes = {c["field"]: c for c in update["changes"]}
    assert changes["name.english"]["from"] == "A" and changes["name.english"]["to"] == "B"
    assert changes["contact.phone"]["to"] == "***", "phone numbers are masked"
    assert update["actor"] == "admin@example.org" and update["role"] == "admin"
    assert update["correlationId"]
    by_actor = api.get("/api/audit?actor=admin@example.org")
    assert by_actor.header("X-Total-Count") == "3"
    assert api.get("/api/audit?from=2100-01-01").body == []
    assert api_as("editor").get("/api/audit").status == 403


def test_teacher_history_for_editors(api_as: Any, db: Any) -> None:
    teacher_id = str(ObjectId())
    db.auditlog.insert_many(
        [
            {
                "entity": "teachers",
                "entityId": teacher_id,
                "action": "update",
                "actor": "x",
                "at": __import__("datetime").datetime(2026, 1, 1),
            },
            {
                "entity": "teachers",
                "entityId": str(ObjectId()),
                "action": "update",
                "actor": "y",
                "at": __import__("datetime").datetime(2026, 1, 2),
            },
        ]
    )
    history = api_as("editor").get(f"/api/teachers/{teacher_id}/history")
    assert history.status == 200
    assert [e["actor"] for e in history.body] == ["x"]
    assert api_as("viewer").get(f"/api/teachers/{teacher_id}/history").status == 403


def test_audit_log_has_no_write_routes() -> None:
    from app import app

    methods = {
        m
        for path, routes in app.routes.items()
        if "audit" in path or "history" in path
        for m in routes
    }
    assert methods <= {"GET", "OPTIONS"}


def test_cli_users_lifecycle(db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["users", "create-admin", "--email", "ops@example.org"]) == 0
    out = capsys.readouterr().out
    assert "password (shown once)" in out
    assert db.users.find_one({"email": "ops@example.org"})["role"] == "admin"
    assert (
        main(["users", "create", "--email", "v@example.org", "--name", "V", "--role", "viewer"])
        == 0
    )
    assert main(["users", "list"]) == 0
    listing = capsys.readouterr().out
    assert "ops@example.org" in listing and "v@example.org" in listing
    assert main(["users", "disable", "--email", "v@example.org"]) == 0
    assert db.users.find_one({"email": "v@example.org"})["active"] is False
    assert main(["users", "reset", "--email", "nobody@example.org"]) == 1
    assert "no user" in capsys.readouterr().err
    assert main(["users", "create-admin", "--email", "ops@example.org"]) == 1


def test_first_admin_only_on_empty_users(db: Any) -> None:
    from fetms_cli.users import ensure_first_admin

    password = ensure_first_admin()
    assert password and len(password) >= 20
    assert ensure_first_admin() is None
    assert db.users.count_documents({}) == 1


def test_signing_key_comes_from_secrets_manager() -> None:
    from chalicelib.services.tokens import forget_cached_keys, signing_key
    from chalicelib.settings import Settings

    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        key = secrets.token_urlsafe(48)
        arn = client.create_secret(Name="fetms/jwt", SecretString=key)["ARN"]
        settings = Settings(fetms_stage="prod", jwt_secret_arn=arn, aws_region="us-east-1")
        forget_cached_keys()
        assert signing_key(settings, client) == key
        forget_cached_keys()


def test_placeholder_secret_refused_outside_local() -> None:
    from pydantic import ValidationError

    from chalicelib.settings import PLACEHOLDER_SECRET, Settings

    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(fetms_stage="prod", jwt_secret=PLACEHOLDER_SECRET)
    with pytest.raises(ValidationError, match="CORS_ORIGINS"):
        Settings(cors_origins=["*"])
    assert Settings(fetms_stage="prod", jwt_secret=secrets.token_urlsafe(40)).fetms_stage == "prod"


def test_teacher_history_includes_profile_and_document_events(api: Api, db: Any) -> None:
    from tests.support.factories import make_teacher

    teacher = make_teacher(db)
    tid = str(teacher["_id"])
    assert api.post(f"/api/teachers/{tid}/boxes", {"name": "Contracts"}).status in (200, 201)
    assert api.put(f"/api/teachers/{tid}", {"remarks": "checked"}).status == 200
    actions = [e["action"] for e in api.get(f"/api/teachers/{tid}/history").body]
    assert "update" in actions
    assert any(a.startswith("document.box") for a in actions), actions


def test_admin_sees_and_lifts_a_lockout(api: Api, api_as: Any, db: Any) -> None:
    from chalicelib.settings import get_settings

    user = make_user(db, "viewer", email="locked@example.org")
    anon = api_as(None)
    for _ in range(get_settings().login_max_failures):
        anon.post("/api/auth/login", {"email": "Locked@Example.org", "password": "wrong"})
    refused = anon.post(
        "/api/auth/login", {"email": "locked@example.org", "password": TEST_PASSWORD}
    )
    assert refused.status == 429
    listed = {u["email"]: u for u in api.get("/api/users").body}
    assert listed["locked@example.org"]["lockedUntil"]
    assert listed["admin@example.org"]["lockedUntil"] is None
    unlocked = api.post(f"/api/users/{user['_id']}/unlock")
    assert unlocked.status == 200, unlocked.body
    assert unlocked.body["lockedUntil"] is None and "passwordHash" not in unlocked.body
    assert api.get(f"/api/users/{user['_id']}").body["lockedUntil"] is None
    assert (
        anon.post(
            "/api/auth/login", {"email": "locked@example.org", "password": TEST_PASSWORD}
        ).status
        == 200
    )
    entry = api.get("/api/audit?action=user.unlock").body
    assert [(e["entityId"], e["actor"]) for e in entry] == [(str(user["_id"]), "admin@example.org")]
    assert entry[0]["details"] == {"lockoutsEnded": 1}
    assert api.post(f"/api/users/{ObjectId()}/unlock").status == 404


def test_audit_entries_carry_masked_diffs_and_details(api: Api, db: Any) -> None:
    created = api.post(
        "/api/users", {"email": "audited@example.org", "name": "Audited", "role": "viewer"}
    ).body
    api.patch(f"/api/users/{created['_id']}", {"role": "editor"})
    api.post(f"/api/users/{created['_id']}/reset-password")
    entries = api.get(f"/api/audit?entity=users&entityId={created['_id']}").body
    assert [e["action"] for e in entries] == ["user.password-reset", "user.update", "user.create"]
    update = entries[1]
    assert {"field": "role", "from": "viewer", "to": "editor"} in update["changes"]
    assert update["actorId"]
    assert all("generatedPassword" not in str(e) for e in entries)
    assert api.get("/api/audit?action=user.update&entity=users").header("X-Total-Count") == "1"
    assert api.get("/api/audit?action=$where").status == 400
