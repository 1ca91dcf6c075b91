"""Presigned uploads: ask → POST to S3 → confirm (verify, then reference), and their clean-up.

Pending uploads live in the ``uploads`` collection. The browser's form writes one key under
``incoming/`` (``uploadKey``); a confirmation claims its record atomically, copies what is there
to the record's final key under ``teachers/`` — a key no form can write — verifies that copy
(size, stored type, the whole content) and only then references it from the teacher. A form
re-posted after the confirmation therefore changes nothing anyone downloads. A rejected upload's
objects are discarded; an abandoned one is discarded by the sweep (and ``incoming/`` expires by a
bucket lifecycle rule).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from bson import ObjectId
from pymongo import ReturnDocument

from chalicelib import storage
from chalicelib.db import TEACHERS, UPLOADS, Db, Document
from chalicelib.errors import (
    Conflict,
    DomainError,
    FieldError,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from chalicelib.models.documents import CORE_TYPES, UploadConfirm, UploadCreate
from chalicelib.services import adhoc, documents, teacher_files
from chalicelib.services.actor import Actor
from chalicelib.services.common import parse_object_id, utcnow
from chalicelib.settings import Settings
from chalicelib.storage import Vault

PENDING = "pending"
CONFIRMING = "confirming"
CONFIRMED = "confirmed"
REJECTED = "rejected"
EXPIRED = "expired"
IMAGE_TYPES = (storage.JPEG, storage.PNG, storage.WEBP)
DOCUMENT_TYPES = (storage.PDF, *IMAGE_TYPES)
RECORD_RETENTION = timedelta(days=7)
STALE_CLAIM = timedelta(minutes=5)
SWEEP_BATCH = 500


@dataclass
class UploadExpired(DomainError):
    status: int = 410
    title: str = "Gone"
    slug: str = "upload-expired"


def allowed_types(kind: str) -> tuple[str, ...]:
    return IMAGE_TYPES if kind == teacher_files.AVATAR else DOCUMENT_TYPES


def max_bytes(kind: str, settings: Settings) -> int:
    return settings.avatar_max_bytes if kind == teacher_files.AVATAR else settings.upload_max_bytes


def check_declared(kind: str, content_type: str, size: int, settings: Settings) -> str:
    """415 for a type the kind does not accept, 413 above the kind's limit."""
    normalized = content_type.split(";")[0].strip().lower()
    if normalized == "image/jpg":
        normalized = storage.JPEG
    accepted = allowed_types(kind)
    if normalized not in accepted:
        raise UnsupportedMediaType(
            detail=f"A {kind} must be one of: {', '.join(accepted)} (got '{content_type}')",
            errors=[FieldError("contentType", "unsupported type")],
        )
    limit = max_bytes(kind, settings)
    if size > limit:
        raise PayloadTooLarge(
            detail=f"A {kind} may be at most {limit} bytes; this file is {size} bytes",
            errors=[FieldError("size", f"at most {limit}")],
        )
    return normalized


def object_key(tid: ObjectId, kind: str) -> str:
    """Server-generated key; nothing from the client goes into it."""
    return f"teachers/{tid}/{kind}/{uuid.uuid4().hex}"


def upload_key(final_key: str) -> str:
    """The key the browser's form may write: the final key's name under ``incoming/``."""
    return storage.INCOMING_PREFIX + final_key


def form_key(record: Document) -> str:
    """Where the upload's form writes (records made before ``uploadKey`` wrote the final key)."""
    return str(record.get("uploadKey") or record["key"])


def _new_record(
    actor: Actor,
    tid: ObjectId,
    kind: str,
    *,
    file_name: str,
    content_type: str,
    size: int,
    doc_id: ObjectId | None,
    source: str,
    settings: Settings,
    now: datetime,
) -> Document:
    url_expiry = now + timedelta(seconds=settings.upload_url_expiry_seconds)
    key = object_key(tid, kind)
    return {
        "_id": ObjectId(),
        "teacher": tid,
        "kind": kind,
        "key": key,
        "uploadKey": upload_key(key),
        "fileName": storage.safe_file_name(file_name, basename=True),
        "contentType": content_type,
        "size": size,
        "maxBytes": size,
        "docId": doc_id,
        "source": source,
        "status": PENDING,
        "createdAt": now,
        "createdBy": actor.email,
        "urlExpiresAt": url_expiry,
        "expiresAt": url_expiry + timedelta(seconds=settings.upload_confirm_window_seconds),
        "purgeAt": now + RECORD_RETENTION,
    }


