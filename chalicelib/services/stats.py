"""The FETMS dashboard in one MongoDB aggregation: ``$match`` → derived fields → ``$facet``.

Definitions (each chart counts the filtered, non-deleted teachers):

* ``kpi.totalTeachers`` — teachers matching the filters;
  ``kpi.activeSchools`` — distinct schools those teachers are linked to;
  ``kpi.inRecruitment`` — those not in an employed stage (``stage.isEmployed``; uncategorized and
  unknown stages count as in recruitment); ``kpi.actionsNeeded`` — distinct teachers with at
  least one document flagged by an active alert rule (expiring or already expired).
* ``charts.pipeline`` — one entry per stage in order plus ``Uncategorized`` (explicit, missing or
  unknown/deleted stage); ``nationality`` (``personalInfo.nationality.english``), ``gender``,
  ``education`` (``education.degree``), ``hiringStatus`` — grouped by the stored value, no value →
  ``Unspecified``; ``salary`` — half-open buckets ``[a, b)`` on ``contractDetails.salary``;
  ``seniority`` — whole years parsed from ``contractDetails.senioritySalary`` (``"3 Years"`` or 3),
  ``0 Years`` … ``9 Years``, ``10+ Years``, else ``Unspecified``.
* Filters use the same derivations as the charts, so every chart label is a valid filter value
  (``Unspecified``, ``0 Years``, ``uncategorized``, ``60000-70000``…).
* ``candidates`` — the newest 100 teachers in recruitment; ``candidatesTotal`` — all of them.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime
from typing import Any

from chalicelib.db import TEACHERS, Db, Document
from chalicelib.errors import FieldError, ValidationFailed
from chalicelib.models.teachers import DashboardQuery
from chalicelib.services import common, expiry
from chalicelib.services.alert_rules import active_rules
from chalicelib.services.common import NOT_DELETED, parse_object_id
from chalicelib.services.pipeline import UNCATEGORIZED_TITLE, live_stages
from chalicelib.services.stages import UNCATEGORIZED
from chalicelib.services.teachers import value_condition

UNSPECIFIED_LABEL = "Unspecified"
SALARY_EDGES = (0, 40_000, 50_000, 60_000, 70_000, 80_000)
SENIORITY_MAX = 10
CANDIDATES_LIMIT = 100
CANDIDATE_FIELDS: Document = {
    "firstName": 1,
    "middleName": 1,
    "lastName": 1,
    "email": 1,
    "profilePicture": 1,
    "pipelineStage": 1,
    "pipelineOrder": 1,
    "school": 1,
    "project": 1,
    "personalInfo.nationality": 1,
    "personalInfo.gender": 1,
    "personalInfo.hiringStatus": 1,
    "education.degree": 1,
    "createdAt": 1,
}
_RANGE = re.compile(r"^\s*(\d{1,9})\s*-\s*(\d{1,9})\s*$")
_OPEN_RANGE = re.compile(r"^\s*(\d{1,9})\s*\+\s*$")
_YEARS = re.compile(r"^\s*(\d{1,3})\s*(\+)?")


def salary_labels() -> list[tuple[str, float, float | None]]:
    """``(label, lower inclusive, upper exclusive | None)`` for each salary bucket."""
    buckets: list[tuple[str, float, float | None]] = []
    for low, high in itertools.pairwise(SALARY_EDGES):
        buckets.append((f"{low}-{high}", low, high))
    buckets.append((f"{SALARY_EDGES[-1]}+", SALARY_EDGES[-1], None))
    return buckets


def seniority_label(years: int | None) -> str:
    if years is None or years < 0:
        return UNSPECIFIED_LABEL
    return f"{SENIORITY_MAX}+ Years" if years >= SENIORITY_MAX else f"{years} Years"


# --- derived fields (shared by the filters and the charts) ---------------------------------

_SALARY_NUMBER: Document = {
    "$convert": {
        "input": "$contractDetails.salary",
        "to": "double",
        "onError": None,
        "onNull": None,
    }
}
_SENIORITY = "$contractDetails.senioritySalary"
_SENIORITY_YEARS: Document = {
    "$switch": {
        "branches": [
            {"case": {"$isNumber": _SENIORITY}, "then": {"$floor": _SENIORITY}},
            {
                "case": {"$eq": [{"$type": _SENIORITY}, "string"]},
                "then": {
                    "$let": {
                        "vars": {"m": {"$regexFind": {"input": _SENIORITY, "regex": r"^\s*(\d+)"}}},
                        "in": {
                            "$cond": [
                                {"$eq": ["$$m", None]},
                                None,
                                {"$toInt": {"$arrayElemAt": ["$$m.captures", 0]}},
                            ]
                        },
                    }
                },
            },
        ],
        "default": None,
    }
}


def _label(path: str) -> Document:
    """The stored value, or ``Unspecified`` for missing / null / empty."""
    value = f"${path}"
    return {"$cond": [{"$in": [{"$ifNull": [value, ""]}, ["", None]]}, UNSPECIFIED_LABEL, value]}


def _salary_bucket() -> Document:
    branches = []
    for label, low, high in salary_labels():
        conditions: list[Any] = [{"$ne": ["$_salary", None]}, {"$gte": ["$_salary", low]}]
        if high is not None:
            conditions.append({"$lt": ["$_salary", high]})
        branches.append({"case": {"$and": conditions}, "then": label})
    return {"$switch": {"branches": branches, "default": UNSPECIFIED_LABEL}}


def _seniority_bucket() -> Document:
    years = "$_seniority"
    return {
        "$switch": {
            "branches": [
                {"case": {"$eq": [years, None]}, "then": UNSPECIFIED_LABEL},
                {"case": {"$lt": [years, 0]}, "then": UNSPECIFIED_LABEL},
                {"case": {"$gte": [years, SENIORITY_MAX]}, "then": f"{SENIORITY_MAX}+ Years"},
            ],
            "default": {"$concat": [{"$toString": years}, " Years"]},
        }
    }


# --- filters -------------------------------------------------------------------------------


def salary_condition(value: str) -> Document:
    """``a-b`` → ``[a, b)``, ``a+`` → ``[a, ∞)``, ``Unspecified`` → no numeric salary."""
    if value.strip().lower() == "unspecified":
        return {"_salary": None}
    closed = _RANGE.match(value)
    if closed and int(closed.group(1)) < int(closed.group(2)):
        return {"_salary": {"$gte": int(closed.group(1)), "$lt": int(closed.group(2))}}
    opened = _OPEN_RANGE.match(value)
    if opened:
        return {"_salary": {"$gte": int(opened.group(1))}}
    raise ValidationFailed(
        detail="salaryRange must look like '60000-70000', '80000+' or 'Unspecified'",
        errors=[FieldError("salaryRange", "unrecognised salary range")],
    )


def seniority_condition(value: str) -> Document:
    """``3``, ``3 Years``, ``10+ Years`` or ``Unspecified`` (the chart labels)."""
    if value.strip().lower() == "unspecified":
        return {"_seniorityBucket": UNSPECIFIED_LABEL}
    parsed = _YEARS.match(value)
    if not parsed:
        raise ValidationFailed(
            detail="seniority must be a number of years like '3 Years', '10+ Years' or "
            "'Unspecified'",
            errors=[FieldError("seniority", "unrecognised seniority")],
        )
    years = int(parsed.group(1))
    return {"_seniorityBucket": seniority_label(years)}


def dashboard_prefix(
    query: DashboardQuery, stage_ids: list[str], employed_ids: list[str]
) -> list[Document]:
    """``$match`` on stored fields, derived fields, then ``$match`` on the derived ones."""
    match: Document = dict(NOT_DELETED)
    if query.projectId:
        match["project"] = parse_object_id(query.projectId, "projectId")
    simple = {
        "personalInfo.gender": query.gender,
        "personalInfo.nationality.english": query.nationality,
        "education.degree": query.degree,
        "personalInfo.hiringStatus": query.hiringStatus,
    }
    for path, value in simple.items():
        if value:
            match[path] = value_condition(value)
    if query.pipelineStage:
        if query.pipelineStage.strip().lower() == UNCATEGORIZED:
            match["pipelineStage"] = {"$nin": stage_ids}
        else:
            match["pipelineStage"] = query.pipelineStage
    derived_match: Document = {}
    if query.salaryRange:
        derived_match.update(salary_condition(query.salaryRange))
    if query.seniority:
        derived_match.update(seniority_condition(query.seniority))
    stage_key = {"$cond": [{"$in": ["$pipelineStage", stage_ids]}, "$pipelineStage", UNCATEGORIZED]}
    prefix: list[Document] = [
        {"$match": match},
        {
            "$addFields": {
                "_salary": _SALARY_NUMBER,
                "_seniority": _SENIORITY_YEARS,
                "_stageKey": stage_key,
                "_employed": {"$in": ["$pipelineStage", employed_ids]},
            }
        },
        {
            "$addFields": {
                "_salaryBucket": _salary_bucket(),
                "_seniorityBucket": _seniority_bucket(),
            }
        },
    ]
    if derived_match:
        prefix.append({"$match": derived_match})
    return prefix


# --- the dashboard -------------------------------------------------------------------------


def _count(field: str | Document) -> list[Document]:
    return [{"$group": {"_id": field, "count": {"$sum": 1}}}]


def dashboard(db: Db, query: DashboardQuery, now: datetime | None = None) -> Document:
    moment = now or common.utcnow()
    stages = live_stages(db)
    stage_ids = [str(s["_id"]) for s in stages]
    employed_ids = [str(s["_id"]) for s in stages if s.get("isEmployed")]
    checks = expiry.resolve_rules(active_rules(db), moment)
    facets: Document = {
        "total": [{"$count": "count"}],
        "schools": [
            {"$match": {"school": {"$ne": None}}},
            {"$group": {"_id": "$school"}},
            {"$count": "count"},
        ],
        "pipeline": _count("$_stageKey"),
        "nationality": _count(_label("personalInfo.nationality.english")),
        "gender": _count(_label("personalInfo.gender")),
        "education": _count(_label("education.degree")),
        "hiringStatus": _count(_label("personalInfo.hiringStatus")),
        "salary": _count("$_salaryBucket"),
        "seniority": _count("$_seniorityBucket"),
        "candidates": [
            {"$match": {"_employed": False}},
            {"$sort": {"createdAt": -1, "_id": -1}},
            {"$limit": CANDIDATES_LIMIT},
            {"$project": CANDIDATE_FIELDS},
        ],
        "candidatesTotal": [{"$match": {"_employed": False}}, {"$count": "count"}],
        **expiry.expiry_facets(checks, moment, expiry.DEFAULT_ITEMS_PER_TYPE),
    }
    pipeline = [*dashboard_prefix(query, stage_ids, employed_ids), {"$facet": facets}]
    rows = list(db[TEACHERS].aggregate(pipeline))
    result: Document = rows[0] if rows else {}
    report = expiry.decode(result, checks, moment, expiry.DEFAULT_ITEMS_PER_TYPE)
    titles = {str(s["_id"]): s.get("title", "") for s in stages}
    in_recruitment = _scalar(result, "candidatesTotal")
    candidates = [
        {**doc, "stageTitle": titles.get(str(doc.get("pipelineStage")), UNCATEGORIZED_TITLE)}
        for doc in result.get("candidates", [])
    ]
    return {
        "kpi": {
            "totalTeachers": _scalar(result, "total"),
            "activeSchools": _scalar(result, "schools"),
            "inRecruitment": in_recruitment,
            "actionsNeeded": report.teachers,
        },
        "expiry": report.items,
        "expiryCounts": report.counts,
        "charts": {
            "pipeline": _pipeline_chart(result.get("pipeline", []), stages),
            "nationality": _ranked(result.get("nationality", [])),
            "gender": _ranked(result.get("gender", [])),
            "education": _ranked(result.get("education", [])),
            "salary": _fixed(result.get("salary", []), [label for label, _, _ in salary_labels()]),
            "seniority": _fixed(
                result.get("seniority", []),
                [seniority_label(y) for y in range(SENIORITY_MAX + 1)],
            ),
            "hiringStatus": _ranked(result.get("hiringStatus", [])),
        },
        "candidates": candidates,
        "candidatesTotal": in_recruitment,
    }


def _scalar(result: Document, key: str) -> int:
    rows = result.get(key) or [{"count": 0}]
    return int(rows[0].get("count", 0))


def _entry(name: str, count: int, **extra: Any) -> Document:
    return {"name": name, "value": count, "count": count, **extra}


def _ranked(rows: list[Document]) -> list[Document]:
    """Largest first, then by name; ``Unspecified`` last."""
    entries = [_entry(str(row["_id"]), int(row["count"])) for row in rows]
    entries.sort(key=lambda e: (e["name"] == UNSPECIFIED_LABEL, -e["value"], e["name"]))
    return entries


def _fixed(rows: list[Document], labels: list[str]) -> list[Document]:
    """Every bucket in its natural order (zeros included); ``Unspecified`` last when present."""
    counts = {str(row["_id"]): int(row["count"]) for row in rows}
    entries = [_entry(label, counts.get(label, 0)) for label in labels]
    if counts.get(UNSPECIFIED_LABEL):
        entries.append(_entry(UNSPECIFIED_LABEL, counts[UNSPECIFIED_LABEL]))
    return entries


def _pipeline_chart(rows: list[Document], stages: list[Document]) -> list[Document]:
    counts = {str(row["_id"]): int(row["count"]) for row in rows}
    entries = [
        _entry(str(s.get("title", "")), counts.get(str(s["_id"]), 0), stageId=str(s["_id"]))
        for s in stages
    ]
    entries.append(_entry(UNCATEGORIZED_TITLE, counts.get(UNCATEGORIZED, 0), stageId=UNCATEGORIZED))
    return entries
