"""Convert MongoDB documents to JSON-ready values (ids as hex strings, dates as ISO-8601 UTC)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId


def iso_utc(value: datetime) -> str:
    """ISO-8601 with a ``Z`` suffix, milliseconds like the FETMS API."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def jsonable(value: Any) -> Any:
    """Recursively turn BSON values into JSON-compatible ones."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, datetime):
        return iso_utc(value)
    return value


def dumps(value: Any) -> str:
    return json.dumps(jsonable(value), ensure_ascii=False, separators=(",", ":"))
