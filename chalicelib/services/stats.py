"""The FETMS dashboard in one MongoDB aggregation: ``$match`` → derived fields → ``$facet``.

It means what the original FETMS dashboard meant (same counts, labels and shapes for the same
data and filters; issue 13). Each chart counts the filtered, non-deleted teachers.

* ``kpi.totalTeachers`` — teachers matching the filters; ``kpi.activeSchools`` — distinct schools
  they are linked to; ``kpi.inRecruitment`` — those not in an employed stage (the stage's
  ``isEmployed`` flag; a FETMS stage has none: the first stage whose title contains "Employed" is
  the employed one, as FETMS decided); ``kpi.actionsNeeded`` — FETMS's number: upcoming
  (teacher, active rule) alerts, ``today < expiry ≤ threshold``; ``kpi.teachersNeedingAction`` —
  ours: distinct teachers with a document expiring within a rule's window or already expired.
* ``expiry`` / ``expired`` / ``expiryCounts`` — see :mod:`chalicelib.services.expiry_alerts`.
* ``charts.pipeline`` — ``Uncategorized`` first (explicit, missing or unknown stage; only when it
  has teachers), then every stage in order: ``{name, value, count, id, stageId, color?}`` with
  FETMS's colours (``#10b981`` for employed stages, ``#94a3b8`` for Uncategorized).
* ``nationality`` (no value: ``Unknown``), ``gender`` and ``education`` (``Not Specified``),
  ``hiringStatus`` (``Pending``) — grouped by the stored value, largest first.
* ``salary`` — FETMS's bands, every one always present: ``< 60k``, ``60k - 70k``, ``70k - 80k``,
  ``80k - 90k``, ``90k +`` (half-open: ``[60000, 70000)``…) and ``Unspecified`` (no salary, or 0).
* ``seniority`` — whole years found in ``contractDetails.senioritySalary`` the way FETMS read them
  (the first "<n> year", else 0): ``0 Years``, ``1 Year``, ``2 Years`` … ``9 Years``, ``10+ Years``.
* ``candidates`` — the first 100 filtered teachers in creation order (FETMS's choice of rows) in
  FETMS's shape (``pipelineStage`` = the stage title, ``salary``, ``seniority``) plus ours
  (``stageId``, ``email``…); ``candidatesTotal`` — how many they were chosen from.

Filters: every chart label is accepted by its filter (``Unknown``, ``Not Specified``, ``Pending``,
``Unspecified``, ``< 60k``, ``1 Year``, ``uncategorized``…), profile values match ignoring case as
in FETMS (``gender=male``); ``salaryRange`` also takes ``a-b`` (``[a, b)``), ``a+``, ``<a`` with
``k`` for thousands, the way FETMS parsed it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.errors import OperationFailure

from chalicelib.db import ALERT_RULES, STAGES, TEACHERS, Db, Document
from chalicelib.errors import FieldError, ValidationFailed
from chalicelib.models.teachers import DashboardQuery
from chalicelib.observability import logger
from chalicelib.services import common, dashboard_cache, disclosure, expiry, expiry_alerts
from chalicelib.services.alert_rules import ACTIVE_RULES
from chalicelib.services.common import NOT_DELETED, parse_object_id
from chalicelib.services.dashboard_cache import READ_AS, context_stages, found_view
from chalicelib.services.pipeline import (
    STAGE_FIELDS,
    UNCATEGORIZED_TITLE,
    resolve_employed,
)
from chalicelib.services.positions import UNCATEGORIZED_STAGE, column_of
from chalicelib.services.teachers import (
    DEGREE,
    GENDER,
    HIRING_STATUS,
    NATIONALITY,
    NONE_LABELS,
    profile_conditions,
)
from chalicelib.settings import get_settings

UNSPECIFIED_LABEL = "Unspecified"
SALARY_BANDS: tuple[tuple[str, float | None], ...] = (
    ("< 60k", 60_000),
    ("60k - 70k", 70_000),
    ("70k - 80k", 80_000),
    ("80k - 90k", 90_000),
    ("90k +", None),
)
"""FETMS's salary bands: ``(label, upper bound exclusive)``, each starting at the previous bound."""
SALARY_LABELS = (*(label for label, _ in SALARY_BANDS), UNSPECIFIED_LABEL)
SENIORITY_MAX = 10
SENIORITY_PATTERN = r"(\d{1,9})\s*year"
CANDIDATES_LIMIT = 100
EMPLOYED_COLOR = "#10b981"
UNCATEGORIZED_COLOR = "#94a3b8"
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
    "contractDetails.salary": 1,
    "contractDetails.senioritySalary": 1,
    "createdAt": 1,
}
_SALARY_TEXT = re.compile(r"^(<)?(\d{1,9})(?:(\+)|-(\d{1,9}))?$")


