"""Teachers: create, read (school and project populated), merge update, soft delete, restore, list.

Rules kept here:
* ``email`` is unique among non-deleted teachers, case-insensitively (409 otherwise): the unique
  index ``email_unique_active`` decides; an update changing it also checks first.
* ``school`` and ``personalInfo.serviceSchool`` stay consistent: a school id fills the name, a
  known school name links the id, an unknown school id is a 400.
* ``project`` must be an existing active project.
* ``pipelineStage`` is ``uncategorized`` or a live stage id; every change appends to the
  append-only ``stageHistory``.
"""

from __future__ import annotations

import itertools
import random
import re
import time
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo.client_session import ClientSession
from pymongo.errors import DuplicateKeyError

from chalicelib.db import CASE_INSENSITIVE, PROJECTS, SCHOOLS, TEACHERS, Db, Document
from chalicelib.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from chalicelib.models.teachers import (
    TeacherCreate,
    TeacherFilterQuery,
    TeacherListQuery,
    TeacherUpdate,
)
from chalicelib.models.users import ROLE_RANK
from chalicelib.services import audit, common, disclosure, positions
from chalicelib.services.actor import Actor
from chalicelib.services.common import (
    NOT_DELETED,
    Page,
    check_version,
    effective_changes,
    flatten_for_set,
    get_or_404,
    parse_object_id,
    search_pattern,
    stamp_new,
    unflatten,
    versioned_update,
)
from chalicelib.services.expiry import is_expired
from chalicelib.services.pipeline import record_stage_move, stage_history_entry
from chalicelib.services.positions import UNCATEGORIZED_STAGE
from chalicelib.services.writes import apply_update, insert_with_entry, update_with_entry
from chalicelib.settings import get_settings

WHAT = "Teacher"
DOCUMENT_TYPES = ("passport", "arc", "contract", "workPermit")
EXPIRY_FIELDS = {
    "arc": "arcDetails.expiryDate",
    "workPermit": "workPermitDetails.expiryDate",
    "passport": "passportDetails.expiryDate",
    "teachingLicense": "teachingLicense.expiryDate",
}
SORT_FIELDS = {
    "createdAt": "createdAt",
    "updatedAt": "updatedAt",
    "firstName": "firstName",
    "lastName": "lastName",
    "email": "email",
    "nationality": "personalInfo.nationality.english",
    "gender": "personalInfo.gender",
    "hiringStatus": "personalInfo.hiringStatus",
    "degree": "education.degree",
    "school": "personalInfo.serviceSchool",
    "pipelineStage": "pipelineStage",
    "pipelineOrder": "pipelineOrder",
    "salary": "contractDetails.salary",
    "contractStartDate": "contractDetails.contractStartDate",
    "contractEndDate": "contractDetails.contractEndDate",
    "arcExpiry": "arcDetails.expiryDate",
    "workPermitExpiry": "workPermitDetails.expiryDate",
    "passportExpiry": "passportDetails.expiryDate",
    "teachingLicenseExpiry": "teachingLicense.expiryDate",
}
DESCENDING_BY_DEFAULT = frozenset({"createdAt", "updatedAt"})
REQUIRED_FIELDS = ("firstName", "lastName", "email")
UNSPECIFIED = "unspecified"

SCHOOL_CARD: Document = {"name": 1, "address": 1, "isDeleted": 1}
PROJECT_CARD: Document = {"name": 1, "code": 1, "isActive": 1}
LINKS = ("school", "project")

POPULATE: list[Document] = [
    {
        "$lookup": {
            "from": SCHOOLS,
            "localField": "school",
            "foreignField": "_id",
            "as": "school",
            "pipeline": [{"$project": SCHOOL_CARD}],
        }
    },
    {"$unwind": {"path": "$school", "preserveNullAndEmptyArrays": True}},
    {
        "$lookup": {
            "from": PROJECTS,
            "localField": "project",
            "foreignField": "_id",
            "as": "project",
            "pipeline": [{"$project": PROJECT_CARD}],
        }
    },
    {"$unwind": {"path": "$project", "preserveNullAndEmptyArrays": True}},
]
"""``school`` and ``project`` replaced by small populated objects (null when unset/unknown)."""

