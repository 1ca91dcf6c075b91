"""Login, refresh, logout and token checks, with brute-force protection.

Failed attempts (sign-in and password change alike) are counted three ways:

* per account *and* client address: past ``LOGIN_MAX_FAILURES`` that account is locked from that
  address for a doubling interval — an attacker elsewhere cannot lock the owner out;
* per client address over every account (password spraying) and per account over every address
  (distributed guessing, at most ``LOGIN_ACCOUNT_FAILURES_PER_WINDOW`` an hour): past either, new
  attempts get 429 — except for an account signing in from an address it signed in from within
  ``LOGIN_TRUSTED_ADDRESS_DAYS``, so colleagues behind one office NAT are not locked out by
  someone else there.

Accounts are named in these counters by a keyed hash of what was typed (whether or not such a
user exists, so answers never reveal it), never by the typed text: a password typed into the
e-mail field is stored nowhere.

Sessions (refresh tokens ``<sessionId>.<secret>``) have random identifiers, end after
``SESSION_IDLE_MINUTES`` without a refresh and ``SESSION_MAX_HOURS`` after sign-in. A refresh
with a secret the session *used to have* (a replayed, stolen token) ends the session; any other
wrong secret is only counted against the client address.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.client_session import ClientSession

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
    new_session_id,
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
SESSION_ENDED = "The session has ended; log in again"
UNKNOWN_ACCOUNT = "(unknown account)"
# Rotated-out refresh secrets remembered per session (reuse detection); a session lives at most
# SESSION_MAX_HOURS and rotates every few minutes, so this covers it.
PREVIOUS_SECRETS_KEPT = 300


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


# ---------------------------------------------------------------------------------------------
# Failure counting and lockout (sign-in and password change)
# ---------------------------------------------------------------------------------------------


def account_fingerprint(email: str, key: str) -> str:
    """A keyed hash naming an account in the throttle records (never the typed text)."""
    derived = hmac.new(key.encode(), b"fetms-login-throttle", hashlib.sha256).digest()
    typed = normalize_email(email).encode()
    return hmac.new(derived, typed, hashlib.sha256).hexdigest()[:32]


def _pair_key(fingerprint: str, address: str | None) -> str:
    return f"pair:{fingerprint}:{address or '-'}"


def _trusted_key(fingerprint: str, address: str) -> str:
    return f"ok:{fingerprint}:{address}"


def _guard_attempt(
    db: Db, fingerprint: str, address: str | None, settings: Settings, now: datetime
) -> None:
    """429 before any password is checked: this account locked from this address, or too many
    failures from this address / on this account (unless the address is trusted for it)."""
    _refuse_if_locked(db, _pair_key(fingerprint, address), now)
    if address and db[LOGIN_THROTTLE].find_one({"_id": _trusted_key(fingerprint, address)}):
        return
    if address:
        rate_limits.check(
            db,
            f"login-fail:{address}",
            limit=settings.login_address_failures_per_window,
            window_seconds=settings.login_address_window_seconds,
            now=now,
        )
    rate_limits.check(
        db,
        f"login-fail-acct:{fingerprint}",
        limit=settings.login_account_failures_per_window,
        window_seconds=settings.login_account_window_seconds,
        now=now,
    )


def _record_failure(
    db: Db,
    fingerprint: str,
    address: str | None,
    settings: Settings,
    now: datetime,
    *,
    actor: Actor,
    user_id: Any,
    via: str,
) -> None:
    """Count one failure everywhere; a lockout that starts now is audited."""
    pair_key = _pair_key(fingerprint, address)
    state = db[LOGIN_THROTTLE].find_one_and_update(
        {"_id": pair_key},
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
        until = now + timedelta(seconds=seconds)
        db[LOGIN_THROTTLE].update_one(
            {"_id": pair_key},
            {"$set": {"failures": 0, "lockouts": lockouts, "lockedUntil": until}},
        )
        audit.record(
            db,
            actor,
            "auth.lockout",
            USERS,
            user_id,
            details={"via": via, "lockedUntil": until, "seconds": seconds, "account": fingerprint},
        )
    rate_limits.hit(
        db,
        f"login-fail-acct:{fingerprint}",
        limit=settings.login_account_failures_per_window,
        window_seconds=settings.login_account_window_seconds,
        now=now,
    )
    if address:
        rate_limits.hit(
            db,
            f"login-fail:{address}",
            limit=settings.login_address_failures_per_window,
            window_seconds=settings.login_address_window_seconds,
            now=now,
        )


def _record_success(
    db: Db, fingerprint: str, address: str | None, settings: Settings, now: datetime
) -> None:
    db[LOGIN_THROTTLE].delete_one({"_id": _pair_key(fingerprint, address)})
    if address:
        db[LOGIN_THROTTLE].update_one(
            {"_id": _trusted_key(fingerprint, address)},
            {"$set": {"expiresAt": now + timedelta(days=settings.login_trusted_address_days)}},
            upsert=True,
        )


def unlock(db: Db, email: str, key: str, session: ClientSession | None = None) -> int:
    """End every lockout of the account (all addresses); returns how many were ended."""
    fingerprint = account_fingerprint(email, key)
    result = db[LOGIN_THROTTLE].delete_many(
        {"_id": {"$regex": f"^pair:{fingerprint}:"}}, session=session
    )
    return int(result.deleted_count)


def locked_until(db: Db, emails: list[str], key: str, now: datetime) -> dict[str, datetime]:
    """The accounts among ``emails`` locked now from some address: e-mail → when the latest of
    their lockouts ends (one query for all)."""
    by_fingerprint = {account_fingerprint(email, key): normalize_email(email) for email in emails}
    if not by_fingerprint:
        return {}
    pattern = "^pair:(" + "|".join(by_fingerprint) + "):"  # hex fingerprints: nothing to escape
    found: dict[str, datetime] = {}
    query = {"_id": {"$regex": pattern}, "lockedUntil": {"$gt": now}}
    for state in db[LOGIN_THROTTLE].find(query, {"lockedUntil": 1}):
        email = by_fingerprint[str(state["_id"]).split(":")[1]]
        until: datetime = state["lockedUntil"]
        if email not in found or until > found[email]:
            found[email] = until
    return found


def _refuse_if_locked(db: Db, key: str, now: datetime) -> None:
    state = db[LOGIN_THROTTLE].find_one({"_id": key})
    locked_until = state.get("lockedUntil") if state else None
    if locked_until is not None and locked_until > now:
        retry = max(1, int((locked_until - now).total_seconds()))
        raise TooManyRequests(
            detail=f"Too many failed attempts; try again in {retry} seconds",
            headers={"Retry-After": str(retry)},
        )


# ---------------------------------------------------------------------------------------------
# Sign-in, refresh, sign-out
# ---------------------------------------------------------------------------------------------


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
    fingerprint = account_fingerprint(email, key)
    _guard_attempt(db, fingerprint, address, settings, now)
    user = find_by_email(db, email)
    ok = verify_password(user.get("passwordHash") if user else None, password)
    if not ok or user is None or not user.get("active", True):
        actor = Actor(
            user_id=None,
            email=str(user["email"]) if user else UNKNOWN_ACCOUNT,
            role="anonymous",
            client_address=address,
            correlation_id=correlation_id,
        )
        user_id = user["_id"] if user else None
        audit.record(
            db, actor, "auth.login-failed", USERS, user_id, details={"account": fingerprint}
        )
        _record_failure(
            db, fingerprint, address, settings, now, actor=actor, user_id=user_id, via="login"
        )
        raise Unauthorized(detail=BAD_CREDENTIALS)
    _record_success(db, fingerprint, address, settings, now)
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
    db: Db,
    refresh_token: str,
    *,
    address: str | None,
    settings: Settings,
    key: str,
    correlation_id: str | None = None,
) -> IssuedTokens:
    """Rotate a refresh token. Presenting a secret the session had before (a replayed token)
    ends the session; other failures are counted against the client address: past
    ``REFRESH_ADDRESS_FAILURES_PER_WINDOW`` they get 429 — a valid token still works there, so
    guessing from an office's address does not sign its other users out."""
    now = common.utcnow()

    def refuse(detail: str = SESSION_ENDED) -> Unauthorized:
        if address:
            rate_limits.hit(
                db,
                f"refresh-fail:{address}",
                limit=settings.refresh_address_failures_per_window,
                window_seconds=settings.refresh_address_window_seconds,
                now=now,
            )
        return Unauthorized(detail=detail)

    session_id, _, secret = refresh_token.partition(".")
    if not session_id or not secret or len(session_id) > 64:
        raise refuse("Invalid refresh token")
    session = db[SESSIONS].find_one({"_id": session_id})
    if session is None or session.get("revokedAt") is not None or session["expiresAt"] <= now:
        raise refuse()
    presented = hash_refresh_secret(secret)
    if not hmac.compare_digest(str(session["refreshHash"]), presented):
        if presented in (session.get("previousHashes") or []):
            _end_reused(db, session, address, correlation_id, now)
        raise refuse()
    if session.get("lastUsedAt", now) < now - timedelta(minutes=settings.session_idle_minutes):
        db[SESSIONS].update_one(
            {"_id": session["_id"], "revokedAt": None},
            {"$set": {"revokedAt": now, "endedBy": "idle"}},
        )
        raise refuse("The session ended after a time without activity; log in again")
    user = db[USERS].find_one({"_id": session["userId"]})
    if user is None or not user.get("active", True):
        raise refuse("The account is disabled")
    new_secret = new_refresh_secret()
    rotated = db[SESSIONS].update_one(
        {"_id": session["_id"], "refreshHash": session["refreshHash"], "revokedAt": None},
        {
            "$set": {
                "refreshHash": hash_refresh_secret(new_secret),
                "lastUsedAt": now,
                "role": user["role"],
                "email": user["email"],
            },
            "$push": {"previousHashes": {"$each": [presented], "$slice": -PREVIOUS_SECRETS_KEPT}},
        },
    )
    if rotated.matched_count == 0:
        # Another request rotated this very secret a moment ago: this one is a replay.
        _end_reused(db, session, address, correlation_id, now)
        raise refuse()
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


