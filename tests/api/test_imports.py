"""Spreadsheet imports (issue 13 §5): FETMS's routes and formats, dry run, apply (all or none),
undo that restores the database exactly, limits, hostile cells, presigned uploads."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from bson import ObjectId

from tests.support.factories import FIXED_NOW, make_project, make_school, make_teacher
from tests.support.fetms_fixture import build_fetms_database
from tests.support.files import post_to_s3
from tests.support.http import Api
from tests.support.sheets import XLSX_TYPE, csv_bytes, send, upload, xlsx_bytes

FETMS_HEADER = [
    "firstName",
    "lastName",
    "email",
    "project",
    "personalInfo.nationality.english",
    "personalInfo.gender",
    "personalInfo.hiringStatus",
    "personalInfo.dob",
    "contractDetails.salary",
    "contractDetails.hasSalaryIncrease",
    "contractDetails.senioritySalary",
    "arcDetails.expiryDate",
]
DATA_COLLECTIONS = ("teachers", "schools", "projects", "stages")


@pytest.fixture(autouse=True)
def _fixed_clock(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed "today" once the admin's session is open: a session dated in the past would be
    removed by the database's TTL monitor during a long test."""
    monkeypatch.setattr("chalicelib.services.common.utcnow", lambda: FIXED_NOW)


def snapshot(db: Any) -> dict[str, list[dict[str, Any]]]:
    return {name: list(db[name].find().sort("_id", 1)) for name in DATA_COLLECTIONS}


def fetms_rows(project: Any) -> list[list[Any]]:
    return [
        FETMS_HEADER,
        [
            *("Ada", "Lovelace", "ada@example.org", str(project), "UK", "Female", "Re-hired"),
            *("1990-05-01", "$60,000", "TRUE", "3 Years", "2026-12-31"),
        ],
        [
            *("Alan", "Turing", "alan@example.org", str(project), "UK", "Others", ""),
            *("1/31/1985", "72000", "FALSE", "", ""),
        ],
    ]


def test_a_fetms_csv_dry_runs_then_applies_then_undoes_exactly(api: Api, db: Any) -> None:
    project = make_project(db)["_id"]
    before = snapshot(db)
    data = csv_bytes(fetms_rows(project))

    dry = send(api, "teachers", data, query="dryRun=true")
    assert dry.status == 200, dry.body
    assert dry.body["dryRun"] is True and dry.body["status"] == "validated"
    assert [(r["row"], r["action"]) for r in dry.body["rows"]] == [(2, "create"), (3, "create")]
    assert dry.body["counts"] == {"rows": 2, "create": 2, "update": 0, "unchanged": 0, "error": 0}
    assert snapshot(db) == before, "a dry run writes nothing"

    applied = api.post(f"/api/imports/{dry.body['_id']}/apply")
    assert applied.status == 200, applied.body
    assert applied.body["status"] == "applied"
    assert applied.body["message"].startswith("Import successful")
    assert (applied.body["count"], applied.body["total"]) == (2, 2)
    ada = db.teachers.find_one({"email": "ada@example.org"})
    assert ada["personalInfo"]["hiringStatus"] == "Re-Hired"
    assert ada["contractDetails"] == {
        "salary": 60000,
        "hasSalaryIncrease": True,
        "senioritySalary": "3 Years",
    }
    assert ada["project"] == project and ada["pipelineStage"] == "uncategorized"
    alan = db.teachers.find_one({"email": "alan@example.org"})
    assert alan["personalInfo"]["dob"].date().isoformat() == "1985-01-31"
    assert sorted([ada["pipelineOrder"], alan["pipelineOrder"]]) == [0, 1]
    record = db.imports.find_one({"_id": ObjectId(dry.body["_id"])})
    assert record["createdBy"] == "admin@example.org" and record["fileName"] == "import.csv"
    assert record["applied"]["counts"]["create"] == 2 and record["appliedBy"]
    history = api.get(f"/api/teachers/{ada['_id']}/history").body
    assert any(e["action"] == "import.create" for e in history)

    undone = api.post(f"/api/imports/{dry.body['_id']}/undo")
    assert undone.status == 200, undone.body
    assert undone.body["status"] == "undone" and undone.body["undone"] == {
        "removed": 2,
        "restored": 0,
    }
    assert snapshot(db) == before
    assert api.post(f"/api/imports/{dry.body['_id']}/undo").status == 409


