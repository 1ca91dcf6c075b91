"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from chalicelib.errors import FieldError, ValidationFailed


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    """argon2id with the library's recommended parameters."""
    return PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Hashed on first use (~0.1 s), not at every cold start."""
    return _hasher().hash("timing-equaliser-not-a-password")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant-work check: an unknown user is verified against a dummy hash (same timing)."""
    try:
        verified = _hasher().verify(stored_hash or _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return verified and stored_hash is not None


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


MAX_PASSWORD_LENGTH = 256
ESTIMATED_PREFIX = 72  # zxcvbn's own limit; longer passwords are judged on their start


def check_policy(
    password: str,
    min_length: int,
    *,
    email: str | None = None,
    field: str = "password",
    min_score: int = 3,
) -> None:
    """Length limits, then zxcvbn's strength estimate (score 0 to 4, which includes its list of
    30,000 common passwords, keyboard walks, repeats, dates and l33t spellings) with the user's
    e-mail address as a known word. The refusal says why and what would help."""
    problems: list[str] = []
    if len(password) < min_length:
        problems.append(f"must be at least {min_length} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"must be at most {MAX_PASSWORD_LENGTH} characters")
    if not problems:
        problems.extend(_strength_problems(password, email, min_score))
    if problems:
        raise ValidationFailed(
            detail=f"The {field} does not meet the password policy: " + "; ".join(problems),
            errors=[FieldError(field, p) for p in problems],
        )


def _strength_problems(password: str, email: str | None, min_score: int) -> list[str]:
    from zxcvbn import zxcvbn  # loaded when a password is set, not at cold start

    known = [email, email.split("@", 1)[0]] if email else []
    estimate = zxcvbn(password[:ESTIMATED_PREFIX], user_inputs=known)
    if estimate["score"] >= min_score:
        return []
    feedback = estimate.get("feedback") or {}
    reasons = [str(feedback.get("warning") or "is too easy to guess").rstrip(".")]
    reasons += [str(s).rstrip(".") for s in feedback.get("suggestions") or []]
    return [f"is too easy to guess ({'; '.join(r for r in reasons if r)})"]