def _end_reused(
    db: Db, session: Document, address: str | None, correlation_id: str | None, now: datetime
) -> None:
    """A refresh secret was presented after it had been rotated out: end the session."""
    ended = db[SESSIONS].update_one(
        {"_id": session["_id"], "revokedAt": None},
        {"$set": {"revokedAt": now, "endedBy": "refresh-reuse"}},
    )
    actor = Actor(
        user_id=str(session["userId"]),
        email=str(session.get("email") or ""),
        role=str(session.get("role") or "anonymous"),
        client_address=address,
        correlation_id=correlation_id,
    )
    audit.record(
        db,
        actor,
        "auth.refresh-reuse",
        USERS,
        session["userId"],
        details={"session": _session_label(session["_id"]), "revoked": ended.modified_count == 1},
    )


def _session_label(session_id: Any) -> str:
    """A session named in the audit log without the identifier tokens carry."""
    return hashlib.sha256(str(session_id).encode()).hexdigest()[:16]


def logout(db: Db, actor: Actor, session_id: str | None) -> None:
    if session_id:
        db[SESSIONS].update_one(
            {"_id": session_id, "revokedAt": None},
            {"$set": {"revokedAt": common.utcnow(), "endedBy": "logout"}},
        )
    audit.record(db, actor, "auth.logout", USERS, actor.user_id)