def test_updates_and_stage_moves_are_undone_exactly_on_a_fetms_database(api: Api, db: Any) -> None:
    fixture = build_fetms_database(db, teachers=30, indexes=False)
    live = list(db.teachers.find({"isDeleted": False}).sort("_id", 1))
    first, second = live[0], live[1]
    employed = str(fixture.stage_ids[4])
    rows = [
        ["email", "personalInfo.phone", "pipelineStage", "remarks"],
        [first["email"], "+886 900 000 000", "Employed", ""],
        [second["email"].upper(), second["personalInfo"]["phone"], "", ""],
        ["new@example.org", "", "Interview", ""],
    ]
    before = snapshot(db)
    # a new teacher needs names: the dry run says so, row and column
    dry = send(api, "teachers", csv_bytes(rows), query="dryRun=true").body
    assert [r["action"] for r in dry["rows"]] == ["update", "unchanged", "error"]
    assert dry["rows"][0]["changes"] == ["personalInfo.phone", "pipelineStage"]
    assert {e["column"] for e in dry["rows"][2]["errors"]} == {"firstName", "lastName"}
    rows[0] += ["firstName", "lastName"]
    rows[1] += ["", ""]
    rows[2] += ["", ""]
    rows[3] += ["New", "Teacher"]
    result = send(api, "teachers", csv_bytes(rows))
    assert result.status == 200, result.body
    moved = db.teachers.find_one({"_id": first["_id"]})
    assert moved["pipelineStage"] == employed and moved["stageHistory"][-1]["to"] == employed
    column = [
        t["pipelineOrder"]
        for t in db.teachers.find({"pipelineStage": employed, "isDeleted": False})
    ]
    assert sorted(column) == list(range(len(column))) or max(column) == moved["pipelineOrder"]
    undone = api.post(f"/api/imports/{result.body['_id']}/undo")
    assert undone.status == 200, undone.body
    assert snapshot(db) == before


def test_undo_is_refused_when_a_record_changed_since(api: Api, db: Any) -> None:
    teacher = make_teacher(db, email="kim@example.org")
    rows = [["email", "remarks", "firstName", "lastName"], ["kim@example.org", "imported", "", ""]]
    rows += [["lee@example.org", "", "Lee", "Park"]]
    result = send(api, "teachers", csv_bytes(rows))
    assert result.status == 200, result.body
    assert api.put(f"/api/teachers/{teacher['_id']}", {"remarks": "edited by hand"}).status == 200
    refused = api.post(f"/api/imports/{result.body['_id']}/undo")
    assert refused.status == 409
    assert refused.body["errors"][0]["field"] == "row 2"
    assert "changed since the import" in refused.body["errors"][0]["message"]
    assert db.teachers.count_documents({"email": "lee@example.org"}) == 1, "nothing undone"
    assert db.imports.find_one({"_id": ObjectId(result.body["_id"])})["status"] == "applied"


def test_an_export_re_imports_unchanged(api: Api, db: Any) -> None:
    fixture = build_fetms_database(db, teachers=25, indexes=False)
    del fixture
    api.post("/api/teachers", {"firstName": "=1+1", "lastName": "@x", "email": "f@example.org"})
    for query, content_type, name in (
        ("format=csv", "text/csv", "t.csv"),
        ("format=csv&headers=labels", "text/csv", "t.csv"),
        ("format=xlsx", XLSX_TYPE, "t.xlsx"),
    ):
        exported = api.client.http.get(
            f"/api/teachers/export?{query}", headers={**api.headers, "Accept": "*/*"}
        )
        assert exported.status_code == 200
        body = exported.body if isinstance(exported.body, bytes) else exported.body.encode()
        dry = send(api, "teachers", body, name=name, content_type=content_type, query="dryRun=true")
        assert dry.status == 200, dry.body
        actions = {r["action"] for r in dry.body["rows"]}
        odd = [r for r in dry.body["rows"] if r["action"] != "unchanged"]
        assert actions == {"unchanged"}, json.dumps(odd)


