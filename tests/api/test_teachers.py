"""Teachers: create/get/update/delete/restore with the full FETMS profile and its rules."""

from __future__ import annotations

from typing import Any

import pytest
from bson import ObjectId

from tests.support.factories import FIXED_NOW, make_project, make_school
from tests.support.http import Api


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("chalicelib.services.common.utcnow", lambda: FIXED_NOW)


FULL_PROFILE: dict[str, Any] = {
    "firstName": "Jane",
    "middleName": "Q",
    "lastName": "Doe",
    "email": "jane.doe@example.org",
    "remarks": "Prefers mornings",
    "personalInfo": {
        "chineseName": "杜珍",
        "englishName": "Jane Doe",
        "nationality": {"chinese": "加拿大", "english": "Canada"},
        "phone": "0912-345-678",
        "dob": "1990-04-01",
        "gender": "Female",
        "address": {"taiwan": "Taipei", "home": "Toronto"},
        "hiringStatus": "Newly Hired",
    },
    "emergencyContact": {
        "name": "John Doe",
        "relationship": "Brother",
        "phone": "+1 555 0100",
        "email": "john@example.org",
    },
    "passportDetails": {
        "number": "P1234567",
        "expiryDate": "2030-01-31",
        "issuingCountry": "Canada",
        "issuingAuthority": "Passport Canada",
        "issueDate": "2020-01-31",
    },
    "education": {"degree": "Bachelor", "major": "English", "school": "UBC"},
    "teachingLicense": {"expiryDate": "2028-06-30"},
    "criminalRecord": {"issueDate": "2026-01-10"},
    "workPermitDetails": {
        "issueDate": "2026-02-01",
        "expiryDate": "2027-01-31",
        "startDate": "2026-08-01",
        "permitNumber": "WP-1",
    },
    "contractDetails": {
        "contractStartDate": "2026-08-01",
        "contractEndDate": "2027-07-31",
        "payStartDate": "2026-08-01",
        "payEndDate": "2027-07-31",
        "senioritySalary": "3 Years",
        "seniorityLeave": "2 Years",
        "salary": 62000,
        "hasSalaryIncrease": True,
        "salaryIncreaseDate": "2027-02-01",
        "estimatedPromotedSalary": 65000.5,
    },
    "arcDetails": {"expiryDate": "2027-01-31", "purpose": "Employment"},
    "documents": {"passport": {"number": "P1234567", "status": "valid"}},
}


def create(api: Api, **fields: Any) -> dict[str, Any]:
    body = {"firstName": "Ann", "lastName": "Lee", "email": f"{ObjectId()}@example.org", **fields}
    result = api.post("/api/teachers", body)
    assert result.status == 201, result.body
    created: dict[str, Any] = result.body
    return created


def test_create_minimal_sets_fetms_defaults(api: Api, db: Any) -> None:
    result = api.post("/api/teachers", {"firstName": "Ann", "lastName": "Lee", "email": "a@x.org"})
    assert result.status == 201, result.body
    body = result.body
    assert len(body["_id"]) == 24
    assert body["__v"] == 0
    assert result.header("ETag") == '"0"'
    assert body["pipelineStage"] == "uncategorized"
    assert body["school"] is None and body["project"] is None
    assert body["isDeleted"] is False
    assert body["documentBoxes"] == [] and body["otherDocuments"] == []
    assert {k: v["status"] for k, v in body["documents"].items()} == {
        "passport": "missing",
        "arc": "missing",
        "contract": "missing",
        "workPermit": "missing",
    }
    history = body["stageHistory"]
    assert [(h["from"], h["to"], h["at"]) for h in history] == [
        (None, "uncategorized", "2026-06-15T12:00:00.000Z")
    ]
    assert db.auditlog.count_documents({"entity": "teachers", "action": "create"}) == 1


def test_full_profile_round_trips(api: Api) -> None:
    created = api.post("/api/teachers", FULL_PROFILE)
    assert created.status == 201, created.body
    got = api.get(f"/api/teachers/{created.body['_id']}")
    assert got.status == 200
    body = got.body
    assert got.header("ETag") == '"0"'
    assert body["personalInfo"]["nationality"] == {"chinese": "加拿大", "english": "Canada"}
    assert body["personalInfo"]["dob"] == "1990-04-01T00:00:00.000Z"
    assert body["contractDetails"]["salary"] == 62000
    assert body["contractDetails"]["estimatedPromotedSalary"] == 65000.5
    assert body["contractDetails"]["hasSalaryIncrease"] is True
    assert body["arcDetails"]["expiryDate"] == "2027-01-31T00:00:00.000Z"
    # The status is derived by the server (no file: missing), never taken from the client.
    assert body["documents"]["passport"] == {"number": "P1234567", "status": "missing"}
    assert body["documents"]["arc"] == {"status": "missing"}
    assert body["emergencyContact"]["email"] == "john@example.org"


