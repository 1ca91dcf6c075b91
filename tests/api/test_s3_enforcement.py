"""What only a real S3 server can show (SeaweedFS, as in `make run`): S3 itself refuses uploads
that break the presigned POST policy, refuses unsigned, tampered and expired requests, keeps
every version of an object, encrypts at rest and answers CORS only for the SPA origins."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from bson import ObjectId

from chalicelib import storage
from chalicelib.settings import get_settings
from tests.support.factories import make_teacher
from tests.support.files import PDF, PNG, confirm, post_to_s3, request_upload, upload_file
from tests.support.http import Api
from tests.support.servers import S3Server, listening_ports

SPA_ORIGIN = "http://127.0.0.1:5173"


def _post(upload: dict[str, Any], content: bytes, **field_changes: str) -> requests.Response:
    """A browser-style POST of the policy fields (with changes) and the file, status unchecked."""
    fields = {**upload["fields"], **field_changes}
    files = {"file": ("file.bin", content, fields.get("Content-Type", "application/pdf"))}
    return requests.post(upload["url"], data=fields, files=files, timeout=15)


def _exists(key: str) -> bool:
    return storage.head_object(storage.get_s3(), get_settings().uploads_bucket, key) is not None


def _eventually(check: Callable[[], requests.Response], timeout: float = 20.0) -> requests.Response:
    """Repeat ``check`` until it answers 403 (or the timeout passes); return the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        response = check()
        if response.status_code == 403 or time.monotonic() > deadline:
            return response
        time.sleep(0.5)


