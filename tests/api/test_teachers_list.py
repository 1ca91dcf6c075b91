"""GET /api/teachers: FETMS array shape, populated refs, filters, search, sort, paging, no N+1."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from bson import ObjectId
from pymongo import monitoring

from tests.support.factories import FIXED_NOW, make_project, make_school, make_teacher
from tests.support.http import Api


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("chalicelib.services.common.utcnow", lambda: FIXED_NOW)


def names(result: Any) -> list[str]:
    return [t["firstName"] for t in result.body]


def test_list_is_a_populated_array_newest_first(api: Api, db: Any) -> None:
    school = make_school(db)
    project = make_project(db)
    make_teacher(db, firstName="Old", createdAt=FIXED_NOW - timedelta(days=2))
    make_teacher(
        db,
        firstName="New",
        school=school["_id"],
        project=project["_id"],
        createdAt=FIXED_NOW - timedelta(days=1),
    )
    make_teacher(db, firstName="Gone", isDeleted=True)
    result = api.get("/api/teachers")
    assert result.status == 200
    assert names(result) == ["New", "Old"]
    assert result.header("X-Total-Count") == "2"
    first = result.body[0]
    assert first["school"]["_id"] == str(school["_id"])
    assert first["school"]["name"]["chinese"] == school["name"]["chinese"]
    assert first["project"] == {
        "_id": str(project["_id"]),
        "name": project["name"],
        "code": project["code"],
        "isActive": True,
    }
    assert result.body[1]["school"] is None and result.body[1]["project"] is None


def test_filters(api: Api, db: Any) -> None:
    school = make_school(db)
    project = make_project(db)
    stage = api.post("/api/stages", {"title": "Offer"}).body["_id"]
    make_teacher(
        db,
        firstName="A",
        project=project["_id"],
        school=school["_id"],
        pipelineStage=stage,
        personalInfo={
            "nationality": {"english": "Canada"},
            "gender": "Male",
            "hiringStatus": "Re-Hired",
        },
        education={"degree": "Master"},
        arcDetails={"expiryDate": FIXED_NOW + timedelta(days=10)},
    )
    make_teacher(
        db,
        firstName="B",
        pipelineStage=str(ObjectId()),
        personalInfo={"nationality": {"english": "Ireland"}, "gender": "Female"},
        arcDetails={"expiryDate": FIXED_NOW + timedelta(days=100)},
    )
    make_teacher(db, firstName="C", personalInfo={}, pipelineStage="uncategorized")
    cases = {
        f"projectId={project['_id']}": ["A"],
        f"school={school['_id']}": ["A"],
        f"pipelineStage={stage}": ["A"],
        "pipelineStage=uncategorized": ["B", "C"],
        "nationality=Ireland": ["B"],
        "gender=Male": ["A"],
        "gender=Unspecified": ["C"],
        "hiringStatus=Re-Hired": ["A"],
        "degree=Master": ["A"],
        "degree=Unspecified": ["B", "C"],
        "expiringDocument=arc&expiringWithinDays=30": ["A"],
        "expiringDocument=arc&expiringWithinDays=365": ["A", "B"],
    }
    for query, expected in cases.items():
        result = api.get(f"/api/teachers?{query}&sort=firstName")
        assert result.status == 200, (query, result.body)
        assert names(result) == expected, query
        assert result.header("X-Total-Count") == str(len(expected)), query


def test_bad_filters_are_400(api: Api) -> None:
    for query in (
        "projectId=nope",
        "school[$ne]=1",
        "sort=password",
        "order=sideways",
        "expiringDocument=visa",
        "expiringWithinDays=-1",
        "expiringWithinDays=5",
        "limit=0",
        "offset=-1",
        "unknown=1",
    ):
        result = api.get(f"/api/teachers?{query}")
        assert result.status == 400, query


def test_search_is_case_insensitive_and_literal(api: Api, db: Any) -> None:
    make_teacher(db, firstName="Mary", lastName="O'Neil", email="mary@example.org")
    make_teacher(db, firstName="Bob", lastName="Smith", email="b.s+x@example.org")
    make_teacher(db, firstName="Bobby", lastName="Other", email="bobby@example.org")
    assert names(api.get("/api/teachers?search=MARY")) == ["Mary"]
    assert names(api.get("/api/teachers?search=o%27neil")) == ["Mary"]
    assert names(api.get("/api/teachers?search=b.s%2Bx")) == ["Bob"]
    assert names(api.get("/api/teachers?search=.*")) == []
    assert names(api.get("/api/teachers?search=bob&sort=firstName")) == ["Bob", "Bobby"]


def test_sort_and_order(api: Api, db: Any) -> None:
    for first, salary in (("B", 50000), ("A", 70000), ("C", 60000)):
        make_teacher(db, firstName=first, contractDetails={"salary": salary})
    assert names(api.get("/api/teachers?sort=firstName")) == ["A", "B", "C"]
    assert names(api.get("/api/teachers?sort=firstName&order=desc")) == ["C", "B", "A"]
    assert names(api.get("/api/teachers?sort=salary")) == ["B", "C", "A"]


def test_paging_headers(api: Api, db: Any) -> None:
    for i in range(7):
        make_teacher(db, firstName=f"T{i}", createdAt=FIXED_NOW - timedelta(minutes=i))
    page = api.get("/api/teachers?limit=3&offset=0")
    assert names(page) == ["T0", "T1", "T2"]
    assert page.header("X-Total-Count") == "7"
    assert "offset=3" in (page.header("Link") or "")
    last = api.get("/api/teachers?limit=3&offset=6")
    assert names(last) == ["T6"]
    assert last.header("X-Total-Count") == "7"
    assert last.header("Link") is None


class CommandCounter(monitoring.CommandListener):
    """Commands sent to the teachers collection."""

    def __init__(self) -> None:
        self.commands: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        target = event.command.get(event.command_name)
        if target == "teachers":
            self.commands.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None


@pytest.fixture
def counted(client: Any) -> Iterator[CommandCounter]:
    """Route the app's database calls (through its dependency seam) via a counting client."""
    from chalicelib import db as dbmod
    from chalicelib.api import deps

    counter = CommandCounter()
    live = deps.current()
    counting = dbmod.make_client(live.settings, [counter])
    try:
        with deps.override(
            lambda: replace(live, db_factory=lambda: counting[live.settings.mongo_db])
        ):
            yield counter
    finally:
        counting.close()