def verify_token(token: str, key: str) -> AccessClaims:
    """The claims of a well-signed, unexpired access token (no database needed)."""
    try:
        return decode_access_token(token, key, common.utcnow())
    except InvalidToken as exc:
        raise Unauthorized(detail="Invalid or expired token") from exc


SESSION_FIELDS = {"revokedAt": 1, "expiresAt": 1, "role": 1, "userId": 1, "email": 1}


@dataclass(frozen=True)
class WriteCount:
    """Writes counted on a session in the current rate-limit window (see :func:`count_write`)."""

    count: int
    window_ends: datetime


def check_session(db: Db, claims: AccessClaims) -> AccessClaims:
    """Confirm the token's session is still open (logout/disable take effect at once) and
    belongs to the token's user. The identity and the role come from the session, so a role
    change applies to tokens already issued and a token cannot borrow another user's session."""
    session = db[SESSIONS].find_one({"_id": claims.session_id}, SESSION_FIELDS)
    return _open_claims(session, claims, common.utcnow())


def count_write(
    db: Db, claims: AccessClaims, window_seconds: int
) -> tuple[AccessClaims, WriteCount]:
    """:func:`check_session` and one write counted on the session, in one command.

    The session document carries the count of the current fixed window (``writeWindow``,
    ``writeCount``), so the write rate limit holds across Lambda instances without a round trip
    of its own.
    """
    now = common.utcnow()
    _, window_start, window_end = rate_limits.window_bounds(now, window_seconds)
    same_window = {"$eq": [{"$ifNull": ["$writeWindow", None]}, window_start]}
    session = db[SESSIONS].find_one_and_update(
        {"_id": claims.session_id},
        [
            {
                "$set": {
                    "writeCount": {
                        "$cond": [same_window, {"$add": [{"$ifNull": ["$writeCount", 0]}, 1]}, 1]
                    },
                    "writeWindow": window_start,
                }
            }
        ],
        projection={**SESSION_FIELDS, "writeCount": 1},
        return_document=ReturnDocument.AFTER,
    )
    checked = _open_claims(session, claims, now)
    assert session is not None
    ends = datetime.fromtimestamp(window_end, tz=now.tzinfo)
    return checked, WriteCount(int(session.get("writeCount") or 0), ends)