def test_row_errors_name_row_and_column_and_abort_writes_nothing(api: Api, db: Any) -> None:
    make_school(db, "光復國小", "Guangfu")
    rows = [
        ["email", "firstName", "lastName", "school", "personalInfo.dob", "remarks"],
        ["ok@example.org", "Ok", "Fine", "Guangfu", "2000-01-01", ""],
        ["bad-date@example.org", "B", "D", "", "31.31.2000", ""],
        ["op@example.org", '{"$ne": null}', "O", "", "", ""],
        ["proto@example.org", "P", "__proto__", "", "", ""],
        ["formula@example.org", "F", "F", "", "", '=HYPERLINK("http://x")'],
        ["huge@example.org", "H" * 10_001, "H", "", "", ""],
        ["school@example.org", "S", "S", "Nowhere School", "", ""],
        ["OK@example.org", "Dup", "Dup", "", "", ""],
        ["not-an-email", "N", "N", "", "", ""],
        ["ctl@example.org", "C\x07", "C", "", "", ""],
    ]
    before = snapshot(db)
    dry = send(api, "teachers", csv_bytes(rows), query="dryRun=true").body
    errors = {
        r["row"]: (r["errors"][0]["column"], r["errors"][0]["message"])
        for r in dry["rows"]
        if r["action"] == "error"
    }
    assert errors[3][0] == "personalInfo.dob" and "not a date" in errors[3][1]
    assert errors[4] == ("firstName", "looks like a database operator; not imported")
    assert errors[5][0] == "lastName" and "__proto__" in errors[5][1]
    assert errors[6][0] == "remarks" and "formula" in errors[6][1]
    assert errors[7][0] == "firstName" and "longer than" in errors[7][1]
    assert errors[8] == ("school", "no school is called 'Nowhere School'")
    assert errors[9] == ("email", "same e-mail as row 2")
    assert errors[10][0] == "email"
    assert errors[11][0] == "firstName" and "control character" in errors[11][1]
    assert dry["rows"][0]["action"] == "create"

    rejected = api.post(f"/api/imports/{dry['_id']}/apply")
    assert rejected.status == 400
    assert rejected.headers["Content-Type"] == "application/problem+json"
    assert rejected.body["counts"]["error"] == 9 and rejected.body["importId"] == dry["_id"]
    assert rejected.body["errors"][0] == {
        "field": "row 3, personalInfo.dob",
        "message": "is not a date (use YYYY-MM-DD)",
    }
    assert snapshot(db) == before
    skipped = api.post(f"/api/imports/{dry['_id']}/apply?onError=skip")
    assert skipped.status == 200, skipped.body
    assert skipped.body["counts"]["create"] == 1
    assert db.teachers.find_one({"email": "ok@example.org"})["personalInfo"]["serviceSchool"] == (
        "光復國小"
    )


@pytest.mark.parametrize(
    ("encoding", "data_encoding"), [("auto", "utf-8"), ("auto", "cp950"), ("big5", "big5")]
)
def test_csv_in_utf8_without_bom_and_big5(
    api: Api, db: Any, encoding: str, data_encoding: str
) -> None:
    rows = [["email", "firstName", "lastName", "personalInfo.chineseName"]]
    rows += [["wang@example.org", "Da", "Wang", "王大明"]]
    result = send(api, "teachers", csv_bytes(rows, data_encoding), query=f"encoding={encoding}")
    assert result.status == 200, result.body
    assert db.teachers.find_one({})["personalInfo"]["chineseName"] == "王大明"


def test_xlsx_import_with_real_dates_and_formula_cells(api: Api, db: Any) -> None:
    rows: list[list[Any]] = [["Email", "First name", "Last name", "ARC expiry date", "Phone"]]
    rows += [["x@example.org", "X", "Y", FIXED_NOW.replace(tzinfo=None), 912345678]]
    rows += [["z@example.org", "Z", "=CONCAT(A1,B1)", None, None]]
    data = xlsx_bytes(rows)
    result = send(api, "teachers", data, name="t.xlsx", content_type=XLSX_TYPE, query="dryRun=true")
    assert result.status == 200, result.body
    assert [r["action"] for r in result.body["rows"]] == ["create", "error"]
    assert result.body["rows"][1]["errors"][0]["column"] == "Last name"
    applied = api.post(f"/api/imports/{result.body['_id']}/apply?onError=skip").body
    assert applied["counts"]["create"] == 1
    stored = db.teachers.find_one({"email": "x@example.org"})
    assert stored["personalInfo"]["phone"] == "912345678"
    assert stored["arcDetails"]["expiryDate"] == FIXED_NOW


def test_schools_import_upserts_by_chinese_name_and_undoes(api: Api, db: Any) -> None:
    make_school(db, "光復國小", "Guangfu")
    before = snapshot(db)
    rows = [
        ["name.chinese", "name.english", "contact.email", "address.english"],
        ["光復國小", "Guangfu Elementary", "front desk", ""],
        ["新竹國小", "Hsinchu Elementary", "", "1 Road"],
    ]
    result = send(api, "schools", csv_bytes(rows))
    assert result.status == 200, result.body
    assert [r["action"] for r in result.body["rows"]] == ["update", "create"]
    assert db.schools.count_documents({}) == 2
    updated = db.schools.find_one({"name.chinese": "光復國小"})
    assert updated["name"]["english"] == "Guangfu Elementary"
    assert updated["contact"]["email"] == "front desk"
    assert api.post(f"/api/imports/{result.body['_id']}/undo").status == 200
    assert snapshot(db) == before


