"""Schools: searchable list, create, detail with employed teachers, merge update, soft delete."""

from __future__ import annotations

from chalicelib.db import SCHOOLS, TEACHERS, Db, Document
from chalicelib.errors import FieldError, ValidationFailed
from chalicelib.models.schools import SchoolCreate, SchoolUpdate
from chalicelib.services import audit
from chalicelib.services.actor import Actor
from chalicelib.services.common import (
    NOT_DELETED,
    Page,
    find_page,
    flatten_for_set,
    get_or_404,
    parse_object_id,
    search_pattern,
    stamp_new,
    utcnow,
)

WHAT = "School"
TEACHER_CARD_FIELDS: Document = {
    "firstName": 1,
    "middleName": 1,
    "lastName": 1,
    "email": 1,
    "profilePicture": 1,
    "pipelineStage": 1,
    "project": 1,
    "personalInfo.chineseName": 1,
    "personalInfo.englishName": 1,
    "personalInfo.nationality": 1,
    "personalInfo.hiringStatus": 1,
    "contractDetails.contractStartDate": 1,
    "contractDetails.contractEndDate": 1,
}


def list_schools(
    db: Db, *, search: str | None, include_deleted: bool, limit: int, offset: int
) -> Page:
    query: Document = {} if include_deleted else dict(NOT_DELETED)
    if search:
        pattern = search_pattern(search)
        query["$or"] = [{"name.chinese": pattern}, {"name.english": pattern}]
    return find_page(
        db[SCHOOLS], query, sort=[("name.chinese", 1), ("_id", 1)], limit=limit, offset=offset
    )


def create_school(db: Db, data: SchoolCreate, actor: Actor) -> Document:
    return audit.audited_insert(
        db, actor, SCHOOLS, stamp_new(data.to_document() | {"isDeleted": False})
    )


def get_school(db: Db, school_id: str) -> Document:
    oid = parse_object_id(school_id)
    school = get_or_404(db[SCHOOLS], {"_id": oid, **NOT_DELETED}, WHAT)
    teachers = db[TEACHERS].find({"school": oid, **NOT_DELETED}, TEACHER_CARD_FIELDS)
    school["employedTeachers"] = list(teachers.sort([("lastName", 1), ("firstName", 1)]))
    return school


def update_school(
    db: Db, school_id: str, data: SchoolUpdate, actor: Actor, expected_version: int | None
) -> Document:
    changes = flatten_for_set("", data.to_document())
    if "name.chinese" in changes and not changes["name.chinese"]:
        raise ValidationFailed(
            detail="A school needs a Chinese name",
            errors=[FieldError("name.chinese", "cannot be empty")],
        )
    return audit.audited_update(
        db,
        actor,
        SCHOOLS,
        {"_id": parse_object_id(school_id), **NOT_DELETED},
        {"$set": changes},
        expected_version=expected_version,
        what=WHAT,
        only_changes=True,
    )


def soft_delete_school(
    db: Db, school_id: str, actor: Actor, expected_version: int | None
) -> Document:
    return audit.audited_update(
        db,
        actor,
        SCHOOLS,
        {"_id": parse_object_id(school_id), **NOT_DELETED},
        {"$set": {"isDeleted": True, "deletedAt": utcnow(), "deletedBy": actor.email}},
        expected_version=expected_version,
        what=WHAT,
        action="delete",
    )


def restore_school(db: Db, school_id: str, actor: Actor, expected_version: int | None) -> Document:
    return audit.audited_update(
        db,
        actor,
        SCHOOLS,
        {"_id": parse_object_id(school_id), "isDeleted": True},
        {"$set": {"isDeleted": False}, "$unset": {"deletedAt": "", "deletedBy": ""}},
        expected_version=expected_version,
        what="Deleted school",
        action="restore",
    )
