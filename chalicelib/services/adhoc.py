"""Ad-hoc documents (``otherDocuments``): attach, replace, rename/move, reorder, remove.

Each change is one atomic update of the teacher with its history entry, committed with its
audit entry (``teacher_files.update_teacher_files``); the files stay in S3.
"""

from __future__ import annotations

from datetime import datetime

from bson import ObjectId
from pymongo.client_session import ClientSession

from chalicelib.db import TEACHERS, Db, Document
from chalicelib.errors import Conflict, DomainError, FieldError, NotFound, ValidationFailed
from chalicelib.models.documents import AdhocReorder, AdhocUpdate, UploadConfirm
from chalicelib.services import audit
from chalicelib.services.actor import Actor
from chalicelib.services.common import parse_object_id, utcnow
from chalicelib.services.file_history import file_history_entry, push_history
from chalicelib.services.teacher_files import (
    ADHOC,
    StoredFile,
    adhoc_missing,
    audit_step,
    box_exists_condition,
    box_missing,
    find_adhoc,
    find_box,
    load_teacher,
    reordered,
    teacher_oid,
    update_teacher_files,
)


def ensure_adhoc_exists(db: Db, tid: ObjectId, doc_id: ObjectId) -> None:
    teacher = load_teacher(db, tid, {"otherDocuments": 1})
    if find_adhoc(teacher, doc_id) is None:
        raise NotFound(detail="Ad-hoc document not found")


def attach_new(
    db: Db,
    actor: Actor,
    tid: ObjectId,
    stored: StoredFile,
    meta: UploadConfirm,
    *,
    expected_version: int | None,
    details: Document,
    now: datetime,
) -> Document:
    """A new ad-hoc document for a verified file (in ``meta.boxId`` when given)."""
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
    entry = file_history_entry(
        actor, ADHOC, "uploaded", now, stored=stored, doc_id=new_id, name=meta.name
    )
    noted = {**details, "docId": str(new_id)}
    return update_teacher_files(
        db,
        tid,
        {"$push": {"otherDocuments": adhoc, **push_history(entry)}},
        expected_version=expected_version,
        record=audit_step(db, actor, tid, "document.adhoc.upload", noted),
        conditions=conditions,
        explain=box_missing(meta.boxId) if meta.boxId else None,
        now=now,
    )


def replace_file(
    db: Db,
    actor: Actor,
    tid: ObjectId,
    doc_id: ObjectId,
    stored: StoredFile,
    meta: UploadConfirm,
    *,
    expected_version: int | None,
    details: Document,
    now: datetime,
) -> Document:
    """A new file for an existing ad-hoc document (the old one stays in S3 and the history)."""
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
    entry = file_history_entry(actor, ADHOC, "replaced", now, stored=stored, doc_id=doc_id)
    noted = {**details, "docId": str(doc_id)}
    return update_teacher_files(
        db,
        tid,
        {"$set": fields, "$push": push_history(entry)},
        expected_version=expected_version,
        record=audit_step(db, actor, tid, "document.adhoc.replace", noted),
        conditions=conditions,
        array_filters=[{"d._id": doc_id}],
        explain=adhoc_missing(doc_id, meta.boxId),
        now=now,
    )


def delete_adhoc(
    db: Db, actor: Actor, teacher_id: str, doc_id: str, expected_version: int | None
) -> Document:
    tid = teacher_oid(teacher_id)
    did = parse_object_id(doc_id, "docId")
    doc = find_adhoc(load_teacher(db, tid, {"otherDocuments": 1}), did)
    if doc is None:
        raise NotFound(detail="Ad-hoc document not found")
    now = utcnow()
    entry = file_history_entry(
        actor,
        ADHOC,
        "deleted",
        now,
        doc_id=did,
        name=doc.get("name"),
        previous_path=doc.get("filePath"),
    )
    details = {"docId": str(did), "name": doc.get("name"), "previousFilePath": doc.get("filePath")}
    return update_teacher_files(
        db,
        tid,
        {"$pull": {"otherDocuments": {"_id": did}}, "$push": push_history(entry)},
        expected_version=expected_version,
        record=audit_step(db, actor, tid, "document.adhoc.delete", details),
        conditions=[{"otherDocuments._id": did}],
        explain=adhoc_missing(did),
        now=now,
    )


def update_adhoc(
    db: Db,
    actor: Actor,
    teacher_id: str,
    doc_id: str,
    data: AdhocUpdate,
    expected_version: int | None,
) -> Document:
    """Rename and/or move one ad-hoc document (``boxId: null`` moves it to no box)."""
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

    def record(session: ClientSession, teacher: Document) -> None:
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
            session=session,
        )

    return update_teacher_files(
        db,
        tid,
        {"$set": fields},
        expected_version=expected_version,
        record=record,
        conditions=conditions,
        array_filters=[{"d._id": did}],
        explain=adhoc_missing(did, data.boxId),
    )


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
    details = {"documents": len(ids), "boxes": len(box_ids)}
    return update_teacher_files(
        db,
        tid,
        [{"$set": {"otherDocuments": reordered("otherDocuments", items, "boxId")}}],
        expected_version=expected_version,
        record=audit_step(db, actor, tid, "document.adhoc.reorder", details),
        conditions=conditions,
        explain=lambda current: _reorder_problem(current, data),
    )


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
