"""User accounts: create, list, update role or active flag, reset password (argon2id hashes)."""

from __future__ import annotations

import secrets

from pymongo.client_session import ClientSession
from pymongo.errors import DuplicateKeyError

from chalicelib.db import SESSIONS, USERS, Db, Document
from chalicelib.errors import Conflict, FieldError, ValidationFailed
from chalicelib.models.users import UserCreate, UserUpdate
from chalicelib.services import audit
from chalicelib.services.actor import Actor
from chalicelib.services.common import (
    Page,
    check_version,
    effective_changes,
    find_page,
    get_or_404,
    in_transaction,
    parse_object_id,
    stamp_new,
    utcnow,
    versioned_update,
)
from chalicelib.services.passwords import check_policy, hash_password
from chalicelib.settings import get_settings

WHAT = "User"
# The one public view of a user: every user a route returns is read or reduced through it.
PUBLIC_KEYS = ("_id", "email", "name", "role", "active", "lastLoginAt", "createdAt", "updatedAt")
PUBLIC_FIELDS: Document = {key: 1 for key in PUBLIC_KEYS} | {"__v": 1}


def normalize_email(email: str) -> str:
    return email.strip().lower()


def generate_password() -> str:
    return secrets.token_urlsafe(18)


def create_user(db: Db, data: UserCreate, actor: Actor) -> tuple[Document, str | None]:
    """Create an account; returns the user and the generated password (None if one was given)."""
    email = normalize_email(str(data.email))
    generated = None
    password = data.password
    if password is None:
        password = generated = generate_password()
    settings = get_settings()
    check_policy(
        password,
        settings.password_min_length,
        email=email,
        min_score=settings.password_min_score,
    )
    doc = stamp_new(
        {
            "email": email,
            "name": data.name,
            "role": str(data.role),
            "active": True,
            "passwordHash": hash_password(password),
            "lastLoginAt": None,
        }
    )
    try:
        audit.audited_insert(db, actor, USERS, doc, action="user.create", shown=public(doc))
    except DuplicateKeyError as exc:
        raise Conflict(
            detail=f"A user with e-mail {email} already exists",
            errors=[FieldError("email", "must be unique")],
        ) from exc
    return public(doc), generated


def list_users(db: Db, *, include_inactive: bool, limit: int, offset: int) -> Page:
    query: Document = {} if include_inactive else {"active": True}
    return find_page(
        db[USERS], query, sort=[("email", 1)], limit=limit, offset=offset, projection=PUBLIC_FIELDS
    )


def get_user(db: Db, user_id: str) -> Document:
    return get_or_404(db[USERS], {"_id": parse_object_id(user_id)}, WHAT, PUBLIC_FIELDS)


def find_by_email(db: Db, email: str) -> Document | None:
    return db[USERS].find_one({"email": normalize_email(email)})


def update_user(
    db: Db, user_id: str, data: UserUpdate, actor: Actor, expected_version: int | None
) -> Document:
    oid = parse_object_id(user_id)
    changes = data.to_document()
    if oid == _oid_or_none(actor.user_id) and (
        changes.get("active") is False or changes.get("role", "admin") != "admin"
    ):
        raise ValidationFailed(
            detail="You cannot disable yourself or remove your own admin role",
            errors=[
                FieldError("role" if "role" in changes else "active", "not allowed on yourself")
            ],
        )
    before = get_user(db, user_id)
    changes = effective_changes(before, changes)
    if not changes:
        check_version(before, expected_version, WHAT)
        return before

    def write(session: ClientSession) -> Document:
        updated = versioned_update(
            db[USERS],
            {"_id": oid},
            {"$set": changes},
            expected_version=expected_version,
            what=WHAT,
            session=session,
        )
        if "role" in changes or changes.get("active") is False:
            revoke_sessions(db, oid, session=session)
        after = public(updated)
        audit.record(
            db, actor, "user.update", USERS, oid, before=before, after=after, session=session
        )
        return after

    return in_transaction(db, write)


def reset_password(db: Db, user_id: str, actor: Actor) -> tuple[Document, str]:
    """Admin reset: a new generated password, every session of the user revoked."""
    oid = parse_object_id(user_id)
    password = generate_password()
    password_hash = hash_password(password)

    def write(session: ClientSession) -> Document:
        updated = versioned_update(
            db[USERS],
            {"_id": oid},
            {"$set": {"passwordHash": password_hash}},
            expected_version=None,
            what=WHAT,
            session=session,
        )
        revoke_sessions(db, oid, session=session)
        audit.record(db, actor, "user.password-reset", USERS, oid, session=session)
        return public(updated)

    return in_transaction(db, write), password


def set_password(
    db: Db, user_oid: object, password: str, session: ClientSession | None = None
) -> None:
    db[USERS].update_one(
        {"_id": user_oid},
        {
            "$set": {"passwordHash": hash_password(password), "updatedAt": utcnow()},
            "$inc": {"__v": 1},
        },
        session=session,
    )


def revoke_sessions(db: Db, user_oid: object, session: ClientSession | None = None) -> int:
    result = db[SESSIONS].update_many(
        {"userId": user_oid, "revokedAt": None},
        {"$set": {"revokedAt": utcnow()}},
        session=session,
    )
    return result.modified_count


def public(doc: Document) -> Document:
    """Only the public fields of a stored user (never a hash or anything added later)."""
    return {k: v for k, v in doc.items() if k in PUBLIC_FIELDS}


def _oid_or_none(value: str | None) -> object:
    from bson import ObjectId

    return ObjectId(value) if value and ObjectId.is_valid(value) else None
