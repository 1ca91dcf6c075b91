"""Users and tokens for tests, without paying for argon2 on every test."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib.services import auth, common
from chalicelib.services.common import stamp_new
from chalicelib.services.passwords import hash_password
from chalicelib.services.tokens import signing_key
from chalicelib.settings import get_settings

TEST_PASSWORD = "correct-Horse-battery-9"


@lru_cache(maxsize=1)
def test_password_hash() -> str:
    return hash_password(TEST_PASSWORD)


def make_user(db: Any, role: str, email: str | None = None, active: bool = True) -> dict[str, Any]:
    doc = stamp_new(
        {
            "email": email or f"{role}@example.org",
            "name": f"Test {role}",
            "role": role,
            "active": active,
            "passwordHash": test_password_hash(),
            "lastLoginAt": None,
        }
    )
    db.users.insert_one(doc)
    return doc


def token_for(db: Any, user: dict[str, Any]) -> auth.IssuedTokens:
    settings = get_settings()
    return auth.open_session(
        db, user, "127.0.0.1", settings, signing_key(settings), common.utcnow()
    )


def bearer(db: Any, role: str) -> dict[str, str]:
    """An Authorization header for a fresh user with ``role``."""
    user = db.users.find_one({"email": f"{role}@example.org"}) or make_user(db, role)
    return {"Authorization": f"Bearer {token_for(db, user).access_token}"}
