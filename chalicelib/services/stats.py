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
from chalicelib.services import common, disclosure, expiry
from chalicelib.services.alert_rules import active_rules
from chalicelib.services.common import NOT_DELETED, parse_object_id
from chalicelib.services.pipeline import UNCATEGORIZED_TITLE, live_stages
from chalicelib.services.positions import UNCATEGORIZED_STAGE, column_of
from chalicelib.services.teachers import profile_conditions

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


_UNBOUNDED = 10**18
"""Upper boundary standing for "no upper limit" in ``$bucket``."""


def _salary_buckets() -> list[Document]:
    """``$bucket`` on the numeric salary: ``[a, b)`` per label, anything else Unspecified."""
    return [
        {
            "$bucket": {
                "groupBy": "$_salary",
                "boundaries": [*SALARY_EDGES, _UNBOUNDED],
                "default": UNSPECIFIED_LABEL,
                "output": {"count": {"$sum": 1}},
            }
        }
    ]


def _seniority_buckets() -> list[Document]:
    """``$bucket`` on whole years: 0, 1, … 9, 10+ (``[10, ∞)``), anything else Unspecified."""
    return [
        {
            "$bucket": {
                "groupBy": "$_seniority",
                "boundaries": [*range(SENIORITY_MAX + 1), _UNBOUNDED],
                "default": UNSPECIFIED_LABEL,
                "output": {"count": {"$sum": 1}},
            }
        }
    ]


def _salary_label(lower: Any) -> str:
    for label, low, _ in salary_labels():
        if lower == low:
            return label
    return UNSPECIFIED_LABEL


def _seniority_label(lower: Any) -> str:
    return seniority_label(int(lower)) if isinstance(lower, int | float) else UNSPECIFIED_LABEL


# --- filters -------------------------------------------------------------------------------


def salary_bounds(value: str) -> tuple[int, int] | None:
    """``a-b`` → ``(a, b)``, ``a+`` → ``(a, unbounded)``, ``Unspecified`` → None (the labels)."""
    if value.strip().lower() == "unspecified":
        return None
    closed = _RANGE.match(value)
    if closed and int(closed.group(1)) < int(closed.group(2)):
        return int(closed.group(1)), int(closed.group(2))
    opened = _OPEN_RANGE.match(value)
    if opened:
        return int(opened.group(1)), _UNBOUNDED
    raise ValidationFailed(
        detail="salaryRange must look like '60000-70000', '80000+' or 'Unspecified'",
        errors=[FieldError("salaryRange", "unrecognised salary range")],
    )


def salary_condition(value: str) -> Document:
    """``a-b`` → ``[a, b)``, ``a+`` → ``[a, ∞)``, ``Unspecified`` → no (valid) numeric salary."""
    bounds = salary_bounds(value)
    if bounds is None:
        return _outside("_salary", SALARY_EDGES[0])
    return {"_salary": {"$gte": bounds[0], "$lt": bounds[1]}}


def salary_match(value: str) -> Document:
    """The same selection as :func:`salary_condition` on stored teachers (a ``$match`` stage
    condition with ``$expr``), for the list and the export."""
    bounds = salary_bounds(value)
    low, high = bounds if bounds is not None else (SALARY_EDGES[0], _UNBOUNDED)
    inside: Document = {"$and": [{"$gte": [_SALARY_NUMBER, low]}, {"$lt": [_SALARY_NUMBER, high]}]}
    return {"$expr": inside if bounds is not None else {"$not": [inside]}}


def seniority_condition(value: str) -> Document:
    """``3``, ``3 Years``, ``10+ Years`` or ``Unspecified`` (the chart labels)."""
    if value.strip().lower() == "unspecified":
        return _outside("_seniority", 0)
    parsed = _YEARS.match(value)
    if not parsed:
        raise ValidationFailed(
            detail="seniority must be a number of years like '3 Years', '10+ Years' or "
            "'Unspecified'",
            errors=[FieldError("seniority", "unrecognised seniority")],
        )
    years = int(parsed.group(1))
    if years >= SENIORITY_MAX:
        return {"_seniority": {"$gte": SENIORITY_MAX, "$lt": _UNBOUNDED}}
    return {"_seniority": {"$gte": years, "$lt": years + 1}}


def _outside(field: str, lowest: int) -> Document:
    """What ``$bucket`` puts in its default bucket: not a number in ``[lowest, unbounded)``."""
    return {"$nor": [{field: {"$gte": lowest, "$lt": _UNBOUNDED}}]}


SLIM_FIELDS = (
    *CANDIDATE_FIELDS,
    *expiry.ITEM_FIELDS,
    "personalInfo.nationality",
    "personalInfo.gender",
    "personalInfo.hiringStatus",
    "education.degree",
)


