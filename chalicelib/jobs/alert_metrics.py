"""Hourly alert metrics (EMF gauges): expiring documents per active rule window, expired and
expiring per document type, database ping latency and the slow commands seen since the last run.

Dimensions stay low-cardinality: ``documentType`` (arc, workPermit, passport, teachingLicense,
other) and ``window`` (``60d`` for a DAYS_REMAINING rule, ``until-2026-09-01`` for a
DATE_THRESHOLD rule). Which documents a rule flags is decided in one place:
:mod:`chalicelib.services.expiry` (the dashboard uses the same code).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.db import Db, Document, SlowCommandListener, ping
from chalicelib.jobs.common import gauge
from chalicelib.services.alert_rules import active_rules
from chalicelib.services.common import utcnow
from chalicelib.services.expiry import CATEGORIES, RULE_TYPE_CATEGORY, expiry_counts


def window_label(rule: Document) -> str:
    value: Any = rule.get("value")
    if rule.get("conditionType") == "DAYS_REMAINING":
        return f"{value}d"
    if isinstance(value, datetime):
        return f"until-{value.date().isoformat()}"
    return "other"


def run_alert_metrics(
    db: Db, slow: SlowCommandListener | None = None, now: datetime | None = None
) -> Document:
    moment = now or utcnow()
    rules = active_rules(db)
    per_rule: list[Document] = []
    for rule in rules:
        category = RULE_TYPE_CATEGORY.get(str(rule.get("documentType")), "other")
        counts = expiry_counts(db, [rule], moment)[category]
        window = window_label(rule)
        gauge("DocumentsExpiringInWindow", counts["expiring"], documentType=category, window=window)
        per_rule.append({"documentType": category, "window": window, **counts})

    totals = (
        expiry_counts(db, rules, moment)
        if rules
        else {c: {"expired": 0, "expiring": 0} for c in CATEGORIES}
    )
    for category, counts in totals.items():
        gauge("DocumentsExpiring", counts["expiring"], documentType=category)
        gauge("DocumentsExpired", counts["expired"], documentType=category)

    started = time.perf_counter()
    ping(db, timeout_ms=2000)
    latency_ms = (time.perf_counter() - started) * 1000
    gauge("DatabasePingLatency", latency_ms, MetricUnit.Milliseconds)

    slow_count = slow.take_count() if slow is not None else 0
    gauge("SlowCommands", slow_count)
    return {
        "rules": per_rule,
        "totals": totals,
        "pingMs": round(latency_ms, 1),
        "slowCommands": slow_count,
    }