def seniority_label(years: int) -> str:
    if years >= SENIORITY_MAX:
        return f"{SENIORITY_MAX}+ Years"
    return "1 Year" if years == 1 else f"{years} Years"


SENIORITY_LABELS = tuple(seniority_label(y) for y in range(SENIORITY_MAX + 1))


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
                        "vars": {
                            "m": {
                                "$regexFind": {
                                    "input": _SENIORITY,
                                    "regex": SENIORITY_PATTERN,
                                    "options": "i",
                                }
                            }
                        },
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


def _salary_band(salary: Any = "$_salary") -> Document:
    """FETMS: no salary (or 0) → Unspecified, else the band whose upper bound it is below."""
    branches: list[Document] = [
        {"case": {"$in": [{"$ifNull": [salary, 0]}, [0]]}, "then": UNSPECIFIED_LABEL}
    ]
    for label, upper in SALARY_BANDS:
        if upper is not None:
            branches.append({"case": {"$lt": [salary, upper]}, "then": label})
    return {"$switch": {"branches": branches, "default": SALARY_BANDS[-1][0]}}


def _seniority_band() -> Document:
    years = "$_seniorityYears"
    return {
        "$switch": {
            "branches": [
                {"case": {"$gte": [years, SENIORITY_MAX]}, "then": seniority_label(SENIORITY_MAX)},
                {"case": {"$eq": [years, 1]}, "then": seniority_label(1)},
            ],
            "default": {"$concat": [{"$toString": {"$toInt": years}}, " Years"]},
        }
    }


def _label(path: str) -> Document:
    """The stored value, or FETMS's label for none (missing / null / empty)."""
    value = f"${path}"
    none = NONE_LABELS[path]
    return {"$cond": [{"$in": [{"$ifNull": [value, ""]}, ["", None]]}, none, value]}


# --- filters -------------------------------------------------------------------------------


def _squeeze(value: str) -> str:
    return re.sub(r"\s+", "", value).lower()


@dataclass(frozen=True)
class SalarySelection:
    """What a ``salaryRange`` value selects: a chart band, or ``[low, high)`` over specified
    salaries (``high`` None: unbounded)."""

    band: str | None = None
    low: float | None = None
    high: float | None = None


def salary_selection(value: str) -> SalarySelection:
    """A salary label (``60k - 70k``…, ``Unspecified``) selects its band; ``a-b`` is ``[a, b)``,
    ``a+`` is ``≥ a``, ``<a`` is ``< a`` (``k`` = thousand), over specified salaries."""
    wanted = _squeeze(value)
    for label in SALARY_LABELS:
        if wanted == _squeeze(label):
            return SalarySelection(band=label)
    parsed = _SALARY_TEXT.match(wanted.replace("k", "000"))
    if parsed:
        below, low, plus, high = parsed.groups()
        if below and not (plus or high):
            return SalarySelection(high=int(low))
        if plus and not below:
            return SalarySelection(low=int(low))
        if high and not below and int(low) < int(high):
            return SalarySelection(low=int(low), high=int(high))
    raise ValidationFailed(
        detail="salaryRange must be a chart label ('< 60k', '60k - 70k', '90k +', 'Unspecified') "
        "or a range like '60000-70000', '90k+', '<60k'",
        errors=[FieldError("salaryRange", "unrecognised salary range")],
    )


