"""Shared pydantic building blocks: strict input models, ids, dates and query parameters."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar

from bson import ObjectId
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

MAX_STRING = 2000
MAX_NAME = 200


def _check_object_id(value: str) -> str:
    if not ObjectId.is_valid(value) or len(value) != 24:
        raise ValueError("must be a 24-character hexadecimal id")
    return value.lower()


ObjectIdStr = Annotated[str, AfterValidator(_check_object_id)]
"""A 24-hex id as sent by clients (validated, kept as a string until the service converts it)."""


def _to_utc_datetime(value: Any) -> Any:
    """Accept an ISO date (``2027-01-31``) or datetime and normalise to an aware UTC datetime."""
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            value = date.fromisoformat(text)
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value


UtcDateTime = Annotated[
    datetime,
    BeforeValidator(_to_utc_datetime),
    PlainSerializer(
        lambda v: v.isoformat().replace("+00:00", "Z"), return_type=str, when_used="json"
    ),
]
"""An ISO-8601 date or datetime, stored as a UTC datetime (MongoDB Date)."""

ShortText = Annotated[str, Field(max_length=MAX_NAME)]
LongText = Annotated[str, Field(max_length=MAX_STRING)]
RequiredName = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]


class InputModel(BaseModel):
    """Base of every request body: strict types, unknown fields rejected, strings trimmed."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        str_strip_whitespace=True,
        populate_by_name=True,
        use_enum_values=True,
        allow_inf_nan=False,
        regex_engine="python-re",
    )

    def to_document(self) -> dict[str, Any]:
        """Only the fields the client sent, as a MongoDB-ready dict (datetimes stay datetimes)."""
        return self.model_dump(exclude_unset=True, by_alias=True)


class OutputModel(BaseModel):
    """Base of response shapes. Extra stored fields pass through (FETMS compatibility)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


# For response shapes that drop every field they do not declare (users, tokens): a stored field
# reaches a client only once it is declared in the model.
CLOSED = ConfigDict(extra="ignore", populate_by_name=True)


class PresentOut(OutputModel):
    """A response shape that returns only the keys the stored document has.

    Declaring a field documents it in the OpenAPI document (and so in the SPA's generated client)
    without adding ``null`` keys to responses: a field the document lacks stays absent, as it
    always was. Fields named in ``ALWAYS`` are returned with their default when absent. Nested
    models follow the same rule when the response model is a ``PresentOut``
    (``routing.serialize`` dumps it with ``exclude_unset``).
    """

    ALWAYS: ClassVar[frozenset[str]] = frozenset()


class QueryModel(BaseModel):
    """Base of query-string models: values arrive as strings and are coerced; unknown keys fail."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)


class PageQuery(QueryModel):
    """``limit``/``offset`` paging accepted by every list route."""

    limit: int | None = Field(default=None, ge=1, description="Page size (capped by the server).")
    offset: int = Field(default=0, ge=0, le=10_000_000)