def create_upload(
    db: Db, vault: Vault, actor: Actor, teacher_id: str, data: UploadCreate
) -> Document:
    """Validate teacher, kind, type and size; record the pending upload; presign the POST."""
    tid = teacher_files.teacher_oid(teacher_id)
    doc_id = ObjectId(data.docId) if data.docId else None
    if doc_id is not None and data.kind != teacher_files.ADHOC:
        raise ValidationFailed(
            detail="docId applies to ad-hoc uploads only",
            errors=[FieldError("docId", "only for kind 'adhoc'")],
        )
    content_type = check_declared(data.kind, data.contentType, data.size, vault.settings)
    if doc_id is not None:
        adhoc.ensure_adhoc_exists(db, tid, doc_id)
    else:
        teacher_files.load_teacher(db, tid, {"_id": 1})
    now = utcnow()
    record = _new_record(
        actor,
        tid,
        data.kind,
        file_name=data.fileName,
        content_type=content_type,
        size=data.size,
        doc_id=doc_id,
        source="presigned",
        settings=vault.settings,
        now=now,
    )
    db[UPLOADS].insert_one(record)
    post = storage.presign_post(
        vault.s3,
        vault.bucket,
        record["uploadKey"],
        content_type=content_type,
        max_bytes=record["maxBytes"],
        expires_in=vault.settings.upload_url_expiry_seconds,
        now=now,
    )
    return {
        "uploadId": str(record["_id"]),
        "kind": data.kind,
        "key": record["key"],
        "url": post.url,
        "fields": post.fields,
        "expiresAt": post.expires_at,
        "confirmBy": record["expiresAt"],
        "maxBytes": record["maxBytes"],
        "contentType": content_type,
    }


def confirm_upload(
    db: Db,
    vault: Vault,
    actor: Actor,
    teacher_id: str,
    upload_id: str,
    meta: UploadConfirm,
    expected_version: int | None = None,
) -> Document:
    """Verify the uploaded object and reference it from the teacher; nothing is written on
    failure (a rejected file is discarded, a missing one may still be uploaded and retried)."""
    tid = teacher_files.teacher_oid(teacher_id)
    uid = parse_object_id(upload_id, "uploadId")
    now = utcnow()
    record = db[UPLOADS].find_one({"_id": uid})
    if record is None or record.get("teacher") != tid:
        raise NotFound(detail="Upload not found for this teacher")
    documents.check_confirm_fields(record["kind"], meta, record.get("docId"))
    _check_state(db, vault, record, now)
    claimed = db[UPLOADS].find_one_and_update(
        {
            "_id": uid,
            "$or": [
                {"status": PENDING},
                {"status": CONFIRMING, "claimedAt": {"$lt": now - STALE_CLAIM}},
            ],
        },
        {"$set": {"status": CONFIRMING, "claimedAt": now}},
        return_document=ReturnDocument.AFTER,
    )
    if claimed is None:
        raise Conflict(detail="This upload is being confirmed by another request")
    try:
        stored = _verify(db, vault, claimed)
        teacher = documents.attach_file(
            db,
            actor,
            tid,
            claimed["kind"],
            stored,
            meta,
            doc_id=claimed.get("docId"),
            expected_version=expected_version,
        )
    except _Rejected as rejected:
        raise rejected.error from None
    except BaseException:
        _release(db, uid)
        raise
    db[UPLOADS].update_one(
        {"_id": uid},
        {
            "$set": {
                "status": CONFIRMED,
                "confirmedAt": utcnow(),
                "confirmedBy": actor.email,
                "storedSize": stored.size,
            },
            "$unset": {"purgeAt": "", "claimedAt": ""},
        },
    )
    if form_key(claimed) != claimed["key"]:
        storage.discard_object(vault.s3, vault.bucket, form_key(claimed))
    return teacher


class _Rejected(Exception):
    def __init__(self, error: DomainError) -> None:
        super().__init__(error.detail)
        self.error = error


def _check_state(db: Db, vault: Vault, record: Document, now: datetime) -> None:
    status = record.get("status")
    if status == CONFIRMED:
        raise Conflict(detail="This upload was already confirmed")
    if status == REJECTED:
        raise Conflict(
            detail=f"This upload was rejected ({record.get('reason', 'invalid file')}); "
            "start a new upload"
        )
    expires_at = record.get("expiresAt")
    if status == EXPIRED or (
        status == PENDING and isinstance(expires_at, datetime) and expires_at < now
    ):
        expire_upload(db, vault, record)
        raise UploadExpired(detail="This upload has expired; request a new upload URL")


