"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from chalicelib.errors import FieldError, ValidationFailed

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
_DUMMY_HASH = _hasher.hash("timing-equaliser-not-a-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant-work check: an unknown user is verified against a dummy hash (same timing)."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files("chalicelib.data").joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def _is_common(lowered: str) -> bool:
    """A listed password, or a listed password repeated (``passwordpassword``)."""
    common = common_passwords()
    if lowered in common:
        return True
    for size in range(1, len(lowered) // 2 + 1):
        if len(lowered) % size == 0 and lowered[:size] * (len(lowered) // size) == lowered:
            return lowered[:size] in common or size <= 2
    return False


def check_policy(
    password: str, min_length: int, *, email: str | None = None, field: str = "password"
) -> None:
    """Minimum length, not a common password, not the e-mail address."""
    problems: list[str] = []
    if len(password) < min_length:
        problems.append(f"must be at least {min_length} characters")
    if len(password) > 256:
        problems.append("must be at most 256 characters")
    lowered = password.lower()
    if _is_common(lowered):
        problems.append("is too common")
    if len(set(lowered)) < 5:
        problems.append("uses too few different characters")
    if email and lowered in (email.lower(), email.split("@", 1)[0].lower()):
        problems.append("must not be your e-mail address")
    if problems:
        raise ValidationFailed(
            detail=f"The {field} does not meet the password policy: " + "; ".join(problems),
            errors=[FieldError(field, p) for p in problems],
        )
