"""Projects: create, list, update (code immutable), archive/restore, permanent delete."""

from __future__ import annotations

from bson import ObjectId
from pymongo.client_session import ClientSession
from pymongo.errors import DuplicateKeyError

from chalicelib.db import PROJECTS, TEACHERS, Db, Document
from chalicelib.errors import Conflict, FieldError, ValidationFailed
from chalicelib.models.projects import ProjectCreate, ProjectUpdate
from chalicelib.services import audit
from chalicelib.services.actor import Actor
from chalicelib.services.common import (
    NOT_DELETED,
    Page,
    find_page,
    get_or_404,
    in_transaction,
    parse_object_id,
    stamp_new,
)

WHAT = "Project"


def list_projects(db: Db, *, include_archived: bool, limit: int, offset: int) -> Page:
    query: Document = {} if include_archived else {"isActive": {"$ne": False}}
    return find_page(
        db[PROJECTS], query, sort=[("createdAt", -1), ("_id", -1)], limit=limit, offset=offset
    )


def get_project(db: Db, project_id: str) -> Document:
    return get_or_404(db[PROJECTS], {"_id": parse_object_id(project_id)}, WHAT)


def create_project(db: Db, data: ProjectCreate, actor: Actor) -> Document:
    doc = stamp_new(data.to_document() | {"code": data.code, "isActive": data.isActive})
    if db[PROJECTS].find_one({"code": data.code}, {"_id": 1}) is not None:
        raise _duplicate_code(data.code)
    try:
        return audit.audited_insert(db, actor, PROJECTS, doc)
    except DuplicateKeyError as exc:
        raise _duplicate_code(data.code) from exc


def update_project(
    db: Db, project_id: str, data: ProjectUpdate, actor: Actor, expected_version: int | None
) -> Document:
    oid = parse_object_id(project_id)
    changes = data.to_document()
    if "code" in changes:
        current = get_or_404(db[PROJECTS], {"_id": oid}, WHAT, {"code": 1})
        if (changes["code"] or "").upper() != current.get("code"):
            raise ValidationFailed(
                detail="A project's code cannot be changed",
                errors=[FieldError("code", "is immutable once the project exists")],
            )
        changes.pop("code")
    return audit.audited_update(
        db,
        actor,
        PROJECTS,
        {"_id": oid},
        {"$set": changes},
        expected_version=expected_version,
        what=WHAT,
        only_changes=True,
    )


def set_archived(
    db: Db, project_id: str, archived: bool, actor: Actor, expected_version: int | None
) -> Document:
    return audit.audited_update(
        db,
        actor,
        PROJECTS,
        {"_id": parse_object_id(project_id)},
        {"$set": {"isActive": not archived}},
        expected_version=expected_version,
        what=WHAT,
        action="archive" if archived else "restore",
    )


def delete_permanently(
    db: Db, project_id: str, actor: Actor, expected_version: int | None
) -> Document:
    """Hard delete, allowed only for an archived project no live teacher references."""
    oid = parse_object_id(project_id)
    project = get_or_404(db[PROJECTS], {"_id": oid}, WHAT)
    if project.get("isActive", True):
        raise Conflict(detail="Archive the project before deleting it permanently")
    teachers = _count_teachers(db, oid)
    if teachers:
        raise Conflict(
            detail=f"The project still has {teachers} teacher(s); move or delete them first"
        )
    guard: Document = {"_id": oid, "isActive": False}
    if expected_version is not None:
        guard["__v"] = expected_version

    def delete(session: ClientSession) -> Document:
        if db[PROJECTS].delete_one(guard, session=session).deleted_count != 1:
            raise Conflict(
                detail="The project changed while it was being deleted; reload and try again"
            )
        audit.record(db, actor, "delete-permanent", PROJECTS, oid, before=project, session=session)
        return project

    return in_transaction(db, delete)


def _count_teachers(db: Db, project_id: ObjectId) -> int:
    return db[TEACHERS].count_documents({"project": project_id, **NOT_DELETED})


def _duplicate_code(code: str) -> Conflict:
    return Conflict(
        detail=f"A project with code '{code}' already exists",
        errors=[FieldError("code", "must be unique")],
    )
