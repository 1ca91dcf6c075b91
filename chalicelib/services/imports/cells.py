"""One cell of an import file: refused when hostile, else converted for its column's kind.

Refused (the row gets an error naming the column): a formula (``=…`` text, or an XLSX formula
cell), anything that looks like a database operator (``$gt``, ``{"$ne": …}``), ``__proto__``,
control characters, and cells longer than ``MAX_CELL_CHARS``. A leading ``'`` — what our export
puts before text starting with ``= + - @``, and how a spreadsheet user says "this is text" — is
removed and the rest taken as text, so exported text comes back as it was.

Converted like FETMS's import did, and a little more: ``$`` and thousands separators dropped
from numbers, ``TRUE``/``FALSE`` (also yes/no, 1/0) as booleans, dates as ISO
(``2026-01-31``, ``2026-01-31T10:00:00Z``), ``2026/1/31`` or ``1/31/2026`` (month first, as
JavaScript read them), or real dates from XLSX.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from chalicelib.api.validation import CONTROL_CHARACTERS
from chalicelib.services.imports.reading import MAX_CELL_CHARS, Formula

EXPORT_GUARDED = ("=", "+", "-", "@", "\t", "\r")
_OPERATOR = re.compile(r"""^\s*\{?\s*["']?\$[A-Za-z]""")
_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_MDY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})


class CellError(ValueError):
    """The cell cannot be imported; the message says why."""


def clean(value: Any) -> Any:
    """The cell with its export guard removed, or :class:`CellError` when it is hostile.
    Empty text becomes None (an empty cell changes nothing)."""
    if isinstance(value, Formula):
        raise CellError("formulas are not imported; paste the values instead")
    if not isinstance(value, str):
        return value
    text = value.strip()
    guarded = len(text) > 1 and text[0] == "'" and text[1] in EXPORT_GUARDED
    if guarded:
        text = text[1:]
    if not text:
        return None
    if len(text) > MAX_CELL_CHARS:
        raise CellError(f"longer than {MAX_CELL_CHARS} characters")
    if text.startswith("=") and not guarded:
        raise CellError(
            "looks like a spreadsheet formula; formulas are not imported (to import the text, "
            "start the cell with an apostrophe)"
        )
    if _OPERATOR.match(text):
        raise CellError("looks like a database operator; not imported")
    if "__proto__" in text:
        raise CellError("contains '__proto__'; not imported")
    if CONTROL_CHARACTERS.search(text):
        raise CellError("contains a control character")
    return text


def as_text(value: Any) -> str:
    """Text as stored: whole numbers without ``.0`` (an XLSX phone number), dates as ISO."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def as_number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise CellError("is not a number")
    if isinstance(value, int | float):
        return value
    text = str(value).strip().replace(",", "").replace("$", "").replace(" ", "")
    try:
        number = float(text)
    except ValueError as exc:
        raise CellError("is not a number") from exc
    if number != number or number in (float("inf"), float("-inf")):
        raise CellError("is not a number")
    return int(number) if number.is_integer() else number


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = as_text(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError("must be TRUE or FALSE")


def as_date(value: Any) -> datetime:
    """A UTC datetime (dates at midnight)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    text = as_text(value).strip()
    try:
        ymd = _YMD.match(text)
        if ymd:
            year, month, day = (int(g) for g in ymd.groups())
            return datetime(year, month, day, tzinfo=UTC)
        mdy = _MDY.match(text)
        if mdy:
            month, day, year = (int(g) for g in mdy.groups())
            return datetime(year, month, day, tzinfo=UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CellError("is not a date (use YYYY-MM-DD)") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
