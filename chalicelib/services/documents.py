"""A teacher's core documents (passport, ARC, contract, work permit) and avatar: attaching a
verified file, removing it, and short-lived download links. Ad-hoc documents are in
``adhoc.py``, boxes in ``boxes.py``, the file history in ``file_history.py``.

Files are never deleted from S3 here: a replaced or removed file stays in the bucket and in the
teacher's ``documentHistory``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bson import ObjectId
from pymongo.client_session import ClientSession

from chalicelib import storage
from chalicelib.db import TEACHERS, Db, Document
from chalicelib.errors import FieldError, NotFound, ValidationFailed
from chalicelib.models.documents import UploadConfirm
from chalicelib.services import adhoc, audit
from chalicelib.services.actor import Actor
from chalicelib.services.common import parse_object_id, utcnow
from chalicelib.services.expiry import is_expired
from chalicelib.services.file_history import (
    HISTORY,
    file_history_entry,
    history_content_type,
    push_history,
)
from chalicelib.services.teacher_files import (
    ADHOC,
    AVATAR,
    StoredFile,
    audit_step,
    find_adhoc,
    load_teacher,
    teacher_oid,
    update_teacher_files,
)

FILE_FIELDS_PROJECTION: Document = {
    HISTORY: 1,
    "firstName": 1,
    "lastName": 1,
    "profilePicture": 1,
    "documents": 1,
    "documentBoxes": 1,
    "otherDocuments": 1,
    "__v": 1,
}


# ---------------------------------------------------------------------------------------------
# Attaching a verified file (presigned confirm and FETMS multipart routes)
# ---------------------------------------------------------------------------------------------


def check_confirm_fields(kind: str, meta: UploadConfirm, doc_id: ObjectId | None) -> None:
    """Refuse fields that do not apply to the upload's kind (before anything is checked in S3)."""
    sent = meta.model_fields_set
    allowed = {
        AVATAR: set(),
        ADHOC: {"name", "boxId"},
    }.get(kind, {"number", "expiryDate"})
    extra = sorted(sent - allowed)
    if extra:
        raise ValidationFailed(
            detail=f"These fields do not apply to a {kind} upload: " + ", ".join(extra),
            errors=[FieldError(f, f"not allowed for {kind}") for f in extra],
        )
    if kind == ADHOC and doc_id is None and not meta.name:
        raise ValidationFailed(
            detail="A name is required for a new ad-hoc document",
            errors=[FieldError("name", "required")],
        )


def attach_file(
    db: Db,
    actor: Actor,
    tid: ObjectId,
    kind: str,
    stored: StoredFile,
    meta: UploadConfirm,
    *,
    doc_id: ObjectId | None = None,
    expected_version: int | None = None,
) -> Document:
    """Reference a verified object from the teacher in one atomic update (with history)."""
    check_confirm_fields(kind, meta, doc_id)
    now = utcnow()
    details: Document = {
        "kind": kind,
        "filePath": stored.key,
        "fileName": stored.file_name,
        "size": stored.size,
        "uploadId": str(stored.upload_id) if stored.upload_id else None,
    }
    if kind == ADHOC:
        if doc_id is not None:
            return adhoc.replace_file(
                db,
                actor,
                tid,
                doc_id,
                stored,
                meta,
                expected_version=expected_version,
                details=details,
                now=now,
            )
        return adhoc.attach_new(
            db,
            actor,
            tid,
            stored,
            meta,
            expected_version=expected_version,
            details=details,
            now=now,
        )
    entry = file_history_entry(actor, kind, "uploaded", now, stored=stored)
    if kind == AVATAR:
        fields: Document = {"profilePicture": stored.key}
    else:
        prefix = f"documents.{kind}"
        fields = {
            f"{prefix}.filePath": stored.key,
            f"{prefix}.fileName": stored.file_name,
            f"{prefix}.contentType": stored.content_type,
            f"{prefix}.size": stored.size,
            f"{prefix}.uploadedAt": now,
        }
        if meta.number is not None:
            fields[f"{prefix}.number"] = meta.number
        if meta.expiryDate is not None:
            fields[f"{prefix}.expiryDate"] = meta.expiryDate
        expired = meta.expiryDate is not None and is_expired(meta.expiryDate, now)
        fields[f"{prefix}.status"] = "expired" if expired else "valid"
    return update_teacher_files(
        db,
        tid,
        {"$set": fields, "$push": push_history(entry)},
        expected_version=expected_version,
        record=audit_step(db, actor, tid, f"document.{kind}.upload", details),
        now=now,
    )


# ---------------------------------------------------------------------------------------------
# Removing files (the objects stay in S3; the teacher keeps the history)
# ---------------------------------------------------------------------------------------------