# The stored teacher with its school and project beside it (``_links``), for a write that must
# answer with the populated teacher without reading it again.
WITH_LINKS: list[Document] = [
    {
        "$lookup": {
            "from": SCHOOLS,
            "localField": "school",
            "foreignField": "_id",
            "as": "_linkedSchool",
            "pipeline": [{"$project": SCHOOL_CARD}],
        }
    },
    {
        "$lookup": {
            "from": PROJECTS,
            "localField": "project",
            "foreignField": "_id",
            "as": "_linkedProject",
            "pipeline": [{"$project": PROJECT_CARD}],
        }
    },
]
MERGE_RETRY_PAUSE_SECONDS = 0.01  # grows with each attempt, jittered


# --- reads ---------------------------------------------------------------------------------


def get_teacher(db: Db, teacher_id: str) -> Document:
    oid = parse_object_id(teacher_id)
    found = list(db[TEACHERS].aggregate([{"$match": {"_id": oid, **NOT_DELETED}}, *POPULATE]))
    if not found:
        raise NotFound(detail=f"{WHAT} not found")
    return _fill_missing_refs(found[0])


# Our append-only histories grow without bound; lists leave them out (GET by id and
# /history, /documents/history serve them). Every FETMS field is still in the list.
LIST_EXCLUDED: Document = {"stageHistory": 0, "documentHistory": 0}


def list_teachers(
    db: Db,
    filters: TeacherListQuery,
    *,
    limit: int,
    offset: int,
    actor: Actor,
    now: datetime | None = None,
) -> Page:
    """One aggregation for the page (populated), at most one count."""
    disclosure.check_filters(filters, actor.role)
    match = build_match(db, filters, now or common.utcnow())
    if filters.deleted is not None:
        match.pop("isDeleted")
        match.update(deleted_condition(filters.deleted, actor))
    pipeline: list[Document] = [
        {"$match": match},
        {"$sort": sort_spec(filters)},
        {"$skip": offset},
        {"$limit": limit},
        {"$project": LIST_EXCLUDED},
        *POPULATE,
    ]
    items = [_fill_missing_refs(doc) for doc in db[TEACHERS].aggregate(pipeline)]
    if offset == 0 and len(items) < limit:
        total = len(items)
    else:
        total = db[TEACHERS].count_documents(match)
    return Page(items=items, total=total, limit=limit, offset=offset)


def deleted_condition(deleted: str, actor: Actor) -> Document:
    """Soft-deleted teachers are listed to editors only (they are who may restore them)."""
    if ROLE_RANK.get(actor.role, 0) < ROLE_RANK["editor"]:
        raise Forbidden(
            detail=f"Listing deleted teachers needs the editor role; you are {actor.role}"
        )
    return {"isDeleted": True} if deleted == "only" else {}


def _read_with_links(db: Db, oid: ObjectId) -> tuple[Document, dict[str, Document | None]]:
    """The stored (unpopulated) live teacher and its school/project cards, in one command."""
    found = list(db[TEACHERS].aggregate([{"$match": {"_id": oid, **NOT_DELETED}}, *WITH_LINKS]))
    if not found:
        raise NotFound(detail=f"{WHAT} not found")
    doc = found[0]
    schools, projects = doc.pop("_linkedSchool", []), doc.pop("_linkedProject", [])
    return doc, {
        "school": schools[0] if schools else None,
        "project": projects[0] if projects else None,
    }


def _populated(doc: Document, links: dict[str, Document | None]) -> Document:
    """``doc`` as GET answers it: school and project replaced by their cards (as ``POPULATE``)."""
    return {**doc, **links}


def _fill_missing_refs(doc: Document) -> Document:
    doc.setdefault("school", None)
    doc.setdefault("project", None)
    return doc


def sort_spec(filters: TeacherFilterQuery) -> dict[str, int]:
    key = filters.sort
    order = filters.order or ("desc" if key in DESCENDING_BY_DEFAULT else "asc")
    direction = -1 if order == "desc" else 1
    return {SORT_FIELDS[key]: direction, "_id": direction}


