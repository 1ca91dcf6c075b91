"""What every teacher-file module shares: loading the teacher, the one atomic write of its file
fields (with its audit entry), and finding boxes and ad-hoc documents inside it.

Every change is one atomic update of the teacher document (positional / array-filter updates or
an update pipeline, never a read-modify-write of a whole array) through
``common.versioned_update`` — so it bumps ``__v`` and honours ``If-Match`` — committed in one
transaction with its audit entry. Files are never deleted from S3 by these modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId
from pymongo.client_session import ClientSession

from chalicelib.db import TEACHERS, Db, Document
from chalicelib.errors import Conflict, DomainError, FieldError, NotFound, ValidationFailed
from chalicelib.services import audit
from chalicelib.services.actor import Actor
from chalicelib.services.common import (
    NOT_DELETED,
    Explain,
    in_transaction,
    parse_object_id,
    versioned_update,
)

WHAT = "Teacher"
AVATAR = "avatar"
ADHOC = "adhoc"
NO_BOX = "uncategorized"  # the ad-hoc documents in no (or a deleted) box

AuditStep = Callable[[ClientSession, Document], None]


@dataclass(frozen=True)
class StoredFile:
    """A verified object in the uploads bucket, ready to be referenced by a teacher."""

    key: str
    file_name: str
    content_type: str
    size: int
    upload_id: ObjectId | None = None
    version_id: str | None = None


def teacher_oid(teacher_id: str) -> ObjectId:
    return parse_object_id(teacher_id, "id")


def load_teacher(db: Db, tid: ObjectId, projection: Document | None = None) -> Document:
    doc = db[TEACHERS].find_one({"_id": tid, **NOT_DELETED}, projection)
    if doc is None:
        raise NotFound(detail="Teacher not found")
    return doc


def update_teacher_files(
    db: Db,
    tid: ObjectId,
    update: Document | list[Document],
    *,
    expected_version: int | None,
    record: AuditStep,
    conditions: list[Document] | None = None,
    array_filters: list[Document] | None = None,
    explain: Explain | None = None,
    now: datetime | None = None,
) -> Document:
    """One atomic update of a live teacher's files and ``record(session, teacher)`` (its audit
    entry) in one transaction. When the write matches nothing: 404 teacher, 412 stale version,
    else ``explain(current)`` (default 409)."""

    def write(session: ClientSession) -> Document:
        teacher = versioned_update(
            db[TEACHERS],
            {"_id": tid, **NOT_DELETED},
            update,
            expected_version=expected_version,
            what=WHAT,
            now=now,
            session=session,
            conditions=conditions,
            array_filters=array_filters,
            explain=explain or _changed_meanwhile,
        )
        record(session, teacher)
        return teacher

    return in_transaction(db, write)


def audit_step(db: Db, actor: Actor, tid: ObjectId, action: str, details: Document) -> AuditStep:
    """The usual audit entry of a file change: its action and details, on the teacher."""

    def record(session: ClientSession, teacher: Document) -> None:
        audit.record(db, actor, action, TEACHERS, tid, details=details, session=session)

    return record


def _changed_meanwhile(current: Document) -> DomainError:
    return Conflict(detail="The teacher's documents changed at the same time; reload and try again")


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


def box_missing(box_id: str, field: str = "boxId") -> Explain:
    """Explain a failed write that needed ``box_id`` to exist."""

    def explain(current: Document) -> DomainError:
        if find_box(current, ObjectId(box_id)) is None:
            return ValidationFailed(
                detail="That box does not exist for this teacher",
                errors=[FieldError(field, "no such box")],
            )
        return _changed_meanwhile(current)

    return explain


def adhoc_missing(doc_id: ObjectId, box_id: str | None = None) -> Explain:
    """Explain a failed write that needed the ad-hoc document (and maybe a box) to exist."""

    def explain(current: Document) -> DomainError:
        if find_adhoc(current, doc_id) is None:
            return NotFound(detail="Ad-hoc document not found")
        if box_id is not None:
            return box_missing(box_id)(current)
        return _changed_meanwhile(current)

    return explain


def renumbered(array: Document | str, field: str) -> Document:
    """Aggregation expression: the elements of ``array`` with ``field`` set to 0, 1, 2, …"""
    return {
        "$map": {
            "input": {"$range": [0, {"$size": array}]},
            "as": "index",
            "in": {"$mergeObjects": [{"$arrayElemAt": [array, "$$index"]}, {field: "$$index"}]},
        }
    }


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