def delete_core_document(
    db: Db, actor: Actor, teacher_id: str, doc_type: str, expected_version: int | None
) -> Document:
    """Status back to ``missing`` (FETMS clears number/expiry/file); the object stays in S3."""
    tid = teacher_oid(teacher_id)
    current = load_teacher(db, tid, {"documents": 1})
    before = dict((current.get("documents") or {}).get(doc_type) or {})
    old_path = before.get("filePath")
    now = utcnow()
    prefix = f"documents.{doc_type}"
    update: Document = {
        "$set": {
            f"{prefix}.status": "missing",
            f"{prefix}.filePath": None,
            f"{prefix}.number": None,
            f"{prefix}.expiryDate": None,
        }
    }
    if old_path:
        entry = file_history_entry(actor, doc_type, "deleted", now, previous_path=old_path)
        update["$push"] = push_history(entry)

    def record(session: ClientSession, teacher: Document) -> None:
        after = (teacher.get("documents") or {}).get(doc_type) or {}
        audit.record(
            db,
            actor,
            f"document.{doc_type}.delete",
            TEACHERS,
            tid,
            before={prefix: before},
            after={prefix: dict(after)},
            details={"previousFilePath": old_path},
            session=session,
        )

    return update_teacher_files(
        db,
        tid,
        update,
        expected_version=expected_version,
        record=record,
        conditions=[{f"{prefix}.filePath": old_path}],
        now=now,
    )


def delete_avatar(db: Db, actor: Actor, teacher_id: str, expected_version: int | None) -> Document:
    tid = teacher_oid(teacher_id)
    current = load_teacher(db, tid, {"profilePicture": 1})
    old_path = current.get("profilePicture")
    if not old_path:
        return load_teacher(db, tid)
    now = utcnow()
    entry = file_history_entry(actor, AVATAR, "deleted", now, previous_path=old_path)
    return update_teacher_files(
        db,
        tid,
        {"$unset": {"profilePicture": ""}, "$push": push_history(entry)},
        expected_version=expected_version,
        record=audit_step(db, actor, tid, "document.avatar.delete", {"previousFilePath": old_path}),
        conditions=[{"profilePicture": old_path}],
        now=now,
    )


# ---------------------------------------------------------------------------------------------
# Download URLs
# ---------------------------------------------------------------------------------------------


def person_prefix(teacher: Document) -> str:
    first = str(teacher.get("firstName") or "").strip()
    last = str(teacher.get("lastName") or "").strip()
    return "_".join(p for p in (first, last) if p) or "teacher"


def download_url(
    s3: Any,
    bucket: str,
    key: str,
    *,
    name: str,
    content_type: str | None,
    expires_in: int,
    inline: bool,
) -> Document:
    file_name = storage.safe_file_name(storage.with_extension(name, content_type, key))
    url = storage.presign_get(
        s3,
        bucket,
        key,
        file_name=file_name,
        content_type=content_type,
        expires_in=expires_in,
        inline=inline,
    )
    return {
        "url": url,
        "expiresAt": utcnow() + timedelta(seconds=expires_in),
        "fileName": file_name,
        "contentType": content_type,
    }


# Identity documents: every download link issued for one is audited.
IDENTITY_DOCUMENTS = frozenset({"passport", "arc", "workPermit"})


def file_download(
    db: Db,
    actor: Actor,
    s3: Any,
    bucket: str,
    expires_in: int,
    teacher_id: str,
    kind: str,
    *,
    doc_id: str | None = None,
    disposition: str | None = None,
) -> Document:
    """A presigned GET for the avatar, a core document or an ad-hoc document."""
    tid = teacher_oid(teacher_id)
    teacher = load_teacher(db, tid, FILE_FIELDS_PROJECTION)
    who = person_prefix(teacher)
    if kind == AVATAR:
        key = teacher.get("profilePicture")
        name, content_type = f"{who}_avatar", history_content_type(teacher, key)
        inline = disposition != "attachment"
        missing = "This teacher has no profile picture"
    elif kind == ADHOC:
        did = parse_object_id(doc_id or "", "docId")
        doc = find_adhoc(teacher, did)
        if doc is None:
            raise NotFound(detail="Ad-hoc document not found")
        key = doc.get("filePath")
        name = str(doc.get("name") or doc.get("fileName") or "document")
        content_type = doc.get("contentType")
        inline = disposition == "inline"
        missing = "This document has no file"
    else:
        core = (teacher.get("documents") or {}).get(kind) or {}
        key = core.get("filePath")
        name, content_type = f"{who}_{kind}", core.get("contentType")
        inline = disposition == "inline"
        missing = f"No {kind} file is on record for this teacher"
    if not key:
        raise NotFound(detail=missing)
    link = download_url(
        s3,
        bucket,
        str(key),
        name=name,
        content_type=content_type,
        expires_in=expires_in,
        inline=inline,
    )
    if kind in IDENTITY_DOCUMENTS:
        audit.record(
            db,
            actor,
            f"document.{kind}.link",
            TEACHERS,
            tid,
            details={"filePath": key, "inline": inline, "expiresAt": link["expiresAt"]},
        )
    return link
