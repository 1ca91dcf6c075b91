"""Document boxes: create, rename, reorder, delete (documents fall back to uncategorized), and
the zip of a box's files, assembled in S3 and handed out as a presigned URL."""

from __future__ import annotations

import uuid
from datetime import timedelta

from bson import ObjectId

from chalicelib import storage
from chalicelib.db import TEACHERS, Db, Document
from chalicelib.errors import FieldError, NotFound, ValidationFailed
from chalicelib.models.documents import BoxCreate, BoxReorder, BoxUpdate
from chalicelib.services import audit, documents
from chalicelib.services.actor import Actor
from chalicelib.services.common import parse_object_id, utcnow
from chalicelib.storage import Vault

UNCATEGORIZED = documents.UNCATEGORIZED


def _box_not_found(current: Document) -> NotFound:
    return NotFound(detail="Box not found")


def create_box(
    db: Db, actor: Actor, teacher_id: str, data: BoxCreate, expected_version: int | None
) -> Document:
    tid = documents.teacher_oid(teacher_id)
    current = documents.load_teacher(db, tid, {"documentBoxes": 1})
    orders = [int(b.get("order") or 0) for b in current.get("documentBoxes") or []]
    box = {"_id": ObjectId(), "name": data.name, "order": max(orders) + 1 if orders else 0}
    teacher = documents.update_teacher(
        db, tid, {"$push": {"documentBoxes": box}}, expected_version=expected_version
    )
    audit.record(
        db,
        actor,
        "document.box.create",
        TEACHERS,
        tid,
        details={"boxId": str(box["_id"]), "name": data.name},
    )
    return teacher


def update_box(
    db: Db,
    actor: Actor,
    teacher_id: str,
    box_id: str,
    data: BoxUpdate,
    expected_version: int | None,
) -> Document:
    tid = documents.teacher_oid(teacher_id)
    bid = parse_object_id(box_id, "boxId")
    fields: Document = {}
    if data.name is not None:
        fields["documentBoxes.$[b].name"] = data.name
    if data.order is not None:
        fields["documentBoxes.$[b].order"] = data.order
    if not fields:
        raise ValidationFailed(detail="Send a new name and/or order")
    before = documents.find_box(documents.load_teacher(db, tid, {"documentBoxes": 1}), bid)
    if before is None:
        raise NotFound(detail="Box not found")
    teacher = documents.update_teacher(
        db,
        tid,
        {"$set": fields},
        expected_version=expected_version,
        conditions=[{"documentBoxes._id": bid}],
        array_filters=[{"b._id": bid}],
        explain=_box_not_found,
    )
    after = documents.find_box(teacher, bid) or {}
    audit.record(
        db,
        actor,
        "document.box.update",
        TEACHERS,
        tid,
        before={k: before.get(k) for k in ("name", "order")},
        after={k: after.get(k) for k in ("name", "order")},
        details={"boxId": str(bid)},
    )
    return teacher


def reorder_boxes(
    db: Db, actor: Actor, teacher_id: str, data: BoxReorder, expected_version: int | None
) -> Document:
    """Listed boxes get ``order`` 0..n-1 and come first; unlisted boxes keep their place after."""
    tid = documents.teacher_oid(teacher_id)
    ids = [ObjectId(b) for b in data.boxes]
    if len(set(ids)) != len(ids):
        raise ValidationFailed(
            detail="A box is listed more than once",
            errors=[FieldError("boxes", "each id may appear only once")],
        )
    if not ids:
        return documents.load_teacher(db, tid)
    items = [{"id": oid, "order": index} for index, oid in enumerate(ids)]

    def explain(current: Document) -> ValidationFailed:
        errors = [
            FieldError(f"boxes[{i}]", "no such box")
            for i, oid in enumerate(ids)
            if documents.find_box(current, oid) is None
        ]
        return ValidationFailed(
            detail="Some boxes do not belong to this teacher; nothing was reordered",
            errors=errors,
        )

    teacher = documents.update_teacher(
        db,
        tid,
        [{"$set": {"documentBoxes": documents.reordered("documentBoxes", items, "order")}}],
        expected_version=expected_version,
        conditions=[{"documentBoxes._id": oid} for oid in ids],
        explain=explain,
    )
    audit.record(db, actor, "document.box.reorder", TEACHERS, tid, details={"boxes": len(ids)})
    return teacher


