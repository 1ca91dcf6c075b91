"""JWT access tokens (HS256) and opaque refresh tokens; the signing key's source."""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from chalicelib.settings import Settings, signing_key_problem

ISSUER = "fetms"
AUDIENCE = "fetms-api"
ALGORITHM = "HS256"

_key_lock = threading.Lock()
_cached_key: dict[str, str] = {}


class InvalidToken(Exception):
    """The token is malformed, tampered with, expired or of the wrong kind."""


class InsecureSigningKey(RuntimeError):
    """The configured signing key is a published example, too short or too uniform."""


def checked_key(key: str, settings: Settings, source: str) -> str:
    """``key`` unless it is refused: published examples, short or uniform keys are accepted
    only in an explicit local stage (``FETMS_STAGE=local``), wherever the key comes from."""
    problem = None if settings.explicit_local else signing_key_problem(key)
    if problem is not None:
        raise InsecureSigningKey(f"the signing key from {source} is refused: {problem}")
    return key


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    session_id: str
    email: str
    role: str


def signing_key(settings: Settings, secrets_client: Any = None) -> str:
    """The HMAC key: from Secrets Manager when ``JWT_SECRET_ARN`` is set, else ``JWT_SECRET``;
    refused (:class:`InsecureSigningKey`) unless it is fit to sign (:func:`checked_key`)."""
    if not settings.jwt_secret_arn:
        return checked_key(settings.jwt_secret, settings, "JWT_SECRET")
    with _key_lock:
        if settings.jwt_secret_arn not in _cached_key:
            if secrets_client is None:
                import boto3

                secrets_client = boto3.client("secretsmanager", region_name=settings.aws_region)
            value = secrets_client.get_secret_value(SecretId=settings.jwt_secret_arn)[
                "SecretString"
            ]
            _cached_key[settings.jwt_secret_arn] = checked_key(
                str(value), settings, "Secrets Manager"
            )
        return _cached_key[settings.jwt_secret_arn]


def forget_cached_keys() -> None:
    with _key_lock:
        _cached_key.clear()


def issue_access_token(
    claims: AccessClaims, key: str, now: datetime, minutes: int
) -> tuple[str, datetime]:
    expires = now + timedelta(minutes=minutes)
    payload = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": claims.user_id,
        "sid": claims.session_id,
        "email": claims.email,
        "role": claims.role,
        "typ": "access",
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
    }
    return jwt.encode(payload, key, algorithm=ALGORITHM), expires


def decode_access_token(token: str, key: str, now: datetime) -> AccessClaims:
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "sid", "role"], "verify_exp": False},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(type(exc).__name__) from exc
    if payload.get("typ") != "access" or int(payload["exp"]) <= int(now.timestamp()):
        raise InvalidToken("expired or wrong type")
    return AccessClaims(
        user_id=str(payload["sub"]),
        session_id=str(payload["sid"]),
        email=str(payload.get("email", "")),
        role=str(payload["role"]),
    )


def new_refresh_secret() -> str:
    return secrets.token_urlsafe(32)


def new_session_id() -> str:
    """An unguessable session identifier (192 random bits): it appears in access and refresh
    tokens, so knowing one must not help find another."""
    return secrets.token_urlsafe(24)


def hash_refresh_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
