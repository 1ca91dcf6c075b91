"""Per-user preferences kept on the server, so they follow the user to another browser.

One document per user in ``userpreferences`` (``_id`` = the user's id). Only the user reads or
changes their own; each change and its audit entry commit together.
"""

from __future__ import annotations

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.client_session import ClientSession

from chalicelib.db import USER_PREFERENCES, Db, Document
from chalicelib.errors import Unauthorized
from chalicelib.models.preferences import PreferencesUpdate
from chalicelib.services import audit
from chalicelib.services.actor import Actor
from chalicelib.services.common import in_transaction, utcnow

KEYS = ("language", "theme", "defaultProject", "listColumns")


def _owner(actor: Actor) -> ObjectId:
    if not actor.user_id or not ObjectId.is_valid(actor.user_id):
        raise Unauthorized(detail="Preferences belong to a signed-in user")
    return ObjectId(actor.user_id)


def _shown(doc: Document | None) -> Document:
    stored = doc or {}
    shown: Document = {key: stored.get(key) for key in KEYS}
    shown["updatedAt"] = stored.get("updatedAt")
    return shown


def get_preferences(db: Db, actor: Actor) -> Document:
    """The caller's preferences (every key, ``None`` where unset)."""
    return _shown(db[USER_PREFERENCES].find_one({"_id": _owner(actor)}))


def update_preferences(db: Db, actor: Actor, data: PreferencesUpdate) -> Document:
    """Change the sent keys (``None`` unsets one) and return every preference."""
    owner = _owner(actor)
    sent = data.to_document()
    now = utcnow()
    to_set: Document = {k: v for k, v in sent.items() if v is not None}
    to_unset: Document = {k: "" for k, v in sent.items() if v is None}
    update: Document = {"$set": {**to_set, "updatedAt": now}, "$inc": {"__v": 1}}
    if to_unset:
        update["$unset"] = to_unset

    def write(session: ClientSession) -> Document:
        before = db[USER_PREFERENCES].find_one({"_id": owner}, session=session)
        after = db[USER_PREFERENCES].find_one_and_update(
            {"_id": owner},
            update,
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        audit.record(
            db,
            actor,
            "preferences.update",
            USER_PREFERENCES,
            owner,
            before={k: v for k, v in (before or {}).items() if k in KEYS},
            after={k: v for k, v in (after or {}).items() if k in KEYS},
            session=session,
        )
        return _shown(after)

    return in_transaction(db, write)