def test_list_uses_one_aggregation_and_at_most_one_count(
    api: Api, db: Any, counted: CommandCounter
) -> None:
    schools = [make_school(db, f"校{i}", f"School {i}") for i in range(5)]
    project = make_project(db)
    for i in range(30):
        make_teacher(db, school=schools[i % 5]["_id"], project=project["_id"])
    counted.commands.clear()
    full = api.get("/api/teachers?limit=10&offset=10")
    assert len(full.body) == 10
    assert counted.commands == ["aggregate", "aggregate"]
    counted.commands.clear()
    small = api.get("/api/teachers?limit=50")
    assert len(small.body) == 30
    assert counted.commands == ["aggregate"]


def test_list_leaves_out_the_histories_but_get_has_them(api: Api, db: Any) -> None:
    teacher = make_teacher(
        db,
        stageHistory=[{"from": None, "to": "uncategorized"}],
        documentHistory=[{"type": "passport"}],
    )
    listed = api.get("/api/teachers").body[0]
    assert "stageHistory" not in listed and "documentHistory" not in listed
    assert listed["email"] == teacher["email"]
    full = api.get(f"/api/teachers/{teacher['_id']}").body
    assert full["stageHistory"] and full["documentHistory"]


def test_salary_range_selects_what_the_dashboard_label_counts(api: Api, db: Any) -> None:
    salaries = {"Low": 45_000, "Edge": 60_000, "Mid": 65_999.5, "Text": "62,000", "Top": 95_000}
    for name, salary in salaries.items():
        make_teacher(db, firstName=name, contractDetails={"salary": salary})
    make_teacher(db, firstName="None")
    make_teacher(db, firstName="Junk", contractDetails={"salary": "ask HR"})

    def picked(label: str) -> set[str]:
        result = api.get(f"/api/teachers?salaryRange={label}")
        assert result.status == 200, result.body
        return set(names(result))

    dashboard = api.get("/api/stats/dashboard").body["charts"]["salary"]
    counts = {entry["name"]: entry["count"] for entry in dashboard}
    assert picked("60000-70000") == {"Edge", "Mid"}, "a range is half-open"
    assert picked("80000%2B") == {"Top"}
    assert picked("Unspecified") == {"None", "Junk", "Text"}
    for label in ("< 60k", "60k - 70k", "90k +", "Unspecified"):
        chosen = picked(label.replace("+", "%2B").replace(" ", "%20").replace("<", "%3C"))
        assert len(chosen) == counts.get(label, 0), label
    assert api.get("/api/teachers?salaryRange=lots").status == 400


def test_editors_can_list_deleted_teachers_to_restore_them(api: Api, api_as: Any, db: Any) -> None:
    make_teacher(db, firstName="Live")
    gone = make_teacher(db, firstName="Gone")
    assert api.delete(f"/api/teachers/{gone['_id']}").status == 200
    only = api_as("editor").get("/api/teachers?deleted=only")
    assert only.status == 200
    assert names(only) == ["Gone"] and only.header("X-Total-Count") == "1"
    assert only.body[0]["isDeleted"] is True and only.body[0]["deletedBy"]
    assert sorted(names(api.get("/api/teachers?deleted=include"))) == ["Gone", "Live"]
    assert names(api.get("/api/teachers")) == ["Live"]
    # Other filters still apply to the deleted ones.
    assert names(api.get("/api/teachers?deleted=only&search=liv")) == []
    restored = api.put(f"/api/teachers/{gone['_id']}/restore")
    assert restored.status == 200
    assert names(api.get("/api/teachers?deleted=only")) == []
    assert sorted(names(api.get("/api/teachers"))) == ["Gone", "Live"]


def test_viewers_cannot_list_deleted_teachers(api_as: Any, db: Any) -> None:
    make_teacher(db, firstName="Gone", isDeleted=True)
    viewer = api_as("viewer")
    assert viewer.get("/api/teachers?deleted=only").status == 403
    assert viewer.get("/api/teachers?deleted=include").status == 403
    assert viewer.get("/api/teachers").status == 200
    bad = api_as("editor").get("/api/teachers?deleted=yes")
    assert bad.status == 400 and bad.body["errors"][0]["field"] == "deleted"
