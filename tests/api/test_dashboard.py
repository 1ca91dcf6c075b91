"""Dashboard: the aggregation's numbers against an independent Python computation."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId

from tests.support.factories import FIXED_NOW, make_project, make_school, teacher_doc
from tests.support.http import Api

TODAY = FIXED_NOW.replace(hour=0, minute=0, second=0, microsecond=0)
SECTIONS = {
    "arc": "arcDetails",
    "passport": "passportDetails",
    "workPermit": "workPermitDetails",
    "teachingLicense": "teachingLicense",
}
SALARY_BUCKETS = [
    ("0-40000", 0, 40000),
    ("40000-50000", 40000, 50000),
    ("50000-60000", 50000, 60000),
    ("60000-70000", 60000, 70000),
    ("70000-80000", 70000, 80000),
    ("80000+", 80000, None),
]
SALARIES: list[Any] = [None, 0, 39999, 40000, 49999.5, 50000, 60000, 69999, 70000, 80000]
SALARIES += [95000, "65000"]
SENIORITIES: list[Any] = [None, "", "0 Years", "1 Years", "3 Years", "9 Years", "10 Years"]
SENIORITIES += ["12 Years", 5, "abc"]
RULES: list[tuple[str, str, str, Any]] = [
    ("ARC 30", "arcDetails", "DAYS_REMAINING", 30),
    ("ARC 90", "arcDetails", "DAYS_REMAINING", 90),
    ("Passport EOY", "passportDetails", "DATE_THRESHOLD", "2026-12-31"),
    ("Work permit 60", "workPermitDetails", "DAYS_REMAINING", 60),
    ("Licence 45", "teachingLicense", "DAYS_REMAINING", 45),
]


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("chalicelib.services.common.utcnow", lambda: FIXED_NOW)


# --- seeding --------------------------------------------------------------------------------


def seed(api: Api, db: Any) -> dict[str, Any]:
    rng = random.Random(20260615)
    applied = api.post("/api/stages", {"title": "Applied"}).body["_id"]
    interview = api.post("/api/stages", {"title": "Interview"}).body["_id"]
    employed = api.post("/api/stages", {"title": "Employed", "isEmployed": True}).body["_id"]
    old = api.post("/api/stages", {"title": "Old"}).body["_id"]
    assert api.delete(f"/api/stages/{old}").status == 200
    for name, doc_type, condition, value in RULES:
        body = {"name": name, "documentType": doc_type, "conditionType": condition, "value": value}
        assert api.post("/api/alerts", body).status == 201
    inactive = {
        "name": "Inactive",
        "documentType": "arcDetails",
        "conditionType": "DAYS_REMAINING",
        "value": 3000,
        "isActive": False,
    }
    assert api.post("/api/alerts", inactive).status == 201
    schools = [make_school(db, f"校{i}", f"School {i}")["_id"] for i in range(3)]
    projects = [make_project(db, f"P{i}", f"Project {i}")["_id"] for i in range(2)]
    stages = [applied, interview, employed, old, "uncategorized", None]
    offsets = [-400, -10, -1, 0, 1, 10, 29, 30, 31, 45, 60, 89, 90, 91, 200, None]
    teachers: list[dict[str, Any]] = []
    for i in range(90):
        personal: dict[str, Any] = {
            "nationality": {"english": rng.choice(["Canada", "USA", "UK", "Ireland", None, ""])},
            "gender": rng.choice(["Male", "Female", "Other", None, ""]),
            "hiringStatus": rng.choice(["Newly Hired", "Re-Hired", None]),
        }
        if i % 11 == 0:
            personal.pop("gender")
        doc = teacher_doc(
            firstName=f"T{i:03d}",
            personalInfo=personal,
            education={"degree": rng.choice(["Bachelor", "Master", "PhD", None, ""])},
            contractDetails={
                "salary": rng.choice(SALARIES),
                "senioritySalary": rng.choice(SENIORITIES),
            },
            pipelineStage=rng.choice(stages),
            school=rng.choice([*schools, None]),
            project=rng.choice([*projects, None]),
            createdAt=FIXED_NOW - timedelta(minutes=i),
        )
        if doc["pipelineStage"] is None:
            doc.pop("pipelineStage")
        for section in SECTIONS.values():
            offset = rng.choice(offsets)
            if offset is not None:
                doc[section] = {"expiryDate": TODAY + timedelta(days=offset)}
        teachers.append(doc)
    deleted = teacher_doc(firstName="Deleted", isDeleted=True, pipelineStage=applied)
    deleted["arcDetails"] = {"expiryDate": TODAY - timedelta(days=3)}
    db.teachers.insert_many([*teachers, deleted])
    return {
        "teachers": teachers,
        "stages": [(applied, "Applied"), (interview, "Interview"), (employed, "Employed")],
        "employed": {employed},
        "projects": projects,
    }


# --- the independent computation ------------------------------------------------------------


def blank(value: Any) -> bool:
    return value is None or value == ""


def label(value: Any) -> str:
    return "Unspecified" if blank(value) else str(value)


def salary_of(t: dict[str, Any]) -> float | None:
    value = t.get("contractDetails", {}).get("salary")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def salary_label(t: dict[str, Any]) -> str:
    salary = salary_of(t)
    if salary is None:
        return "Unspecified"
    for name, low, high in SALARY_BUCKETS:
        if salary >= low and (high is None or salary < high):
            return name
    return "Unspecified"


def seniority_label(t: dict[str, Any]) -> str:
    value = t.get("contractDetails", {}).get("senioritySalary")
    years: int | None = None
    if isinstance(value, int):
        years = value
    elif isinstance(value, str):
        found = re.match(r"^\s*(\d+)", value)
        years = int(found.group(1)) if found else None
    if years is None:
        return "Unspecified"
    return "10+ Years" if years >= 10 else f"{years} Years"


def stage_key(t: dict[str, Any], live: set[str]) -> str:
    stage = t.get("pipelineStage")
    return stage if stage in live else "uncategorized"


def thresholds() -> list[tuple[str, str, datetime]]:
    out = []
    for name, section, condition, value in RULES:
        if condition == "DAYS_REMAINING":
            limit = TODAY + timedelta(days=int(value))
        else:
            limit = datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
        out.append((name, section, limit))
    return out


def expected(teachers: list[dict[str, Any]], world: dict[str, Any]) -> dict[str, Any]:
    live = {sid for sid, _ in world["stages"]}
    pipeline = Counter(stage_key(t, live) for t in teachers)
    candidates = [t for t in teachers if t.get("pipelineStage") not in world["employed"]]
    flagged: dict[tuple[str, str], list[str]] = {}
    expiry_dates: dict[tuple[str, str], datetime] = {}
    for t in teachers:
        for name, section, limit in thresholds():
            date = t.get(section, {}).get("expiryDate")
            if date is not None and date <= limit:
                flagged.setdefault((str(t["_id"]), section), []).append(name)
                expiry_dates[(str(t["_id"]), section)] = date
    category = {v: k for k, v in SECTIONS.items()}
    expiry = set()
    for (tid, section), names in flagged.items():
        status = "expired" if expiry_dates[(tid, section)] < TODAY else "expiring"
        expiry.add((tid, category[section], status, *sorted(names)))
    return {
        "kpi": {
            "totalTeachers": len(teachers),
            "activeSchools": len({t["school"] for t in teachers if t.get("school")}),
            "inRecruitment": len(candidates),
            "actionsNeeded": len({tid for tid, _ in flagged}),
        },
        "pipeline": {
            **{title: pipeline.get(sid, 0) for sid, title in world["stages"]},
            "Uncategorized": pipeline.get("uncategorized", 0),
        },
        "nationality": Counter(
            label(t["personalInfo"].get("nationality", {}).get("english")) for t in teachers
        ),
        "gender": Counter(label(t["personalInfo"].get("gender")) for t in teachers),
        "education": Counter(label(t.get("education", {}).get("degree")) for t in teachers),
        "hiringStatus": Counter(label(t["personalInfo"].get("hiringStatus")) for t in teachers),
        "salary": Counter(salary_label(t) for t in teachers),
        "seniority": Counter(seniority_label(t) for t in teachers),
        "candidates": [
            str(t["_id"]) for t in sorted(candidates, key=lambda t: t["createdAt"], reverse=True)
        ],
        "expiry": expiry,
    }


def observed(body: dict[str, Any]) -> dict[str, Any]:
    charts = body["charts"]

    def nonzero(entries: list[dict[str, Any]]) -> Counter[str]:
        return Counter({e["name"]: e["value"] for e in entries if e["value"]})

    return {
        "kpi": body["kpi"],
        "pipeline": {e["name"]: e["value"] for e in charts["pipeline"]},
        "nationality": nonzero(charts["nationality"]),
        "gender": nonzero(charts["gender"]),
        "education": nonzero(charts["education"]),
        "hiringStatus": nonzero(charts["hiringStatus"]),
        "salary": nonzero(charts["salary"]),
        "seniority": nonzero(charts["seniority"]),
        "candidates": [c["_id"] for c in body["candidates"]],
        "expiry": {
            (e["teacherId"], kind, e["status"], *sorted(e["ruleNames"]))
            for kind, entries in body["expiry"].items()
            for e in entries
        },
    }


# --- tests ------------------------------------------------------------------------------------


def test_dashboard_matches_an_independent_computation(api: Api, db: Any) -> None:
    world = seed(api, db)
    result = api.get("/api/stats/dashboard")
    assert result.status == 200, result.body
    body = result.body
    assert set(body) >= {"kpi", "expiry", "charts", "candidates"}
    assert set(body["expiry"]) == {"arc", "workPermit", "passport", "teachingLicense", "other"}
    assert observed(body) == expected(world["teachers"], world)
    assert body["candidatesTotal"] == body["kpi"]["inRecruitment"]
    seniority_names = [e["name"] for e in body["charts"]["seniority"]]
    assert seniority_names[:11] == [f"{n} Years" for n in range(10)] + ["10+ Years"]
    assert [e["name"] for e in body["charts"]["salary"]][:6] == [b[0] for b in SALARY_BUCKETS]


def test_each_chart_label_is_a_filter_selecting_its_bucket(api: Api, db: Any) -> None:
    seed(api, db)
    charts = api.get("/api/stats/dashboard").body["charts"]
    params = {
        "nationality": "nationality",
        "gender": "gender",
        "education": "degree",
        "hiringStatus": "hiringStatus",
        "salary": "salaryRange",
        "seniority": "seniority",
    }
    for chart, param in params.items():
        for entry in charts[chart]:
            value = entry["name"].replace(" ", "%20").replace("+", "%2B")
            result = api.get(f"/api/stats/dashboard?{param}={value}")
            assert result.status == 200, (chart, entry, result.body)
            assert result.body["kpi"]["totalTeachers"] == entry["value"], (chart, entry)
    for entry in charts["pipeline"]:
        result = api.get(f"/api/stats/dashboard?pipelineStage={entry['stageId']}")
        assert result.body["kpi"]["totalTeachers"] == entry["value"], entry


def test_filters_recompute_every_section(api: Api, db: Any) -> None:
    world = seed(api, db)
    project = world["projects"][0]
    cases: dict[str, Any] = {
        f"projectId={project}": lambda t: t.get("project") == project,
        "pipelineStage=uncategorized": lambda t: (
            t.get("pipelineStage") not in {sid for sid, _ in world["stages"]}
        ),
        "gender=Unspecified": lambda t: blank(t["personalInfo"].get("gender")),
        "salaryRange=50000-60000": lambda t: salary_label(t) == "50000-60000",
        "seniority=0%20Years": lambda t: seniority_label(t) == "0 Years",
        "nationality=Canada&hiringStatus=Re-Hired": lambda t: (
            t["personalInfo"]["nationality"].get("english") == "Canada"
            and t["personalInfo"].get("hiringStatus") == "Re-Hired"
        ),
    }
    for query, keep in cases.items():
        subset = [t for t in world["teachers"] if keep(t)]
        result = api.get(f"/api/stats/dashboard?{query}")
        assert result.status == 200, (query, result.body)
        assert observed(result.body) == expected(subset, world), query


def test_expired_documents_are_reported_once_with_every_rule(api: Api, db: Any) -> None:
    api.post(
        "/api/alerts",
        {
            "name": "A30",
            "documentType": "arcDetails",
            "conditionType": "DAYS_REMAINING",
            "value": 30,
        },
    )
    api.post(
        "/api/alerts",
        {
            "name": "A90",
            "documentType": "arcDetails",
            "conditionType": "DAYS_REMAINING",
            "value": 90,
        },
    )
    db.teachers.insert_many(
        [
            teacher_doc(firstName="Late", arcDetails={"expiryDate": TODAY - timedelta(days=5)}),
            teacher_doc(firstName="Soon", arcDetails={"expiryDate": TODAY + timedelta(days=60)}),
            teacher_doc(firstName="Fine", arcDetails={"expiryDate": TODAY + timedelta(days=200)}),
        ]
    )
    body = api.get("/api/stats/dashboard").body
    arc = {e["firstName"]: e for e in body["expiry"]["arc"]}
    assert set(arc) == {"Late", "Soon"}
    assert arc["Late"]["status"] == "expired"
    assert arc["Late"]["daysRemaining"] == -5
    assert sorted(arc["Late"]["ruleNames"]) == ["A30", "A90"]
    assert arc["Soon"]["status"] == "expiring"
    assert arc["Soon"]["ruleNames"] == ["A90"]
    assert body["expiryCounts"]["arc"] == {"expired": 1, "expiring": 1}
    assert body["kpi"]["actionsNeeded"] == 2


def test_candidates_are_capped_at_100_with_the_total(api: Api, db: Any) -> None:
    db.teachers.insert_many(
        [teacher_doc(createdAt=FIXED_NOW - timedelta(seconds=i)) for i in range(120)]
    )
    body = api.get("/api/stats/dashboard").body
    assert len(body["candidates"]) == 100
    assert body["candidatesTotal"] == 120
    assert body["kpi"]["inRecruitment"] == 120


@pytest.mark.parametrize(
    "query",
    [
        "salaryRange=lots",
        "salaryRange=70000-60000",
        "seniority=senior",
        "projectId=1",
        "gender[$ne]=x",
        "unknown=1",
    ],
)
def test_bad_dashboard_filters_are_400(api: Api, query: str) -> None:
    assert api.get(f"/api/stats/dashboard?{query}").status == 400


def test_unknown_stage_ids_are_uncategorized_and_objectid_safe(api: Api, db: Any) -> None:
    db.teachers.insert_one(teacher_doc(pipelineStage=str(ObjectId())))
    body = api.get("/api/stats/dashboard").body
    assert body["charts"]["pipeline"] == [
        {"name": "Uncategorized", "value": 1, "count": 1, "stageId": "uncategorized"}
    ]


def test_expiry_service_for_the_alert_metrics_job(db: Any) -> None:
    """``expiry_counts`` is what the hourly job reuses; malformed rules are skipped."""
    from chalicelib.services import expiry

    db.teachers.insert_many(
        [
            teacher_doc(passportDetails={"expiryDate": TODAY - timedelta(days=1)}),
            teacher_doc(passportDetails={"expiryDate": TODAY}),
            teacher_doc(passportDetails={"expiryDate": TODAY + timedelta(days=20)}),
            teacher_doc(workPermitDetails={"expiryDate": TODAY + timedelta(days=5)}),
            teacher_doc(visaDetails={"expiryDate": TODAY + timedelta(days=5)}),
            teacher_doc(isDeleted=True, passportDetails={"expiryDate": TODAY}),
        ]
    )
    rules: list[dict[str, Any]] = [
        {
            "name": "P",
            "documentType": "passportDetails",
            "conditionType": "DAYS_REMAINING",
            "value": 10,
        },
        {
            "name": "WP",
            "documentType": "workPermitDetails",
            "conditionType": "DATE_THRESHOLD",
            "value": TODAY + timedelta(days=5),
        },
        {
            "name": "Visa",
            "documentType": "visaDetails",
            "conditionType": "DAYS_REMAINING",
            "value": 9,
        },
        {"name": "bad", "documentType": "$where", "conditionType": "DAYS_REMAINING", "value": 9},
        {
            "name": "bad2",
            "documentType": "arcDetails",
            "conditionType": "DAYS_REMAINING",
            "value": "x",
        },
        {"name": "bad3", "documentType": "arcDetails", "conditionType": "SOMETIME", "value": 3},
    ]
    counts = expiry.expiry_counts(db, rules, FIXED_NOW)
    assert counts == {
        "arc": {"expired": 0, "expiring": 0},
        "workPermit": {"expired": 0, "expiring": 1},
        "passport": {"expired": 1, "expiring": 1},
        "teachingLicense": {"expired": 0, "expiring": 0},
        "other": {"expired": 0, "expiring": 1},
    }
    report = expiry.expiring_documents(db, rules, FIXED_NOW)
    assert [e["daysRemaining"] for e in report.items["passport"]] == [-1, 0]
    assert report.items["other"][0]["field"] == "visaDetails"
    assert report.teachers == 4
    assert expiry.expiry_counts(db, [], FIXED_NOW)["passport"] == {"expired": 0, "expiring": 0}