def test_form_style_values_are_accepted(api: Api) -> None:
    """FETMS forms send "" for empty selects/dates and numbers as strings."""
    body = create(
        api,
        personalInfo={"gender": "", "dob": "", "hiringStatus": "Re-Hired"},
        contractDetails={"salary": "60,000", "estimatedPromotedSalary": ""},
        school="",
        project=None,
    )
    assert body["personalInfo"]["gender"] is None
    assert body["personalInfo"]["hiringStatus"] == "Re-Hired"
    assert body["contractDetails"]["salary"] == 60000


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"personalInfo": {"gender": "x" * 51}}, "personalInfo.gender"),
        ({"personalInfo": {"hiringStatus": ["Hired"]}}, "personalInfo.hiringStatus"),
        ({"contractDetails": {"salary": 10**12}}, "contractDetails.salary"),
        ({"contractDetails": {"salary": "lots"}}, "contractDetails.salary"),
        ({"passportDetails": {"expiryDate": "31/01/2030"}}, "passportDetails.expiryDate"),
        ({"firstName": ""}, "firstName"),
        ({"firstName": {"$ne": None}}, "firstName"),
        ({"nickname": "x"}, "nickname"),
        ({"school": "12345"}, "school"),
        ({"personalInfo": {"nationality": "Canada"}}, "personalInfo.nationality"),
    ],
)
def test_invalid_create_is_400_and_writes_nothing(
    api: Api, db: Any, patch: dict[str, Any], field: str
) -> None:
    body = {"firstName": "Ann", "lastName": "Lee", "email": "ann@example.org", **patch}
    result = api.post("/api/teachers", body)
    assert result.status == 400, result.body
    assert result.header("Content-Type") == "application/problem+json"
    assert any(e["field"].startswith(field) for e in result.body["errors"]), result.body
    assert db.teachers.count_documents({}) == 0


def test_operator_keys_and_huge_bodies_are_rejected(api: Api, db: Any) -> None:
    base = {"firstName": "A", "lastName": "B", "email": "a@b.org"}
    assert api.post("/api/teachers", {**base, "personalInfo": {"$set": {"x": 1}}}).status == 400
    assert api.post("/api/teachers", {**base, "personalInfo.phone": "1"}).status == 400
    assert api.post("/api/teachers", {**base, "remarks": "x" * 20_001}).status == 400
    assert db.teachers.count_documents({}) == 0


def test_missing_required_fields(api: Api) -> None:
    result = api.post("/api/teachers", {"firstName": "A"})
    assert result.status == 400
    assert {e["field"] for e in result.body["errors"]} >= {"lastName", "email"}


def test_file_paths_and_server_fields_cannot_be_written(api: Api, db: Any) -> None:
    created = create(api)
    tid = created["_id"]
    db.teachers.update_one(
        {"_id": ObjectId(tid)},
        {"$set": {"documents.arc.filePath": "teachers/a/arc.pdf", "profilePicture": "p.jpg"}},
    )
    echoed = {
        **created,
        "profilePicture": "uploads/evil.jpg",
        "documents": {"arc": {"filePath": "../../etc/passwd", "number": "A1"}},
        "documentBoxes": [{"name": "x"}],
        "otherDocuments": [{"filePath": "x"}],
        "stageHistory": [],
        "isDeleted": True,
        "__v": 99,
    }
    result = api.put(f"/api/teachers/{tid}", echoed)
    assert result.status == 200, result.body
    stored = db.teachers.find_one({"_id": ObjectId(tid)})
    assert stored["profilePicture"] == "p.jpg"
    assert stored["documents"]["arc"] == {
        "status": "valid",  # derived: the stored file is there, no expiry date
        "filePath": "teachers/a/arc.pdf",
        "number": "A1",
    }
    assert stored["documentBoxes"] == [] and stored["otherDocuments"] == []
    assert stored["isDeleted"] is False
    assert len(stored["stageHistory"]) == 1


