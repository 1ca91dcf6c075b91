"""Alert rules on expiring teacher documents."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from chalicelib.models.base import InputModel, RequiredName, _to_utc_datetime
from chalicelib.models.common import StoredOut
from chalicelib.models.echo import Ignored, StoredEcho

MAX_DAYS = 3650


class DocumentType(StrEnum):
    ARC = "arcDetails"
    WORK_PERMIT = "workPermitDetails"
    PASSPORT = "passportDetails"
    TEACHING_LICENSE = "teachingLicense"


class ConditionType(StrEnum):
    DAYS_REMAINING = "DAYS_REMAINING"
    DATE_THRESHOLD = "DATE_THRESHOLD"


def check_rule_value(condition: ConditionType, value: Any) -> int | datetime:
    """DAYS_REMAINING takes a positive whole number of days; DATE_THRESHOLD takes a date."""
    if ConditionType(condition) is ConditionType.DAYS_REMAINING:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
            raise ValueError(f"value must be a whole number of days between 1 and {MAX_DAYS}")
        return value
    if not isinstance(value, str):
        raise ValueError("value must be an ISO date (YYYY-MM-DD) for DATE_THRESHOLD")
    try:
        parsed = _to_utc_datetime(value)
    except ValueError as exc:
        raise ValueError("value must be an ISO date (YYYY-MM-DD) for DATE_THRESHOLD") from exc
    assert isinstance(parsed, datetime)
    return parsed


class AlertRuleCreate(InputModel):
    name: RequiredName
    documentType: DocumentType
    conditionType: ConditionType
    value: int | str = Field(description="Days (DAYS_REMAINING) or an ISO date (DATE_THRESHOLD).")
    isActive: bool = True

    @field_validator("value")
    @classmethod
    def _check_value(cls, value: int | str, info: ValidationInfo) -> int | str:
        condition = info.data.get("conditionType")
        if condition is not None:
            check_rule_value(ConditionType(condition), value)
        return value


class AlertRuleUpdate(StoredEcho):
    """Partial update; ``value`` is re-checked against the (new or stored) condition type.
    FETMS's mail fields (``emailEnabled``, ``emailTemplateId``, ``lastTriggeredAt``) are echoed
    by clients and ignored: this system sends its own digest (expiry notices)."""

    emailEnabled: Ignored = None
    emailTemplateId: Ignored = None
    lastTriggeredAt: Ignored = None

    name: RequiredName | None = None
    documentType: DocumentType | None = None
    conditionType: ConditionType | None = None
    value: int | str | None = None
    isActive: bool | None = None


class AlertRuleOut(StoredOut):
    name: str
    documentType: str
    conditionType: str
    value: int | str
    isActive: bool = True