NATIONALITY = "personalInfo.nationality.english"
GENDER = "personalInfo.gender"
HIRING_STATUS = "personalInfo.hiringStatus"
DEGREE = "education.degree"
NONE_LABELS = {
    NATIONALITY: "Unknown",
    GENDER: "Not Specified",
    DEGREE: "Not Specified",
    HIRING_STATUS: "Pending",
}
"""FETMS's dashboard label for "no value" per profile field (``Unspecified`` is accepted too)."""


def profile_conditions(
    *,
    nationality: str | None,
    gender: str | None,
    hiring_status: str | None,
    degree: str | None,
) -> Document:
    """The profile filters shared by the list, the export and the dashboard, as one ``$and``
    of match conditions (empty when no filter is given)."""
    wanted = {
        NATIONALITY: nationality,
        GENDER: gender,
        HIRING_STATUS: hiring_status,
        DEGREE: degree,
    }
    clauses = [value_condition(path, value) for path, value in wanted.items() if value]
    return {"$and": clauses} if clauses else {}


def value_condition(path: str, value: str) -> Document:
    """The stored value, ignoring case (as FETMS matched); the field's "no value" label
    (``Unknown``, ``Not Specified``, ``Pending``) or ``Unspecified``: missing, null or empty —
    and the label itself when stored, as the dashboard groups them together."""
    text = value.strip()
    exactly = {path: {"$regex": f"^{re.escape(text)}$", "$options": "i"}}
    label = NONE_LABELS.get(path, "")
    if text.lower() in (UNSPECIFIED, label.lower()):
        literal = {path: {"$regex": f"^{re.escape(label or text)}$", "$options": "i"}}
        return {"$or": [{path: {"$in": [None, ""]}}, literal]}
    return exactly


def stage_condition(db: Db, value: str) -> Any:
    """A stage id, or ``uncategorized`` = explicit, missing, or a stage that no longer exists."""
    if value.strip().lower() == UNCATEGORIZED_STAGE:
        return {"$nin": positions.live_stage_ids(db)}
    return value


def build_match(db: Db, filters: TeacherFilterQuery, now: datetime) -> Document:
    """The ``$match`` for the list and the export (values are matched, never interpreted)."""
    match: Document = dict(NOT_DELETED)
    if filters.projectId:
        match["project"] = parse_object_id(filters.projectId, "projectId")
    if filters.school:
        match["school"] = parse_object_id(filters.school, "school")
    if filters.pipelineStage:
        match["pipelineStage"] = stage_condition(db, filters.pipelineStage)
    match.update(
        profile_conditions(
            nationality=filters.nationality,
            gender=filters.gender,
            hiring_status=filters.hiringStatus,
            degree=filters.degree,
        )
    )
    if filters.expiringDocument:
        days = filters.expiringWithinDays if filters.expiringWithinDays is not None else 30
        match[EXPIRY_FIELDS[filters.expiringDocument]] = {"$lte": now + timedelta(days=days)}
    elif filters.expiringWithinDays is not None:
        raise ValidationFailed(
            detail="expiringWithinDays needs expiringDocument",
            errors=[FieldError("expiringDocument", "required with expiringWithinDays")],
        )
    if filters.salaryRange:
        from chalicelib.services.stats import salary_match  # stats builds on this module

        match.update(salary_match(filters.salaryRange))
    if filters.search:
        pattern = search_pattern(filters.search)
        match["$or"] = [
            {"firstName": pattern},
            {"lastName": pattern},
            {"middleName": pattern},
            {"email": pattern},
            {"personalInfo.englishName": pattern},
            {"personalInfo.chineseName": pattern},
        ]
    return match


# --- writes --------------------------------------------------------------------------------


