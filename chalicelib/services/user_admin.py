"""Users as administrators see and manage them: with their lockouts, and lifting one.

Lockouts live in ``loginthrottle`` under a keyed hash of the e-mail (``services/auth.py``), so
reading or ending them needs the signing key the API holds.
"""

from __future__ import annotations

from pymongo.client_session import ClientSession

from chalicelib.db import USERS, Db, Document
from chalicelib.services import audit, auth, users
from chalicelib.services.actor import Actor
from chalicelib.services.common import Page, in_transaction, utcnow


def with_lockouts(db: Db, found: list[Document], key: str) -> list[Document]:
    """Each user with ``lockedUntil``: when their latest lockout ends, or None."""
    locked = auth.locked_until(db, [str(u.get("email", "")) for u in found], key, utcnow())
    return [
        {**user, "lockedUntil": locked.get(users.normalize_email(str(user.get("email", ""))))}
        for user in found
    ]


def list_users(db: Db, *, include_inactive: bool, limit: int, offset: int, key: str) -> Page:
    page = users.list_users(db, include_inactive=include_inactive, limit=limit, offset=offset)
    return Page(
        items=with_lockouts(db, page.items, key), total=page.total, limit=limit, offset=offset
    )


def get_user(db: Db, user_id: str, key: str) -> Document:
    return with_lockouts(db, [users.get_user(db, user_id)], key)[0]


def unlock_user(db: Db, user_id: str, actor: Actor, key: str) -> Document:
    """End every lockout of the user's account (from every address), audited as ``user.unlock``."""
    user = users.get_user(db, user_id)

    def write(session: ClientSession) -> None:
        ended = auth.unlock(db, str(user["email"]), key, session=session)
        audit.record(
            db,
            actor,
            "user.unlock",
            USERS,
            user["_id"],
            details={"lockoutsEnded": ended},
            session=session,
        )

    in_transaction(db, write)
    return {**user, "lockedUntil": None}
