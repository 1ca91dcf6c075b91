"""Schools where teachers are placed.

Write bodies accept what ``GET /api/schools/{id}`` returns (``_id``, timestamps, ``__v``,
soft-delete marks, ``employedTeachers``): those are ignored. ``contact.email`` is free text, as
FETMS stored it.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from chalicelib.models.base import InputModel, LongText, QueryModel, RequiredName, ShortText
from chalicelib.models.common import SoftDeletableOut
from chalicelib.models.echo import Ignored, StoredEcho


class SchoolName(InputModel):
    chinese: RequiredName
    english: ShortText | None = None


class SchoolNamePatch(InputModel):
    chinese: RequiredName | None = None
    english: ShortText | None = None


class SchoolAddress(InputModel):
    chinese: LongText | None = None
    english: LongText | None = None


class SchoolPrincipal(InputModel):
    chineseName: ShortText | None = None
    englishName: ShortText | None = None


class SchoolContact(InputModel):
    name: ShortText | None = None
    position: ShortText | None = None
    email: Annotated[str, Field(max_length=254)] | None = None
    phone: ShortText | None = None


class SchoolCreate(InputModel):
    name: SchoolName
    address: SchoolAddress | None = None
    principal: SchoolPrincipal | None = None
    contact: SchoolContact | None = None


class SchoolUpdate(StoredEcho):
    """Partial update: nested sections merge field by field."""

    employedTeachers: Ignored = None

    name: SchoolNamePatch | None = None
    address: SchoolAddress | None = None
    principal: SchoolPrincipal | None = None
    contact: SchoolContact | None = None


class SchoolListQuery(QueryModel):
    search: str | None = Field(default=None, max_length=200)
    includeDeleted: bool = False
    limit: int | None = Field(default=None, ge=1)
    offset: int = Field(default=0, ge=0)


class SchoolOut(SoftDeletableOut):
    name: dict[str, Any]
    address: dict[str, Any] | None = None
    principal: dict[str, Any] | None = None
    contact: dict[str, Any] | None = None


class SchoolDetailOut(SchoolOut):
    employedTeachers: list[dict[str, Any]] = Field(default_factory=list)
