"""Teacher export: CSV with BOM / XLSX, import-ready headers, names, ISO dates, no formulas."""

from __future__ import annotations

import csv
import importlib
import io
from datetime import timedelta
from typing import Any

import pytest

from tests.support.factories import FIXED_NOW, make_project, make_school, make_teacher
from tests.support.http import Api

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("chalicelib.services.common.utcnow", lambda: FIXED_NOW)


def seed(api: Api, db: Any) -> str:
    stage = str(api.post("/api/stages", {"title": "Interview"}).body["_id"])
    school = make_school(db, "光復國小", "Guangfu")
    project = make_project(db, "TFETP", "Taiwan FET")
    make_teacher(
        db,
        firstName='=HYPERLINK("http://evil")',
        lastName="+1",
        email="a@example.org",
        remarks="@SUM(A1)",
        school=school["_id"],
        project=project["_id"],
        pipelineStage=stage,
        personalInfo={"nationality": {"english": "Canada"}, "phone": "-5", "gender": "Male"},
        arcDetails={"expiryDate": FIXED_NOW + timedelta(days=3)},
        contractDetails={"salary": 62000, "hasSalaryIncrease": True},
        createdAt=FIXED_NOW,
    )
    make_teacher(
        db,
        firstName="Zoë",
        lastName="Ng",
        email="z@example.org",
        personalInfo={"nationality": {"english": "Ireland"}},
        createdAt=FIXED_NOW - timedelta(days=1),
    )
    make_teacher(db, firstName="Deleted", isDeleted=True)
    return stage


def parse_csv(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_csv_export(api: Api, db: Any) -> None:
    seed(api, db)
    result = api.get("/api/teachers/export?format=csv")
    assert result.status == 200
    assert result.header("Content-Type") == "text/csv; charset=utf-8"
    assert 'filename="teachers-20260615.csv"' in (result.header("Content-Disposition") or "")
    rows = parse_csv(result.body)
    assert [r["email"] for r in rows] == ["a@example.org", "z@example.org"]
    first = rows[0]
    assert first["firstName"] == '\'=HYPERLINK("http://evil")'
    assert first["lastName"] == "'+1"
    assert first["remarks"] == "'@SUM(A1)"
    assert first["personalInfo.phone"] == "'-5"
    assert first["school"] == "光復國小"
    assert first["project"] == "TFETP"
    assert first["pipelineStage"] == "Interview"
    assert first["arcDetails.expiryDate"] == "2026-06-18T12:00:00Z", "a time is kept"
    assert first["contractDetails.salary"] == "62000"
    assert first["contractDetails.hasSalaryIncrease"] == "true"
    assert first["createdAt"] == "2026-06-15T12:00:00Z"
    assert rows[1]["firstName"] == "Zoë"
    assert rows[1]["pipelineStage"] == "Uncategorized"
    assert rows[1]["school"] == ""


def test_export_uses_the_list_filters(api: Api, db: Any) -> None:
    stage = seed(api, db)
    for query, expected in (
        ("nationality=Ireland", ["z@example.org"]),
        (f"pipelineStage={stage}", ["a@example.org"]),
        ("search=zo", ["z@example.org"]),
        ("sort=email&order=desc", ["z@example.org", "a@example.org"]),
        ("expiringDocument=arc&expiringWithinDays=7", ["a@example.org"]),
    ):
        result = api.get(f"/api/teachers/export?{query}")
        assert result.status == 200, query
        assert [r["email"] for r in parse_csv(result.body)] == expected, query
    assert api.get("/api/teachers/export?format=pdf").status == 400
    assert api.get("/api/teachers/export?limit=5").status == 400


def test_headers_are_stable_dot_paths(api: Api) -> None:
    result = api.get("/api/teachers/export")
    header = result.body[1:].splitlines()[0].split(",")
    assert header[:8] == [
        "_id",
        "firstName",
        "middleName",
        "lastName",
        "email",
        "school",
        "project",
        "pipelineStage",
    ]
    assert "personalInfo.nationality.english" in header
    assert "contractDetails.salary" in header
    assert all(" " not in h for h in header)


def test_xlsx_export(api: Api, db: Any) -> None:
    seed(api, db)
    response = api.client.http.request(
        "GET", "/api/teachers/export?format=xlsx", headers={**api.headers, "Accept": XLSX}
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == XLSX
    openpyxl: Any = importlib.import_module("openpyxl")
    workbook = openpyxl.load_workbook(io.BytesIO(response.body), read_only=True)
    rows = list(workbook["Teachers"].iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:5] == ["_id", "firstName", "middleName", "lastName", "email"]
    first = dict(zip(header, rows[1], strict=True))
    assert first["firstName"] == '\'=HYPERLINK("http://evil")'
    assert first["school"] == "光復國小"
    assert first["contractDetails.salary"] == 62000
    assert first["arcDetails.expiryDate"] == "2026-06-18T12:00:00Z"
    assert len(rows) == 3


def test_exports_survive_control_characters_stored_by_older_writers(api: Api, db: Any) -> None:
    """Records written before input refused control characters (or by FETMS) still export."""
    make_teacher(db, firstName="Ann\x0bMarie", lastName="Lee\x00", remarks="line\x0cbreak\ttab")
    workbook = api.client.http.request(
        "GET", "/api/teachers/export?format=xlsx", headers={**api.headers, "Accept": XLSX}
    )
    assert workbook.status_code == 200, workbook.body[:300]
    openpyxl: Any = importlib.import_module("openpyxl")
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.body), read_only=True)["Teachers"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    first = rows[1][header.index("firstName")]
    assert first == "AnnMarie"
    assert rows[1][header.index("lastName")] == "Lee"
    assert rows[1][header.index("remarks")] == "linebreak\ttab"
    text = api.get("/api/teachers/export?format=csv")
    assert text.status == 200
    assert "AnnMarie" in text.body and "\x0b" not in text.body


def test_control_characters_in_form_fields_are_refused(api: Api, db: Any) -> None:
    from tests.support.files import PDF, multipart

    teacher = make_teacher(db)
    body, headers = multipart(
        {"name": "Visa\x0bscan"}, {"file": ("visa.pdf", PDF, "application/pdf")}
    )
    result = api.call(
        "POST",
        f"/api/teachers/{teacher['_id']}/documents/adhoc",
        headers=headers,
        raw=body,
    )
    assert result.status == 400, result.body
    assert result.body["errors"][0]["field"] == "name"
    assert db.teachers.find_one({"_id": teacher["_id"]})["otherDocuments"] == []
