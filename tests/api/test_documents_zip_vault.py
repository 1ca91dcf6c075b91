"""Box downloads (zip built in S3, presigned URL) and the cross-teacher vault view."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from bson import ObjectId

from tests.support.factories import make_project, make_school, make_teacher
from tests.support.files import JPEG, PDF, PNG, upload_file
from tests.support.http import Api


def _adhoc(
    api: Api, teacher_id: Any, name: str, content: bytes = PDF, box_id: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name}
    if box_id:
        body["boxId"] = box_id
    done = upload_file(api, teacher_id, "adhoc", content, body, file_name="x")
    assert done.status == 200, done.body
    doc: dict[str, Any] = done.body["otherDocuments"][-1]
    return doc


def _fetch_zip(url: str) -> zipfile.ZipFile:
    response = requests.get(url, timeout=15)
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_box_zip_entries_are_safe_unique_and_complete(api: Api, db: Any) -> None:
    teacher = make_teacher(db, firstName="Ann", lastName="Lee")
    tid = teacher["_id"]
    box = api.post(f"/api/teachers/{tid}/boxes", {"name": "Visa/Docs"}).body["documentBoxes"][0]
    _adhoc(api, tid, "Letter", PDF, box["_id"])
    _adhoc(api, tid, "letter", PDF, box["_id"])
    _adhoc(api, tid, "../../evil", PNG, box["_id"])
    _adhoc(api, tid, "Photo.jpg", JPEG, box["_id"])
    _adhoc(api, tid, "Elsewhere", PDF)
    result = api.get(f"/api/teachers/{tid}/boxes/{box['_id']}/download")
    assert result.status == 200, result.body
    assert result.body["fileName"] == "Ann_Lee_Visa_Docs.zip"
    expected = ["Letter.pdf", "letter (2).pdf", "_.._evil.png", "Photo.jpg"]
    assert result.body["entries"] == expected
    archive = _fetch_zip(result.body["url"])
    infos = archive.infolist()
    assert [i.filename for i in infos] == expected
    contents = [PDF, PDF, PNG, JPEG]
    for info, content in zip(infos, contents, strict=True):
        assert "/" not in info.filename and "\\" not in info.filename
        assert archive.read(info) == content
    assert archive.testzip() is None


def test_uncategorized_zip_and_empty_box_404(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    tid = teacher["_id"]
    empty = api.get(f"/api/teachers/{tid}/boxes/uncategorized/download")
    assert empty.status == 404
    assert "no documents" in empty.body["message"]
    box = api.post(f"/api/teachers/{tid}/boxes", {"name": "Empty"}).body["documentBoxes"][0]
    empty_box = api.get(f"/api/teachers/{tid}/boxes/{box['_id']}/download")
    assert empty_box.status == 404
    assert "'Empty' has no documents" in empty_box.body["message"]
    assert api.get(f"/api/teachers/{tid}/boxes/{ObjectId()}/download").status == 404
    _adhoc(api, tid, "Loose")
    loose = api.get(f"/api/teachers/{tid}/boxes/uncategorized/download")
    assert loose.status == 200
    assert loose.body["entries"] == ["Loose.pdf"]
    assert _fetch_zip(loose.body["url"]).read("Loose.pdf") == PDF
    redirect = api.get(f"/api/teachers/{tid}/boxes/uncategorized/download?redirect=true")
    assert redirect.status == 302
    assert (redirect.header("Location") or "").startswith("http://127.0.0.1")


def test_zip_skips_files_missing_from_the_bucket(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    tid = teacher["_id"]
    _adhoc(api, tid, "Real")
    db.teachers.update_one(
        {"_id": tid},
        {
            "$push": {
                "otherDocuments": {
                    "_id": ObjectId(),
                    "name": "Legacy",
                    "filePath": "uploads/123-gone.pdf",
                    "uploadDate": datetime.now(UTC),
                }
            }
        },
    )
    result = api.get(f"/api/teachers/{tid}/boxes/uncategorized/download")
    assert result.status == 200
    assert result.body["entries"] == ["Real.pdf"]
    assert result.body["skipped"] == ["Legacy.pdf"]


def test_vault_view_filters_and_pages(api: Api, db: Any) -> None:
    project = make_project(db, code="VAULT")
    now = datetime.now(UTC)
    soon = make_teacher(db, firstName="Soon", lastName="A", project=project["_id"])
    later = make_teacher(db, firstName="Later", lastName="B", project=project["_id"])
    elsewhere = make_teacher(db, firstName="Else", lastName="C")
    make_teacher(db, firstName="Gone", lastName="D", isDeleted=True, project=project["_id"])
    soon_day = (now + timedelta(days=10)).date().isoformat()
    upload_file(api, soon["_id"], "passport", PDF, {"expiryDate": soon_day})
    upload_file(api, later["_id"], "arc", PDF, {"expiryDate": "2099-01-01"})
    upload_file(api, later["_id"], "contract", PDF, {"expiryDate": "2001-01-01"})
    upload_file(api, elsewhere["_id"], "passport", PDF)
    _adhoc(api, later["_id"], "Diploma")

    everything = api.get("/api/documents")
    assert everything.status == 200, everything.body
    assert everything.header("X-Total-Count") == str(3 * 4 + 1)
    mine = api.get(f"/api/documents?projectId={project['_id']}")
    assert mine.header("X-Total-Count") == "9"
    assert {row["teacherName"] for row in mine.body} == {"Soon A", "Later B"}

    expiring = api.get(f"/api/documents?projectId={project['_id']}&expiringWithinDays=30")
    assert [(r["teacherName"], r["type"], r["status"]) for r in expiring.body] == [
        ("Soon A", "passport", "valid")
    ]
    assert expiring.body[0]["expiryDate"].startswith(soon_day)
    assert expiring.body[0]["uploadedAt"]

    expired = api.get("/api/documents?status=expired")
    assert [(r["teacherName"], r["type"]) for r in expired.body] == [("Later B", "contract")]
    adhoc = api.get("/api/documents?type=adhoc")
    assert [(r["name"], r["hasFile"], r["status"]) for r in adhoc.body] == [
        ("Diploma", True, "valid")
    ]
    assert adhoc.body[0]["docId"]
    missing = api.get(f"/api/documents?projectId={project['_id']}&status=missing&limit=2")
    assert missing.header("X-Total-Count") == "5"
    assert len(missing.body) == 2
    assert 'rel="next"' in (missing.header("Link") or "")
    assert "filePath" not in missing.body[0]
    assert api.get("/api/documents?type=visa").status == 400
    assert api.get("/api/documents?expiringWithinDays=-1").status == 400


def test_vault_view_by_teacher_school_search_and_order(api: Api, db: Any) -> None:
    school = make_school(db)
    placed = make_teacher(db, firstName="Placed", lastName="Ng", school=school["_id"])
    other = make_teacher(db, firstName="Other", lastName="Lee", email="zz.lee@example.org")
    upload_file(api, placed["_id"], "passport", PDF, {"expiryDate": "2090-01-01"})
    upload_file(api, placed["_id"], "arc", PDF, {"expiryDate": "2080-01-01"})
    upload_file(api, other["_id"], "passport", PDF, {"expiryDate": "2085-01-01"})

    at_school = api.get(f"/api/documents?school={school['_id']}&status=valid")
    assert [(r["type"], r["schoolId"]) for r in at_school.body] == [
        ("arc", str(school["_id"])),
        ("passport", str(school["_id"])),
    ]
    one = api.get(f"/api/documents?teacherId={other['_id']}")
    assert one.header("X-Total-Count") == "4"
    assert {r["teacherName"] for r in one.body} == {"Other Lee"}
    assert one.body[0]["schoolId"] is None
    by_email = api.get("/api/documents?search=ZZ.LEE&status=valid")
    assert [r["teacherName"] for r in by_email.body] == ["Other Lee"]
    assert api.get("/api/documents?search=.*").header("X-Total-Count") == "0"
    newest_first = api.get("/api/documents?order=desc&limit=4")
    assert [r["expiryDate"][:4] for r in newest_first.body[:3]] == ["2090", "2085", "2080"]
    soonest_first = api.get("/api/documents?order=asc&status=valid")
    assert [r["expiryDate"][:4] for r in soonest_first.body] == ["2080", "2085", "2090"]
    assert api.get("/api/documents?order=sideways").status == 400
    assert api.get("/api/documents?teacherId=nope").status == 400