def test_header_problems_refuse_the_file(api: Api, db: Any) -> None:
    unknown = send(
        api, "teachers", csv_bytes([["email", "$where", "__proto__.x"], ["a", "b", "c"]])
    )
    assert unknown.status == 400
    assert [e["field"] for e in unknown.body["errors"]] == [
        "row 1, column '$where'",
        "row 1, column '__proto__.x'",
    ]
    no_key = send(api, "schools", csv_bytes([["name.english"], ["X"]]))
    assert no_key.status == 400 and "'name.chinese' column is required" in no_key.body["detail"]
    xls = send(api, "teachers", b"\xd0\xcf\x11\xe0" + b"\x00" * 64, name="old.xls")
    assert xls.status == 415
    assert db.imports.count_documents({}) == 3 and db.teachers.count_documents({}) == 0


def test_limits_rows_and_inline_size(api: Api, db: Any) -> None:
    from chalicelib.settings import get_settings

    settings = get_settings()
    rows = [["email", "firstName", "lastName"]]
    rows += [[f"t{i}@example.org", "T", "T"] for i in range(settings.import_max_rows + 1)]
    too_many = send(api, "teachers", csv_bytes(rows), query="dryRun=true")
    assert too_many.status == 413
    assert f"more than {settings.import_max_rows} rows" in too_many.body["detail"]
    big = b"email\r\n" + b"x" * (settings.inline_upload_max_bytes + 10)
    too_big = send(api, "teachers", big)
    assert too_big.status == 413 and "POST /api/imports" in too_big.body["detail"]
    assert db.teachers.count_documents({}) == 0


def test_large_files_go_through_a_presigned_upload(api: Api, db: Any) -> None:
    rows = [["email", "firstName", "lastName"]] + [
        [f"p{i}@example.org", f"P{i}", "Presigned"] for i in range(40)
    ]
    record = upload(api, "teachers", csv_bytes(rows))
    assert record["status"] == "awaiting-upload" and record["limits"]["maxRows"] > 0
    assert "sourceKey" not in record
    dry = api.post(f"/api/imports/{record['_id']}/dry-run")
    assert dry.status == 200, dry.body
    assert dry.body["counts"]["create"] == 40
    applied = api.post(f"/api/imports/{record['_id']}/apply")
    assert applied.status == 200, applied.body
    assert db.teachers.count_documents({}) == 40
    listed = api.get("/api/imports?kind=teachers").body
    assert listed[0]["_id"] == record["_id"] and listed[0]["status"] == "applied"
    assert api.post(f"/api/imports/{record['_id']}/apply").status == 409, "applied once"
    not_sent = api.post(
        "/api/imports",
        {"kind": "schools", "fileName": "s.csv", "contentType": "text/csv", "size": 10},
    ).body
    assert api.post(f"/api/imports/{not_sent['_id']}/dry-run").status == 409
    wrong_type = api.post(
        "/api/imports",
        {"kind": "schools", "fileName": "s.pdf", "contentType": "application/pdf", "size": 10},
    )
    assert wrong_type.status == 415


def test_imports_need_an_admin(api_as: Any, db: Any) -> None:
    editor = api_as("editor")
    result = send(editor, "teachers", csv_bytes([["email"], ["a@example.org"]]))
    assert result.status == 403
    assert api_as("viewer").get("/api/imports/columns?kind=schools").status == 200
    assert editor.get("/api/imports").status == 403


def test_arc_expiry_from_an_import_is_seen_by_the_dashboard(api: Api, db: Any) -> None:
    api.post(
        "/api/alerts",
        {"name": "A", "documentType": "arcDetails", "conditionType": "DAYS_REMAINING", "value": 30},
    )
    soon = (FIXED_NOW + timedelta(days=10)).date().isoformat()
    rows = [
        ["email", "firstName", "lastName", "arcDetails.expiryDate"],
        ["d@example.org", "D", "E", soon],
    ]
    assert send(api, "teachers", csv_bytes(rows)).status == 200
    assert api.get("/api/stats/dashboard").body["kpi"]["actionsNeeded"] == 1


