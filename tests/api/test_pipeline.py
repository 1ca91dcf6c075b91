"""Pipeline: bulk reorder (all or nothing, stage history) and the kanban read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from bson import ObjectId

from tests.support.factories import FIXED_NOW, make_project, make_teacher
from tests.support.http import Api

REORDER = "/api/teachers/pipeline/reorder"


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("chalicelib.services.common.utcnow", lambda: FIXED_NOW)


def stage(api: Api, title: str, employed: bool = False) -> str:
    result = api.post("/api/stages", {"title": title, "isEmployed": employed})
    assert result.status == 201, result.body
    return str(result.body["_id"])


def snapshot(db: Any) -> list[tuple[Any, ...]]:
    return sorted(
        (str(t["_id"]), t.get("pipelineStage"), t.get("pipelineOrder"), t.get("__v"))
        for t in db.teachers.find()
    )


def test_reorder_moves_orders_and_records_history(api: Api, db: Any) -> None:
    interview = stage(api, "Interview")
    a = make_teacher(db, firstName="A")
    b = make_teacher(db, firstName="B", pipelineStage=interview, pipelineOrder=0)
    c = make_teacher(db, firstName="C")
    ids = [str(c["_id"]), str(b["_id"]), str(a["_id"])]
    result = api.put(REORDER, {"stage": interview, "teacherIds": ids})
    assert result.status == 200, result.body
    assert result.body["updated"] == 3
    assert result.body["moved"] == 2
    stored = {str(t["_id"]): t for t in db.teachers.find()}
    assert [stored[i]["pipelineOrder"] for i in ids] == [0, 1, 2]
    assert {stored[i]["pipelineStage"] for i in ids} == {interview}
    assert [stored[i]["__v"] for i in ids] == [1, 1, 1]
    history = stored[str(a["_id"])]["stageHistory"]
    assert len(history) == 1
    assert history[0]["from"] == "uncategorized"
    assert history[0]["to"] == interview
    assert history[0]["at"].replace(tzinfo=None) == FIXED_NOW.replace(tzinfo=None)
    assert history[0]["by"]
    assert "stageHistory" not in stored[str(b["_id"])]
    back = api.put(REORDER, {"stage": "uncategorized", "teacherIds": [str(a["_id"])]})
    assert back.status == 200
    history = db.teachers.find_one({"_id": a["_id"]})["stageHistory"]
    assert [(h["from"], h["to"]) for h in history] == [
        ("uncategorized", interview),
        (interview, "uncategorized"),
    ]
    assert db.auditlog.count_documents({"action": "stage_move"}) == 3


@pytest.mark.parametrize(
    "body",
    [
        {"stage": "nowhere", "teacherIds": []},
        {"stage": str(ObjectId()), "teacherIds": []},
        {"stage": {"$ne": None}, "teacherIds": []},
        {"stage": "uncategorized", "teacherIds": ["bad"]},
        {"stage": "uncategorized", "teacherIds": [str(ObjectId())]},
        {"stage": "uncategorized", "teacherIds": [{"$gt": ""}]},
        {"stage": "uncategorized", "teacherIds": "all"},
        {"stage": "uncategorized", "teacherIds": [str(ObjectId())] * 1001},
        {"stage": "uncategorized"},
        {"teacherIds": []},
        {"stage": "uncategorized", "teacherIds": [], "extra": 1},
    ],
)
def test_invalid_reorders_are_400_and_write_nothing(api: Api, db: Any, body: Any) -> None:
    make_teacher(db)
    before = snapshot(db)
    result = api.put(REORDER, body)
    assert result.status == 400, result.body
    assert snapshot(db) == before


def test_one_bad_id_fails_the_whole_move(api: Api, db: Any) -> None:
    target = stage(api, "Offer")
    good = make_teacher(db)
    deleted = make_teacher(db, isDeleted=True)
    before = snapshot(db)
    for ids in (
        [str(good["_id"]), str(deleted["_id"])],
        [str(good["_id"]), str(good["_id"])],
        [str(good["_id"]), str(ObjectId())],
    ):
        result = api.put(REORDER, {"stage": target, "teacherIds": ids})
        assert result.status == 400, ids
        assert result.body["errors"]
    assert snapshot(db) == before


def test_deleted_stage_is_not_a_target(api: Api, db: Any) -> None:
    gone = stage(api, "Gone")
    assert api.delete(f"/api/stages/{gone}").status == 200
    teacher = make_teacher(db)
    result = api.put(REORDER, {"stage": gone, "teacherIds": [str(teacher["_id"])]})
    assert result.status == 400


def test_kanban_columns_in_order_with_cards(api: Api, db: Any) -> None:
    first = stage(api, "Applied")
    second = stage(api, "Hired", employed=True)
    project = make_project(db)
    make_teacher(db, firstName="X2", pipelineStage=first, pipelineOrder=2, project=project["_id"])
    make_teacher(
        db,
        firstName="X1",
        pipelineStage=first,
        pipelineOrder=1,
        project=project["_id"],
        arcDetails={"expiryDate": datetime(2027, 3, 1, tzinfo=UTC), "purpose": "work"},
    )
    make_teacher(db, firstName="H", pipelineStage=second, project=project["_id"])
    make_teacher(db, firstName="Lost", pipelineStage=str(ObjectId()), project=project["_id"])
    make_teacher(db, firstName="None", pipelineStage=None)
    make_teacher(db, firstName="Del", pipelineStage=first, isDeleted=True)
    result = api.get("/api/pipeline")
    assert result.status == 200, result.body
    columns = result.body
    assert [c["_id"] for c in columns] == ["uncategorized", first, second]
    assert [c["title"] for c in columns] == ["Uncategorized", "Applied", "Hired"]
    assert columns[2]["isEmployed"] is True
    assert [t["firstName"] for t in columns[1]["teachers"]] == ["X1", "X2"]
    assert sorted(t["firstName"] for t in columns[0]["teachers"]) == ["Lost", "None"]
    assert [c["count"] for c in columns] == [2, 2, 1]
    card = columns[1]["teachers"][0]
    assert "documents" not in card and "contractDetails" not in card
    assert card["personalInfo"]["nationality"]["english"] == "Canada"
    # Cards carry the expiry dates (the board shows the nearest), not the rest of the section.
    assert card["arcDetails"] == {"expiryDate": "2027-03-01T00:00:00.000Z"}
    scoped = api.get(f"/api/pipeline?projectId={project['_id']}").body
    assert [c["count"] for c in scoped] == [1, 2, 1]
    capped = api.get("/api/pipeline?limit=1").body
    assert len(capped[1]["teachers"]) == 1
    assert capped[1]["count"] == 2
    assert api.get("/api/pipeline?projectId=bad").status == 400


def test_partial_reorder_puts_the_listed_first_and_shifts_the_rest(api: Api, db: Any) -> None:
    target = stage(api, "Offer")
    a, b, c = (make_teacher(db, pipelineStage=target, pipelineOrder=i) for i in range(3))
    d = make_teacher(db, pipelineOrder=0)  # uncategorized
    e = make_teacher(db, pipelineOrder=1)
    assert api.put(REORDER, {"stage": target, "teacherIds": [str(d["_id"])]}).status == 200

    def order(stage_value: str) -> list[str]:
        found = db.teachers.find({"pipelineStage": stage_value}).sort("pipelineOrder", 1)
        return [str(t["_id"]) for t in found]

    def positions(stage_value: str) -> list[int]:
        found = db.teachers.find({"pipelineStage": stage_value}).sort("pipelineOrder", 1)
        return [t["pipelineOrder"] for t in found]

    assert order(target) == [str(d["_id"]), str(a["_id"]), str(b["_id"]), str(c["_id"])]
    assert positions(target) == [0, 1, 2, 3]
    assert order("uncategorized") == [str(e["_id"])]
    assert positions("uncategorized") == [0], "the column it left closes its gap"
    assert api.put(REORDER, {"stage": target, "teacherIds": [str(c["_id"])]}).status == 200
    assert order(target) == [str(c["_id"]), str(d["_id"]), str(a["_id"]), str(b["_id"])]
    assert positions(target) == [0, 1, 2, 3]


def test_a_failure_inside_the_reorder_writes_nothing(
    api: Api, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bulk write, the renumbering and the audit entries are one transaction."""
    from chalicelib.services import positions

    target = stage(api, "Offer")
    teachers = [make_teacher(db, pipelineOrder=i) for i in range(3)]
    before = snapshot(db)
    audit_before = db.auditlog.count_documents({})

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("failure after the bulk write")

    monkeypatch.setattr(positions, "renumber", broken)
    ids = [str(t["_id"]) for t in teachers]
    result = api.put(REORDER, {"stage": target, "teacherIds": ids})
    assert result.status == 500
    assert snapshot(db) == before, "the bulk write was rolled back with the rest"
    assert db.auditlog.count_documents({}) == audit_before


