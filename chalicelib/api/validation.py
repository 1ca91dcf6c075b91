"""The one shared guard on client input: body size, JSON syntax and depth, operator keys."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from chalicelib.errors import FieldError, PayloadTooLarge, ValidationFailed

M = TypeVar("M", bound=BaseModel)

MAX_DEPTH = 12
# Control characters other than tab, line feed and carriage return (Word pastes a vertical tab
# for a line break; NUL ends strings elsewhere): no text field may hold them, and XML (XLSX
# exports) cannot represent them.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_MESSAGE = (
    "contains a control character (e.g. a pasted line break from Word); "
    "remove it or use a plain line break"
)
POLLUTION_KEYS = frozenset({"__proto__", "constructor", "prototype"})
OPERATOR_KEY_MESSAGE = "keys starting with '$' or containing '.' are not allowed"


def parse_json_body(raw: bytes | None, max_bytes: int) -> Any:
    """Parse a JSON request body, refusing oversized, malformed or too deeply nested input."""
    if raw is None or raw.strip() == b"":
        raise ValidationFailed(detail="A JSON request body is required")
    if len(raw) > max_bytes:
        raise PayloadTooLarge(detail=f"The request body exceeds {max_bytes} bytes")
    try:
        value = json.loads(raw)
    except RecursionError as exc:
        raise ValidationFailed(detail="The JSON body is nested too deeply") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(detail="The request body is not valid JSON") from exc
    if _deeper_than(value, MAX_DEPTH):
        raise ValidationFailed(detail=f"The JSON body is nested deeper than {MAX_DEPTH} levels")
    offending = find_operator_keys(value)
    if offending:
        raise ValidationFailed(
            detail="The request contains forbidden keys: " + ", ".join(offending[:10]),
            errors=[FieldError(path, OPERATOR_KEY_MESSAGE) for path in offending[:50]],
        )
    refuse_control_characters(value)
    return value


def refuse_control_characters(value: Any) -> None:
    """400 naming every text field (JSON body, form fields, query) that holds a control
    character other than tab, line feed or carriage return."""
    offending = _control_character_paths(value)
    if offending:
        raise ValidationFailed(
            detail="Control characters are not allowed in: " + ", ".join(offending[:10]),
            errors=[FieldError(path, CONTROL_MESSAGE) for path in offending[:50]],
        )


def _control_character_paths(value: Any) -> list[str]:
    found: list[str] = []
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        current, path = stack.pop()
        if isinstance(current, str):
            if CONTROL_CHARACTERS.search(current):
                found.append(path or "body")
        elif isinstance(current, dict):
            for key, inner in current.items():
                stack.append((inner, f"{path}.{key}" if path else str(key)))
        elif isinstance(current, list):
            stack.extend((inner, f"{path}[{index}]") for index, inner in enumerate(current))
    return sorted(found)


def find_operator_keys(value: Any, path: str = "") -> list[str]:
    """Every path whose key starts with ``$``, contains ``.``, or is a prototype-pollution key."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            here = f"{path}.{key}" if path else str(key)
            if _is_forbidden_key(str(key)):
                found.append(here)
            found.extend(find_operator_keys(inner, here))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found.extend(find_operator_keys(inner, f"{path}[{index}]"))
    return found


def _is_forbidden_key(key: str) -> bool:
    return key.startswith("$") or "." in key or "\x00" in key or key in POLLUTION_KEYS


def _deeper_than(value: Any, limit: int) -> bool:
    """Iterative depth check (no recursion, so hostile nesting cannot exhaust the stack)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict | list):
            if depth + 1 > limit:
                return True
            children = current.values() if isinstance(current, dict) else current
            stack.extend((child, depth + 1) for child in children)
    return False


def validate_model(model: type[M], raw: bytes, *, what: str = "request body") -> M:
    """Validate JSON text against a model with strict JSON semantics; 400 lists every field."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise validation_failed(exc, what) from exc


def validate_query(model: type[M], params: dict[str, str]) -> M:
    for key in params:
        if _is_forbidden_key(key):
            raise ValidationFailed(detail=f"Query parameter '{key}' is not allowed")
    refuse_control_characters(params)
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        raise validation_failed(exc, "query string") from exc


def validation_failed(exc: ValidationError, what: str) -> ValidationFailed:
    errors = [FieldError(_loc(err["loc"]), _message(err)) for err in exc.errors()]
    fields = ", ".join(dict.fromkeys(e.field for e in errors))
    return ValidationFailed(detail=f"Invalid {what}: {fields}", errors=errors)


def _loc(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif parts:
            parts.append(f".{part}")
        else:
            parts.append(str(part))
    return "".join(parts) or "body"


def _message(err: Any) -> str:
    if err.get("type") == "extra_forbidden":
        return "unknown field"
    msg = str(err.get("msg", "invalid value"))
    return msg.removeprefix("Value error, ")
