"""A signed-in user's own preferences (language, theme, default project, list columns)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator

from chalicelib.models.base import CLOSED, InputModel, ObjectIdStr, OutputModel


class Language(StrEnum):
    EN = "en"
    ZH_TW = "zh-TW"


class Theme(StrEnum):
    LIGHT = "light"
    DARK = "dark"
    SYSTEM = "system"


class TeacherListColumn(StrEnum):
    """The columns the web app's teachers list can show (``frontend/src/features/teachers``)."""

    NAME = "name"
    EMAIL = "email"
    NATIONALITY = "nationality"
    GENDER = "gender"
    SCHOOL = "school"
    STAGE = "stage"
    HIRING_STATUS = "hiringStatus"
    DEGREE = "degree"
    SALARY = "salary"
    CONTRACT_END = "contractEnd"
    ARC_EXPIRY = "arcExpiry"
    WORK_PERMIT_EXPIRY = "workPermitExpiry"
    PASSPORT_EXPIRY = "passportExpiry"
    CREATED_AT = "createdAt"


class PreferencesUpdate(InputModel):
    """The preferences to change: a field left out keeps its value, ``null`` resets it."""

    language: Language | None = None
    theme: Theme | None = None
    defaultProject: ObjectIdStr | None = Field(
        default=None, description="The project the web app opens with (any project id)."
    )
    listColumns: list[TeacherListColumn] | None = Field(
        default=None,
        min_length=1,
        max_length=len(TeacherListColumn),
        description="The teachers list's visible columns, in order, each at most once.",
    )

    @field_validator("listColumns")
    @classmethod
    def _distinct(cls, value: list[TeacherListColumn] | None) -> list[TeacherListColumn] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("each column may appear only once")
        return value


class PreferencesOut(OutputModel):
    """Every preference, ``null`` where the user has not chosen (the app's default applies)."""

    model_config = CLOSED

    language: str | None = None
    theme: str | None = None
    defaultProject: str | None = None
    listColumns: list[str] | None = None
    updatedAt: str | None = None
