"""What we return, we accept back (issue 13 §2-3): for every resource, GET → PUT the same body →
200 and nothing stored changes; GET → change one field → PUT → only that field (and the version
and ``updatedAt``) changes. Records as the original FETMS stored them stay editable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from bson import ObjectId

from tests.support.fetms_fixture import build_fetms_database
from tests.support.files import PDF, PNG, upload_file
from tests.support.http import Api

BOOKKEEPING = {"__v", "updatedAt"}


def flat(doc: Any, prefix: str = "") -> dict[str, Any]:
    """Every leaf of a stored document by dotted path (list items by index)."""
    out: dict[str, Any] = {}
    items = doc.items() if isinstance(doc, dict) else enumerate(doc)
    for key, value in items:
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict | list) and value:
            out.update(flat(value, path))
        else:
            out[path] = value
    return out


def changed_paths(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    a, b = flat(before), flat(after)
    return {path for path in set(a) | set(b) if a.get(path) != b.get(path)}


Writer = Callable[[str, Any], Any]


def walk(
    api: Api,
    collection: Any,
    oid: Any,
    url: str,
    change: Callable[[dict[str, Any]], str],
    *,
    method: str = "PUT",
    load: Callable[[], dict[str, Any]] | None = None,
) -> None:
    """The round trip for one record: echo unchanged, then one field changed."""
    loaded = load() if load else api.get(url).body
    stored = collection.find_one({"_id": oid})
    echoed = api.call(method, url, loaded)
    assert echoed.status == 200, echoed.body
    assert collection.find_one({"_id": oid}) == stored, "echoing the record changed it"

    loaded = load() if load else api.get(url).body
    field = change(loaded)
    result = api.call(method, url, loaded)
    assert result.status == 200, result.body
    after = collection.find_one({"_id": oid})
    assert changed_paths(stored, after) == {field, *BOOKKEEPING}
    assert after["__v"] == stored.get("__v", 0) + 1


def set_path(doc: dict[str, Any], path: str, value: Any) -> str:
    target = doc
    *parents, last = path.split(".")
    for part in parents:
        if target.get(part) is None:
            target[part] = {}
        target = target[part]
    target[last] = value
    return path


@pytest.fixture
def uploaded_teacher(api: Api, db: Any) -> dict[str, Any]:
    """A teacher created through the API with every kind of file attached."""
    school = api.post("/api/schools", {"name": {"chinese": "測試國小"}}).body
    project = api.post("/api/projects", {"name": "Program", "code": "prog"}).body
    created = api.post(
        "/api/teachers",
        {
            "firstName": "Ada",
            "lastName": "Lovelace",
            "email": "ada@example.org",
            "school": school["_id"],
            "project": project["_id"],
            "personalInfo": {"gender": "Others", "dob": "1990-05-01", "phone": "+886 900"},
            "emergencyContact": {"email": "same as above"},
            "contractDetails": {"salary": "65,000", "senioritySalary": 3},
            "arcDetails": {"expiryDate": "2027-01-31"},
        },
    )
    assert created.status == 201, created.body
    tid = created.body["_id"]
    assert created.body["contractDetails"]["senioritySalary"] == "3"
    assert upload_file(api, tid, "passport", PDF, {"number": "P1"}).status == 200
    assert upload_file(api, tid, "avatar", PNG, file_name="me.png").status == 200
    assert upload_file(api, tid, "adhoc", PDF, {"name": "Degree"}).status == 200
    stored = db.teachers.find_one({"_id": ObjectId(tid)})
    assert stored["documentHistory"] and stored["documents"]["passport"]["fileName"]
    teacher: dict[str, Any] = created.body
    return teacher


def test_teacher_after_uploads_round_trips_with_put_and_patch(
    api: Api, db: Any, uploaded_teacher: dict[str, Any]
) -> None:
    tid = uploaded_teacher["_id"]
    url = f"/api/teachers/{tid}"
    walk(api, db.teachers, ObjectId(tid), url, lambda t: set_path(t, "personalInfo.phone", "1"))
    walk(
        api,
        db.teachers,
        ObjectId(tid),
        url,
        lambda t: set_path(t, "emergencyContact.name", "Mum"),
        method="PATCH",
    )


def test_read_only_fields_are_ignored_and_unknown_ones_still_refused(
    api: Api, db: Any, uploaded_teacher: dict[str, Any]
) -> None:
    tid = uploaded_teacher["_id"]
    loaded = api.get(f"/api/teachers/{tid}").body
    before = db.teachers.find_one({"_id": ObjectId(tid)})
    loaded.update(
        __v=99,
        createdAt="2000-01-01T00:00:00Z",
        isDeleted=True,
        profilePicture="teachers/someone-else/avatar/x",
        documentHistory=[],
        pipelineOrder=42,
    )
    loaded["documents"]["passport"].update(filePath="x", fileName="y", size=1, uploadedAt=None)
    loaded["lastName"] = "Byron"
    assert api.put(f"/api/teachers/{tid}", loaded).status == 200
    after = db.teachers.find_one({"_id": ObjectId(tid)})
    assert changed_paths(before, after) == {"lastName", *BOOKKEEPING}
    refused = api.put(f"/api/teachers/{tid}", {**loaded, "bogus": 1})
    assert refused.status == 400
    assert refused.body["errors"] == [{"field": "bogus", "message": "unknown field"}]
    nested = api.put(f"/api/teachers/{tid}", {"personalInfo": {"shoeSize": 44}})
    assert nested.status == 400
    assert nested.body["errors"][0]["field"] == "personalInfo.shoeSize"


def test_school_with_employed_teachers_round_trips(
    api: Api, db: Any, uploaded_teacher: dict[str, Any]
) -> None:
    sid = uploaded_teacher["school"]["_id"]
    url = f"/api/schools/{sid}"
    loaded = api.get(url).body
    assert loaded["employedTeachers"] and "__v" in loaded and "isDeleted" in loaded
    walk(api, db.schools, ObjectId(sid), url, lambda s: set_path(s, "contact.email", "front desk"))


def test_projects_stages_alert_rules_and_users_round_trip(api: Api, db: Any) -> None:
    project = api.post("/api/projects", {"name": "P", "code": "p1", "description": "d"}).body
    walk(
        api,
        db.projects,
        ObjectId(project["_id"]),
        f"/api/projects/{project['_id']}",
        lambda p: set_path(p, "description", "new"),
    )
    stage = api.post("/api/stages", {"title": "Interview"}).body
    walk(
        api,
        db.stages,
        ObjectId(stage["_id"]),
        f"/api/stages/{stage['_id']}",
        lambda s: set_path(s, "title", "Interviews"),
    )
    rule = api.post(
        "/api/alerts",
        {
            "name": "EOY",
            "documentType": "arcDetails",
            "conditionType": "DATE_THRESHOLD",
            "value": "2026-12-31",
        },
    ).body

    def load_rule() -> dict[str, Any]:
        rules = api.get("/api/alerts").body
        found: dict[str, Any] = next(r for r in rules if r["_id"] == rule["_id"])
        return found

    walk(
        api,
        db.alertrules,
        ObjectId(rule["_id"]),
        f"/api/alerts/{rule['_id']}",
        lambda r: set_path(r, "name", "End of year"),
        method="PATCH",
        load=load_rule,
    )
    user = api.post("/api/users", {"email": "e@example.org", "name": "E", "role": "editor"}).body
    walk(
        api,
        db.users,
        ObjectId(user["_id"]),
        f"/api/users/{user['_id']}",
        lambda u: set_path(u, "name", "Edna"),
        method="PATCH",
    )


def test_records_the_original_stored_round_trip(api: Api, db: Any) -> None:
    """Teachers, schools, stages and rules as FETMS left them (its values, its shapes)."""
    fixture = build_fetms_database(db, teachers=40, indexes=False)
    teachers = list(db.teachers.find({"isDeleted": False}))
    odd = {
        "Others": [t for t in teachers if t["personalInfo"].get("gender") == "Others"],
        "free-text e-mail": [
            t for t in teachers if t["emergencyContact"].get("email") == "same as above"
        ],
        "legacy stage": [t for t in teachers if t["pipelineStage"] == "Stage 1"],
        "trailing space": [t for t in teachers if t["lastName"].endswith(" ")],
        "negative salary": [t for t in teachers if t["contractDetails"].get("salary") == -5],
    }
    assert all(odd.values()), {k: len(v) for k, v in odd.items()}
    for teacher in teachers:
        walk(
            api,
            db.teachers,
            teacher["_id"],
            f"/api/teachers/{teacher['_id']}",
            lambda t: set_path(t, "remarks", "checked"),
        )
    for school in db.schools.find({"isDeleted": False}):
        walk(
            api,
            db.schools,
            school["_id"],
            f"/api/schools/{school['_id']}",
            lambda s: set_path(s, "principal.englishName", "New Principal"),
        )
    for stage in fixture.stage_ids[:2]:
        walk(
            api,
            db.stages,
            stage,
            f"/api/stages/{stage}",
            lambda s: set_path(s, "title", s["title"] + "!"),
        )
    for rule_id in fixture.rule_ids:

        def load_rule(rule_id: Any = rule_id) -> dict[str, Any]:
            found: dict[str, Any] = next(
                r for r in api.get("/api/alerts").body if r["_id"] == str(rule_id)
            )
            return found

        walk(
            api,
            db.alertrules,
            rule_id,
            f"/api/alerts/{rule_id}",
            lambda r: set_path(r, "name", r["name"] + "!"),
            method="PATCH",
            load=load_rule,
        )
    project = fixture.project_ids["INDEPENDENT"]
    walk(
        api,
        db.projects,
        project,
        f"/api/projects/{project}",
        lambda p: set_path(p, "name", "Independents"),
    )


def test_values_the_original_allowed_are_valid_for_an_update(api: Api, db: Any) -> None:
    teacher = api.post(
        "/api/teachers", {"firstName": "A", "lastName": "B", "email": "a@example.org"}
    ).body
    url = f"/api/teachers/{teacher['_id']}"
    values: dict[str, Any] = {
        "personalInfo": {"gender": "Others", "hiringStatus": "Re-hired"},
        "emergencyContact": {"email": "ask the office"},
        "contractDetails": {"senioritySalary": "Year 4 (3 at previous school)", "salary": -5},
        "email": "teacher at school",
    }
    result = api.put(url, values)
    assert result.status == 200, result.body
    stored = db.teachers.find_one({"_id": ObjectId(teacher["_id"])})
    assert stored["personalInfo"] == {"gender": "Others", "hiringStatus": "Re-Hired"}
    assert stored["emergencyContact"]["email"] == "ask the office"
    assert stored["email"] == "teacher at school"
    # what stays strict guards the database: operators, sizes, types
    for bad in (
        {"personalInfo": {"gender": {"$ne": ""}}},
        {"personalInfo": {"gender": "x" * 51}},
        {"contractDetails": {"salary": "lots"}},
        {"email": ""},
    ):
        assert api.put(url, bad).status == 400, bad
    # a new teacher still needs a real address (imports find teachers by it)
    assert (
        api.post("/api/teachers", {"firstName": "C", "lastName": "D", "email": "nope"}).status
        == 400
    )


def test_an_unchanged_echo_is_not_rechecked_or_versioned(api: Api, db: Any) -> None:
    """A value our rules would refuse as new input (an archived project, a deleted school)
    does not block editing another field."""
    school = api.post("/api/schools", {"name": {"chinese": "舊校"}}).body
    project = api.post("/api/projects", {"name": "Old", "code": "OLD"}).body
    teacher = api.post(
        "/api/teachers",
        {
            "firstName": "A",
            "lastName": "B",
            "email": "ab@example.org",
            "school": school["_id"],
            "project": project["_id"],
        },
    ).body
    assert api.delete(f"/api/projects/{project['_id']}").status == 200
    assert api.delete(f"/api/schools/{school['_id']}").status == 200
    loaded = api.get(f"/api/teachers/{teacher['_id']}").body
    version = loaded["__v"]
    assert api.put(f"/api/teachers/{teacher['_id']}", loaded).body["__v"] == version
    loaded["remarks"] = "still here"
    result = api.put(f"/api/teachers/{teacher['_id']}", loaded, headers={"If-Match": str(version)})
    assert result.status == 200, result.body
    assert result.body["__v"] == version + 1
    stale = api.put(f"/api/teachers/{teacher['_id']}", loaded, headers={"If-Match": str(version)})
    assert stale.status == 412, "an echo with a stale If-Match is still refused"
    assert isinstance(
        db.teachers.find_one({"_id": ObjectId(teacher["_id"])})["updatedAt"], datetime
    )
