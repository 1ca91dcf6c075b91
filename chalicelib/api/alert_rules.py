"""Alert rule routes (FETMS path ``/api/alerts``)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.routing import ApiRequest, route
from chalicelib.models.alert_rules import AlertRuleCreate, AlertRuleOut, AlertRuleUpdate
from chalicelib.models.base import PageQuery
from chalicelib.services import alert_rules
from chalicelib.services.common import Page

bp = Blueprint(__name__)


@route(
    bp,
    "/api/alerts",
    summary="List alert rules",
    query=PageQuery,
    response=AlertRuleOut,
    paged=True,
)
def list_alert_rules(req: ApiRequest) -> Page:
    return alert_rules.list_rules(req.db, limit=req.limit, offset=req.offset)


@route(
    bp,
    "/api/alerts",
    "POST",
    summary="Create an alert rule",
    role="admin",
    body=AlertRuleCreate,
    response=AlertRuleOut,
)
def create_alert_rule(req: ApiRequest) -> dict[str, Any]:
    return alert_rules.create_rule(req.db, req.body, req.actor)


@route(
    bp,
    "/api/alerts/{id}",
    "PATCH",
    summary="Update an alert rule",
    role="admin",
    body=AlertRuleUpdate,
    response=AlertRuleOut,
)
def update_alert_rule(req: ApiRequest, id: str) -> dict[str, Any]:
    return alert_rules.update_rule(req.db, id, req.body, req.actor, req.if_match)


@route(
    bp,
    "/api/alerts/{id}",
    "DELETE",
    summary="Delete an alert rule",
    role="admin",
    response=AlertRuleOut,
)
def delete_alert_rule(req: ApiRequest, id: str) -> dict[str, Any]:
    deleted = alert_rules.delete_rule(req.db, id, req.actor, req.if_match)
    return {**deleted, "message": "Alert rule deleted"}