def test_a_project_for_the_teachers_an_import_creates(api: Api, db: Any) -> None:
    """The Import screen's target project: created teachers without a project cell get it, a
    row's own project wins, updated teachers keep theirs; kept on the record for the apply."""
    project = make_project(db)["_id"]
    other = make_project(db, code="OTHER", name="Other program")["_id"]
    kept = make_teacher(db, email="kim@example.org", project=other)
    rows = [
        ["email", "firstName", "lastName", "project", "remarks"],
        ["new@example.org", "New", "One", "", ""],
        ["own@example.org", "Own", "Two", "OTHER", ""],
        ["kim@example.org", "", "", "", "updated"],
    ]
    dry = send(api, "teachers", csv_bytes(rows), query=f"dryRun=true&projectId={project}")
    assert dry.status == 200, dry.body
    assert dry.body["projectId"] == str(project)
    assert [r["action"] for r in dry.body["rows"]] == ["create", "create", "update"]
    assert db.teachers.count_documents({}) == 1, "a dry run writes nothing"
    applied = api.post(f"/api/imports/{dry.body['_id']}/apply")
    assert applied.status == 200, applied.body
    assert db.teachers.find_one({"email": "new@example.org"})["project"] == project
    assert db.teachers.find_one({"email": "own@example.org"})["project"] == other
    assert db.teachers.find_one({"_id": kept["_id"]})["project"] == other
    # The presigned flow keeps it too.
    data = csv_bytes([["email", "firstName", "lastName"], ["big@example.org", "Big", "File"]])
    asked = api.post(
        "/api/imports",
        {
            "kind": "teachers",
            "fileName": "t.csv",
            "contentType": "text/csv",
            "size": len(data),
            "projectId": str(project),
        },
    )
    assert asked.status == 201, asked.body
    post_to_s3(asked.body["upload"], data, file_name="t.csv")
    assert api.post(f"/api/imports/{asked.body['_id']}/apply").status == 200
    assert db.teachers.find_one({"email": "big@example.org"})["project"] == project


def test_an_import_project_must_be_active_and_for_teachers(api: Api, db: Any) -> None:
    project = make_project(db)["_id"]
    archived = make_project(db, code="OLD", name="Old program")["_id"]
    db.projects.update_one({"_id": archived}, {"$set": {"isActive": False}})
    data = csv_bytes([["email", "firstName", "lastName"], ["a@example.org", "A", "B"]])
    for query, field in (
        (f"projectId={archived}", "projectId"),
        ("projectId=nope", "projectId"),
    ):
        refused = send(api, "teachers", data, query=f"dryRun=true&{query}")
        assert refused.status == 400, refused.body
        assert refused.body["errors"][0]["field"] == field
    school = csv_bytes([["name.chinese"], ["測試國小"]])
    assert send(api, "schools", school, query=f"projectId={project}").status == 400
    # Archived between the dry run and the apply: the apply is refused, nothing written.
    dry = send(api, "teachers", data, query=f"dryRun=true&projectId={project}")
    assert dry.status == 200, dry.body
    db.projects.update_one({"_id": project}, {"$set": {"isActive": False}})
    refused = api.post(f"/api/imports/{dry.body['_id']}/apply")
    assert refused.status == 400 and refused.body["errors"][0]["field"] == "projectId"
    assert db.teachers.count_documents({}) == 0 and db.imports.count_documents({}) == 1


def test_the_list_shows_each_imports_counts_and_the_limits_are_published(
    api: Api, api_as: Any, db: Any
) -> None:
    from chalicelib.settings import get_settings

    rows = [["email", "firstName", "lastName"], ["a@example.org", "A", "B"], ["bad", "", ""]]
    dry = send(api, "teachers", csv_bytes(rows), query="dryRun=true")
    listed = api.get("/api/imports").body
    assert listed[0]["_id"] == dry.body["_id"] and "sourceKey" not in listed[0]
    assert listed[0]["counts"] == {"rows": 2, "create": 1, "update": 0, "unchanged": 0, "error": 1}
    assert api.post(f"/api/imports/{dry.body['_id']}/apply?onError=skip").status == 200
    assert api.post(f"/api/imports/{dry.body['_id']}/undo").status == 200
    undone = api.get("/api/imports").body[0]
    assert undone["status"] == "undone" and undone["counts"]["create"] == 1
    assert undone["appliedBy"] == "admin@example.org" and undone["undoneAt"]
    assert undone["undone"] == {"removed": 1, "restored": 0}
    settings = get_settings()
    limits = api.get("/api/imports/limits")
    assert limits.status == 200 and limits.body == {
        "maxBytes": settings.import_max_bytes,
        "maxInlineBytes": settings.inline_upload_max_bytes,
        "maxRows": settings.import_max_rows,
    }
    assert api_as("editor").get("/api/imports/limits").status == 403
