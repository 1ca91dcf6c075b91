"""Schools: escaped search, employed teachers, merge updates, soft delete and restore."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from tests.support.http import Api


def create(api: Api, chinese: str, english: str | None = None, **extra: Any) -> dict[str, Any]:
    name: dict[str, str] = {"chinese": chinese}
    if english is not None:
        name["english"] = english
    result = api.post("/api/schools", {"name": name, **extra})
    assert result.status == 201, result.body
    body: dict[str, Any] = result.body
    return body


def test_search_matches_chinese_or_english_case_insensitively(api: Api) -> None:
    create(api, "臺北市立中山國小", "Zhongshan Elementary")
    create(api, "新北市立光復國中", "Guangfu Junior High")
    assert [s["name"]["english"] for s in api.get("/api/schools?search=zhongSHAN").body] == [
        "Zhongshan Elementary"
    ]
    assert [s["name"]["chinese"] for s in api.get("/api/schools?search=光復").body] == [
        "新北市立光復國中"
    ]


def test_search_treats_regex_characters_literally(api: Api) -> None:
    create(api, "A [special] school", "Dot.Star")
    create(api, "Plain", "Plain")
    assert len(api.get("/api/schools?search=%5B").body) == 1
    assert api.get("/api/schools?search=.*").body == []
    assert len(api.get("/api/schools?search=t.S").body) == 1
    assert api.get("/api/schools?search=(").status == 200


def test_get_lists_only_live_employed_teachers(api: Api, db: Any) -> None:
    school = create(api, "學校", "School")
    oid = ObjectId(school["_id"])
    db.teachers.insert_many(
        [
            {
                "firstName": "Live",
                "lastName": "One",
                "school": oid,
                "isDeleted": False,
                "passportDetails": {"number": "X1"},
            },
            {"firstName": "Gone", "lastName": "Two", "school": oid, "isDeleted": True},
        ]
    )
    detail = api.get(f"/api/schools/{school['_id']}")
    assert detail.status == 200
    assert [t["firstName"] for t in detail.body["employedTeachers"]] == ["Live"]
    assert "passportDetails" not in detail.body["employedTeachers"][0]


def test_update_merges_nested_sections(api: Api) -> None:
    school = create(api, "中文名", "English", contact={"name": "Ms Lin", "phone": "02-1234"})
    updated = api.put(f"/api/schools/{school['_id']}", {"contact": {"email": "lin@example.org"}})
    assert updated.status == 200
    assert updated.body["contact"] == {
        "name": "Ms Lin",
        "phone": "02-1234",
        "email": "lin@example.org",
    }
    assert updated.body["name"] == {"chinese": "中文名", "english": "English"}
    blank = api.put(f"/api/schools/{school['_id']}", {"name": {"chinese": ""}})
    assert blank.status == 400


def test_soft_delete_and_restore(api: Api, db: Any) -> None:
    school = create(api, "刪除", "Delete me")
    deleted = api.delete(f"/api/schools/{school['_id']}")
    assert deleted.status == 200
    assert api.get("/api/schools").body == []
    assert api.get(f"/api/schools/{school['_id']}").status == 404
    stored = db.schools.find_one({"_id": ObjectId(school["_id"])})
    assert stored["isDeleted"] is True and stored["deletedAt"] is not None
    restored = api.put(f"/api/schools/{school['_id']}/restore")
    assert restored.status == 200
    assert restored.body["isDeleted"] is False
    assert len(api.get("/api/schools").body) == 1


def test_contact_email_is_free_text_as_in_fetms_but_bounded(api: Api) -> None:
    result = api.post(
        "/api/schools", {"name": {"chinese": "X"}, "contact": {"email": "see the principal"}}
    )
    assert result.status == 201, result.body
    assert result.body["contact"]["email"] == "see the principal"
    result = api.post("/api/schools", {"name": {"chinese": "Y"}, "contact": {"email": "x" * 255}})
    assert result.status == 400
    assert result.body["errors"][0]["field"] == "contact.email"


def test_empty_update_changes_nothing(api: Api) -> None:
    school = create(api, "空", "Empty", contact={"name": "Ms Lin"})
    bodies: list[dict[str, Any]] = [{}, {"contact": {}}]
    for body in bodies:
        result = api.put(f"/api/schools/{school['_id']}", body)
        assert result.status == 200, result.body
        assert result.body["contact"] == {"name": "Ms Lin"}
        assert result.body["name"] == {"chinese": "空", "english": "Empty"}


def test_legacy_records_without_is_deleted_are_live(api: Api, db: Any) -> None:
    db.schools.insert_one({"name": {"chinese": "舊", "english": "Legacy"}})
    db.schools.insert_one({"name": {"chinese": "刪", "english": "Gone"}, "isDeleted": True})
    assert [s["name"]["english"] for s in api.get("/api/schools").body] == ["Legacy"]
