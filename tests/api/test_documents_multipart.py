"""FETMS multipart routes: same verification and storage as the presigned flow, small files only."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import storage
from chalicelib.settings import get_settings
from tests.support.factories import make_teacher
from tests.support.files import JPEG, PDF, PNG, multipart
from tests.support.http import Api


def _send(
    api: Api,
    method: str,
    path: str,
    fields: dict[str, str],
    files: dict[str, tuple[str, bytes, str]],
) -> Any:
    body, headers = multipart(fields, files)
    return api.call(method, path, headers=headers, raw=body)


def _read(key: str) -> bytes:
    s3 = storage.get_s3()
    data: bytes = s3.get_object(Bucket=get_settings().uploads_bucket, Key=key)["Body"].read()
    return data


def test_avatar_multipart_upload(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    result = _send(
        api,
        "POST",
        f"/api/teachers/{teacher['_id']}/avatar",
        {},
        {"avatar": ("me.png", PNG, "image/png")},
    )
    assert result.status == 200, result.body
    key = result.body["profilePicture"]
    assert key.startswith(f"teachers/{teacher['_id']}/avatar/")
    assert _read(key) == PNG
    record = db.uploads.find_one({"key": key})
    assert record["source"] == "multipart" and record["status"] == "confirmed"


def test_core_document_multipart_with_number_and_expiry(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    result = _send(
        api,
        "POST",
        f"/api/teachers/{teacher['_id']}/documents/workPermit",
        {"number": "WP-9", "expiryDate": "2030-02-03"},
        {"file": ("permit.pdf", PDF, "application/pdf")},
    )
    assert result.status == 200, result.body
    permit = result.body["documents"]["workPermit"]
    assert permit["number"] == "WP-9" and permit["status"] == "valid"
    assert permit["expiryDate"] == "2030-02-03T00:00:00.000Z"
    assert _read(permit["filePath"]) == PDF


def test_adhoc_multipart_create_then_rename_and_replace(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    tid = teacher["_id"]
    created = _send(
        api,
        "POST",
        f"/api/teachers/{tid}/documents/adhoc",
        {"name": "Health check"},
        {"file": ("h.pdf", PDF, "application/pdf")},
    )
    assert created.status == 200, created.body
    doc = created.body["otherDocuments"][0]
    renamed = _send(
        api, "PUT", f"/api/teachers/{tid}/documents/adhoc/{doc['_id']}", {"name": "Health"}, {}
    )
    assert renamed.status == 200, renamed.body
    assert renamed.body["otherDocuments"][0]["name"] == "Health"
    replaced = _send(
        api,
        "PUT",
        f"/api/teachers/{tid}/documents/adhoc/{doc['_id']}",
        {},
        {"file": ("h.jpg", JPEG, "application/octet-stream")},
    )
    assert replaced.status == 200, replaced.body
    current = replaced.body["otherDocuments"][0]
    assert current["name"] == "Health" and current["contentType"] == "image/jpeg"
    assert _read(current["filePath"]) == JPEG
    assert _read(doc["filePath"]) == PDF


def test_missing_file_or_name_is_400(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    tid = teacher["_id"]
    no_file = _send(api, "POST", f"/api/teachers/{tid}/documents/passport", {"number": "1"}, {})
    assert no_file.status == 400
    no_name = _send(
        api,
        "POST",
        f"/api/teachers/{tid}/documents/adhoc",
        {},
        {"file": ("a.pdf", PDF, "application/pdf")},
    )
    assert no_name.status == 400
    assert db.uploads.count_documents({}) == 0


def test_magic_bytes_and_type_checks_apply(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    tid = teacher["_id"]
    disguised = _send(
        api,
        "POST",
        f"/api/teachers/{tid}/documents/arc",
        {},
        {"file": ("arc.pdf", b"<html>" + b"x" * 50, "application/pdf")},
    )
    assert disguised.status == 415
    pdf_avatar = _send(
        api,
        "POST",
        f"/api/teachers/{tid}/avatar",
        {},
        {"avatar": ("a.pdf", PDF, "application/pdf")},
    )
    assert pdf_avatar.status == 415
    assert db.teachers.find_one({"_id": tid})["__v"] == 0


def test_large_file_gets_413_naming_the_presigned_flow(
    api: Api, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "inline_upload_max_bytes", 64 * 1024)
    teacher = make_teacher(db)
    big = PDF + b"0" * (200 * 1024)
    result = _send(
        api,
        "POST",
        f"/api/teachers/{teacher['_id']}/documents/contract",
        {},
        {"file": ("big.pdf", big, "application/pdf")},
    )
    assert result.status == 413
    assert f"/api/teachers/{teacher['_id']}/uploads" in result.body["message"]
    assert "presigned" in result.body["message"]
    assert db.uploads.count_documents({}) == 0


def test_avatar_above_its_own_limit_is_413(
    api: Api, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "avatar_max_bytes", 1024)
    teacher = make_teacher(db)
    result = _send(
        api,
        "POST",
        f"/api/teachers/{teacher['_id']}/avatar",
        {},
        {"avatar": ("me.png", PNG + b"\x00" * 2048, "image/png")},
    )
    assert result.status == 413


def test_json_is_refused_on_multipart_routes(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    result = api.post(f"/api/teachers/{teacher['_id']}/avatar", {"file": "x"})
    assert result.status == 415