def _open_claims(session: Document | None, claims: AccessClaims, now: datetime) -> AccessClaims:
    if session is None or session.get("revokedAt") is not None or session["expiresAt"] <= now:
        raise Unauthorized(detail=SESSION_ENDED)
    if str(session.get("userId")) != claims.user_id or session.get("email") != claims.email:
        raise Unauthorized(detail="Invalid or expired token")
    return AccessClaims(
        str(session["userId"]), claims.session_id, str(session["email"]), str(session["role"])
    )


def authorize(db: Db, token: str, key: str) -> AccessClaims:
    """Verify an access token and that its session is still open."""
    return check_session(db, verify_token(token, key))


def change_password(
    db: Db, actor: Actor, current: str, new: str, settings: Settings, key: str
) -> None:
    """Change the caller's password. Wrong current passwords count and lock out exactly like
    failed sign-ins (same counters), and are audited."""
    now = common.utcnow()
    user = db[USERS].find_one({"_id": ObjectId(actor.user_id)}) if actor.user_id else None
    if user is None:
        raise Unauthorized(detail="The account no longer exists")
    fingerprint = account_fingerprint(str(user["email"]), key)
    address = actor.client_address
    _guard_attempt(db, fingerprint, address, settings, now)
    if not verify_password(user.get("passwordHash"), current):
        audit.record(db, actor, "auth.password-change-failed", USERS, user["_id"])
        _record_failure(
            db,
            fingerprint,
            address,
            settings,
            now,
            actor=actor,
            user_id=user["_id"],
            via="password-change",
        )
        raise Unauthorized(detail="The current password is incorrect")
    check_policy(
        new,
        settings.password_min_length,
        email=user["email"],
        field="newPassword",
        min_score=settings.password_min_score,
    )
    _record_success(db, fingerprint, address, settings, now)

    def write(session: ClientSession) -> None:
        set_password(db, user["_id"], new, session=session)
        revoke_sessions(db, user["_id"], session=session)
        audit.record(db, actor, "user.password-change", USERS, user["_id"], session=session)

    common.in_transaction(db, write)


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
    expires = now + timedelta(hours=settings.session_max_hours)
    session: Document = {
        "_id": new_session_id(),
        "userId": user["_id"],
        "email": user["email"],
        "role": user["role"],
        "refreshHash": hash_refresh_secret(secret),
        "previousHashes": [],
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