def create_teacher(db: Db, data: TeacherCreate, actor: Actor) -> Document:
    fields = _clean(data.to_document())
    fields = {k: v for k, v in fields.items() if v is not None}
    # The e-mail is left to the unique index ``email_unique_active``: a clash is a 409 below.
    links: dict[str, Document | None] = {"school": None, "project": None}
    links.update(_resolve_links(db, fields, fields))
    documents = fields.get("documents") or {}
    for doc_type in DOCUMENT_TYPES:
        entry = documents.get(doc_type) or {}
        entry["status"] = document_status(None, entry.get("expiryDate"), common.utcnow())
        documents[doc_type] = entry
    fields["documents"] = documents
    wanted_stage = fields.get("pipelineStage") or UNCATEGORIZED_STAGE

    def write(session: ClientSession) -> Document:
        now = common.utcnow_ms()
        live = positions.live_stage_ids(db, session)
        stage = positions.check_stage(wanted_stage, live)
        doc = stamp_new(
            {
                "_id": ObjectId(),
                **fields,
                "pipelineStage": stage,
                "pipelineOrder": positions.next_position(db, stage, live, session),
                "documentBoxes": [],
                "otherDocuments": [],
                "stageHistory": [stage_history_entry(None, stage, now, actor)],
                "isDeleted": False,
            },
            now,
        )
        made = audit.entry(actor, "create", TEACHERS, doc["_id"], after=doc)
        insert_with_entry(db, TEACHERS, doc, made, session)
        return doc

    try:
        created = common.in_transaction(db, write)
    except DuplicateKeyError as exc:
        raise _duplicate_email(fields["email"]) from exc
    return _populated(created, links)


def document_status(file_path: Any, expiry: Any, now: datetime) -> str:
    """A core document's status, always derived (never taken from a client): ``missing``
    without a file, ``expired`` when its expiry is on or before today (the one rule of
    ``services/expiry.py``, as the vault view), else ``valid``."""
    if not file_path:
        return "missing"
    if isinstance(expiry, datetime) and is_expired(expiry, now):
        return "expired"
    return "valid"


def _derived_statuses(before: Document, changes: Document, now: datetime) -> Document:
    """The statuses of the core documents an update touches, from the merged values."""
    derived: Document = {}
    stored = before.get("documents") or {}
    for doc_type in DOCUMENT_TYPES:
        prefix = f"documents.{doc_type}"
        if not any(key == prefix or key.startswith(prefix + ".") for key in changes):
            continue
        current = stored.get(doc_type) or {}
        expiry = changes.get(f"{prefix}.expiryDate", current.get("expiryDate"))
        derived[f"{prefix}.status"] = document_status(current.get("filePath"), expiry, now)
    return derived


def update_teacher(
    db: Db, teacher_id: str, data: TeacherUpdate, actor: Actor, expected_version: int | None
) -> Document:
    """Merge the sent fields into the teacher (nested sections merge field by field).

    A stage change appends to ``stageHistory``, puts the teacher at the end of the new column
    and closes the gap in the old one, in the same transaction as the update and its audit entry.

    Round trips for a plain edit: one read (the teacher with its school and project), the update
    and its audit entry in one command, the commit. The update is conditional on the version read,
    so a concurrent change is never overwritten: with ``If-Match`` it is a 412, without it the
    merge is redone on the new version (a few times, then 409).
    """
    oid = parse_object_id(teacher_id)
    deadline = time.monotonic() + get_settings().mongo_transaction_timeout_ms / 1000
    for attempt in itertools.count():
        current, links = _read_with_links(db, oid)
        check_version(current, expected_version, WHAT)
        try:
            return _populated(_merge_into(db, current, links, data, actor), links)
        except DuplicateKeyError as exc:  # another teacher took the e-mail after the check
            raise _duplicate_email(str(getattr(data, "email", "") or "")) from exc
        except _ChangedMeanwhile:
            if expected_version is not None:
                raise PreconditionFailed(
                    detail=f"{WHAT} was changed by someone else; reload and try again"
                ) from None
        pause = random.uniform(0, MERGE_RETRY_PAUSE_SECONDS * (attempt + 1))  # noqa: S311 (jitter)
        if time.monotonic() + pause > deadline:
            break
        time.sleep(pause)
    raise Conflict(detail=f"{WHAT} is being changed by others; try again")


class _ChangedMeanwhile(Exception):
    """The teacher's version moved between the read and the conditional update."""