def test_email_unique_case_insensitive_among_live_teachers(api: Api) -> None:
    first = create(api, email="Unique@Example.org")
    dup = api.post(
        "/api/teachers", {"firstName": "B", "lastName": "C", "email": "unique@example.ORG"}
    )
    assert dup.status == 409
    assert dup.body["errors"][0]["field"] == "email"
    other = create(api)
    clash = api.put(f"/api/teachers/{other['_id']}", {"email": "UNIQUE@example.org"})
    assert clash.status == 409
    assert api.delete(f"/api/teachers/{first['_id']}").status == 200
    reuse = create(api, email="unique@example.org")
    assert reuse["email"] == "unique@example.org"
    restore = api.put(f"/api/teachers/{first['_id']}/restore")
    assert restore.status == 409


def test_update_merges_nested_sections(api: Api) -> None:
    created = api.post("/api/teachers", FULL_PROFILE).body
    tid = created["_id"]
    result = api.put(f"/api/teachers/{tid}", {"personalInfo": {"phone": "0999"}})
    assert result.status == 200, result.body
    info = result.body["personalInfo"]
    assert info["phone"] == "0999"
    assert info["chineseName"] == "杜珍"
    assert info["nationality"]["english"] == "Canada"
    assert result.body["__v"] == 1
    assert result.header("ETag") == '"1"'
    patched = api.patch(
        f"/api/teachers/{tid}", {"personalInfo": {"nationality": {"english": "Ireland"}}}
    )
    assert patched.status == 200
    assert patched.body["personalInfo"]["nationality"] == {
        "chinese": "加拿大",
        "english": "Ireland",
    }
    assert patched.body["personalInfo"]["phone"] == "0999"
    assert patched.body["lastName"] == "Doe"


def test_required_fields_cannot_be_cleared(api: Api) -> None:
    tid = create(api)["_id"]
    result = api.put(f"/api/teachers/{tid}", {"lastName": None})
    assert result.status == 400
    assert result.body["errors"][0]["field"] == "lastName"


def test_if_match_protects_against_lost_updates(api: Api, db: Any) -> None:
    tid = create(api)["_id"]
    ok = api.put(f"/api/teachers/{tid}", {"remarks": "one"}, headers={"If-Match": '"0"'})
    assert ok.status == 200
    stale = api.put(f"/api/teachers/{tid}", {"remarks": "two"}, headers={"If-Match": '"0"'})
    assert stale.status == 412
    assert db.teachers.find_one({"_id": ObjectId(tid)})["remarks"] == "one"
    assert api.delete(f"/api/teachers/{tid}", headers={"If-Match": "0"}).status == 412
    assert api.patch(f"/api/teachers/{tid}", {}, headers={"If-Match": "0"}).status == 412
    assert api.patch(f"/api/teachers/{tid}", {}, headers={"If-Match": "1"}).status == 200


def test_school_links_both_ways(api: Api, db: Any) -> None:
    school = make_school(db, "光復國小", "Guangfu Elementary")
    by_id = create(api, school=str(school["_id"]))
    assert by_id["school"]["_id"] == str(school["_id"])
    assert by_id["school"]["name"]["english"] == "Guangfu Elementary"
    assert by_id["personalInfo"]["serviceSchool"] == "光復國小"
    by_name = create(api, personalInfo={"serviceSchool": "guangfu elementary"})
    assert by_name["school"]["_id"] == str(school["_id"])
    moved = api.put(f"/api/teachers/{by_name['_id']}", {"personalInfo": {"serviceSchool": "Other"}})
    assert moved.status == 200, moved.body
    assert moved.body["school"] is None
    assert moved.body["personalInfo"]["serviceSchool"] == "Other"
    relinked = api.put(f"/api/teachers/{by_name['_id']}", {"school": str(school["_id"])})
    assert relinked.status == 200, relinked.body
    assert relinked.body["personalInfo"]["serviceSchool"] == "光復國小"
    populated = api.put(f"/api/teachers/{by_name['_id']}", {"school": by_id["school"]})
    assert populated.status == 200


def test_unknown_school_or_project_is_400(api: Api, db: Any) -> None:
    unknown = api.post(
        "/api/teachers",
        {"firstName": "A", "lastName": "B", "email": "a@b.org", "school": str(ObjectId())},
    )
    assert unknown.status == 400
    assert unknown.body["errors"][0]["field"] == "school"
    project = make_project(db, "ARCH")
    db.projects.update_one({"_id": project["_id"]}, {"$set": {"isActive": False}})
    archived = api.post(
        "/api/teachers",
        {"firstName": "A", "lastName": "B", "email": "a@b.org", "project": str(project["_id"])},
    )
    assert archived.status == 400
    assert archived.body["errors"][0]["field"] == "project"
    assert db.teachers.count_documents({}) == 0
    live = make_project(db, "LIVE", "Live Program")
    ok = create(api, project=str(live["_id"]))
    assert ok["project"]["code"] == "LIVE"


