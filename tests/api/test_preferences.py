"""Per-user preferences on the server: strict validation, merge semantics, only one's own."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from tests.support.http import Api

EMPTY = {"language": None, "theme": None, "defaultProject": None, "listColumns": None}


def test_a_new_user_has_no_preferences_yet(api_as: Any) -> None:
    got = api_as("viewer").get("/api/auth/me/preferences")
    assert got.status == 200
    assert {k: got.body[k] for k in EMPTY} == EMPTY


def test_sent_fields_change_null_resets_and_the_rest_stays(api_as: Any, db: Any) -> None:
    viewer: Api = api_as("viewer")
    project = str(ObjectId())
    first = viewer.put(
        "/api/auth/me/preferences",
        {"language": "zh-TW", "theme": "dark", "defaultProject": project},
    )
    assert first.status == 200, first.body
    assert first.body["language"] == "zh-TW" and first.body["defaultProject"] == project
    second = viewer.put(
        "/api/auth/me/preferences", {"theme": None, "listColumns": ["name", "school", "stage"]}
    )
    assert second.status == 200, second.body
    assert {k: second.body[k] for k in EMPTY} == {
        "language": "zh-TW",
        "theme": None,
        "defaultProject": project,
        "listColumns": ["name", "school", "stage"],
    }
    assert second.body["updatedAt"].endswith("Z")
    assert viewer.get("/api/auth/me/preferences").body == second.body
    # Each change is audited, with the user as the actor.
    entries = list(db.auditlog.find({"action": "preferences.update"}).sort("at", 1))
    assert [e["actor"] for e in entries] == ["viewer@example.org"] * 2
    assert {"field": "theme", "from": "dark", "to": None} in entries[1]["changes"]


def test_preferences_are_per_user(api_as: Any) -> None:
    assert api_as("editor").put("/api/auth/me/preferences", {"language": "en"}).status == 200
    assert api_as("viewer").put("/api/auth/me/preferences", {"language": "zh-TW"}).status == 200
    assert api_as("editor").get("/api/auth/me/preferences").body["language"] == "en"
    assert api_as("viewer").get("/api/auth/me/preferences").body["language"] == "zh-TW"


def test_validation_is_strict(api_as: Any) -> None:
    viewer: Api = api_as("viewer")
    for body, field in (
        ({"language": "fr"}, "language"),
        ({"theme": "neon"}, "theme"),
        ({"defaultProject": "not-an-id"}, "defaultProject"),
        ({"listColumns": ["name", "passwordHash"]}, "listColumns[1]"),
        ({"listColumns": ["name", "name"]}, "listColumns"),
        ({"listColumns": []}, "listColumns"),
        ({"listColumns": "name"}, "listColumns"),
        ({"userId": str(ObjectId())}, "userId"),
    ):
        result = viewer.put("/api/auth/me/preferences", body)
        assert result.status == 400, (body, result.body)
        assert result.body["errors"][0]["field"] == field, (body, result.body)
    assert viewer.get("/api/auth/me/preferences?user=x").status == 400
