"""Documents expiring or already expired according to the alert rules — computed in MongoDB.

The one place that decides which teacher documents an alert rule flags. Used by the dashboard
(its ``expiry`` section and the ``actionsNeeded`` KPI) and by the alert-metrics job.

Semantics (days are UTC calendar days; ``today`` is the start of the current UTC day):

* ``DAYS_REMAINING n`` flags a document whose expiry date is on or before ``today + n days``;
  ``DATE_THRESHOLD d`` flags one whose expiry date is on or before ``d`` (a Date, or the ISO text
  FETMS's ``Mixed`` field may hold).
* **Expired** means an expiry on or before ``today`` — a document expiring today is expired —
  and **expiring** means after ``today`` (FETMS's alerts: ``today < expiry ≤ threshold``). This
  one rule is used everywhere: dashboard, alert metrics, expiry notices, document status, vault.
* A document flagged by several rules is listed once, with every rule name in ``ruleNames``
  (the dashboard's FETMS alerts list one item per rule: :mod:`chalicelib.services.expiry_alerts`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.db import TEACHERS, Db, Document
from chalicelib.services.common import NOT_DELETED

DEFAULT_ITEMS_PER_TYPE = 100
CATEGORIES = ("arc", "workPermit", "passport", "teachingLicense", "other")
RULE_TYPE_CATEGORY = {
    "arcDetails": "arc",
    "workPermitDetails": "workPermit",
    "passportDetails": "passport",
    "teachingLicense": "teachingLicense",
}
_SAFE_SECTION = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,40}$")
ITEM_FIELDS = ("firstName", "middleName", "lastName", "email", "pipelineStage", "profilePicture")


def start_of_day(moment: datetime) -> datetime:
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.replace(hour=0, minute=0, second=0, microsecond=0)


def is_expired(expiry: datetime, now: datetime) -> bool:
    """The one rule: expired on or before the start of today (UTC)."""
    aware = expiry.replace(tzinfo=UTC) if expiry.tzinfo is None else expiry
    return aware <= start_of_day(now)


def parse_threshold(value: Any) -> datetime | None:
    """A DATE_THRESHOLD value: a Date, or ISO text (``2026-12-31``) as a JSON client stored it."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


@dataclass(frozen=True)
class RuleCheck:
    """One active rule resolved to a date field and an inclusive expiry threshold."""

    name: str
    category: str
    field: str
    threshold: datetime
    section: str = ""
    rule_id: str | None = None


def resolve_rules(rules: list[Document], now: datetime) -> list[RuleCheck]:
    """Turn stored alert rules into thresholds; malformed rules are skipped, never fatal."""
    today = start_of_day(now)
    checks: list[RuleCheck] = []
    for rule in rules:
        section = str(rule.get("documentType") or "")
        if not _SAFE_SECTION.match(section):
            continue
        category = RULE_TYPE_CATEGORY.get(section, "other")
        value = rule.get("value")
        threshold: datetime | None = None
        if rule.get("conditionType") == "DAYS_REMAINING":
            if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
                threshold = today + timedelta(days=int(value))
        elif rule.get("conditionType") == "DATE_THRESHOLD":
            threshold = parse_threshold(value)
        if threshold is not None:
            name = str(rule.get("name") or "")
            rule_id = str(rule["_id"]) if rule.get("_id") is not None else None
            field = f"{section}.expiryDate"
            checks.append(RuleCheck(name, category, field, threshold, section, rule_id))
    return checks


def _fields(checks: list[RuleCheck]) -> dict[str, list[RuleCheck]]:
    by_field: dict[str, list[RuleCheck]] = {}
    for check in checks:
        by_field.setdefault(check.field, []).append(check)
    return by_field


def any_rule_condition(checks: list[RuleCheck]) -> Document | None:
    """A ``$match`` condition selecting teachers with at least one flagged document."""
    clauses = [
        {path: {"$lte": max(c.threshold for c in group)}} for path, group in _fields(checks).items()
    ]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$or": clauses}


