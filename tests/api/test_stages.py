"""Stages: ordered list, append, rename, delete moving teachers, atomic reorder."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from tests.support.http import Api


def create(api: Api, title: str) -> dict[str, Any]:
    result = api.post("/api/stages", {"title": title})
    assert result.status == 201, result.body
    body: dict[str, Any] = result.body
    return body


def test_stages_are_appended_in_order(api: Api) -> None:
    titles = ["Applied", "Interview", "Hired"]
    created = [create(api, t) for t in titles]
    assert [s["order"] for s in created] == [0, 1, 2]
    listed = api.get("/api/stages").body
    assert [s["title"] for s in listed] == titles


def test_empty_title_is_400(api: Api) -> None:
    for body in ({"title": ""}, {"title": "   "}, {}):
        result = api.post("/api/stages", body)
        assert result.status == 400
        assert result.body["errors"][0]["field"] == "title"


def test_rename(api: Api) -> None:
    stage = create(api, "Old")
    renamed = api.put(f"/api/stages/{stage['_id']}", {"title": "New"})
    assert renamed.status == 200
    assert renamed.body["title"] == "New"
    assert api.get("/api/stages").body[0]["title"] == "New"


def test_delete_moves_teachers_to_uncategorized(api: Api, db: Any) -> None:
    stage = create(api, "Interview")
    other = create(api, "Offer")
    db.teachers.insert_many(
        [
            {"firstName": "A", "pipelineStage": stage["_id"], "__v": 0},
            {"firstName": "B", "pipelineStage": stage["_id"], "__v": 0},
            {"firstName": "C", "pipelineStage": other["_id"], "__v": 0},
        ]
    )
    result = api.delete(f"/api/stages/{stage['_id']}")
    assert result.status == 200
    assert result.body["movedTeachers"] == 2
    stages = {t["firstName"]: t["pipelineStage"] for t in db.teachers.find()}
    assert stages == {"A": "uncategorized", "B": "uncategorized", "C": other["_id"]}
    assert [s["title"] for s in api.get("/api/stages").body] == ["Offer"]
    assert api.delete(f"/api/stages/{stage['_id']}").status == 404


def test_reorder_is_all_or_nothing(api: Api) -> None:
    a, b, c = (create(api, t) for t in "ABC")
    bad = api.put(
        "/api/stages/reorder",
        {"stages": [{"_id": a["_id"], "order": 2}, {"_id": str(ObjectId()), "order": 0}]},
    )
    assert bad.status == 400
    assert bad.body["errors"][0]["field"] == "stages[1]._id"
    assert [s["title"] for s in api.get("/api/stages").body] == ["A", "B", "C"]
    good = api.put(
        "/api/stages/reorder",
        {
            "stages": [
                {"_id": a["_id"], "order": 2},
                {"_id": b["_id"], "order": 0},
                {"_id": c["_id"], "order": 1},
            ]
        },
    )
    assert good.status == 200
    assert [s["title"] for s in good.body] == ["B", "C", "A"]


def test_reorder_rejects_duplicates_and_malformed_ids(api: Api) -> None:
    a = create(api, "A")
    dup = api.put(
        "/api/stages/reorder",
        {"stages": [{"_id": a["_id"], "order": 1}, {"_id": a["_id"], "order": 2}]},
    )
    assert dup.status == 400
    malformed = api.put("/api/stages/reorder", {"stages": [{"_id": "zzz", "order": 1}]})
    assert malformed.status == 400
    assert api.get("/api/stages").body[0]["order"] == 0