def _verify(db: Db, vault: Vault, record: Document) -> teacher_files.StoredFile:
    """Copy the form's object to the final key, then verify that copy (what will be served)."""
    final_key = str(record["key"])
    source = form_key(record)
    if (
        source != final_key
        and storage.promote_object(vault.s3, vault.bucket, source, final_key) is None
    ):
        raise Conflict(
            detail="The file has not been uploaded yet: POST it to the upload URL, then confirm"
        )
    verdict = storage.verify_object(
        vault.s3,
        vault.bucket,
        final_key,
        content_type=record["contentType"],
        max_bytes=int(record["maxBytes"]),
    )
    if verdict.missing:
        raise Conflict(
            detail="The file has not been uploaded yet: POST it to the upload URL, then confirm"
        )
    if verdict.problem is not None:
        reason = verdict.problem
        db[UPLOADS].update_one(
            {"_id": record["_id"]},
            {"$set": {"status": REJECTED, "reason": reason, "rejectedAt": utcnow()}},
        )
        _discard_objects(vault, record)
        error: DomainError = (
            PayloadTooLarge(detail=reason)
            if verdict.too_large
            else UnsupportedMediaType(detail=reason)
        )
        raise _Rejected(error)
    assert verdict.info is not None
    return teacher_files.StoredFile(
        key=final_key,
        file_name=record["fileName"],
        content_type=record["contentType"],
        size=verdict.info.size,
        upload_id=record["_id"],
        version_id=verdict.info.version_id,
    )


def _discard_objects(vault: Vault, record: Document) -> None:
    """Remove an unreferenced upload's objects: the form's and (once copied) the final one."""
    for key in dict.fromkeys((form_key(record), str(record["key"]))):
        storage.discard_object(vault.s3, vault.bucket, key)


def _release(db: Db, uid: ObjectId) -> None:
    """Give a claimed upload back (the client may fix the problem and confirm again)."""
    db[UPLOADS].update_one(
        {"_id": uid, "status": CONFIRMING},
        {"$set": {"status": PENDING}, "$unset": {"claimedAt": ""}},
    )


def is_referenced(db: Db, key: str) -> bool:
    """Whether any teacher (deleted or not) points at ``key``."""
    query: Document = {
        "$or": [
            {"profilePicture": key},
            {"otherDocuments.filePath": key},
            *({f"documents.{t}.filePath": key} for t in CORE_TYPES),
        ]
    }
    return db[TEACHERS].find_one(query, {"_id": 1}) is not None


def expire_upload(db: Db, vault: Vault, record: Document) -> bool:
    """Mark a pending upload expired and discard its object (unless somehow referenced)."""
    claimed = db[UPLOADS].find_one_and_update(
        {"_id": record["_id"], "status": {"$in": [PENDING, EXPIRED]}},
        {"$set": {"status": EXPIRED, "expiredAt": utcnow()}},
    )
    if claimed is None or is_referenced(db, record["key"]):
        return False
    _discard_objects(vault, record)
    return True


def sweep_expired_uploads(db: Db, vault: Vault, now: datetime | None = None) -> int:
    """Discard objects of uploads never confirmed in time (run on a schedule); returns count."""
    moment = now or utcnow()
    expired = 0
    for record in (
        db[UPLOADS].find({"status": PENDING, "expiresAt": {"$lt": moment}}).limit(SWEEP_BATCH)
    ):
        if expire_upload(db, vault, record):
            expired += 1
    return expired


# ---------------------------------------------------------------------------------------------
# FETMS multipart routes: the same checks and storage, the bytes arriving through the API
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InlineFile:
    file_name: str
    content_type: str
    data: bytes


def inline_upload(
    db: Db,
    vault: Vault,
    actor: Actor,
    teacher_id: str,
    kind: str,
    file: InlineFile,
    meta: UploadConfirm,
    *,
    doc_id: str | None = None,
    expected_version: int | None = None,
) -> Document:
    """Store a small file sent through the API, then confirm it exactly like a presigned one."""
    tid = teacher_files.teacher_oid(teacher_id)
    did = parse_object_id(doc_id, "docId") if doc_id else None
    documents.check_confirm_fields(kind, meta, did)
    content_type = check_declared(kind, file.content_type, len(file.data), vault.settings)
    if did is not None:
        adhoc.ensure_adhoc_exists(db, tid, did)
    else:
        teacher_files.load_teacher(db, tid, {"_id": 1})
    if storage.sniff_content_type(file.data[: storage.MAGIC_PREFIX_BYTES]) != content_type:
        raise UnsupportedMediaType(
            detail=f"The file's content is not a valid {content_type.split('/')[1].upper()}"
        )
    record = _new_record(
        actor,
        tid,
        kind,
        file_name=file.file_name,
        content_type=content_type,
        size=len(file.data),
        doc_id=did,
        source="multipart",
        settings=vault.settings,
        now=utcnow(),
    )
    db[UPLOADS].insert_one(record)
    storage.put_bytes(vault.s3, vault.bucket, record["uploadKey"], file.data, content_type)
    try:
        return confirm_upload(
            db, vault, actor, teacher_id, str(record["_id"]), meta, expected_version
        )
    except DomainError:
        expire_upload(db, vault, record)
        raise
