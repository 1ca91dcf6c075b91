"""Login, refresh, logout and token checks, with brute-force protection.

Failed logins are counted per account key (the normalised e-mail, whether or not such a user
exists, so responses never reveal it) and per client address. Past the threshold the account key
is locked for a growing interval; the response is 429 with Retry-After.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId

from chalicelib.db import LOGIN_THROTTLE, SESSIONS, USERS, Db, Document
from chalicelib.errors import TooManyRequests, Unauthorized
from chalicelib.services import audit, common, rate_limits
from chalicelib.services.actor import Actor
from chalicelib.services.passwords import check_policy, needs_rehash, verify_password
from chalicelib.services.tokens import (
    AccessClaims,
    InvalidToken,
    decode_access_token,
    hash_refresh_secret,
    issue_access_token,
    new_refresh_secret,
)
from chalicelib.services.users import (
    PUBLIC_FIELDS,
    find_by_email,
    normalize_email,
    public,
    revoke_sessions,
    set_password,
)
from chalicelib.settings import Settings

BAD_CREDENTIALS = "Incorrect e-mail or password"


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    access_expires: datetime
    refresh_token: str
    refresh_expires: datetime
    user: Document

    def as_dict(self) -> Document:
        return {
            "accessToken": self.access_token,
            "tokenType": "Bearer",
            "expiresAt": self.access_expires,
            "refreshToken": self.refresh_token,
            "refreshExpiresAt": self.refresh_expires,
            "user": self.user,
        }


def login(
    db: Db,
    email: str,
    password: str,
    *,
    address: str | None,
    settings: Settings,
    key: str,
    correlation_id: str | None = None,
) -> IssuedTokens:
    now = common.utcnow()
    account_key = f"acct:{normalize_email(email)}"
    _refuse_if_locked(db, account_key, now)
    if address:
        rate_limits.check(
            db,
            f"login-fail:{address}",
            limit=settings.login_address_failures_per_window,
            window_seconds=settings.login_address_window_seconds,
            now=now,
        )
    user = find_by_email(db, email)
    ok = verify_password(user.get("passwordHash") if user else None, password)
    if not ok or user is None or not user.get("active", True):
        _record_failure(db, account_key, address, settings, now)
        actor = Actor(
            user_id=None,
            email=normalize_email(email)[:254],
            role="anonymous",
            client_address=address,
            correlation_id=correlation_id,
        )
        audit.record(db, actor, "auth.login-failed", USERS, user["_id"] if user else None)
        raise Unauthorized(detail=BAD_CREDENTIALS)
    db[LOGIN_THROTTLE].delete_one({"_id": account_key})
    if needs_rehash(user["passwordHash"]):
        set_password(db, user["_id"], password)
    db[USERS].update_one({"_id": user["_id"]}, {"$set": {"lastLoginAt": now}})
    user["lastLoginAt"] = now
    tokens = open_session(db, user, address, settings, key, now)
    actor = Actor(
        user_id=str(user["_id"]),
        email=user["email"],
        role=user["role"],
        client_address=address,
        correlation_id=correlation_id,
    )
    audit.record(db, actor, "auth.login", USERS, user["_id"])
    return tokens


def refresh(
    db: Db, refresh_token: str, *, address: str | None, settings: Settings, key: str
) -> IssuedTokens:
    """Rotate a refresh token. Reusing an old one revokes its whole session (theft signal)."""
    now = common.utcnow()
    session_id, _, secret = refresh_token.partition(".")
    if not ObjectId.is_valid(session_id) or not secret:
        raise Unauthorized(detail="Invalid refresh token")
    session = db[SESSIONS].find_one({"_id": ObjectId(session_id)})
    if session is None or session.get("revokedAt") is not None or session["expiresAt"] <= now:
        raise Unauthorized(detail="The session has ended; log in again")
    if session["refreshHash"] != hash_refresh_secret(secret):
        db[SESSIONS].update_one({"_id": session["_id"]}, {"$set": {"revokedAt": now}})
        raise Unauthorized(detail="The session has ended; log in again")
    user = db[USERS].find_one({"_id": session["userId"]})
    if user is None or not user.get("active", True):
        raise Unauthorized(detail="The account is disabled")
    new_secret = new_refresh_secret()
    db[SESSIONS].update_one(
        {"_id": session["_id"], "refreshHash": session["refreshHash"]},
        {
            "$set": {
                "refreshHash": hash_refresh_secret(new_secret),
                "lastUsedAt": now,
                "role": user["role"],
            }
        },
    )
    access, access_expires = issue_access_token(
        _claims(user, session["_id"]), key, now, settings.access_token_minutes
    )
    return IssuedTokens(
        access,
        access_expires,
        f"{session['_id']}.{new_secret}",
        session["expiresAt"],
        public(user),
    )


def logout(db: Db, actor: Actor, session_id: str | None) -> None:
    if session_id and ObjectId.is_valid(session_id):
        db[SESSIONS].update_one(
            {"_id": ObjectId(session_id), "revokedAt": None},
            {"$set": {"revokedAt": common.utcnow()}},
        )
    audit.record(db, actor, "auth.logout", USERS, actor.user_id)


def verify_token(token: str, key: str) -> AccessClaims:
    """The claims of a well-signed, unexpired access token (no database needed)."""
    try:
        return decode_access_token(token, key, common.utcnow())
    except InvalidToken as exc:
        raise Unauthorized(detail="Invalid or expired token") from exc


def check_session(db: Db, claims: AccessClaims) -> AccessClaims:
    """Confirm the token's session is still open (logout/disable take effect at once).

    The role comes from the session, so a role change applies to tokens already issued.
    """
    now = common.utcnow()
    if not ObjectId.is_valid(claims.session_id):
        raise Unauthorized(detail="Invalid or expired token")
    session = db[SESSIONS].find_one(
        {"_id": ObjectId(claims.session_id)}, {"revokedAt": 1, "expiresAt": 1, "role": 1}
    )
    if session is None or session.get("revokedAt") is not None or session["expiresAt"] <= now:
        raise Unauthorized(detail="The session has ended; log in again")
    return AccessClaims(
        claims.user_id, claims.session_id, claims.email, str(session.get("role", claims.role))
    )


def authorize(db: Db, token: str, key: str) -> AccessClaims:
    """Verify an access token and that its session is still open."""
    return check_session(db, verify_token(token, key))


def change_password(db: Db, actor: Actor, current: str, new: str, settings: Settings) -> None:
    user = db[USERS].find_one({"_id": ObjectId(actor.user_id)}) if actor.user_id else None
    if user is None or not verify_password(user.get("passwordHash"), current):
        raise Unauthorized(detail="The current password is incorrect")
    check_policy(
        new,
        settings.password_min_length,
        email=user["email"],
        field="newPassword",
        min_score=settings.password_min_score,
    )
    set_password(db, user["_id"], new)
    revoke_sessions(db, user["_id"])
    audit.record(db, actor, "user.password-change", USERS, user["_id"])


def me(db: Db, actor: Actor) -> Document:
    user = (
        db[USERS].find_one({"_id": ObjectId(actor.user_id)}, PUBLIC_FIELDS)
        if actor.user_id
        else None
    )
    if user is None:
        raise Unauthorized(detail="The account no longer exists")
    return user


def _claims(user: Document, session_id: Any) -> AccessClaims:
    return AccessClaims(
        user_id=str(user["_id"]), session_id=str(session_id), email=user["email"], role=user["role"]
    )


def open_session(
    db: Db, user: Document, address: str | None, settings: Settings, key: str, now: datetime
) -> IssuedTokens:
    secret = new_refresh_secret()
    expires = now + timedelta(days=settings.refresh_token_days)
    session: Document = {
        "userId": user["_id"],
        "role": user["role"],
        "refreshHash": hash_refresh_secret(secret),
        "createdAt": now,
        "lastUsedAt": now,
        "expiresAt": expires,
        "revokedAt": None,
        "clientAddress": address,
    }
    db[SESSIONS].insert_one(session)
    access, access_expires = issue_access_token(
        _claims(user, session["_id"]), key, now, settings.access_token_minutes
    )
    return IssuedTokens(access, access_expires, f"{session['_id']}.{secret}", expires, public(user))


def _refuse_if_locked(db: Db, account_key: str, now: datetime) -> None:
    state = db[LOGIN_THROTTLE].find_one({"_id": account_key})
    locked_until = state.get("lockedUntil") if state else None
    if locked_until is not None and locked_until > now:
        retry = max(1, int((locked_until - now).total_seconds()))
        raise TooManyRequests(
            detail=f"Too many failed logins; try again in {retry} seconds",
            headers={"Retry-After": str(retry)},
        )


def _record_failure(
    db: Db, account_key: str, address: str | None, settings: Settings, now: datetime
) -> None:
    state = db[LOGIN_THROTTLE].find_one_and_update(
        {"_id": account_key},
        {
            "$inc": {"failures": 1},
            "$setOnInsert": {"lockouts": 0},
            "$set": {"expiresAt": now + timedelta(days=1)},
        },
        upsert=True,
        return_document=True,
    )
    if state is not None and int(state["failures"]) >= settings.login_max_failures:
        lockouts = int(state.get("lockouts", 0)) + 1
        seconds = min(
            settings.login_lockout_seconds * 2 ** (lockouts - 1), settings.login_lockout_max_seconds
        )
        db[LOGIN_THROTTLE].update_one(
            {"_id": account_key},
            {
                "$set": {
                    "failures": 0,
                    "lockouts": lockouts,
                    "lockedUntil": now + timedelta(seconds=seconds),
                }
            },
        )
    if address:
        rate_limits.hit(
            db,
            f"login-fail:{address}",
            limit=settings.login_address_failures_per_window,
            window_seconds=settings.login_address_window_seconds,
            now=now,
        )
