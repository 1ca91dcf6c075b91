"""Audit of refusals, identity-document links and masked diffs; expensive reads rate-limited;
box zips reused while unchanged; document status derived by the server (issue 16, Low)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.settings import get_settings
from tests.support.clock import install_clock
from tests.support.factories import make_teacher
from tests.support.files import PDF, upload_file
from tests.support.http import Api


def test_403_denials_are_audited(api_as: Any, db: Any) -> None:
    assert api_as("viewer").post("/api/stages", {"title": "x"}).status == 403
    assert api_as("viewer").get("/api/teachers?deleted=only").status == 403
    entries = list(db.auditlog.find({"action": "auth.forbidden"}).sort("at", 1))
    assert [e["details"]["route"] for e in entries] == [
        "POST /api/stages",
        "GET /api/teachers",
    ]
    assert all(e["actor"] == "viewer@example.org" and e["role"] == "viewer" for e in entries)
    assert entries[0]["details"]["needs"] == "admin"


def test_identity_document_links_are_audited(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    assert upload_file(api, teacher["_id"], "passport", PDF).status == 200
    assert upload_file(api, teacher["_id"], "contract", PDF).status == 200
    for kind in ("passport", "contract"):
        assert api.get(f"/api/teachers/{teacher['_id']}/documents/{kind}/url").status == 200
    links = list(db.auditlog.find({"action": {"$regex": r"\.link$"}}))
    assert [e["action"] for e in links] == ["document.passport.link"]
    assert links[0]["entityId"] == str(teacher["_id"]) and links[0]["actor"] == "admin@example.org"


def test_diffs_mask_addresses_emergency_contact_salary_and_document_dates(
    api: Api, db: Any
) -> None:
    teacher = make_teacher(db)
    change = {
        "personalInfo": {"address": {"home": "42 Wallaby Way", "taiwan": "7 Xinyi Rd"}},
        "emergencyContact": {"name": "Kin Person", "relationship": "Sister"},
        "contractDetails": {"salary": 67321, "contractStartDate": "2030-08-01"},
        "passportDetails": {"expiryDate": "2031-05-01", "issueDate": "2021-05-01"},
        "arcDetails": {"expiryDate": "2031-06-01"},
    }
    assert api.put(f"/api/teachers/{teacher['_id']}", change).status == 200
    entry = db.auditlog.find_one({"action": "update"})
    text = json.dumps(entry, default=str)
    for secret in ("Wallaby", "Xinyi", "Kin Person", "Sister", "67321", "2031-05-01", "2021-05"):
        assert secret not in text, secret
    fields = {c["field"]: c["to"] for c in entry["changes"]}
    assert fields["personalInfo.address.home"] == "***"
    assert fields["arcDetails.expiryDate"] == "***"
    assert "2030-08-01" in str(fields["contractDetails.contractStartDate"]), "contract dates shown"


def test_box_zips_are_reused_while_the_box_is_unchanged(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    tid = teacher["_id"]
    box = api.post(f"/api/teachers/{tid}/boxes", {"name": "Permits"}).body["documentBoxes"][0]
    upload_file(api, tid, "adhoc", PDF, {"name": "One", "boxId": box["_id"]})
    first = api.get(f"/api/teachers/{tid}/boxes/{box['_id']}/download")
    second = api.get(f"/api/teachers/{tid}/boxes/{box['_id']}/download")
    assert first.status == second.status == 200
    assert second.body["entries"] == first.body["entries"] == ["One.pdf"]
    assert db.auditlog.count_documents({"action": "document.box.download"}) == 1
    from chalicelib import storage

    s3, bucket = storage.get_s3(), get_settings().uploads_bucket
    prefix = f"exports/teachers/{tid}/boxes/{box['_id']}/"
    listed = s3.list_object_versions(Bucket=bucket, Prefix=prefix).get("Versions", [])
    assert len(listed) == 1, "one zip object, not one per download"
    upload_file(api, tid, "adhoc", PDF, {"name": "Two", "boxId": box["_id"]})
    third = api.get(f"/api/teachers/{tid}/boxes/{box['_id']}/download")
    assert sorted(third.body["entries"]) == ["One.pdf", "Two.pdf"]
    assert db.auditlog.count_documents({"action": "document.box.download"}) == 2


def test_expensive_reads_are_rate_limited_per_user(
    api_as: Any, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = install_clock(monkeypatch)
    monkeypatch.setattr(get_settings(), "expensive_reads_per_minute_per_user", 3)
    viewer: Api = api_as("viewer")
    statuses = [viewer.get("/api/teachers/export").status for _ in range(3)]
    statuses.append(viewer.get("/api/teachers?limit=1000").status)
    assert statuses == [200, 200, 200, 429]
    limited = viewer.get("/api/teachers")
    assert limited.status == 429, "no limit means the largest page"
    assert limited.header("Retry-After") is not None
    assert viewer.get("/api/teachers?limit=50").status == 200, "small pages are not counted"
    assert api_as("editor").get("/api/teachers/export").status == 200, "per user"
    clock.advance(60)
    assert viewer.get("/api/teachers/export").status == 200


def test_document_status_is_derived_never_written_by_clients(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    tid = teacher["_id"]
    sent = {"documents": {"passport": {"status": "valid", "number": "P1"}}}
    result = api.put(f"/api/teachers/{tid}", sent)
    assert result.status == 200
    assert result.body["documents"]["passport"]["status"] == "missing", "no file: missing"
    created = api.post(
        "/api/teachers",
        {
            "firstName": "A",
            "lastName": "B",
            "email": "ab@example.org",
            "documents": {"arc": {"status": "valid"}},
        },
    )
    assert created.status == 201
    assert created.body["documents"]["arc"]["status"] == "missing"
    assert upload_file(api, tid, "passport", PDF).status == 200
    past = api.put(
        f"/api/teachers/{tid}", {"documents": {"passport": {"expiryDate": "2001-01-01"}}}
    )
    assert past.body["documents"]["passport"]["status"] == "expired"
    forged = api.put(f"/api/teachers/{tid}", {"documents": {"passport": {"status": "valid"}}})
    assert forged.body["documents"]["passport"]["status"] == "expired"