def test_stage_moves_are_audited_on_the_teacher_that_moved(api: Api, db: Any) -> None:
    target = stage(api, "Offer")
    mover = make_teacher(db)
    stayer = make_teacher(db, pipelineStage=target, pipelineOrder=0)
    ids = [str(mover["_id"]), str(stayer["_id"])]
    assert api.put(REORDER, {"stage": target, "teacherIds": ids}).status == 200
    moves = list(db.auditlog.find({"action": "stage_move"}))
    assert [m["entityId"] for m in moves] == [str(mover["_id"])]
    assert moves[0]["entity"] == "teachers"
    assert moves[0]["changes"] == [
        {"field": "pipelineStage", "from": "uncategorized", "to": target}
    ]
    summary = db.auditlog.find_one({"action": "pipeline_reorder"})
    assert summary["details"] == {"stage": target, "teachers": 2, "moved": 1}


def test_empty_kanban_columns_count_zero(api: Api, db: Any) -> None:
    empty = stage(api, "Nobody here")
    full = stage(api, "Somebody")
    make_teacher(db, pipelineStage=full, pipelineOrder=0)
    columns = {c["_id"]: c for c in api.get("/api/pipeline").body}
    assert columns[empty]["count"] == 0 and columns[empty]["teachers"] == []
    assert columns[full]["count"] == 1
    assert columns["uncategorized"]["count"] == 0