def test_s3_refuses_a_file_larger_than_the_policy_allows(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    asked = request_upload(api, teacher["_id"], "passport", PDF)
    refused = _post(asked.body, PDF + b"0" * 5000)
    assert refused.status_code == 400
    assert "EntityTooLarge" in refused.text
    assert not _exists(asked.body["key"])
    assert confirm(api, teacher["_id"], asked.body["uploadId"]).status == 409
    post_to_s3(asked.body, PDF)  # the same upload still works with the declared file
    assert confirm(api, teacher["_id"], asked.body["uploadId"]).status == 200


def test_s3_refuses_an_empty_file(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    asked = request_upload(api, teacher["_id"], "contract", PDF)
    refused = _post(asked.body, b"")
    assert refused.status_code == 400
    assert "EntityTooSmall" in refused.text
    assert not _exists(asked.body["key"])


def test_s3_refuses_another_content_type(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    asked = request_upload(api, teacher["_id"], "adhoc", PNG, file_name="a.png")
    refused = _post(asked.body, PNG, **{"Content-Type": "text/html"})
    assert refused.status_code == 403
    assert "Policy Condition failed" in refused.text
    assert not _exists(asked.body["key"])


def test_s3_refuses_another_key(api: Api, db: Any) -> None:
    owner = make_teacher(db)
    victim = make_teacher(db)
    asked = request_upload(api, owner["_id"], "passport", PDF)
    other_key = f"teachers/{victim['_id']}/passport/planted"
    refused = _post(asked.body, PDF, key=other_key)
    assert refused.status_code == 403
    assert not _exists(other_key)
    assert not _exists(asked.body["key"])


def test_s3_refuses_an_upload_without_encryption(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    asked = request_upload(api, teacher["_id"], "passport", PDF)
    fields = {k: v for k, v in asked.body["fields"].items() if k != "x-amz-server-side-encryption"}
    refused = _post({**asked.body, "fields": fields}, PDF)
    assert refused.status_code == 403
    assert "x-amz-server-side-encryption" in refused.text
    assert not _exists(asked.body["key"])


def test_s3_refuses_a_tampered_policy(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    asked = request_upload(api, teacher["_id"], "passport", PDF)
    policy = json.loads(base64.b64decode(asked.body["fields"]["policy"]))
    policy["conditions"] = [
        ["content-length-range", 1, 10**9] if isinstance(c, list) else c
        for c in policy["conditions"]
    ]
    forged = base64.b64encode(json.dumps(policy).encode()).decode()
    refused = _post(asked.body, PDF + b"0" * 5000, policy=forged)
    assert refused.status_code == 403
    assert "SignatureDoesNotMatch" in refused.text
    assert not _exists(asked.body["key"])


def test_s3_refuses_an_expired_upload_policy(db: Any) -> None:
    settings = get_settings()
    key = f"teachers/{ObjectId()}/passport/expiring"
    post = storage.presign_post(
        storage.get_s3(),
        settings.uploads_bucket,
        key,
        content_type="application/pdf",
        max_bytes=len(PDF),
        expires_in=1,
        now=datetime.now(UTC),
    )
    expiration = json.loads(base64.b64decode(post.fields["policy"]))["expiration"]
    past_it = datetime.fromisoformat(expiration.replace("Z", "+00:00")) - datetime.now(UTC)
    time.sleep(max(past_it.total_seconds(), 0) + 1.5)  # a wait, not an assertion on time
    refused = _post({"url": post.url, "fields": post.fields}, PDF)
    assert refused.status_code == 403
    assert "expired" in refused.text
    assert not _exists(key)


def _with_query(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_download_urls_unsigned_or_tampered_are_403(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    done = upload_file(api, teacher["_id"], "passport", PDF)
    key = done.body["documents"]["passport"]["filePath"]
    url = api.get(f"/api/teachers/{teacher['_id']}/documents/passport/url").body["url"]
    assert requests.get(url, timeout=15).content == PDF
    unsigned = urlunsplit(urlsplit(url)._replace(query=""))
    assert requests.get(unsigned, timeout=15).status_code == 403
    signature = dict(parse_qsl(urlsplit(url).query))["X-Amz-Signature"]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    for tampered in (
        _with_query(url, **{"X-Amz-Signature": flipped}),
        _with_query(url, **{"X-Amz-Expires": "604800"}),
        _with_query(url, **{"response-content-disposition": "inline; filename=x.html"}),
        url.replace(key, key + "-other"),
    ):
        response = requests.get(tampered, timeout=15)
        assert response.status_code == 403, tampered
        assert response.content != PDF


def test_download_url_expires(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    done = upload_file(api, teacher["_id"], "passport", PDF)
    key = done.body["documents"]["passport"]["filePath"]
    s3, bucket = storage.get_s3(), get_settings().uploads_bucket

    def link(expires_in: int) -> str:
        return storage.presign_get(
            s3, bucket, key, file_name="p.pdf", content_type=None, expires_in=expires_in
        )

    assert requests.get(link(300), timeout=15).content == PDF
    short = link(1)
    refused = _eventually(lambda: requests.get(short, timeout=15))
    assert refused.status_code == 403
    assert "Request has expired" in refused.text


def test_anonymous_requests_are_refused(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    done = upload_file(api, teacher["_id"], "passport", PDF)
    key = done.body["documents"]["passport"]["filePath"]
    endpoint = get_settings().s3_endpoint_url
    bucket = get_settings().uploads_bucket
    assert requests.get(f"{endpoint}/{bucket}/{key}", timeout=15).status_code == 403
    assert requests.get(f"{endpoint}/{bucket}?list-type=2", timeout=15).status_code == 403
    planted = requests.put(f"{endpoint}/{bucket}/planted", data=b"x", timeout=15)
    assert planted.status_code == 403
    assert not _exists("planted")


def test_a_version_survives_a_replace_and_can_be_restored(services: dict[str, str]) -> None:
    """The runbook's recovery: list the versions, GET or copy back the old one."""
    s3, bucket = storage.get_s3(), get_settings().uploads_bucket
    key = f"teachers/{ObjectId()}/passport/replaced-outside-the-api"
    first = s3.put_object(Bucket=bucket, Key=key, Body=b"%PDF-first", ContentType="application/pdf")
    s3.put_object(Bucket=bucket, Key=key, Body=b"%PDF-second", ContentType="application/pdf")
    versions = storage.list_versions(s3, bucket, key)
    assert [v["VersionId"] for v in versions if not v["IsLatest"]] == [first["VersionId"]]
    old = s3.get_object(Bucket=bucket, Key=key, VersionId=first["VersionId"])["Body"].read()
    assert old == b"%PDF-first"
    source = {"Bucket": bucket, "Key": key, "VersionId": first["VersionId"]}
    s3.copy_object(Bucket=bucket, Key=key, CopySource=source)
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"%PDF-first"
    assert len(storage.list_versions(s3, bucket, key)) == 3


def test_replaced_document_whose_confirm_fails_is_rejected_and_the_old_one_stays(
    api: Api, db: Any
) -> None:
    """The case s3rver answered with 500 (no ListObjectVersions): a rejected replacement is
    discarded version by version and the teacher keeps the previous file."""
    teacher = make_teacher(db)
    first = upload_file(api, teacher["_id"], "passport", PDF, {"number": "A1"})
    kept_key = first.body["documents"]["passport"]["filePath"]
    replacement = request_upload(api, teacher["_id"], "passport", PDF)
    post_to_s3(replacement.body, b"MZ" + b"\x00" * (len(PDF) - 2))  # inside the policy
    rejected = confirm(api, teacher["_id"], replacement.body["uploadId"], {"number": "B2"})
    assert rejected.status == 415, rejected.body
    assert storage.list_versions(storage.get_s3(), get_settings().uploads_bucket, kept_key)
    assert not _exists(replacement.body["key"])
    assert (
        storage.list_versions(
            storage.get_s3(), get_settings().uploads_bucket, replacement.body["key"]
        )
        == []
    )
    passport = db.teachers.find_one({"_id": teacher["_id"]})["documents"]["passport"]
    assert passport["filePath"] == kept_key and passport["number"] == "A1"
    download = api.get(f"/api/teachers/{teacher['_id']}/documents/passport/url")
    assert requests.get(download.body["url"], timeout=15).content == PDF


def test_uploads_are_encrypted_at_rest(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    done = upload_file(api, teacher["_id"], "passport", PDF)
    key = done.body["documents"]["passport"]["filePath"]
    head = storage.get_s3().head_object(Bucket=get_settings().uploads_bucket, Key=key)
    assert head["ServerSideEncryption"] == "AES256"
    rules = storage.get_s3().get_bucket_encryption(Bucket=get_settings().uploads_bucket)
    default = rules["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert default["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_bucket_cors_answers_only_the_spa_origins(api: Api, db: Any) -> None:
    teacher = make_teacher(db)
    asked = request_upload(api, teacher["_id"], "passport", PDF)

    def preflight(origin: str, method: str) -> requests.Response:
        headers = {"Origin": origin, "Access-Control-Request-Method": method}
        return requests.options(asked.body["url"], headers=headers, timeout=15)

    allowed = preflight(SPA_ORIGIN, "POST")
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == SPA_ORIGIN
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Methods" not in preflight(SPA_ORIGIN, "DELETE").headers
    foreign = preflight("https://attacker.example", "POST")
    assert "Access-Control-Allow-Origin" not in foreign.headers


def test_the_server_listens_only_on_the_ports_it_was_given(local_s3: S3Server) -> None:
    """`weed mini` opens a dozen ports by default (admin 23646/33646, gRPC = port + 10000, …);
    every one is set explicitly, so two stacks on one machine cannot collide."""
    listening = listening_ports(local_s3.pid)
    assert local_s3.ports.s3 in listening
    assert listening <= set(local_s3.ports.all())