def _merge_into(
    db: Db,
    current: Document,
    links: dict[str, Document | None],
    data: TeacherUpdate,
    actor: Actor,
) -> Document:
    """Write what ``data`` changes in ``current``; returns the stored result. ``links`` is
    updated with the cards of a changed school or project."""
    oid = current["_id"]
    # Only what differs from the stored teacher is a change: a form sending the whole loaded
    # teacher back changes nothing, and unchanged (possibly legacy) values are not re-checked.
    sent = unflatten(effective_changes(current, flatten_for_set("", _clean(data.to_document()))))
    for name in REQUIRED_FIELDS:
        if name in sent and not sent[name]:
            raise ValidationFailed(
                detail=f"'{name}' cannot be empty", errors=[FieldError(name, "cannot be empty")]
            )
    if "email" in sent:
        _check_email_free(db, sent["email"], oid)
    changes = flatten_for_set("", sent) if sent else {}
    cards = _resolve_links(db, sent, changes)
    changes = effective_changes(current, changes)
    if not changes:
        return current
    for name in LINKS:
        if name in changes:
            links[name] = cards.get(name)

    def write(session: ClientSession) -> Document:
        now = common.utcnow_ms()
        update: Document = {
            "$set": {**changes, **_derived_statuses(current, changes, now), "updatedAt": now},
            "$inc": {"__v": 1},
        }
        moved_from: str | None = None
        live: list[str] = []
        if "pipelineStage" in changes:
            live = positions.live_stage_ids(db, session)
            new_stage = positions.check_stage(changes["pipelineStage"] or UNCATEGORIZED_STAGE, live)
            update["$set"]["pipelineStage"] = new_stage
            old_column = positions.column_of(current.get("pipelineStage"), live)
            if new_stage != current.get("pipelineStage"):
                entry = stage_history_entry(current.get("pipelineStage"), new_stage, now, actor)
                update["$push"] = {"stageHistory": entry}
            if new_stage != old_column:
                moved_from = old_column
                update["$set"]["pipelineOrder"] = positions.next_position(
                    db, new_stage, live, session
                )
        after = apply_update(current, update)
        made = audit.entry(actor, "update", TEACHERS, oid, before=current, after=after)
        unchanged_since_read = {"_id": oid, **NOT_DELETED, "__v": current.get("__v")}
        if not update_with_entry(db, TEACHERS, unchanged_since_read, update, made, session):
            raise _ChangedMeanwhile
        if moved_from is not None:
            positions.renumber(db, moved_from, live, session)
        if "$push" in update:
            new_stage = update["$set"]["pipelineStage"]
            record_stage_move(db, actor, oid, current.get("pipelineStage"), new_stage, session)
        return after

    return common.in_transaction(db, write)


def delete_teacher(db: Db, teacher_id: str, actor: Actor, expected_version: int | None) -> Document:
    """Soft delete; the teacher's column closes the gap (positions stay contiguous)."""
    oid = parse_object_id(teacher_id)

    def write(session: ClientSession) -> Document:
        now = common.utcnow()
        deleted = versioned_update(
            db[TEACHERS],
            {"_id": oid, **NOT_DELETED},
            {"$set": {"isDeleted": True, "deletedAt": now, "deletedBy": actor.email}},
            expected_version=expected_version,
            what=WHAT,
            now=now,
            session=session,
        )
        live = positions.live_stage_ids(db, session)
        column = positions.column_of(deleted.get("pipelineStage"), live)
        positions.renumber(db, column, live, session)
        audit.record(
            db,
            actor,
            "delete",
            TEACHERS,
            oid,
            before={"isDeleted": False},
            after={"isDeleted": True},
            session=session,
        )
        return deleted

    return common.in_transaction(db, write)


def restore_teacher(
    db: Db, teacher_id: str, actor: Actor, expected_version: int | None
) -> Document:
    """Undelete at the end of its column; refused (409) when a live teacher now uses the email."""
    oid = parse_object_id(teacher_id)
    current = get_or_404(db[TEACHERS], {"_id": oid, "isDeleted": True}, "Deleted teacher")
    if current.get("email"):
        _check_email_free(db, str(current["email"]), oid)

    def write(session: ClientSession) -> None:
        now = common.utcnow()
        live = positions.live_stage_ids(db, session)
        column = positions.column_of(current.get("pipelineStage"), live)
        versioned_update(
            db[TEACHERS],
            {"_id": oid, "isDeleted": True},
            {
                "$set": {
                    "isDeleted": False,
                    "pipelineOrder": positions.next_position(db, column, live, session),
                },
                "$unset": {"deletedAt": "", "deletedBy": ""},
            },
            expected_version=expected_version,
            what="Deleted teacher",
            now=now,
            session=session,
        )
        audit.record(
            db,
            actor,
            "restore",
            TEACHERS,
            oid,
            before={"isDeleted": True},
            after={"isDeleted": False},
            session=session,
        )

    try:
        common.in_transaction(db, write)
    except DuplicateKeyError as exc:
        raise _duplicate_email(str(current.get("email"))) from exc
    return get_teacher(db, teacher_id)


