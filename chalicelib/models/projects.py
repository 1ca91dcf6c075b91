"""Projects (programs) a teacher belongs to."""

from __future__ import annotations

from pydantic import Field, field_validator

from chalicelib.models.base import InputModel, LongText, QueryModel, RequiredName
from chalicelib.models.common import StoredOut
from chalicelib.models.echo import Ignored, StoredEcho

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"


class ProjectCreate(InputModel):
    name: RequiredName
    code: str = Field(min_length=1, max_length=32, pattern=CODE_PATTERN)
    description: LongText | None = None
    isActive: bool = True

    @field_validator("code")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class ProjectUpdate(StoredEcho):
    """Any subset of the editable fields; ``code`` is immutable (sending a different one fails).
    ``isActive`` changes only through archive/restore: echoed, it is ignored."""

    isActive: Ignored = None

    name: RequiredName | None = None
    code: str | None = Field(default=None, max_length=32)
    description: LongText | None = None


class ProjectListQuery(QueryModel):
    includeArchived: bool = False
    limit: int | None = Field(default=None, ge=1)
    offset: int = Field(default=0, ge=0)


class ProjectOut(StoredOut):
    name: str
    code: str
    description: str | None = None
    isActive: bool = True
