"""Presigned uploads: real HTTP POSTs to the S3 endpoint, then confirm with our own checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from bson import ObjectId

from chalicelib import storage
from chalicelib.settings import get_settings
from tests.support.factories import make_teacher
from tests.support.files import (
    JPEG,
    PDF,
    PNG,
    WEBP,
    confirm,
    decode_policy,
    post_to_s3,
    request_upload,
    upload_file,
)
from tests.support.http import Api


def _object_exists(key: str) -> bool:
    s3 = storage.get_s3()
    return storage.head_object(s3, get_settings().uploads_bucket, key) is not None


def _no_object_left(upload: dict[str, Any]) -> bool:
    """Neither the form's key (incoming/…) nor the final key holds anything."""
    keys = (upload["fields"]["key"], upload["key"])
    return not any(_object_exists(k) or _versions(k) for k in keys)


def _versions(key: str) -> list[dict[str, Any]]:
    return storage.list_versions(storage.get_s3(), get_settings().uploads_bucket, key)


def test_policy_binds_key_type_size_encryption_and_expiry(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    asked = request_upload(api, teacher["_id"], "contract", PDF, file_name="../../etc/passwd.pdf")
    assert asked.status == 201, asked.body
    upload = asked.body
    key = upload["key"]
    assert key.startswith(f"teachers/{teacher['_id']}/contract/")
    assert ".." not in key and "passwd" not in key
    # The form writes under incoming/; the file is served from a key no form can write.
    assert upload["fields"]["key"] == f"incoming/{key}"
    policy = decode_policy(upload["fields"])
    conditions = policy["conditions"]
    assert {"bucket": get_settings().uploads_bucket} in conditions
    assert {"key": f"incoming/{key}"} in conditions
    assert {"Content-Type": "application/pdf"} in conditions
    assert {"x-amz-server-side-encryption": "AES256"} in conditions
    assert ["content-length-range", 1, len(PDF)] in conditions
    expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    now = datetime.now(UTC)
    limit = timedelta(seconds=get_settings().upload_url_expiry_seconds + 5)
    assert now < expiration <= now + limit
    record = db.uploads.find_one({"_id": ObjectId(upload["uploadId"])})
    assert record["status"] == "pending"
    assert record["fileName"] == "passwd.pdf"
    assert record["teacher"] == teacher["_id"]


def test_full_flow_core_document(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    asked = request_upload(api, teacher["_id"], "passport", PDF)
    post_to_s3(asked.body, PDF)
    done = confirm(
        api, teacher["_id"], asked.body["uploadId"], {"number": "P123", "expiryDate": "2031-05-01"}
    )
    assert done.status == 200, done.body
    assert done.header("ETag") == '"1"'
    passport = done.body["documents"]["passport"]
    assert passport["filePath"] == asked.body["key"]
    assert passport["status"] == "valid"
    assert passport["number"] == "P123"
    assert passport["expiryDate"] == "2031-05-01T00:00:00.000Z"
    assert db.uploads.find_one({"_id": ObjectId(asked.body["uploadId"])})["status"] == "confirmed"
    entry = db.auditlog.find_one({"action": "document.passport.upload"})
    assert entry is not None and entry["entityId"] == str(teacher["_id"])
    again = confirm(api, teacher["_id"], asked.body["uploadId"])
    assert again.status == 409


def test_past_expiry_date_marks_document_expired(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    done = upload_file(api, teacher["_id"], "arc", PDF, {"expiryDate": "2020-01-01"})
    assert done.body["documents"]["arc"]["status"] == "expired"


@pytest.mark.parametrize("content", [JPEG, PNG, WEBP])
def test_avatar_images_are_accepted(api: Api, db: Any, content: bytes) -> None:
    teacher = make_teacher(db)
    done = upload_file(api, teacher["_id"], "avatar", content, file_name="me.img")
    assert done.status == 200, done.body
    assert done.body["profilePicture"].startswith(f"teachers/{teacher['_id']}/avatar/")


def test_wrong_declared_type_is_415(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    pdf_avatar = request_upload(api, teacher["_id"], "avatar", PDF)
    assert pdf_avatar.status == 415
    assert "image/jpeg" in pdf_avatar.body["message"]
    exe = request_upload(api, teacher["_id"], "adhoc", PDF, content_type="application/x-msdownload")
    assert exe.status == 415
    assert db.uploads.count_documents({}) == 0


def test_declared_oversize_is_413(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    settings = get_settings()
    big_avatar = request_upload(
        api, teacher["_id"], "avatar", PNG, size=settings.avatar_max_bytes + 1
    )
    assert big_avatar.status == 413
    big_doc = request_upload(
        api, teacher["_id"], "passport", PDF, size=settings.upload_max_bytes + 1
    )
    assert big_doc.status == 413
    assert request_upload(api, teacher["_id"], "passport", PDF, size=0).status == 400


def _store_behind_the_policy(upload: dict[str, Any], content: bytes, content_type: str) -> None:
    """Put an object under an upload's key with the server-side client, bypassing the POST
    policy that S3 enforces (as a bucket policy mistake or another writer could): the only way
    to reach our own post-upload verification, which stays as defence in depth."""
    storage.get_s3().put_object(
        Bucket=get_settings().uploads_bucket,
        Key=upload["fields"]["key"],  # where the form would have written it (incoming/…)
        Body=content,
        ContentType=content_type,
        ServerSideEncryption="AES256",
    )


def test_object_larger_than_declared_is_rejected_and_discarded(api: Api, db: Any) -> None:
    """S3 refuses such a POST (tests/api/test_s3_enforcement.py); our own check catches an
    object that got there anyway."""
    teacher = make_teacher(db)
    asked = request_upload(api, teacher["_id"], "passport", PDF, size=len(PDF))
    bigger = PDF + b"0" * 5000
    _store_behind_the_policy(asked.body, bigger, "application/pdf")
    assert _object_exists(asked.body["fields"]["key"])
    result = confirm(api, teacher["_id"], asked.body["uploadId"])
    assert result.status == 413
    assert str(len(bigger)) in result.body["message"]
    assert _no_object_left(asked.body)
    stored = db.teachers.find_one({"_id": teacher["_id"]})
    assert stored["documents"]["passport"] == {"status": "missing"}
    assert stored["__v"] == 0
    record = db.uploads.find_one({"_id": ObjectId(asked.body["uploadId"])})
    assert record["status"] == "rejected"
    assert confirm(api, teacher["_id"], asked.body["uploadId"]).status == 409


def test_magic_bytes_that_do_not_match_are_rejected(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    fake = b"MZ\x90\x00" + b"\x00" * (len(PDF) - 4)
    asked = request_upload(api, teacher["_id"], "contract", PDF)
    post_to_s3(asked.body, fake)
    result = confirm(api, teacher["_id"], asked.body["uploadId"])
    assert result.status == 415
    assert "PDF" in result.body["message"]
    assert _no_object_left(asked.body)
    assert db.teachers.find_one({"_id": teacher["_id"]})["__v"] == 0


def test_stored_content_type_must_match_declared(api: Api, db: Any) -> None:
    """S3 refuses a POST with another Content-Type; an object stored with one is rejected."""
    teacher = make_teacher(db)
    asked = request_upload(api, teacher["_id"], "adhoc", PNG, file_name="a.png")
    _store_behind_the_policy(asked.body, PNG, "text/html")
    result = confirm(api, teacher["_id"], asked.body["uploadId"], {"name": "Photo"})
    assert result.status == 415
    assert "text/html" in result.body["message"]
    assert not _object_exists(asked.body["key"])
    assert db.teachers.find_one({"_id": teacher["_id"]})["otherDocuments"] == []


def test_confirm_before_the_file_arrives_is_409_and_can_be_retried(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    asked = request_upload(api, teacher["_id"], "workPermit", PDF)
    early = confirm(api, teacher["_id"], asked.body["uploadId"])
    assert early.status == 409
    assert "not been uploaded" in early.body["message"]
    post_to_s3(asked.body, PDF)
    assert confirm(api, teacher["_id"], asked.body["uploadId"]).status == 200


def test_upload_of_another_teacher_is_404(api: Api, db: Any) -> None:
    owner = make_teacher(db)
    other = make_teacher(db)
    asked = request_upload(api, owner["_id"], "passport", PDF)
    post_to_s3(asked.body, PDF)
    stolen = confirm(api, other["_id"], asked.body["uploadId"])
    assert stolen.status == 404
    assert db.teachers.find_one({"_id": other["_id"]})["documents"]["passport"] == {
        "status": "missing"
    }
    assert confirm(api, owner["_id"], asked.body["uploadId"]).status == 200


def test_unknown_and_malformed_upload_ids(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    assert confirm(api, teacher["_id"], str(ObjectId())).status == 404
    assert confirm(api, teacher["_id"], "not-an-id").status == 400
    assert request_upload(api, ObjectId(), "passport", PDF).status == 404


def test_expired_upload_is_410_and_its_object_is_discarded(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    asked = request_upload(api, teacher["_id"], "passport", PDF)
    post_to_s3(asked.body, PDF)
    db.uploads.update_one(
        {"_id": ObjectId(asked.body["uploadId"])},
        {"$set": {"expiresAt": datetime.now(UTC) - timedelta(seconds=1)}},
    )
    result = confirm(api, teacher["_id"], asked.body["uploadId"])
    assert result.status == 410
    assert "expired" in result.body["message"]
    assert _no_object_left(asked.body)
    assert db.uploads.find_one({"_id": ObjectId(asked.body["uploadId"])})["status"] == "expired"
    assert db.teachers.find_one({"_id": teacher["_id"]})["__v"] == 0


def test_sweep_discards_abandoned_uploads_but_never_referenced_files(api: Api, db: Any) -> None:
    from chalicelib.services.uploads import sweep_expired_uploads
    from chalicelib.storage import Vault

    teacher = make_teacher(db)
    abandoned = request_upload(api, teacher["_id"], "adhoc", PDF).body
    post_to_s3(abandoned, PDF)
    kept = request_upload(api, teacher["_id"], "passport", PDF).body
    post_to_s3(kept, PDF)
    assert confirm(api, teacher["_id"], kept["uploadId"]).status == 200
    # A stale record pointing at a referenced key must not lose the file.
    db.uploads.update_one({"_id": ObjectId(kept["uploadId"])}, {"$set": {"status": "pending"}})
    later = datetime.now(UTC) + timedelta(days=1)
    vault = Vault(s3=storage.get_s3(), settings=get_settings())
    assert sweep_expired_uploads(db, vault, now=later) == 1
    assert _no_object_left(abandoned)
    assert _object_exists(kept["key"])
    assert not _object_exists(kept["fields"]["key"]), "the form's copy went at confirmation"


def test_confirm_fields_must_fit_the_kind(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    asked = request_upload(api, teacher["_id"], "passport", PDF)
    post_to_s3(asked.body, PDF)
    wrong = confirm(api, teacher["_id"], asked.body["uploadId"], {"name": "x"})
    assert wrong.status == 400
    adhoc = request_upload(api, teacher["_id"], "adhoc", PDF)
    post_to_s3(adhoc.body, PDF)
    unnamed = confirm(api, teacher["_id"], adhoc.body["uploadId"])
    assert unnamed.status == 400
    assert unnamed.body["errors"][0]["field"] == "name"
    bad_box = confirm(
        api, teacher["_id"], adhoc.body["uploadId"], {"name": "A", "boxId": str(ObjectId())}
    )
    assert bad_box.status == 400
    assert db.teachers.find_one({"_id": teacher["_id"]})["otherDocuments"] == []
    assert confirm(api, teacher["_id"], adhoc.body["uploadId"], {"name": "A"}).status == 200


def test_stale_if_match_on_confirm_writes_nothing_and_can_retry(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    asked = request_upload(api, teacher["_id"], "passport", PDF)
    post_to_s3(asked.body, PDF)
    stale = confirm(api, teacher["_id"], asked.body["uploadId"], headers={"If-Match": '"7"'})
    assert stale.status == 412
    assert db.teachers.find_one({"_id": teacher["_id"]})["__v"] == 0
    ok = confirm(api, teacher["_id"], asked.body["uploadId"], headers={"If-Match": '"0"'})
    assert ok.status == 200


def test_deleted_teacher_cannot_receive_uploads(api: Api, db: Any) -> None:
    teacher = make_teacher(db, isDeleted=True)
    assert request_upload(api, teacher["_id"], "passport", PDF).status == 404


def test_download_urls_work_over_http_with_a_safe_file_name(api: Api, db: Any) -> None:
    teacher = make_teacher(db, firstName='Zoë "x"', lastName="O/Brien")
    upload_file(api, teacher["_id"], "passport", PDF)
    link = api.get(f"/api/teachers/{teacher['_id']}/documents/passport/url")
    assert link.status == 200, link.body
    assert link.body["fileName"] == "Zoë _x__O_Brien_passport.pdf"
    response = requests.get(link.body["url"], timeout=15)
    assert response.status_code == 200
    assert response.content == PDF
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert 'filename="Zo_ _x__O_Brien_passport.pdf"' in disposition
    assert "filename*=UTF-8''Zo%C3%AB%20_x__O_Brien_passport.pdf" in disposition
    assert "X-Amz-Expires=" in link.body["url"]
    avatar = api.get(f"/api/teachers/{teacher['_id']}/avatar/url")
    assert avatar.status == 404
    assert api.get(f"/api/teachers/{teacher['_id']}/documents/arc/url").status == 404
    assert api.get(f"/api/teachers/{teacher['_id']}/documents/bogus/url").status == 400


def test_bucket_objects_are_not_public(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    asked = request_upload(api, teacher["_id"], "passport", PDF)
    post_to_s3(asked.body, PDF)
    assert confirm(api, teacher["_id"], asked.body["uploadId"]).status == 200
    assert asked.body["url"].startswith(get_settings().s3_endpoint_url or "")
    head = storage.get_s3().head_object(Bucket=get_settings().uploads_bucket, Key=asked.body["key"])
    assert head.get("ServerSideEncryption") == "AES256"


def test_sweep_job_wrapper_reports_discarded_uploads(api: Api, db: Any) -> None:
    from chalicelib.jobs import upload_sweep

    teacher = make_teacher(db)
    abandoned = request_upload(api, teacher["_id"], "passport", PDF).body
    post_to_s3(abandoned, PDF)
    assert upload_sweep.run() == {"job": "upload-sweep", "discarded": 0}
    later = datetime.now(UTC) + timedelta(days=1)
    assert upload_sweep.run(now=later) == {"job": "upload-sweep", "discarded": 1}
    assert _no_object_left(abandoned)


def test_database_failure_after_verification_writes_nothing_and_can_retry(
    api: Api, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pymongo.errors import AutoReconnect

    from chalicelib.services import documents, teacher_files

    teacher = make_teacher(db)
    asked = request_upload(api, teacher["_id"], "passport", PDF)
    post_to_s3(asked.body, PDF)
    real = teacher_files.update_teacher_files

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise AutoReconnect("primary stepped down")

    monkeypatch.setattr(documents, "update_teacher_files", failing)
    failed = confirm(api, teacher["_id"], asked.body["uploadId"])
    assert failed.status == 503
    assert db.teachers.find_one({"_id": teacher["_id"]})["documents"]["passport"] == {
        "status": "missing"
    }
    record = db.uploads.find_one({"_id": ObjectId(asked.body["uploadId"])})
    assert record["status"] == "pending"
    assert _object_exists(asked.body["fields"]["key"])
    monkeypatch.setattr(documents, "update_teacher_files", real)
    assert confirm(api, teacher["_id"], asked.body["uploadId"]).status == 200


def test_multipart_store_then_stale_version_leaves_no_object(api: Api, db: Any) -> None:
    from tests.support.files import multipart

    teacher = make_teacher(db)
    body, headers = multipart({}, {"file": ("p.pdf", PDF, "application/pdf")})
    stale = api.call(
        "POST",
        f"/api/teachers/{teacher['_id']}/documents/passport",
        headers={**headers, "If-Match": '"5"'},
        raw=body,
    )
    assert stale.status == 412
    record = db.uploads.find_one({})
    assert record["status"] == "expired"
    for key in (record["uploadKey"], record["key"]):
        assert not _object_exists(key)
        assert _versions(key) == []
    assert db.teachers.find_one({"_id": teacher["_id"]})["__v"] == 0


def test_bucket_lifecycle_expires_only_temporary_exports_and_forms(
    services: dict[str, str],
) -> None:
    rules = storage.get_s3().get_bucket_lifecycle_configuration(
        Bucket=get_settings().uploads_bucket
    )["Rules"]
    expiring = [r for r in rules if "Expiration" in r]
    assert sorted(r["Filter"]["Prefix"] for r in expiring) == ["exports/", "incoming/"]


def test_replacing_another_teachers_adhoc_document_is_404(api: Api, db: Any) -> None:
    owner = make_teacher(db)
    other = make_teacher(db)
    done = upload_file(api, owner["_id"], "adhoc", PDF, {"name": "Owner's"})
    doc_id = done.body["otherDocuments"][0]["_id"]
    hijack = request_upload(api, other["_id"], "adhoc", PDF, docId=doc_id)
    assert hijack.status == 404
    wrong_kind = request_upload(api, owner["_id"], "passport", PDF, docId=doc_id)
    assert wrong_kind.status == 400
