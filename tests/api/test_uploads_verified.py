"""What confirm verified is what is served (issue 16, Medium 3), and polyglots are refused at
confirmation (Low: uploads). Real HTTP to the session's S3 server."""

from __future__ import annotations

from typing import Any

import requests

from chalicelib import storage
from chalicelib.settings import get_settings
from tests.support.factories import make_teacher
from tests.support.files import confirm, make_pdf, post_to_s3, request_upload
from tests.support.http import Api

ORIGINAL = make_pdf(pages=1)
REPLACEMENT = make_pdf(pages=2)
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def _download(api: Api, teacher_id: Any, path: str) -> bytes:
    link = api.get(f"/api/teachers/{teacher_id}/{path}")
    assert link.status == 200, link.body
    response = requests.get(link.body["url"], timeout=15)
    assert response.status_code == 200
    return response.content


def test_reposting_the_form_after_confirm_does_not_change_the_download(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    size = max(len(ORIGINAL), len(REPLACEMENT))
    asked = request_upload(api, teacher["_id"], "passport", ORIGINAL, size=size)
    assert asked.status == 201, asked.body
    post_to_s3(asked.body, ORIGINAL)
    assert confirm(api, teacher["_id"], asked.body["uploadId"]).status == 200
    post_to_s3(asked.body, REPLACEMENT)  # the same form, still within its lifetime
    assert _download(api, teacher["_id"], "documents/passport/url") == ORIGINAL
    stored = db.teachers.find_one({"_id": teacher["_id"]})
    assert stored["documents"]["passport"]["filePath"] == asked.body["key"]
    assert asked.body["fields"]["key"] != asked.body["key"], "no form writes the served key"


def test_reposting_an_adhoc_form_after_confirm_does_not_change_the_download(
    api: Api, db: Any
) -> None:
    teacher = make_teacher(db)
    size = max(len(ORIGINAL), len(REPLACEMENT))
    asked = request_upload(api, teacher["_id"], "adhoc", ORIGINAL, size=size)
    post_to_s3(asked.body, ORIGINAL)
    done = confirm(api, teacher["_id"], asked.body["uploadId"], {"name": "Degree"})
    assert done.status == 200, done.body
    doc_id = done.body["otherDocuments"][0]["_id"]
    post_to_s3(asked.body, REPLACEMENT)
    assert _download(api, teacher["_id"], f"documents/adhoc/{doc_id}/url") == ORIGINAL


def test_upload_forms_live_two_minutes(api: Api, db: Any) -> None:
    assert get_settings().upload_url_expiry_seconds == 120
    teacher = make_teacher(db)
    from tests.support.files import decode_policy

    asked = request_upload(api, teacher["_id"], "passport", ORIGINAL).body
    from datetime import datetime

    expiration = datetime.fromisoformat(decode_policy(asked["fields"])["expiration"])
    created = datetime.fromisoformat(asked["expiresAt"].replace("Z", "+00:00"))
    assert abs((expiration - created).total_seconds()) < 2


def test_a_pdf_that_is_also_a_web_page_is_refused_and_discarded(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    polyglot = ORIGINAL.replace(b"%%EOF", HTML + b"\n%%EOF")
    asked = request_upload(api, teacher["_id"], "workPermit", polyglot)
    post_to_s3(asked.body, polyglot)
    result = confirm(api, teacher["_id"], asked.body["uploadId"])
    assert result.status == 415
    assert "markup" in result.body["detail"]
    s3, bucket = storage.get_s3(), get_settings().uploads_bucket
    for key in (asked.body["key"], asked.body["fields"]["key"]):
        assert storage.head_object(s3, bucket, key) is None
    assert db.teachers.find_one({"_id": teacher["_id"]})["__v"] == 0
