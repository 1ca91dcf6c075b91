"""Alert rules on expiring documents: list, create, patch (value re-checked), soft delete.

A deleted rule keeps its document (``isDeleted``) and becomes inactive, so an original FETMS
reading the same database (``isActive: true``) ignores it too."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.db import ALERT_RULES, Db, Document
from chalicelib.errors import FieldError, ValidationFailed
from chalicelib.models.alert_rules import (
    AlertRuleCreate,
    AlertRuleUpdate,
    ConditionType,
    check_rule_value,
)
from chalicelib.services import audit
from chalicelib.services.actor import Actor
from chalicelib.services.common import (
    NOT_DELETED,
    Page,
    find_page,
    get_or_404,
    parse_object_id,
    stamp_new,
    utcnow,
)

WHAT = "Alert rule"


def list_rules(db: Db, *, limit: int, offset: int, active_only: bool = False) -> Page:
    query: Document = dict(NOT_DELETED)
    if active_only:
        query["isActive"] = {"$ne": False}
    return find_page(
        db[ALERT_RULES], query, sort=[("createdAt", -1), ("_id", -1)], limit=limit, offset=offset
    )


ACTIVE_RULES: Document = {**NOT_DELETED, "isActive": True}


def active_rules(db: Db) -> list[Document]:
    """Every active rule (used by the dashboard and the alert jobs): ``isActive: true``, as FETMS
    reads them."""
    return list(db[ALERT_RULES].find(ACTIVE_RULES))


def create_rule(db: Db, data: AlertRuleCreate, actor: Actor) -> Document:
    doc = stamp_new(
        {
            "name": data.name,
            "documentType": str(data.documentType),
            "conditionType": str(data.conditionType),
            "value": _stored_value(ConditionType(data.conditionType), data.value),
            "isActive": data.isActive,
        }
    )
    return audit.audited_insert(db, actor, ALERT_RULES, doc)


def update_rule(
    db: Db, rule_id: str, data: AlertRuleUpdate, actor: Actor, expected_version: int | None
) -> Document:
    oid = parse_object_id(rule_id)
    changes = data.to_document()
    if "conditionType" in changes or "value" in changes:
        current = get_or_404(db[ALERT_RULES], {"_id": oid, **NOT_DELETED}, WHAT)
        condition = ConditionType(str(changes.get("conditionType") or current.get("conditionType")))
        value = changes["value"] if "value" in changes else _client_form(current.get("value"))
        changes["conditionType"] = condition.value
        changes["value"] = _stored_value(condition, value)
    return audit.audited_update(
        db,
        actor,
        ALERT_RULES,
        {"_id": oid, **NOT_DELETED},
        {"$set": changes},
        expected_version=expected_version,
        what=WHAT,
        only_changes=True,
    )


def delete_rule(db: Db, rule_id: str, actor: Actor, expected_version: int | None) -> Document:
    return audit.audited_update(
        db,
        actor,
        ALERT_RULES,
        {"_id": parse_object_id(rule_id), **NOT_DELETED},
        # isActive false too: FETMS reads every rule with isActive true, deleted or not.
        {
            "$set": {
                "isDeleted": True,
                "isActive": False,
                "deletedAt": utcnow(),
                "deletedBy": actor.email,
            }
        },
        expected_version=expected_version,
        what=WHAT,
        action="delete",
    )


def _client_form(stored: Any) -> Any:
    """A stored value as a client would send it (dates back to ``YYYY-MM-DD``)."""
    return stored.date().isoformat() if isinstance(stored, datetime) else stored


def _stored_value(condition: ConditionType, value: Any) -> Any:
    try:
        return check_rule_value(condition, value)
    except ValueError as exc:
        raise ValidationFailed(detail=str(exc), errors=[FieldError("value", str(exc))]) from exc
