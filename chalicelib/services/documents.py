"""Teacher files: avatar, core documents and ad-hoc documents, their history and download URLs.

Every change is one atomic update of the teacher document (positional / array-filter updates,
never a read-modify-write of a whole array), bumps ``__v`` and honours ``If-Match``.
Files are never deleted from S3 here: a replaced or removed file stays in the bucket and in the
teacher's ``documentHistory``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from chalicelib import storage
from chalicelib.db import TEACHERS, Db, Document
from chalicelib.errors import (
    Conflict,
    DomainError,
    FieldError,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from chalicelib.models.documents import CORE_TYPES, AdhocReorder, AdhocUpdate, UploadConfirm
from chalicelib.services import audit
from chalicelib.services.actor import Actor
from chalicelib.services.common import NOT_DELETED, parse_object_id, utcnow

WHAT = "Teacher"
HISTORY = "documentHistory"
HISTORY_LIMIT = 200
AVATAR = "avatar"
ADHOC = "adhoc"
UNCATEGORIZED = "uncategorized"
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


@dataclass(frozen=True)
class StoredFile:
    """A verified object in the uploads bucket, ready to be referenced by a teacher."""

    key: str
    file_name: str
    content_type: str
    size: int
    upload_id: ObjectId | None = None


# ---------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------


def teacher_oid(teacher_id: str) -> ObjectId:
    return parse_object_id(teacher_id, "id")


def load_teacher(db: Db, tid: ObjectId, projection: Document | None = None) -> Document:
    doc = db[TEACHERS].find_one({"_id": tid, **NOT_DELETED}, projection)
    if doc is None:
        raise NotFound(detail="Teacher not found")
    return doc


def update_teacher(
    db: Db,
    tid: ObjectId,
    update: Document | list[Document],
    *,
    expected_version: int | None,
    conditions: list[Document] | None = None,
    array_filters: list[Document] | None = None,
    explain: Callable[[Document], DomainError] | None = None,
    now: datetime | None = None,
) -> Document:
    """One atomic ``find_one_and_update`` of a live teacher; bumps ``__v``/``updatedAt``.

    ``conditions`` must hold at write time (e.g. "this ad-hoc document exists"); when the write
    matches nothing, the cause is reported: 404 teacher, 412 stale version, else ``explain``.
    """
    moment = now or utcnow()
    query: Document = {"_id": tid, **NOT_DELETED}
    if expected_version is not None:
        query["__v"] = expected_version
    if conditions:
        query["$and"] = conditions
    if isinstance(update, list):
        stages = [
            *update,
            {
                "$set": {
                    "updatedAt": {"$literal": moment},
                    "__v": {"$add": [{"$ifNull": ["$__v", 0]}, 1]},
                }
            },
        ]
        doc = db[TEACHERS].find_one_and_update(query, stages, return_document=ReturnDocument.AFTER)
    else:
        full: Document = {op: dict(value) for op, value in update.items()}
        full.setdefault("$set", {})["updatedAt"] = moment
        full.setdefault("$inc", {})["__v"] = 1
        doc = db[TEACHERS].find_one_and_update(
            query, full, array_filters=array_filters, return_document=ReturnDocument.AFTER
        )
    if doc is not None:
        return doc
    current = db[TEACHERS].find_one({"_id": tid, **NOT_DELETED})
    if current is None:
        raise NotFound(detail="Teacher not found")
    if expected_version is not None and current.get("__v", 0) != expected_version:
        raise PreconditionFailed(
            detail=(
                f"{WHAT} was changed by someone else (version {current.get('__v', 0)}, "
                f"you sent {expected_version}); reload and try again"
            )
        )
    if explain is not None:
        raise explain(current)
    raise Conflict(detail="The teacher's documents changed at the same time; reload and try again")


def history_entry(
    actor: Actor,
    kind: str,
    action: str,
    now: datetime,
    *,
    stored: StoredFile | None = None,
    doc_id: ObjectId | None = None,
    name: str | None = None,
    previous_path: str | None = None,
) -> Document:
    entry: Document = {
        "_id": ObjectId(),
        "type": kind,
        "action": action,
        "at": now,
        "by": actor.email,
        "byId": actor.user_id,
    }
    if stored is not None:
        entry.update(
            filePath=stored.key,
            fileName=stored.file_name,
            contentType=stored.content_type,
            size=stored.size,
        )
        if stored.upload_id is not None:
            entry["uploadId"] = stored.upload_id
    if doc_id is not None:
        entry["docId"] = doc_id
    if name is not None:
        entry["name"] = name
    if previous_path is not None:
        entry["previousFilePath"] = previous_path
    return entry


def push_history(entry: Document) -> Document:
    return {HISTORY: {"$each": [entry], "$slice": -HISTORY_LIMIT}}


def find_adhoc(teacher: Document, doc_id: ObjectId) -> Document | None:
    for doc in teacher.get("otherDocuments") or []:
        if doc.get("_id") == doc_id:
            return dict(doc)
    return None


def find_box(teacher: Document, box_id: ObjectId) -> Document | None:
    for box in teacher.get("documentBoxes") or []:
        if box.get("_id") == box_id:
            return dict(box)
    return None


def box_exists_condition(box_id: str) -> Document:
    return {"documentBoxes._id": ObjectId(box_id)}


def _box_missing(box_id: str, field: str = "boxId") -> Callable[[Document], DomainError]:
    def explain(current: Document) -> DomainError:
        if find_box(current, ObjectId(box_id)) is None:
            return ValidationFailed(
                detail="That box does not exist for this teacher",
                errors=[FieldError(field, "no such box")],
            )
        return Conflict(detail="The teacher's documents changed at the same time; try again")

    return explain


def _adhoc_missing(
    doc_id: ObjectId, box_id: str | None = None
) -> Callable[[Document], DomainError]:
    def explain(current: Document) -> DomainError:
        if find_adhoc(current, doc_id) is None:
            return NotFound(detail="Ad-hoc document not found")
        if box_id is not None:
            return _box_missing(box_id)(current)
        return Conflict(detail="The document changed at the same time; reload and try again")

    return explain


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
    if kind == AVATAR:
        entry = history_entry(actor, kind, "uploaded", now, stored=stored)
        teacher = update_teacher(
            db,
            tid,
            {"$set": {"profilePicture": stored.key}, "$push": push_history(entry)},
            expected_version=expected_version,
            now=now,
        )
        action = "document.avatar.upload"
    elif kind in CORE_TYPES:
        prefix = f"documents.{kind}"
        fields: Document = {
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
        expired = meta.expiryDate is not None and meta.expiryDate < now
        fields[f"{prefix}.status"] = "expired" if expired else "valid"
        entry = history_entry(actor, kind, "uploaded", now, stored=stored)
        teacher = update_teacher(
            db,
            tid,
            {"$set": fields, "$push": push_history(entry)},
            expected_version=expected_version,
            now=now,
        )
        action = f"document.{kind}.upload"
    elif doc_id is not None:
        teacher = _replace_adhoc_file(db, actor, tid, doc_id, stored, meta, expected_version, now)
        details["docId"] = str(doc_id)
        action = "document.adhoc.replace"
    else:
        new_id = ObjectId()
        adhoc: Document = {
            "_id": new_id,
            "name": meta.name,
            "filePath": stored.key,
            "uploadDate": now,
            "fileName": stored.file_name,
            "contentType": stored.content_type,
            "size": stored.size,
        }
        conditions: list[Document] = []
        if meta.boxId is not None:
            adhoc["boxId"] = meta.boxId
            conditions.append(box_exists_condition(meta.boxId))
        entry = history_entry(
            actor, kind, "uploaded", now, stored=stored, doc_id=new_id, name=meta.name
        )
        teacher = update_teacher(
            db,
            tid,
            {"$push": {"otherDocuments": adhoc, **push_history(entry)}},
            expected_version=expected_version,
            conditions=conditions,
            explain=_box_missing(meta.boxId) if meta.boxId else None,
            now=now,
        )
        details["docId"] = str(new_id)
        action = "document.adhoc.upload"
    audit.record(db, actor, action, TEACHERS, tid, details=details)
    return teacher


def _replace_adhoc_file(
    db: Db,
    actor: Actor,
    tid: ObjectId,
    doc_id: ObjectId,
    stored: StoredFile,
    meta: UploadConfirm,
    expected_version: int | None,
    now: datetime,
) -> Document:
    fields: Document = {
        "otherDocuments.$[d].filePath": stored.key,
        "otherDocuments.$[d].fileName": stored.file_name,
        "otherDocuments.$[d].contentType": stored.content_type,
        "otherDocuments.$[d].size": stored.size,
        "otherDocuments.$[d].uploadDate": now,
    }
    if meta.name:
        fields["otherDocuments.$[d].name"] = meta.name
    conditions: list[Document] = [{"otherDocuments._id": doc_id}]
    if "boxId" in meta.model_fields_set:
        fields["otherDocuments.$[d].boxId"] = meta.boxId
        if meta.boxId is not None:
            conditions.append(box_exists_condition(meta.boxId))
    entry = history_entry(actor, ADHOC, "replaced", now, stored=stored, doc_id=doc_id)
    return update_teacher(
        db,
        tid,
        {"$set": fields, "$push": push_history(entry)},
        expected_version=expected_version,
        conditions=conditions,
        array_filters=[{"d._id": doc_id}],
        explain=_adhoc_missing(doc_id, meta.boxId),
        now=now,
    )


def ensure_adhoc_exists(db: Db, tid: ObjectId, doc_id: ObjectId) -> None:
    teacher = load_teacher(db, tid, {"otherDocuments": 1})
    if find_adhoc(teacher, doc_id) is None:
        raise NotFound(detail="Ad-hoc document not found")


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
        entry = history_entry(actor, doc_type, "deleted", now, previous_path=old_path)
        update["$push"] = push_history(entry)
    teacher = update_teacher(
        db,
        tid,
        update,
        expected_version=expected_version,
        conditions=[{f"{prefix}.filePath": old_path}],
        now=now,
    )
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
    )
    return teacher


def delete_avatar(db: Db, actor: Actor, teacher_id: str, expected_version: int | None) -> Document:
    tid = teacher_oid(teacher_id)
    current = load_teacher(db, tid, {"profilePicture": 1})
    old_path = current.get("profilePicture")
    if not old_path:
        return load_teacher(db, tid)
    now = utcnow()
    entry = history_entry(actor, AVATAR, "deleted", now, previous_path=old_path)
    teacher = update_teacher(
        db,
        tid,
        {"$unset": {"profilePicture": ""}, "$push": push_history(entry)},
        expected_version=expected_version,
        conditions=[{"profilePicture": old_path}],
        now=now,
    )
    audit.record(
        db,
        actor,
        "document.avatar.delete",
        TEACHERS,
        tid,
        details={"previousFilePath": old_path},
    )
    return teacher


def delete_adhoc(
    db: Db, actor: Actor, teacher_id: str, doc_id: str, expected_version: int | None
) -> Document:
    tid = teacher_oid(teacher_id)
    did = parse_object_id(doc_id, "docId")
    current = load_teacher(db, tid, {"otherDocuments": 1})
    doc = find_adhoc(current, did)
    if doc is None:
        raise NotFound(detail="Ad-hoc document not found")
    now = utcnow()
    entry = history_entry(
        actor,
        ADHOC,
        "deleted",
        now,
        doc_id=did,
        name=doc.get("name"),
        previous_path=doc.get("filePath"),
    )
    teacher = update_teacher(
        db,
        tid,
        {"$pull": {"otherDocuments": {"_id": did}}, "$push": push_history(entry)},
        expected_version=expected_version,
        conditions=[{"otherDocuments._id": did}],
        explain=_adhoc_missing(did),
        now=now,
    )
    audit.record(
        db,
        actor,
        "document.adhoc.delete",
        TEACHERS,
        tid,
        details={
            "docId": str(did),
            "name": doc.get("name"),
            "previousFilePath": doc.get("filePath"),
        },
    )
    return teacher


# ---------------------------------------------------------------------------------------------
# Ad-hoc rename / move / reorder
# ---------------------------------------------------------------------------------------------


def update_adhoc(
    db: Db,
    actor: Actor,
    teacher_id: str,
    doc_id: str,
    data: AdhocUpdate,
    expected_version: int | None,
) -> Document:
    """Rename and/or move one ad-hoc document (``boxId: null`` moves it to uncategorized)."""
    tid = teacher_oid(teacher_id)
    did = parse_object_id(doc_id, "docId")
    changes = data.model_fields_set
    if not changes:
        raise ValidationFailed(detail="Send a new name and/or boxId")
    fields: Document = {}
    conditions: list[Document] = [{"otherDocuments._id": did}]
    if "name" in changes:
        if not data.name:
            raise ValidationFailed(
                detail="The name cannot be empty", errors=[FieldError("name", "required")]
            )
        fields["otherDocuments.$[d].name"] = data.name
    if "boxId" in changes:
        fields["otherDocuments.$[d].boxId"] = data.boxId
        if data.boxId is not None:
            conditions.append(box_exists_condition(data.boxId))
    before = find_adhoc(load_teacher(db, tid, {"otherDocuments": 1}), did)
    if before is None:
        raise NotFound(detail="Ad-hoc document not found")
    teacher = update_teacher(
        db,
        tid,
        {"$set": fields},
        expected_version=expected_version,
        conditions=conditions,
        array_filters=[{"d._id": did}],
        explain=_adhoc_missing(did, data.boxId),
    )
    after = find_adhoc(teacher, did) or {}
    audit.record(
        db,
        actor,
        "document.adhoc.update",
        TEACHERS,
        tid,
        before={k: before.get(k) for k in ("name", "boxId")},
        after={k: after.get(k) for k in ("name", "boxId")},
        details={"docId": str(did)},
    )
    return teacher


def reorder_adhoc(
    db: Db, actor: Actor, teacher_id: str, data: AdhocReorder, expected_version: int | None
) -> Document:
    """Put the listed documents first, in order, with their boxes — in one server-side update.

    Documents not listed (e.g. uploaded meanwhile) are kept after them; every listed id and box
    must belong to the teacher, else nothing changes.
    """
    tid = teacher_oid(teacher_id)
    ids = [ObjectId(item.id) for item in data.documents]
    if len(set(ids)) != len(ids):
        raise ValidationFailed(
            detail="A document is listed more than once",
            errors=[FieldError("documents", "each _id may appear only once")],
        )
    if not ids:
        return load_teacher(db, tid)
    box_ids = sorted({item.boxId for item in data.documents if item.boxId})
    conditions = [{"otherDocuments._id": oid} for oid in ids]
    conditions += [box_exists_condition(box) for box in box_ids]
    items = [
        {"id": oid, "boxId": item.boxId} for oid, item in zip(ids, data.documents, strict=True)
    ]
    teacher = update_teacher(
        db,
        tid,
        [{"$set": {"otherDocuments": reordered("otherDocuments", items, "boxId")}}],
        expected_version=expected_version,
        conditions=conditions,
        explain=lambda current: _reorder_problem(current, data),
    )
    audit.record(
        db,
        actor,
        "document.adhoc.reorder",
        TEACHERS,
        tid,
        details={"documents": len(ids), "boxes": len(box_ids)},
    )
    return teacher


def reordered(array: str, items: list[Document], override: str) -> Document:
    """Aggregation expression for an atomic reorder of ``array`` (elements with an ``_id``).

    ``items`` are ``{"id": ObjectId, override: value}`` in the wanted order: each listed element
    gets ``override`` set from its item; elements not listed (e.g. added concurrently) follow,
    unchanged, so nothing is ever dropped.
    """
    listed = {
        "$map": {
            "input": {"$literal": items},
            "as": "item",
            "in": {
                "$mergeObjects": [
                    {
                        "$arrayElemAt": [
                            {
                                "$filter": {
                                    "input": f"${array}",
                                    "as": "el",
                                    "cond": {"$eq": ["$$el._id", "$$item.id"]},
                                }
                            },
                            0,
                        ]
                    },
                    {override: f"$$item.{override}"},
                ]
            },
        }
    }
    listed_ids = [item["id"] for item in items]
    others = {
        "$filter": {
            "input": f"${array}",
            "as": "el",
            "cond": {"$not": [{"$in": ["$$el._id", {"$literal": listed_ids}]}]},
        }
    }
    return {"$concatArrays": [listed, others]}


def _reorder_problem(current: Document, data: AdhocReorder) -> DomainError:
    errors: list[FieldError] = []
    for index, item in enumerate(data.documents):
        if find_adhoc(current, ObjectId(item.id)) is None:
            errors.append(FieldError(f"documents[{index}]._id", "not a document of this teacher"))
        if item.boxId and find_box(current, ObjectId(item.boxId)) is None:
            errors.append(FieldError(f"documents[{index}].boxId", "no such box"))
    if errors:
        return ValidationFailed(
            detail="Some documents or boxes do not belong to this teacher; nothing was reordered",
            errors=errors,
        )
    return Conflict(detail="The teacher's documents changed at the same time; try again")


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


def file_download(
    db: Db,
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
        name, content_type = f"{who}_avatar", _history_content_type(teacher, key)
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
    return download_url(
        s3,
        bucket,
        str(key),
        name=name,
        content_type=content_type,
        expires_in=expires_in,
        inline=inline,
    )


def _history_content_type(teacher: Document, key: Any) -> str | None:
    for entry in reversed(teacher.get(HISTORY) or []):
        if key and entry.get("filePath") == key:
            value = entry.get("contentType")
            return str(value) if value else None
    return None


def document_history(db: Db, teacher_id: str, kind: str | None = None) -> list[Document]:
    """The teacher's file history, newest first (optionally of one kind)."""
    teacher = load_teacher(db, teacher_oid(teacher_id), {HISTORY: 1})
    entries = [dict(e) for e in teacher.get(HISTORY) or []]
    if kind is not None:
        entries = [e for e in entries if e.get("type") == kind]
    return list(reversed(entries))