def delete_box(
    db: Db, actor: Actor, teacher_id: str, box_id: str, expected_version: int | None
) -> Document:
    """Remove the box; its documents become uncategorized in the same atomic update."""
    tid = documents.teacher_oid(teacher_id)
    bid = parse_object_id(box_id, "boxId")
    # A pipeline (not array filters) so a legacy teacher without ``otherDocuments`` works too.
    uncategorize = {
        "$map": {
            "input": {"$ifNull": ["$otherDocuments", []]},
            "as": "doc",
            "in": {
                "$cond": [
                    {"$eq": ["$$doc.boxId", str(bid)]},
                    {"$mergeObjects": ["$$doc", {"boxId": None}]},
                    "$$doc",
                ]
            },
        }
    }
    remaining = {
        "$filter": {
            "input": "$documentBoxes",
            "as": "box",
            "cond": {"$ne": ["$$box._id", bid]},
        }
    }
    teacher = documents.update_teacher(
        db,
        tid,
        [{"$set": {"documentBoxes": remaining, "otherDocuments": uncategorize}}],
        expected_version=expected_version,
        conditions=[{"documentBoxes._id": bid}],
        explain=_box_not_found,
    )
    audit.record(db, actor, "document.box.delete", TEACHERS, tid, details={"boxId": str(bid)})
    return teacher


def box_documents(teacher: Document, box_id: str) -> tuple[str, list[Document]]:
    """The box's name and its documents (``uncategorized``: no box or a box that is gone)."""
    docs = [dict(d) for d in teacher.get("otherDocuments") or []]
    known = {str(b.get("_id")) for b in teacher.get("documentBoxes") or []}
    if box_id == UNCATEGORIZED:
        return "Uncategorized", [
            d for d in docs if not d.get("boxId") or str(d["boxId"]) not in known
        ]
    bid = parse_object_id(box_id, "boxId")
    box = documents.find_box(teacher, bid)
    if box is None:
        raise NotFound(detail="Box not found")
    return str(box.get("name") or "Box"), [d for d in docs if str(d.get("boxId") or "") == str(bid)]


def download_box(db: Db, vault: Vault, actor: Actor, teacher_id: str, box_id: str) -> Document:
    """Zip the box's files into S3 (bounded memory) and return a presigned URL to the zip."""
    tid = documents.teacher_oid(teacher_id)
    teacher = documents.load_teacher(db, tid, documents.FILE_FIELDS_PROJECTION)
    box_name, docs = box_documents(teacher, box_id)
    entries = [
        storage.ZipEntry(
            key=str(d["filePath"]),
            name=storage.with_extension(
                str(d.get("name") or d.get("fileName") or "document"),
                d.get("contentType"),
                str(d["filePath"]),
            ),
        )
        for d in docs
        if d.get("filePath")
    ]
    if not entries:
        raise NotFound(detail=f"The box '{box_name}' has no documents to download")
    dest = f"exports/teachers/{tid}/boxes/{box_id}/{uuid.uuid4().hex}.zip"
    result = storage.build_zip(
        vault.s3, vault.bucket, entries, dest, spool_bytes=vault.settings.zip_spool_bytes
    )
    if not result.names:
        raise NotFound(detail=f"None of the files in the box '{box_name}' could be found")
    file_name = storage.safe_file_name(f"{documents.person_prefix(teacher)}_{box_name}.zip")
    expires_in = vault.settings.download_url_expiry_seconds
    url = storage.presign_get(
        vault.s3,
        vault.bucket,
        dest,
        file_name=file_name,
        content_type="application/zip",
        expires_in=expires_in,
    )
    audit.record(
        db,
        actor,
        "document.box.download",
        TEACHERS,
        tid,
        details={"boxId": box_id, "files": len(result.names), "zipKey": dest},
    )
    return {
        "url": url,
        "expiresAt": utcnow() + timedelta(seconds=expires_in),
        "fileName": file_name,
        "contentType": "application/zip",
        "entries": result.names,
        "skipped": result.skipped,
    }
