"""Document boxes: create, rename, move, reorder, delete (their documents go to no box), and
the zip of a box's files, assembled in S3 and handed out as a presigned URL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bson import ObjectId
from pymongo.client_session import ClientSession

from chalicelib import storage
from chalicelib.db import TEACHERS, Db, Document
from chalicelib.errors import FieldError, NotFound, ValidationFailed
from chalicelib.models.documents import BoxCreate, BoxReorder, BoxUpdate
from chalicelib.services import audit, documents
from chalicelib.services.actor import Actor
from chalicelib.services.common import parse_object_id, utcnow
from chalicelib.services.teacher_files import (
    NO_BOX,
    audit_step,
    find_box,
    load_teacher,
    renumbered,
    reordered,
    teacher_oid,
    update_teacher_files,
)
from chalicelib.storage import Vault

# The boxes in display order; every change below leaves their ``order`` as 0, 1, 2, …
BOXES_IN_ORDER: Document = {
    "$sortArray": {"input": {"$ifNull": ["$documentBoxes", []]}, "sortBy": {"order": 1, "_id": 1}}
}


def _box_not_found(current: Document) -> NotFound:
    return NotFound(detail="Box not found")


def create_box(
    db: Db, actor: Actor, teacher_id: str, data: BoxCreate, expected_version: int | None
) -> Document:
    """Append a box after the others (its order is computed in the update itself, so two boxes
    created at the same moment still get distinct positions)."""
    tid = teacher_oid(teacher_id)
    box_id = ObjectId()
    appended = {"$concatArrays": [BOXES_IN_ORDER, [{"_id": box_id, "name": data.name}]]}
    return update_teacher_files(
        db,
        tid,
        [{"$set": {"documentBoxes": renumbered(appended, "order")}}],
        expected_version=expected_version,
        record=audit_step(
            db, actor, tid, "document.box.create", {"boxId": str(box_id), "name": data.name}
        ),
    )


def update_box(
    db: Db,
    actor: Actor,
    teacher_id: str,
    box_id: str,
    data: BoxUpdate,
    expected_version: int | None,
) -> Document:
    """Rename a box and/or move it to position ``order`` (the others shift to make room)."""
    tid = teacher_oid(teacher_id)
    bid = parse_object_id(box_id, "boxId")
    if data.name is None and data.order is None:
        raise ValidationFailed(detail="Send a new name and/or order")
    before = find_box(load_teacher(db, tid, {"documentBoxes": 1}), bid)
    if before is None:
        raise NotFound(detail="Box not found")
    this = {"$filter": {"input": BOXES_IN_ORDER, "as": "b", "cond": {"$eq": ["$$b._id", bid]}}}
    renamed = {
        "$map": {
            "input": this,
            "as": "b",
            "in": {"$mergeObjects": ["$$b", {"name": data.name}] if data.name else "$$b"},
        }
    }
    others = {"$filter": {"input": BOXES_IN_ORDER, "as": "b", "cond": {"$ne": ["$$b._id", bid]}}}
    box_ids = {"$map": {"input": BOXES_IN_ORDER, "as": "b", "in": "$$b._id"}}
    position: Any = data.order if data.order is not None else {"$indexOfArray": [box_ids, bid]}
    arranged = {
        "$concatArrays": [
            {"$slice": [others, position]},
            renamed,
            {"$slice": [others, position, {"$max": [1, {"$size": others}]}]},
        ]
    }

    def record(session: ClientSession, teacher: Document) -> None:
        after = find_box(teacher, bid) or {}
        audit.record(
            db,
            actor,
            "document.box.update",
            TEACHERS,
            tid,
            before={k: before.get(k) for k in ("name", "order")},
            after={k: after.get(k) for k in ("name", "order")},
            details={"boxId": str(bid)},
            session=session,
        )

    return update_teacher_files(
        db,
        tid,
        [{"$set": {"documentBoxes": renumbered(arranged, "order")}}],
        expected_version=expected_version,
        record=record,
        conditions=[{"documentBoxes._id": bid}],
        explain=_box_not_found,
    )


def reorder_boxes(
    db: Db, actor: Actor, teacher_id: str, data: BoxReorder, expected_version: int | None
) -> Document:
    """The listed boxes first in the given order, then the others in their order; all boxes end
    with ``order`` 0..n-1 (one atomic update, so concurrent reorders never mix)."""
    tid = teacher_oid(teacher_id)
    ids = [ObjectId(b) for b in data.boxes]
    if len(set(ids)) != len(ids):
        raise ValidationFailed(
            detail="A box is listed more than once",
            errors=[FieldError("boxes", "each id may appear only once")],
        )
    if not ids:
        return load_teacher(db, tid)
    items = [{"id": oid, "order": index} for index, oid in enumerate(ids)]

    def explain(current: Document) -> ValidationFailed:
        errors = [
            FieldError(f"boxes[{i}]", "no such box")
            for i, oid in enumerate(ids)
            if find_box(current, oid) is None
        ]
        return ValidationFailed(
            detail="Some boxes do not belong to this teacher; nothing was reordered",
            errors=errors,
        )

    in_order = [{"$set": {"documentBoxes": BOXES_IN_ORDER}}]
    listed_first = {"$set": {"documentBoxes": reordered("documentBoxes", items, "order")}}
    contiguous = {
        "$set": {"documentBoxes": renumbered({"$ifNull": ["$documentBoxes", []]}, "order")}
    }
    return update_teacher_files(
        db,
        tid,
        [*in_order, listed_first, contiguous],
        expected_version=expected_version,
        record=audit_step(db, actor, tid, "document.box.reorder", {"boxes": len(ids)}),
        conditions=[{"documentBoxes._id": oid} for oid in ids],
        explain=explain,
    )


def delete_box(
    db: Db, actor: Actor, teacher_id: str, box_id: str, expected_version: int | None
) -> Document:
    """Remove the box; its documents go to no box, in the same atomic update."""
    tid = teacher_oid(teacher_id)
    bid = parse_object_id(box_id, "boxId")
    # A pipeline (not array filters) so a legacy teacher without ``otherDocuments`` works too.
    unboxed = {
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
        "$filter": {"input": BOXES_IN_ORDER, "as": "box", "cond": {"$ne": ["$$box._id", bid]}}
    }
    return update_teacher_files(
        db,
        tid,
        [{"$set": {"documentBoxes": renumbered(remaining, "order"), "otherDocuments": unboxed}}],
        expected_version=expected_version,
        record=audit_step(db, actor, tid, "document.box.delete", {"boxId": str(bid)}),
        conditions=[{"documentBoxes._id": bid}],
        explain=_box_not_found,
    )


def box_documents(teacher: Document, box_id: str) -> tuple[str, list[Document]]:
    """The box's name and its documents (``uncategorized``: no box or a box that is gone)."""
    docs = [dict(d) for d in teacher.get("otherDocuments") or []]
    known = {str(b.get("_id")) for b in teacher.get("documentBoxes") or []}
    if box_id == NO_BOX:
        return "Uncategorized", [
            d for d in docs if not d.get("boxId") or str(d["boxId"]) not in known
        ]
    bid = parse_object_id(box_id, "boxId")
    box = find_box(teacher, bid)
    if box is None:
        raise NotFound(detail="Box not found")
    return str(box.get("name") or "Box"), [d for d in docs if str(d.get("boxId") or "") == str(bid)]


ZIP_REUSE = timedelta(hours=12)


def download_box(db: Db, vault: Vault, actor: Actor, teacher_id: str, box_id: str) -> Document:
    """Zip the box's files into S3 (bounded memory) and return a presigned URL to the zip."""
    tid = teacher_oid(teacher_id)
    teacher = load_teacher(db, tid, documents.FILE_FIELDS_PROJECTION)
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
    # One zip per content: while the box's files (keys and names) are unchanged, the zip built
    # earlier (at most ZIP_REUSE_HOURS ago, well before the exports/ lifecycle expires it) is
    # handed out again — no new object, no new audit entry.
    dest = f"exports/teachers/{tid}/boxes/{box_id}/{storage.zip_fingerprint(entries)}.zip"
    now = utcnow()
    result = storage.existing_zip(vault.s3, vault.bucket, dest, entries, newer_than=now - ZIP_REUSE)
    reused = result is not None
    if result is None:
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
    if not reused:
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