def test_stage_change_is_validated_and_recorded(api: Api, db: Any) -> None:
    stage = api.post("/api/stages", {"title": "Interview"}).body
    tid = create(api)["_id"]
    bad = api.put(f"/api/teachers/{tid}", {"pipelineStage": str(ObjectId())})
    assert bad.status == 400
    assert api.put(f"/api/teachers/{tid}", {"pipelineStage": "nonsense"}).status == 400
    moved = api.put(f"/api/teachers/{tid}", {"pipelineStage": stage["_id"]})
    assert moved.status == 200
    history = moved.body["stageHistory"]
    assert [(h["from"], h["to"]) for h in history] == [
        (None, "uncategorized"),
        ("uncategorized", stage["_id"]),
    ]
    assert history[1]["at"] == "2026-06-15T12:00:00.000Z"
    same = api.put(f"/api/teachers/{tid}", {"pipelineStage": stage["_id"], "remarks": "x"})
    assert len(same.body["stageHistory"]) == 2
    assert db.auditlog.count_documents({"action": "stage_move", "entityId": tid}) == 1


def test_soft_delete_and_restore(api: Api, db: Any) -> None:
    tid = create(api)["_id"]
    deleted = api.delete(f"/api/teachers/{tid}")
    assert deleted.status == 200
    assert deleted.body["isDeleted"] is True
    assert deleted.body["message"] == "Teacher deleted"
    assert api.get(f"/api/teachers/{tid}").status == 404
    assert api.put(f"/api/teachers/{tid}", {"remarks": "x"}).status == 404
    assert api.delete(f"/api/teachers/{tid}").status == 404
    assert db.teachers.count_documents({"_id": ObjectId(tid)}) == 1
    restored = api.put(f"/api/teachers/{tid}/restore")
    assert restored.status == 200
    assert restored.body["isDeleted"] is False
    assert api.get(f"/api/teachers/{tid}").status == 200
    assert api.put(f"/api/teachers/{tid}/restore").status == 404
    actions = [e["action"] for e in db.auditlog.find({"entityId": tid}).sort("at", 1)]
    assert actions.count("delete") == 1 and actions.count("restore") == 1


def test_malformed_and_missing_ids(api: Api) -> None:
    assert api.get("/api/teachers/not-an-id").status == 400
    assert api.get(f"/api/teachers/{ObjectId()}").status == 404
    assert api.put(f"/api/teachers/{ObjectId()}", {"remarks": "x"}).status == 404
    assert api.delete(f"/api/teachers/{ObjectId()}").status == 404


def test_literal_routes_win_over_the_id_route(api: Api) -> None:
    """``/teachers/export`` and ``/teachers/pipeline/reorder`` are not teacher ids."""
    export = api.get("/api/teachers/export?format=csv")
    assert export.status == 200
    assert (export.header("Content-Type") or "").startswith("text/csv")
    reorder = api.put(
        "/api/teachers/pipeline/reorder", {"stage": "uncategorized", "teacherIds": []}
    )
    assert reorder.status == 200, reorder.body
    assert reorder.body["updated"] == 0


def test_roles_viewer_reads_editor_writes(api: Api, api_as: Any, db: Any) -> None:
    tid = create(api)["_id"]
    viewer = api_as("viewer")
    editor = api_as("editor")
    for path in (
        "/api/teachers",
        f"/api/teachers/{tid}",
        "/api/pipeline",
        "/api/stats/dashboard",
        "/api/teachers/export",
    ):
        assert viewer.get(path).status == 200, path
    body = {"firstName": "V", "lastName": "W", "email": "v@example.org"}
    assert viewer.post("/api/teachers", body).status == 403
    assert viewer.put(f"/api/teachers/{tid}", {"remarks": "x"}).status == 403
    assert viewer.patch(f"/api/teachers/{tid}", {"remarks": "x"}).status == 403
    assert viewer.delete(f"/api/teachers/{tid}").status == 403
    assert viewer.put(f"/api/teachers/{tid}/restore").status == 403
    reorder = {"stage": "uncategorized", "teacherIds": [tid]}
    assert viewer.put("/api/teachers/pipeline/reorder", reorder).status == 403
    assert api_as(None).get("/api/teachers").status == 401
    assert editor.post("/api/teachers", body).status == 201
    assert editor.put("/api/teachers/pipeline/reorder", reorder).status == 200
    assert editor.delete(f"/api/teachers/{tid}").status == 200
    assert editor.put(f"/api/teachers/{tid}/restore").status == 200
    assert db.teachers.count_documents({"email": "v@example.org"}) == 1
