"""The original FETMS dashboard (``StatsService.getDashboardStats``), ported line by line to Python
over stored documents: what an office saw before switching, to compare ours against.

Assumptions: FETMS's server runs in UTC (its ``startOfDay`` is local time) and reads documents in
insertion order (its ``find`` has no sort). Deliberate differences, each asked for by issue 13:

* ``salaryRange`` ranges are half-open like the chart (FETMS filtered ``$lte`` the upper bound),
  and a label selects exactly its chart band; ``seniority`` likewise selects its chart band;
* ``load_teaching_license``: FETMS's query did not load ``teachingLicense``, so its licence rules
  never fired; we count them (pass False to see FETMS's own numbers).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

Doc = dict[str, Any]


def _start_of_day(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _as_date(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _get(doc: Doc, path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


SALARY_BANDS = ("< 60k", "60k - 70k", "70k - 80k", "80k - 90k", "90k +", "Unspecified")


def salary_band(teacher: Doc) -> str:
    sal = _get(teacher, "contractDetails.salary")
    if not sal:
        return "Unspecified"
    for label, upper in zip(SALARY_BANDS, (60000, 70000, 80000, 90000), strict=False):
        if sal < upper:
            return label
    return "90k +"


def seniority_years(teacher: Doc) -> int:
    raw = _get(teacher, "contractDetails.senioritySalary") or ""
    found = re.search(r"(\d+)\s*year", str(raw), re.IGNORECASE)
    return int(found.group(1)) if found else 0


def seniority_label(years: int) -> str:
    return "10+ Years" if years >= 10 else f"{years} Year{'s' if years != 1 else ''}"


def _text_filter(path: str, value: str, none_label: str) -> Callable[[Doc], bool]:
    wanted = value.strip()
    if wanted == none_label:
        return lambda t: _get(t, path) in (None, "")
    return lambda t: isinstance(_get(t, path), str) and _get(t, path).lower() == wanted.lower()


def _filters(filters: dict[str, str]) -> list[Callable[[Doc], bool]]:
    checks: list[Callable[[Doc], bool]] = []
    if "projectId" in filters:
        checks.append(lambda t: str(t.get("project")) == filters["projectId"])
    if "gender" in filters:
        checks.append(_text_filter("personalInfo.gender", filters["gender"], "Not Specified"))
    if "nationality" in filters:
        path = "personalInfo.nationality.english"
        checks.append(_text_filter(path, filters["nationality"], "Unknown"))
    if "degree" in filters:
        checks.append(_text_filter("education.degree", filters["degree"], "Not Specified"))
    if "hiringStatus" in filters:
        wanted = filters["hiringStatus"].strip()
        if wanted == "Pending":
            checks.append(lambda t: _get(t, "personalInfo.hiringStatus") in (None, "", "Pending"))
        else:
            checks.append(_text_filter("personalInfo.hiringStatus", wanted, "\0"))
    if "pipelineStage" in filters:
        checks.append(lambda t: t.get("pipelineStage") == filters["pipelineStage"].strip())
    if "salaryRange" in filters:
        checks.append(lambda t: salary_band(t) == filters["salaryRange"])
    if "seniority" in filters:
        checks.append(lambda t: seniority_label(seniority_years(t)) == filters["seniority"])
    return checks


def fetms_dashboard(
    teachers: list[Doc],
    stages: list[Doc],
    rules: list[Doc],
    now: datetime,
    filters: dict[str, str] | None = None,
    *,
    load_teaching_license: bool = True,
) -> Doc:
    """``teachers``: every stored teacher in insertion order; ``stages`` sorted by order;
    ``rules``: every stored rule (FETMS keeps those with ``isActive: true``)."""
    checks = _filters(filters or {})
    filtered = [
        t for t in teachers if t.get("isDeleted") is False and all(check(t) for check in checks)
    ]
    active = [r for r in rules if r.get("isActive") is True]
    titles = {str(s["_id"]): s["title"] for s in stages}
    candidates = [
        {
            "_id": str(t["_id"]),
            "firstName": t.get("firstName"),
            "lastName": t.get("lastName"),
            "profilePicture": t.get("profilePicture"),
            "pipelineStage": titles.get(str(t.get("pipelineStage")), "Uncategorized"),
            "salary": _get(t, "contractDetails.salary"),
            "seniority": _get(t, "contractDetails.senioritySalary"),
        }
        for t in filtered[:100]
    ]
    employed = next((s for s in stages if "Employed" in s["title"]), None)
    employed_id = str(employed["_id"]) if employed else None
    alerts = _alerts(filtered, active, _start_of_day(now), load_teaching_license)
    mapped: dict[str, list[Doc]] = {"arc": [], "workPermit": [], "passport": [], "other": []}
    keys = {"arcDetails": "arc", "workPermitDetails": "workPermit", "passportDetails": "passport"}
    for alert in alerts:
        mapped[keys.get(alert["documentType"], "other")].append(alert)
    return {
        "kpi": {
            "totalTeachers": len(filtered),
            "activeSchools": len({str(t["school"]) for t in filtered if t.get("school")}),
            "inRecruitment": sum(
                1 for t in filtered if employed_id is None or t.get("pipelineStage") != employed_id
            ),
            "actionsNeeded": len(alerts),
        },
        "expiry": mapped,
        "charts": {
            "pipeline": _pipeline(filtered, stages),
            "nationality": _counts(filtered, "personalInfo.nationality.english", "Unknown"),
            "gender": _counts(filtered, "personalInfo.gender", "Not Specified"),
            "education": _counts(filtered, "education.degree", "Not Specified"),
            "salary": _fixed([salary_band(t) for t in filtered], SALARY_BANDS),
            "hiringStatus": _counts(filtered, "personalInfo.hiringStatus", "Pending"),
            "seniority": _fixed(
                [seniority_label(seniority_years(t)) for t in filtered],
                tuple(seniority_label(y) for y in range(11)),
            ),
        },
        "candidates": candidates,
    }


def _alerts(teachers: list[Doc], rules: list[Doc], today: datetime, licences: bool) -> list[Doc]:
    alerts = []
    for teacher in teachers:
        for rule in rules:
            if rule["documentType"] == "teachingLicense" and not licences:
                continue
            expiry = _as_date((teacher.get(rule["documentType"]) or {}).get("expiryDate"))
            if expiry is None:
                continue
            if rule["conditionType"] == "DAYS_REMAINING":
                limit = today + timedelta(days=int(rule["value"]))
            else:
                limit = _as_date(rule["value"])  # type: ignore[assignment]
            if today < expiry <= limit:
                alerts.append(
                    {
                        "teacherId": str(teacher["_id"]),
                        "firstName": teacher.get("firstName"),
                        "lastName": teacher.get("lastName"),
                        "profilePicture": teacher.get("profilePicture"),
                        "ruleName": rule["name"],
                        "documentType": rule["documentType"],
                        "expiryDate": expiry,
                        "type": "EXPIRY",
                    }
                )
    return alerts


def _pipeline(teachers: list[Doc], stages: list[Doc]) -> list[Doc]:
    counts: dict[str, int] = {}
    for teacher in teachers:
        key = str(teacher.get("pipelineStage"))
        counts[key] = counts.get(key, 0) + 1
    dist: list[Doc] = []
    for stage in stages:
        entry: Doc = {"name": stage["title"], "value": counts.get(str(stage["_id"]), 0)}
        entry["id"] = str(stage["_id"])
        if "employed" in stage["title"].lower():
            entry["color"] = "#10b981"
        dist.append(entry)
    known = {str(s["_id"]) for s in stages}
    uncategorized = sum(1 for t in teachers if str(t.get("pipelineStage")) not in known)
    if uncategorized:
        dist.insert(
            0,
            {
                "name": "Uncategorized",
                "value": uncategorized,
                "id": "uncategorized",
                "color": "#94a3b8",
            },
        )
    return dist


def _counts(teachers: list[Doc], path: str, none: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for teacher in teachers:
        value = _get(teacher, path) or none
        counts[value] = counts.get(value, 0) + 1
    return counts


def _fixed(labels: list[str], order: tuple[str, ...]) -> list[Doc]:
    return [{"name": name, "value": labels.count(name)} for name in order]
