"""Recruitment pipeline stages (kanban columns)."""

from __future__ import annotations

from pydantic import Field

from chalicelib.models.base import InputModel, ObjectIdStr, RequiredName
from chalicelib.models.common import StoredOut
from chalicelib.models.echo import Ignored, StoredEcho


class StageCreate(InputModel):
    title: RequiredName
    isEmployed: bool = Field(
        default=False, description="Teachers in this stage count as employed (not in recruitment)."
    )


class StageUpdate(StoredEcho):
    """Rename or flag a stage; ``order`` changes only through the reorder route (ignored here)."""

    title: RequiredName | None = None
    isEmployed: bool | None = None
    order: Ignored = None


class StageOrderItem(InputModel):
    id: ObjectIdStr = Field(alias="_id")
    order: int = Field(ge=0, le=100_000)


class StageReorder(InputModel):
    stages: list[StageOrderItem] = Field(min_length=1, max_length=500)


class StageOut(StoredOut):
    title: str
    order: int = 0
    isEmployed: bool = False


class StageDeleteOut(StageOut):
    movedTeachers: int = Field(default=0, description="Teachers moved to 'uncategorized'.")
