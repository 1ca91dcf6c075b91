"""Round-trip budgets (issue 15, docs/ARCHITECTURE.md "Round trips per request"): the MongoDB
commands each request sends, counted with a pymongo command listener through the app's
dependency seam. Counts are deterministic; timings are not asserted anywhere.

Every request is measured warm, as in a Lambda container that already served one: the
maintenance state (cached per process for a few seconds) was read by an earlier write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.commands import CommandLog, recording_commands
from tests.support.factories import make_project, make_school, make_teacher
from tests.support.http import Api, Result


@pytest.fixture
def office(api: Api, db: Any) -> dict[str, Any]:
    project = make_project(db)
    school = make_school(db)
    other_school = make_school(db, chinese="第二國小", english="Second Elementary")
    teachers = [
        make_teacher(db, project=project["_id"], school=school["_id"], email=f"t{i}@example.org")
        for i in range(60)
    ]
    admin_stage = api.post("/api/stages", {"title": "Interview"})  # warms the write path
    assert admin_stage.status == 201
    rule = {
        "name": "ARC",
        "documentType": "arcDetails",
        "conditionType": "DAYS_REMAINING",
        "value": 30,
    }
    assert api.post("/api/alerts", rule).status == 201
    return {
        "project": project,
        "school": school,
        "other_school": other_school,
        "teacher": teachers[0],
        "stage": admin_stage.body["_id"],
    }


def measured(call: Callable[[], Result]) -> tuple[Result, CommandLog]:
    with recording_commands() as log:
        result = call()
    return result, log


def test_get_by_id_costs_the_session_check_and_one_read(api: Api, office: dict[str, Any]) -> None:
    result, log = measured(lambda: api.get(f"/api/teachers/{office['teacher']['_id']}"))
    assert result.status == 200
    assert log.commands == [("find", "sessions"), ("aggregate", "teachers")]


def test_a_full_list_page_costs_at_most_three(api: Api, office: dict[str, Any]) -> None:
    result, log = measured(lambda: api.get("/api/teachers?limit=50"))
    assert result.status == 200 and len(result.body) == 50
    assert result.header("X-Total-Count") == "60"
    assert log.names() == ["find", "aggregate", "aggregate"]  # session, page, count


def test_a_form_save_costs_four_with_its_audit_entry_rate_limit_and_version_check(
    api: Api, db: Any, office: dict[str, Any]
) -> None:
    url = f"/api/teachers/{office['teacher']['_id']}"
    loaded = api.get(url).body
    result, log = measured(lambda: api.put(url, {**loaded, "remarks": "called back"}))
    assert result.status == 200, result.body
    assert log.commands == [
        ("findAndModify", "sessions"),  # session check + this write counted for the rate limit
        ("aggregate", "teachers"),  # the teacher with its school and project
        ("bulkWrite", ""),  # the update (conditional on the version read) + its audit entry
        ("commitTransaction", ""),
    ]
    assert result.body == api.get(url).body, "the answer is what is stored"
    entry = db.auditlog.find_one({"action": "update", "entityId": str(office["teacher"]["_id"])})
    assert entry is not None
    assert [c["field"] for c in entry["changes"]] == ["remarks"]


def test_a_save_that_changes_school_and_nested_fields_answers_what_is_stored(
    api: Api, office: dict[str, Any]
) -> None:
    url = f"/api/teachers/{office['teacher']['_id']}"
    changed = api.put(
        url,
        {
            "school": str(office["other_school"]["_id"]),
            "passportDetails": {"number": "X1", "expiryDate": "2031-01-31"},
            "pipelineStage": office["stage"],
        },
    )
    assert changed.status == 200, changed.body
    assert changed.body["school"]["name"]["english"] == "Second Elementary"
    assert changed.body["personalInfo"]["serviceSchool"] == "第二國小"
    assert changed.body == api.get(url).body


def test_create_answers_what_is_stored(api: Api, office: dict[str, Any]) -> None:
    body = {
        "firstName": "Ada",
        "lastName": "Lee",
        "email": "ada@example.org",
        "project": str(office["project"]["_id"]),
        "school": str(office["school"]["_id"]),
    }
    result, log = measured(lambda: api.post("/api/teachers", body))
    assert result.status == 201, result.body
    assert result.body == api.get(f"/api/teachers/{result.body['_id']}").body
    # Measured, over the budget of 4 (docs/ARCHITECTURE.md says which commands and why).
    assert log.commands == [
        ("findAndModify", "sessions"),
        ("find", "projects"),
        ("find", "schools"),
        ("find", "stages"),
        ("update", "locks"),  # the kanban column, so positions stay contiguous
        ("find", "teachers"),  # the column's last position
        ("bulkWrite", ""),  # the teacher + its audit entry
        ("commitTransaction", ""),
    ]


def test_the_dashboard_costs_three(api: Api, office: dict[str, Any]) -> None:
    result, log = measured(
        lambda: api.get(f"/api/stats/dashboard?projectId={office['project']['_id']}")
    )
    assert result.status == 200
    assert result.body["kpi"]["totalTeachers"] == 60
    assert log.commands == [
        ("find", "sessions"),
        ("aggregate", "stages"),  # stages and active alert rules ($unionWith)
        ("aggregate", "teachers"),
    ]


def test_a_revoked_session_stops_writes_at_once(api: Api, db: Any, office: dict[str, Any]) -> None:
    url = f"/api/teachers/{office['teacher']['_id']}"
    db.sessions.update_many({}, {"$set": {"revokedAt": office["teacher"]["createdAt"]}})
    refused = api.put(url, {"remarks": "after sign-out"})
    assert refused.status == 401
    assert (
        db.teachers.find_one({"_id": office["teacher"]["_id"]}).get("remarks") != "after sign-out"
    )