# --- helpers -------------------------------------------------------------------------------


def _clean(fields: Document) -> Document:
    """Drop echoed read-only values (excluded by the model) and normalise the email."""
    if isinstance(fields.get("email"), str):
        fields["email"] = fields["email"].strip()
    return _prune(fields)


def _prune(value: Document) -> Document:
    """Remove sections left empty once ignored keys are gone (``{}`` would wipe a section)."""
    pruned: Document = {}
    for key, inner in value.items():
        if isinstance(inner, dict):
            inner = _prune(inner)
            if not inner:
                continue
        pruned[key] = inner
    return pruned


def _check_email_free(db: Db, email: str, own_id: ObjectId | None) -> None:
    """Case-insensitive equality, served by ``email_unique_active`` (its partial filter and
    collation; migration 0004 marked FETMS's live teachers that lacked ``isDeleted``)."""
    query: Document = {"email": email, "isDeleted": False}
    if own_id is not None:
        query["_id"] = {"$ne": own_id}
    found = db[TEACHERS].find_one(query, {"_id": 1}, collation=CASE_INSENSITIVE)
    if found is not None:
        raise _duplicate_email(email)


def _duplicate_email(email: str) -> Conflict:
    return Conflict(
        detail=f"A teacher with email '{email}' already exists",
        errors=[FieldError("email", "must be unique")],
    )


def _resolve_links(db: Db, sent: Document, target: Document) -> dict[str, Document | None]:
    """Validate ``school``/``project`` and keep ``school`` ↔ ``serviceSchool`` consistent.

    ``sent`` is what the client sent (nested); ``target`` receives the values to store (the
    nested document on create, the flattened ``$set`` on update). Returns the cards (as
    ``POPULATE`` shows them) of the school and project it resolved.
    """
    cards: dict[str, Document | None] = {}
    flat = target is not sent
    if "project" in sent and sent["project"] is not None:
        pid = parse_object_id(sent["project"], "project")
        project = db[PROJECTS].find_one({"_id": pid, "isActive": {"$ne": False}}, PROJECT_CARD)
        if project is None:
            raise ValidationFailed(
                detail="The project does not exist or is archived",
                errors=[FieldError("project", "unknown or archived project")],
            )
        target["project"] = pid
        cards["project"] = project
    personal = sent.get("personalInfo") if isinstance(sent.get("personalInfo"), dict) else None
    name_sent = personal is not None and "serviceSchool" in personal
    if "school" in sent and sent["school"] is not None:
        sid = parse_object_id(sent["school"], "school")
        school = db[SCHOOLS].find_one({"_id": sid, **NOT_DELETED}, SCHOOL_CARD)
        if school is None:
            raise ValidationFailed(
                detail="The school does not exist",
                errors=[FieldError("school", "unknown school")],
            )
        target["school"] = sid
        cards["school"] = school
        name = (school.get("name") or {}).get("chinese")
        if flat:
            target["personalInfo.serviceSchool"] = name
        else:
            target.setdefault("personalInfo", {})["serviceSchool"] = name
    elif name_sent and "school" not in sent:
        assert personal is not None
        school = _school_by_name(db, personal.get("serviceSchool"))
        target["school"] = school["_id"] if school else None
        cards["school"] = school
    return cards


def _school_by_name(db: Db, name: Any) -> Document | None:
    if not isinstance(name, str) or not name.strip():
        return None
    exact = {"$regex": f"^{re.escape(name.strip())}$", "$options": "i"}
    query = {"$or": [{"name.chinese": exact}, {"name.english": exact}], **NOT_DELETED}
    return db[SCHOOLS].find_one(query, SCHOOL_CARD)