def slim_projection(extra_paths: list[str]) -> Document:
    """Only the fields the facets read (reshaping whole teachers is the costly part)."""
    kept: list[str] = []
    for path in sorted({*SLIM_FIELDS, *extra_paths}, key=lambda p: (len(p), p)):
        if not any(path == k or path.startswith(k + ".") for k in kept):
            kept.append(path)
    return {path: 1 for path in kept}


def dashboard_prefix(
    query: DashboardQuery, stage_ids: list[str], extra_paths: list[str] | None = None
) -> list[Document]:
    """``$match`` on stored fields, slim projection with derived fields, ``$match`` on those.

    ``extra_paths`` are further stored fields the facets need (the alert rules' date fields).
    """
    match: Document = dict(NOT_DELETED)
    if query.projectId:
        match["project"] = parse_object_id(query.projectId, "projectId")
    match.update(
        profile_conditions(
            nationality=query.nationality,
            gender=query.gender,
            hiring_status=query.hiringStatus,
            degree=query.degree,
        )
    )
    if query.pipelineStage:
        if query.pipelineStage.strip().lower() == UNCATEGORIZED_STAGE:
            match["pipelineStage"] = {"$nin": stage_ids}
        else:
            match["pipelineStage"] = query.pipelineStage
    derived: list[Document] = []
    if query.salaryRange:
        derived.append(salary_condition(query.salaryRange))
    if query.seniority:
        derived.append(seniority_condition(query.seniority))
    prefix: list[Document] = [
        {"$match": match},
        {
            "$project": {
                **slim_projection(extra_paths or []),
                "_salary": _SALARY_NUMBER,
                "_seniority": _SENIORITY_YEARS,
            }
        },
    ]
    if derived:
        prefix.append({"$match": derived[0] if len(derived) == 1 else {"$and": derived}})
    return prefix


# --- the dashboard -------------------------------------------------------------------------


def _count(field: str | Document) -> list[Document]:
    return [{"$group": {"_id": field, "count": {"$sum": 1}}}]


def dashboard(
    db: Db, query: DashboardQuery, now: datetime | None = None, *, role: str | None = "admin"
) -> Document:
    disclosure.check_filters(query, role)  # viewers: no salary-range selection
    moment = now or common.utcnow()
    stages = live_stages(db)
    stage_ids = [str(s["_id"]) for s in stages]
    employed_ids = [str(s["_id"]) for s in stages if s.get("isEmployed")]
    checks = expiry.resolve_rules(active_rules(db), moment)
    recruiting: Document = {"pipelineStage": {"$nin": employed_ids}}
    facets: Document = {
        "total": [{"$count": "count"}],
        "schools": [
            {"$match": {"school": {"$ne": None}}},
            {"$group": {"_id": "$school"}},
            {"$count": "count"},
        ],
        "pipeline": _count("$pipelineStage"),
        "nationality": _count(_label("personalInfo.nationality.english")),
        "gender": _count(_label("personalInfo.gender")),
        "education": _count(_label("education.degree")),
        "hiringStatus": _count(_label("personalInfo.hiringStatus")),
        "salary": _salary_buckets(),
        "seniority": _seniority_buckets(),
        "candidates": [
            {"$match": recruiting},
            {"$sort": {"createdAt": -1, "_id": -1}},
            {"$limit": CANDIDATES_LIMIT},
            {"$project": CANDIDATE_FIELDS},
        ],
        "candidatesTotal": [{"$match": recruiting}, {"$count": "count"}],
        **expiry.expiry_facets(checks, moment, expiry.DEFAULT_ITEMS_PER_TYPE),
    }
    prefix = dashboard_prefix(query, stage_ids, [c.field for c in checks])
    pipeline = [*prefix, {"$facet": facets}]
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
            "salary": _fixed(
                _relabel(result.get("salary", []), _salary_label),
                [label for label, _, _ in salary_labels()],
            ),
            "seniority": _fixed(
                _relabel(result.get("seniority", []), _seniority_label),
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


def _relabel(rows: list[Document], label: Any) -> list[Document]:
    """``$bucket`` rows (keyed by lower boundary) → rows keyed by chart label."""
    counts: dict[str, int] = {}
    for row in rows:
        name = label(row["_id"])
        counts[name] = counts.get(name, 0) + int(row["count"])
    return [{"_id": name, "count": count} for name, count in counts.items()]


def _pipeline_chart(rows: list[Document], stages: list[Document]) -> list[Document]:
    """Counts per stored ``pipelineStage`` value (few groups) folded onto the live stages."""
    live = {str(s["_id"]) for s in stages}
    counts: dict[str, int] = {}
    for row in rows:
        key = column_of(row["_id"], list(live))
        counts[key] = counts.get(key, 0) + int(row["count"])
    entries = [
        _entry(str(s.get("title", "")), counts.get(str(s["_id"]), 0), stageId=str(s["_id"]))
        for s in stages
    ]
    entries.append(
        _entry(UNCATEGORIZED_TITLE, counts.get(UNCATEGORIZED_STAGE, 0), stageId=UNCATEGORIZED_STAGE)
    )
    return entries
