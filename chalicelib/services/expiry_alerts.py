"""The dashboard's expiry section as FETMS defined it, computed in MongoDB (``$facet`` branches).

* **Upcoming alerts** (``expiry``): one item per (teacher, active rule) with
  ``today < expiry ≤ threshold`` — FETMS's definition, in FETMS's item shape
  (``{teacherId, firstName, lastName, profilePicture, ruleName, documentType, expiryDate,
  type: "EXPIRY"}``, ``documentType`` being the rule's, e.g. ``arcDetails``) plus our fields
  (``_id``, ``name``, ``email``, ``category``, ``field``, ``daysRemaining``, ``status``,
  ``ruleId``, ``ruleNames``…). ``kpi.actionsNeeded`` counts them, exactly.
* **Expired documents** (``expired``): expiry on or before ``today`` on a field an active rule
  watches, one item per document with every rule name (``type: "EXPIRED"``).
* Keys: FETMS's ``arc``, ``workPermit``, ``passport`` and ``other`` (every other rule type,
  teaching licences included), plus ``teachingLicense`` (the licence rules alone).
* Lists hold the first ``limit`` items (upcoming: soonest first; expired: most recent first);
  ``counts`` are always exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalicelib.db import Document
from chalicelib.services.expiry import ITEM_FIELDS, RuleCheck, any_rule_condition, start_of_day

FETMS_KEYS = ("arc", "workPermit", "passport", "other")
KEYS = (*FETMS_KEYS, "teachingLicense")
FETMS_CATEGORY = {"arc": "arc", "workPermit": "workPermit", "passport": "passport"}
DASHBOARD_ITEMS_LIMIT = 1000


def keys_of(category: str) -> list[str]:
    """The lists an item of ``category`` appears in (a licence is in ``other`` and its own)."""
    if category in FETMS_CATEGORY:
        return [FETMS_CATEGORY[category]]
    return ["other", category] if category in KEYS else ["other"]


def _fields(checks: list[RuleCheck]) -> dict[str, list[RuleCheck]]:
    by_field: dict[str, list[RuleCheck]] = {}
    for check in checks:
        by_field.setdefault(check.field, []).append(check)
    return by_field


def _projection(path: str) -> Document:
    return {**{f: 1 for f in ITEM_FIELDS}, "expiryDate": f"${path}"}


def alert_facets(checks: list[RuleCheck], now: datetime, limit: int) -> Document:
    """Branches: per rule (upcoming items + count), per watched field (expired items + count),
    and the distinct teachers with anything flagged (``teachersNeedingAction``)."""
    today = start_of_day(now)
    facets: Document = {}
    for index, check in enumerate(checks):
        upcoming = {"$match": {check.field: {"$gt": today, "$lte": check.threshold}}}
        facets[f"rule{index}Items"] = [
            upcoming,
            {"$sort": {check.field: 1, "_id": 1}},
            {"$limit": limit},
            {"$project": _projection(check.field)},
        ]
        facets[f"rule{index}Count"] = [upcoming, {"$count": "count"}]
    for index, path in enumerate(_fields(checks)):
        expired = {"$match": {path: {"$lte": today}}}
        facets[f"expired{index}Items"] = [
            expired,
            {"$sort": {path: -1, "_id": 1}},
            {"$limit": limit},
            {"$project": _projection(path)},
        ]
        facets[f"expired{index}Count"] = [expired, {"$count": "count"}]
    condition = any_rule_condition(checks)
    if condition is not None:
        facets["alertTeachers"] = [{"$match": condition}, {"$count": "count"}]
    return facets


@dataclass
class AlertReport:
    upcoming: dict[str, list[Document]] = field(default_factory=lambda: {k: [] for k in KEYS})
    expired: dict[str, list[Document]] = field(default_factory=lambda: {k: [] for k in KEYS})
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {k: {"expiring": 0, "expired": 0} for k in KEYS}
    )
    actions: int = 0
    """FETMS's ``actionsNeeded``: every upcoming (teacher, rule) alert."""
    teachers: int = 0
    """Distinct teachers with an upcoming or expired flagged document."""


def _count(result: Document, key: str) -> int:
    rows = result.get(key) or [{"count": 0}]
    return int(rows[0].get("count", 0))


def decode_alerts(
    result: Document, checks: list[RuleCheck], now: datetime, limit: int
) -> AlertReport:
    today = start_of_day(now)
    report = AlertReport()
    for index, check in enumerate(checks):
        count = _count(result, f"rule{index}Count")
        report.actions += count
        for key in keys_of(check.category):
            report.counts[key]["expiring"] += count
            for doc in result.get(f"rule{index}Items", []):
                report.upcoming[key].append(_item(doc, check, [check], today, "EXPIRY"))
    for index, group in enumerate(_fields(checks).values()):
        count = _count(result, f"expired{index}Count")
        for key in keys_of(group[0].category):
            report.counts[key]["expired"] += count
            for doc in result.get(f"expired{index}Items", []):
                report.expired[key].append(_item(doc, group[0], group, today, "EXPIRED"))
    for key in KEYS:
        report.upcoming[key].sort(key=lambda e: (e["expiryDate"], e["teacherId"], e["ruleName"]))
        del report.upcoming[key][limit:]
        report.expired[key].sort(key=lambda e: (-e["expiryDate"].timestamp(), e["teacherId"]))
        del report.expired[key][limit:]
    report.teachers = _count(result, "alertTeachers")
    return report


def _item(
    doc: Document, check: RuleCheck, rules: list[RuleCheck], today: datetime, kind: str
) -> Document:
    expiry: datetime = doc["expiryDate"]
    if expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=UTC)
    names = [r.name for r in rules]
    first, last = doc.get("firstName"), doc.get("lastName")
    item: dict[str, Any] = {
        # FETMS's alert shape
        "teacherId": str(doc["_id"]),
        "firstName": first,
        "lastName": last,
        "profilePicture": doc.get("profilePicture"),
        "ruleName": ", ".join(names),
        "documentType": check.section,
        "expiryDate": expiry,
        "type": kind,
        # ours
        "_id": str(doc["_id"]),
        "middleName": doc.get("middleName"),
        "name": " ".join(p for p in (first, last) if isinstance(p, str)),
        "email": doc.get("email"),
        "pipelineStage": doc.get("pipelineStage"),
        "category": check.category,
        "field": check.section,
        "daysRemaining": (start_of_day(expiry) - today).days,
        "status": "expired" if kind == "EXPIRED" else "expiring",
        "ruleNames": names,
    }
    if kind == "EXPIRY":
        item["ruleId"] = check.rule_id
    return item