def salary_condition(value: str) -> Document:
    """The dashboard's ``$match`` on the derived ``_salary`` / ``_salaryBand``."""
    chosen = salary_selection(value)
    if chosen.band is not None:
        return {"_salaryBand": chosen.band}
    bounds: Document = {}
    if chosen.low is not None:
        bounds["$gte"] = chosen.low
    if chosen.high is not None:
        bounds["$lt"] = chosen.high
    return {"_salary": bounds, "_salaryBand": {"$ne": UNSPECIFIED_LABEL}}


def salary_match(value: str) -> Document:
    """The same selection as :func:`salary_condition` on stored teachers (a ``$match`` stage
    condition with ``$expr``), for the list and the export."""
    chosen = salary_selection(value)
    band = _salary_band(_SALARY_NUMBER)
    if chosen.band is not None:
        return {"$expr": {"$eq": [band, chosen.band]}}
    clauses: list[Document] = [{"$ne": [band, UNSPECIFIED_LABEL]}]
    if chosen.low is not None:
        clauses.append({"$gte": [_SALARY_NUMBER, chosen.low]})
    if chosen.high is not None:
        clauses.append({"$lt": [_SALARY_NUMBER, chosen.high]})
    return {"$expr": {"$and": clauses}}


def seniority_condition(value: str) -> Document:
    """A chart label (``0 Years``, ``1 Year``, ``10+ Years``), a number of years, or
    ``Unspecified`` (no year count found in the text — shown as ``0 Years``)."""
    text = value.strip()
    if text.lower() == UNSPECIFIED_LABEL.lower():
        return {"_seniority": None}
    parsed = re.match(r"^(\d{1,3})\s*(\+)?\s*(years?)?$", text, re.IGNORECASE)
    if not parsed:
        raise ValidationFailed(
            detail="seniority must be a chart label like '1 Year', '3 Years', '10+ Years' or "
            "'Unspecified'",
            errors=[FieldError("seniority", "unrecognised seniority")],
        )
    years = int(parsed.group(1))
    if years >= SENIORITY_MAX:
        return {"_seniorityYears": {"$gte": SENIORITY_MAX}}
    return {"_seniorityYears": {"$gte": years, "$lt": years + 1}}


