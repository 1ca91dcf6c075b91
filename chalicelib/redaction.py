"""Scrub secrets and personal identifiers from log records before they are written."""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[REDACTED]"
SENSITIVE_KEYS = frozenset(
    {
        "password",
        "currentpassword",
        "newpassword",
        "passwordhash",
        "token",
        "accesstoken",
        "refreshtoken",
        "authorization",
        "cookie",
        "secret",
        "jwt_secret",
        "number",
        "permitnumber",
        "passportnumber",
        "body",
        "raw_body",
        "mongo_uri",
    }
)
_JWT = re.compile(r"eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}")
_BEARER = re.compile(r"(?i)bearer\s+[\w.~+/=-]+")
_URI_CREDENTIALS = re.compile(r"(mongodb(?:\+srv)?://)[^@/\s]+@")


def scrub_text(text: str) -> str:
    text = _JWT.sub(REDACTED, text)
    text = _BEARER.sub("Bearer " + REDACTED, text)
    return _URI_CREDENTIALS.sub(r"\1" + REDACTED + "@", text)


def scrub(value: Any, key: str | None = None) -> Any:
    """Recursively redact values under sensitive keys and token-looking strings anywhere."""
    if key is not None and key.lower() in SENSITIVE_KEYS and value not in (None, ""):
        return REDACTED
    if isinstance(value, dict):
        return {k: scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value