@pytest.mark.parametrize("bad", ["zzzzzzzzzzzzzzzzzzzzzzzz", "ABCDEFGHIJKLMNOPQRSTUVWX", "1" * 25])
def test_a_stage_id_that_is_not_hex_is_400(api: Api, db: Any, bad: str) -> None:
    teacher = make_teacher(db)
    moved = api.put(REORDER, {"stage": bad, "teacherIds": [str(teacher["_id"])]})
    assert moved.status == 400, moved.body
    assert api.put(f"/api/teachers/{teacher['_id']}", {"pipelineStage": bad}).status == 400
    assert api.delete(f"/api/stages/{bad}").status == 400
    assert api.put(f"/api/stages/{bad}", {"title": "x"}).status == 400


def test_creates_moves_deletes_and_restores_keep_each_column_contiguous(api: Api, db: Any) -> None:
    """Through the teacher routes (not only the reorder): positions stay 0..n-1 per column."""
    offer = stage(api, "Offer")

    def new(i: int, where: str) -> str:
        body = {"firstName": f"P{i}", "lastName": "Pos", "email": f"p{i}@example.org"}
        created = api.post("/api/teachers", {**body, "pipelineStage": where})
        assert created.status == 201, created.body
        return str(created.body["_id"])

    def column(where: str) -> list[tuple[str, int]]:
        found = db.teachers.find({"pipelineStage": where, "isDeleted": False})
        return [(str(t["_id"]), t["pipelineOrder"]) for t in found.sort("pipelineOrder", 1)]

    a, b, c = (new(i, offer) for i in range(3))
    assert column(offer) == [(a, 0), (b, 1), (c, 2)], "each create goes to the end"
    moved = api.put(f"/api/teachers/{a}", {"pipelineStage": "uncategorized"})
    assert moved.status == 200, moved.body
    assert column(offer) == [(b, 0), (c, 1)], "the column it left closes its gap"
    d = new(3, "uncategorized")
    assert column("uncategorized") == [(a, 0), (d, 1)]
    assert api.delete(f"/api/teachers/{b}").status == 200
    assert column(offer) == [(c, 0)]
    assert api.put(f"/api/teachers/{b}/restore").status == 200
    assert column(offer) == [(c, 0), (b, 1)], "a restored teacher comes back at the end"
    wrong = api.put(f"/api/teachers/{c}", {"pipelineStage": str(ObjectId())})
    assert wrong.status == 400
    assert [e["field"] for e in wrong.body["errors"]] == ["pipelineStage"]


def test_legacy_records_without_a_position_go_after_the_others(api: Api, db: Any) -> None:
    target = stage(api, "Offer")
    legacy = make_teacher(db, pipelineStage=target)
    db.teachers.update_one({"_id": legacy["_id"]}, {"$unset": {"pipelineOrder": ""}})
    late = make_teacher(db, pipelineStage=target, pipelineOrder=7)
    early = make_teacher(db, pipelineStage=target, pipelineOrder=2)
    mover = make_teacher(db)
    assert api.put(REORDER, {"stage": target, "teacherIds": [str(mover["_id"])]}).status == 200
    found = db.teachers.find({"pipelineStage": target}).sort("pipelineOrder", 1)
    order = [(t["_id"], t["pipelineOrder"]) for t in found]
    ids = [mover["_id"], early["_id"], late["_id"], legacy["_id"]]
    assert order == list(zip(ids, range(4), strict=True))