SLIM_FIELDS = (
    *CANDIDATE_FIELDS,
    *expiry.ITEM_FIELDS,
    NATIONALITY,
    GENDER,
    HIRING_STATUS,
    DEGREE,
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
            match["pipelineStage"] = query.pipelineStage.strip()
    derived: Document = {}
    if query.salaryRange:
        derived.update(salary_condition(query.salaryRange))
    if query.seniority:
        derived.update(seniority_condition(query.seniority))
    prefix: list[Document] = [
        {"$match": match},
        {
            "$project": {
                **slim_projection(extra_paths or []),
                "_salary": _SALARY_NUMBER,
                "_seniority": _SENIORITY_YEARS,
            }
        },
        {"$addFields": {"_seniorityYears": {"$ifNull": ["$_seniority", 0]}}},
        {"$addFields": {"_salaryBand": _salary_band(), "_seniorityBand": _seniority_band()}},
    ]
    if derived:
        prefix.append({"$match": derived})
    return prefix


# --- the dashboard -------------------------------------------------------------------------


_cache_supported: dict[str, bool] = {}  # "known": False once a server refused $collStats there


def stages_and_rules(db: Db) -> tuple[list[Document], list[Document]]:
    """The live stages in kanban order (as ``live_stages``) and the active alert rules (as
    ``active_rules``), in one command: two small collections read through ``$unionWith``."""
    stages, rules, _ = _context(db, None)
    return stages, rules


def _context(
    db: Db, view_key: str | None
) -> tuple[list[Document], list[Document], dashboard_cache.CachedView | None]:
    """Stages, active rules and — for ``view_key`` — the cache's audit count and entry: one
    command. A server that refuses the cache's branches gets the plain read (and no cache)."""
    pipeline: list[Document] = [
        {"$match": NOT_DELETED},
        {"$project": {**STAGE_FIELDS, READ_AS: {"$literal": "stage"}}},
        {
            "$unionWith": {
                "coll": ALERT_RULES,
                "pipeline": [
                    {"$match": ACTIVE_RULES},
                    {"$addFields": {READ_AS: {"$literal": "rule"}}},
                ],
            }
        },
    ]
    key = view_key if _cache_supported.get("known") is not False else None
    branches = context_stages(key) if key is not None else []
    try:
        rows = list(db[STAGES].aggregate(pipeline + branches))
    except OperationFailure as exc:
        if key is None:
            raise
        logger.warning("dashboard cache off: the server refused its read", extra={"code": exc.code})
        _cache_supported["known"] = False
        return _context(db, None)
    stages = [row for row in rows if row.get(READ_AS) == "stage"]
    rules = [row for row in rows if row.get(READ_AS) == "rule"]
    for row in stages + rules:
        row.pop(READ_AS)
    # $unionWith does not promise an order: kanban order here (missing orders first, as $sort).
    stages.sort(key=lambda s: (s.get("order") is not None, s.get("order") or 0, s["_id"]))
    view = found_view(key, rows) if key is not None else None
    return resolve_employed(stages), rules, view


def _count(field: str | Document) -> list[Document]:
    return [{"$group": {"_id": field, "count": {"$sum": 1}}}]


def dashboard(
    db: Db, query: DashboardQuery, now: datetime | None = None, *, role: str | None = "admin"
) -> Document:
    disclosure.check_filters(query, role)  # viewers: no salary-range selection
    moment = now or common.utcnow()
    keep_seconds = get_settings().dashboard_cache_seconds
    key = dashboard_cache.view_key(query, moment) if keep_seconds else None
    stages, rules, view = _context(db, key)
    stage_ids = [str(s["_id"]) for s in stages]
    employed_ids = [str(s["_id"]) for s in stages if s["isEmployed"]]
    checks = expiry.resolve_rules(rules, moment)
    limit = expiry_alerts.DASHBOARD_ITEMS_LIMIT
    facets: Document = {
        "total": [{"$count": "count"}],
        "schools": [
            {"$match": {"school": {"$ne": None}}},
            {"$group": {"_id": "$school"}},
            {"$count": "count"},
        ],
        "recruiting": [{"$match": {"pipelineStage": {"$nin": employed_ids}}}, {"$count": "count"}],
        "pipeline": _count("$pipelineStage"),
        "nationality": _count(_label(NATIONALITY)),
        "gender": _count(_label(GENDER)),
        "education": _count(_label(DEGREE)),
        "hiringStatus": _count(_label(HIRING_STATUS)),
        "salary": _count("$_salaryBand"),
        "seniority": _count("$_seniorityBand"),
        "candidates": [
            {"$sort": {"_id": 1}},
            {"$limit": CANDIDATES_LIMIT},
            {"$project": CANDIDATE_FIELDS},
        ],
        **expiry_alerts.alert_facets(checks, moment, limit),
    }
    result = view.reusable(moment) if view is not None else None
    if result is None:
        prefix = dashboard_prefix(query, stage_ids, [c.field for c in checks])
        rows = list(db[TEACHERS].aggregate([*prefix, {"$facet": facets}]))
        result = rows[0] if rows else {}
        if view is not None:
            dashboard_cache.store(db, view, result, moment, keep_seconds)
    alerts = expiry_alerts.decode_alerts(result, checks, moment, limit)
    total = _scalar(result, "total")
    return {
        "kpi": {
            "totalTeachers": total,
            "activeSchools": _scalar(result, "schools"),
            "inRecruitment": _scalar(result, "recruiting"),
            "actionsNeeded": alerts.actions,
            "teachersNeedingAction": alerts.teachers,
        },
        "expiry": alerts.upcoming,
        "expired": alerts.expired,
        "expiryCounts": alerts.counts,
        "charts": {
            "pipeline": _pipeline_chart(result.get("pipeline", []), stages),
            "nationality": _ranked(result.get("nationality", [])),
            "gender": _ranked(result.get("gender", [])),
            "education": _ranked(result.get("education", [])),
            "salary": _fixed(result.get("salary", []), SALARY_LABELS),
            "seniority": _fixed(result.get("seniority", []), SENIORITY_LABELS),
            "hiringStatus": _ranked(result.get("hiringStatus", [])),
        },
        "candidates": [_candidate(doc, stages, role) for doc in result.get("candidates", [])],
        "candidatesTotal": total,
    }


def _candidate(doc: Document, stages: list[Document], role: str | None) -> Document:
    """FETMS's candidate row (stage title, salary, seniority) with our extra fields; the
    salary is masked for viewers like ``contractDetails.salary`` everywhere (``disclosure``)."""
    titles = {str(s["_id"]): str(s.get("title", "")) for s in stages}
    stage = doc.get("pipelineStage")
    contract = doc.pop("contractDetails", None) or {}
    salary = contract.get("salary")
    if salary not in (None, "") and not disclosure.sees_everything(role):
        salary = disclosure.MASK
    return {
        **doc,
        "pipelineStage": titles.get(str(stage), UNCATEGORIZED_TITLE),
        "stageId": column_of(stage, list(titles)),
        "stageTitle": titles.get(str(stage), UNCATEGORIZED_TITLE),
        "salary": salary,
        "seniority": contract.get("senioritySalary"),
    }


def _scalar(result: Document, key: str) -> int:
    rows = result.get(key) or [{"count": 0}]
    return int(rows[0].get("count", 0))


def _entry(name: str, count: int, **extra: Any) -> Document:
    return {"name": name, "value": count, "count": count, **extra}


def _ranked(rows: list[Document]) -> list[Document]:
    """Largest first, then by name (FETMS sorted by count)."""
    entries = [_entry(str(row["_id"]), int(row["count"])) for row in rows]
    entries.sort(key=lambda e: (-e["value"], e["name"]))
    return entries


def _fixed(rows: list[Document], labels: tuple[str, ...]) -> list[Document]:
    """Every label in its natural order, zeros included (as FETMS listed them)."""
    counts = {str(row["_id"]): int(row["count"]) for row in rows}
    return [_entry(label, counts.get(label, 0)) for label in labels]


def _pipeline_chart(rows: list[Document], stages: list[Document]) -> list[Document]:
    """Counts per stored ``pipelineStage`` value (few groups) folded onto the live stages."""
    live = [str(s["_id"]) for s in stages]
    counts: dict[str, int] = {}
    for row in rows:
        key = column_of(row["_id"], live)
        counts[key] = counts.get(key, 0) + int(row["count"])
    entries: list[Document] = []
    uncategorized = counts.get(UNCATEGORIZED_STAGE, 0)
    if uncategorized:
        entries.append(
            _entry(
                UNCATEGORIZED_TITLE,
                uncategorized,
                id=UNCATEGORIZED_STAGE,
                stageId=UNCATEGORIZED_STAGE,
                color=UNCATEGORIZED_COLOR,
            )
        )
    for stage in stages:
        sid = str(stage["_id"])
        title = str(stage.get("title", ""))
        extra: Document = {"id": sid, "stageId": sid}
        if stage["isEmployed"] or "employed" in title.lower():
            extra["color"] = EMPLOYED_COLOR
        entries.append(_entry(title, counts.get(sid, 0), **extra))
    return entries