def expiry_facets(checks: list[RuleCheck], now: datetime, limit: int) -> Document:
    """``$facet`` branches (two per date field: first items, counts by status) + actionsNeeded.

    Meant to be merged into a larger ``$facet`` (the dashboard) or run alone.
    """
    today = start_of_day(now)
    facets: Document = {}
    for index, (path, group) in enumerate(_fields(checks).items()):
        value = f"${path}"
        flagged = {"$match": {path: {"$lte": max(c.threshold for c in group)}}}
        names = {
            "$filter": {
                "input": [{"$cond": [{"$lte": [value, c.threshold]}, c.name, None]} for c in group],
                "cond": {"$ne": ["$$this", None]},
            }
        }
        facets[f"expiry{index}Items"] = [
            flagged,
            {"$sort": {path: 1, "_id": 1}},
            {"$limit": limit},
            {"$project": {**{f: 1 for f in ITEM_FIELDS}, "expiryDate": value, "ruleNames": names}},
        ]
        status = {"$cond": [{"$lte": [value, today]}, "expired", "expiring"]}
        facets[f"expiry{index}Counts"] = [
            flagged,
            {"$group": {"_id": status, "count": {"$sum": 1}}},
        ]
    condition = any_rule_condition(checks)
    if condition is not None:
        facets["expiryTeachers"] = [{"$match": condition}, {"$count": "count"}]
    return facets


@dataclass
class ExpiryReport:
    """Flagged documents per category (first ``limit`` by expiry date) and their counts."""

    items: dict[str, list[Document]] = field(default_factory=lambda: {c: [] for c in CATEGORIES})
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {c: {"expired": 0, "expiring": 0} for c in CATEGORIES}
    )
    teachers: int = 0
    """Distinct teachers with at least one flagged document."""


def decode(
    facet_result: Document, checks: list[RuleCheck], now: datetime, limit: int
) -> ExpiryReport:
    """Shape the branches built by :func:`expiry_facets` into an :class:`ExpiryReport`."""
    today = start_of_day(now)
    report = ExpiryReport()
    for index, (path, group) in enumerate(_fields(checks).items()):
        category = group[0].category
        section = path.split(".", 1)[0]
        for row in facet_result.get(f"expiry{index}Counts", []):
            report.counts[category][str(row["_id"])] += int(row["count"])
        for doc in facet_result.get(f"expiry{index}Items", []):
            report.items[category].append(_item(doc, category, section, today))
    for category in CATEGORIES:
        entries = report.items[category]
        entries.sort(key=lambda e: (e["expiryDate"], str(e["_id"])))
        del entries[limit:]
    counted = facet_result.get("expiryTeachers") or [{"count": 0}]
    report.teachers = int(counted[0].get("count", 0))
    return report


def _item(doc: Document, category: str, section: str, today: datetime) -> Document:
    expiry: datetime = doc["expiryDate"]
    if expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=UTC)
    days = (start_of_day(expiry) - today).days
    names = [n for n in doc.get("ruleNames", []) if n is not None]
    full_name = " ".join(
        part for part in (doc.get("firstName"), doc.get("lastName")) if isinstance(part, str)
    )
    return {
        "_id": doc["_id"],
        "teacherId": doc["_id"],
        "firstName": doc.get("firstName"),
        "middleName": doc.get("middleName"),
        "lastName": doc.get("lastName"),
        "name": full_name,
        "email": doc.get("email"),
        "pipelineStage": doc.get("pipelineStage"),
        "profilePicture": doc.get("profilePicture"),
        "documentType": category,
        "field": section,
        "expiryDate": expiry,
        "daysRemaining": days,
        "status": "expired" if expiry <= today else "expiring",
        "ruleNames": names,
        "ruleName": ", ".join(names),
    }


def expiring_documents(
    db: Db,
    rules: list[Document],
    now: datetime,
    *,
    match: Document | None = None,
    limit: int = DEFAULT_ITEMS_PER_TYPE,
) -> ExpiryReport:
    """Run the expiry branches alone (one aggregation) over the teachers matching ``match``."""
    checks = resolve_rules(rules, now)
    if not checks:
        return ExpiryReport()
    pipeline: list[Document] = [
        {"$match": match if match is not None else dict(NOT_DELETED)},
        {"$facet": expiry_facets(checks, now, limit)},
    ]
    result: list[Any] = list(db[TEACHERS].aggregate(pipeline))
    return decode(result[0] if result else {}, checks, now, limit)


def expiry_counts(db: Db, rules: list[Document], now: datetime) -> dict[str, dict[str, int]]:
    """``{category: {"expired": n, "expiring": m}}`` over all live teachers (alert metrics)."""
    return expiring_documents(db, rules, now, limit=1).counts
