"""Dashboard (issue 13 §4): on a database as FETMS left it, the numbers, labels and shapes of the
original's dashboard (``tests/support/fetms_reference.py``) for the same data and filters; plus
our extensions (expired documents, exact counts, our KPI under its own name)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from bson import ObjectId

from tests.support.factories import FIXED_NOW, teacher_doc
from tests.support.fetms_fixture import FetmsFixture, build_fetms_database
from tests.support.fetms_reference import fetms_dashboard
from tests.support.http import Api

TODAY = FIXED_NOW.replace(hour=0, minute=0, second=0, microsecond=0)
FETMS_KEYS = ("arc", "workPermit", "passport", "other")
TEXT_CHARTS = ("nationality", "gender", "education", "hiringStatus")


@pytest.fixture(autouse=True)
def _fixed_clock(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed "today" once the admin's session is open: a session dated in the past would be
    removed by the database's TTL monitor during a long test."""
    monkeypatch.setattr("chalicelib.services.common.utcnow", lambda: FIXED_NOW)


@pytest.fixture
def fetms(db: Any) -> FetmsFixture:
    return build_fetms_database(db, teachers=200, indexes=False)


def reference(db: Any, filters: dict[str, str] | None = None) -> dict[str, Any]:
    return fetms_dashboard(
        list(db.teachers.find().sort("_id", 1)),
        list(db.stages.find().sort([("order", 1), ("_id", 1)])),
        list(db.alertrules.find()),
        FIXED_NOW,
        filters,
    )


def when(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def alert_key(item: dict[str, Any]) -> tuple[Any, ...]:
    fields = ("teacherId", "ruleName", "documentType", "type")
    return (*(item[f] for f in fields), when(item["expiryDate"]))


def assert_matches_fetms(ours: dict[str, Any], fetms: dict[str, Any]) -> None:
    assert {k: ours["kpi"][k] for k in fetms["kpi"]} == fetms["kpi"]
    for key in FETMS_KEYS:
        assert sorted(map(alert_key, ours["expiry"][key])) == sorted(
            map(alert_key, fetms["expiry"][key])
        ), key
        assert ours["expiryCounts"][key]["expiring"] == len(fetms["expiry"][key])
    charts = ours["charts"]
    shown = [
        {k: e[k] for k in ("name", "value", "id", "color") if k in e} for e in charts["pipeline"]
    ]
    assert shown == fetms["charts"]["pipeline"]
    for chart in TEXT_CHARTS:
        assert {e["name"]: e["value"] for e in charts[chart]} == fetms["charts"][chart], chart
    for chart in ("salary", "seniority"):
        assert [(e["name"], e["value"]) for e in charts[chart]] == [
            (e["name"], e["value"]) for e in fetms["charts"][chart]
        ], chart
    keys = (
        "_id",
        "firstName",
        "lastName",
        "profilePicture",
        "pipelineStage",
        "salary",
        "seniority",
    )
    assert [{k: c.get(k) for k in keys} for c in ours["candidates"]] == fetms["candidates"]


def test_the_dashboard_of_a_fetms_database_is_fetms_s_dashboard(
    api: Api, db: Any, fetms: FetmsFixture
) -> None:
    result = api.get("/api/stats/dashboard")
    assert result.status == 200, result.body
    ours, theirs = result.body, reference(db)
    assert_matches_fetms(ours, theirs)
    # the data exercises every definition that differs from our former one
    assert theirs["kpi"]["inRecruitment"] < theirs["kpi"]["totalTeachers"]
    assert all(theirs["expiry"][key] for key in FETMS_KEYS)
    assert theirs["charts"]["pipeline"][0]["name"] == "Uncategorized"
    assert {"1 Year", "0 Years", "10+ Years"} <= {
        e["name"] for e in theirs["charts"]["seniority"] if e["value"]
    }
    assert len(ours["candidates"]) == 100


FILTERS: list[dict[str, str]] = [
    {"gender": "male"},
    {"gender": "Others"},
    {"gender": "Not Specified"},
    {"nationality": "Unknown"},
    {"nationality": "USA"},
    {"degree": "Not Specified"},
    {"degree": "bachelor"},
    {"hiringStatus": "Pending"},
    {"hiringStatus": "re-hired"},
    {"salaryRange": "< 60k"},
    {"salaryRange": "60k - 70k"},
    {"salaryRange": "80k - 90k"},
    {"salaryRange": "90k +"},
    {"salaryRange": "Unspecified"},
    {"seniority": "1 Year"},
    {"seniority": "0 Years"},
    {"seniority": "10+ Years"},
    {"gender": "Female", "salaryRange": "70k - 80k"},
]


def test_filters_give_fetms_s_numbers(api: Api, db: Any, fetms: FetmsFixture) -> None:
    for filters in FILTERS:
        result = api.get(f"/api/stats/dashboard?{urlencode(filters)}")
        assert result.status == 200, (filters, result.body)
        ours, theirs = result.body, reference(db, filters)
        try:
            assert_matches_fetms(ours, theirs)
        except AssertionError as exc:
            raise AssertionError(f"filters {filters}: {exc}") from exc


def test_project_and_stage_filters(api: Api, db: Any, fetms: FetmsFixture) -> None:
    for filters in (
        {"projectId": str(fetms.project_ids["INDEPENDENT"])},
        {"pipelineStage": str(fetms.stage_ids[4])},
    ):
        result = api.get(f"/api/stats/dashboard?{urlencode(filters)}")
        assert_matches_fetms(result.body, reference(db, filters))


def test_each_chart_label_selects_its_bucket(api: Api, db: Any, fetms: FetmsFixture) -> None:
    """Every label is a valid filter value; text filters ignore case (as FETMS's did), so a
    label selects its bucket and the buckets spelled the same but for case."""
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
            same = [e["value"] for e in charts[chart] if e["name"].lower() == entry["name"].lower()]
            result = api.get(f"/api/stats/dashboard?{urlencode({param: entry['name']})}")
            assert result.status == 200, (chart, entry, result.body)
            assert result.body["kpi"]["totalTeachers"] == sum(same), (chart, entry)
    for entry in charts["pipeline"]:
        result = api.get(f"/api/stats/dashboard?pipelineStage={entry['id']}")
        assert result.body["kpi"]["totalTeachers"] == entry["value"], entry


def test_our_former_salary_labels_still_filter_half_open(api: Api, db: Any) -> None:
    db.teachers.insert_many(
        [teacher_doc(contractDetails={"salary": s}) for s in (59999, 60000, 69999, 70000, 0)]
    )
    for value, expected in (
        ("60000-70000", 2),
        ("60k-70k", 2),
        ("70000+", 1),
        ("<60k", 1),
        ("Unspecified", 1),
    ):
        body = api.get(f"/api/stats/dashboard?{urlencode({'salaryRange': value})}").body
        assert body["kpi"]["totalTeachers"] == expected, value


def test_employed_stage_flag_wins_over_fetms_s_title_rule(
    api: Api, db: Any, fetms: FetmsFixture
) -> None:
    """FETMS stages have no flag: the first "Employed" stage counts. A flag set here wins."""
    stages = {s["title"]: s for s in api.get("/api/stages").body}
    assert stages["Employed"]["isEmployed"] is True
    assert stages["Employed - Renewal"]["isEmployed"] is False
    before = api.get("/api/stats/dashboard").body["kpi"]
    resigned = stages["Resigned"]
    assert api.put(f"/api/stages/{resigned['_id']}", {"isEmployed": True}).status == 200
    after = api.get("/api/stats/dashboard").body["kpi"]
    in_resigned = db.teachers.count_documents(
        {"pipelineStage": resigned["_id"], "isDeleted": False}
    )
    assert in_resigned > 0
    assert after["inRecruitment"] == before["inRecruitment"] - in_resigned


def test_a_document_expiring_today_is_expired_everywhere(api: Api, db: Any) -> None:
    """One rule: expiry on or before today is expired (FETMS: not an upcoming alert)."""
    rule = {
        "name": "ARC 30",
        "documentType": "arcDetails",
        "conditionType": "DAYS_REMAINING",
        "value": 30,
    }
    assert api.post("/api/alerts", rule).status == 201
    today = teacher_doc(firstName="Today", arcDetails={"expiryDate": TODAY})
    later = teacher_doc(firstName="Later", arcDetails={"expiryDate": TODAY + timedelta(hours=9)})
    db.teachers.insert_many([today, later])
    body = api.get("/api/stats/dashboard").body
    assert [e["firstName"] for e in body["expiry"]["arc"]] == ["Later"]
    assert [e["firstName"] for e in body["expired"]["arc"]] == ["Today"]
    assert body["expired"]["arc"][0]["type"] == "EXPIRED"
    assert body["expiryCounts"]["arc"] == {"expiring": 1, "expired": 1}
    assert body["kpi"]["actionsNeeded"] == 1
    assert body["kpi"]["teachersNeedingAction"] == 2

    from chalicelib.services import expiry

    counts = expiry.expiry_counts(db, list(db.alertrules.find()), FIXED_NOW)
    assert counts["arc"] == {"expired": 1, "expiring": 1}
    assert expiry.is_expired(TODAY, FIXED_NOW) and not expiry.is_expired(
        later["arcDetails"]["expiryDate"], FIXED_NOW
    )


def test_upcoming_alerts_are_one_per_rule_and_counts_stay_exact_past_the_cap(
    api: Api, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("chalicelib.services.expiry_alerts.DASHBOARD_ITEMS_LIMIT", 5)
    for name, days in (("ARC 30", 30), ("ARC 90", 90)):
        body = {
            "name": name,
            "documentType": "arcDetails",
            "conditionType": "DAYS_REMAINING",
            "value": days,
        }
        assert api.post("/api/alerts", body).status == 201
    licence = {
        "name": "Licence",
        "documentType": "teachingLicense",
        "conditionType": "DATE_THRESHOLD",
        "value": (TODAY + timedelta(days=60)).date().isoformat(),
    }
    assert api.post("/api/alerts", licence).status == 201
    db.teachers.insert_many(
        [
            teacher_doc(
                arcDetails={"expiryDate": TODAY + timedelta(days=1 + i)},
                teachingLicense={"expiryDate": TODAY + timedelta(days=10)},
            )
            for i in range(8)
        ]
    )
    body = api.get("/api/stats/dashboard").body
    # 8 teachers x 2 ARC rules, listed soonest first, 5 shown; 8 licence alerts under "other"
    assert body["expiryCounts"]["arc"] == {"expiring": 16, "expired": 0}
    assert len(body["expiry"]["arc"]) == 5
    assert [e["ruleName"] for e in body["expiry"]["arc"][:2]] == ["ARC 30", "ARC 90"]
    assert body["expiryCounts"]["other"]["expiring"] == 8
    assert body["expiryCounts"]["teachingLicense"]["expiring"] == 8
    assert {e["documentType"] for e in body["expiry"]["other"]} == {"teachingLicense"}
    assert body["kpi"]["actionsNeeded"] == 24
    assert body["kpi"]["teachersNeedingAction"] == 8


def test_deleted_and_inactive_rules_raise_no_alert(api: Api, db: Any) -> None:
    body = {
        "name": "A",
        "documentType": "arcDetails",
        "conditionType": "DAYS_REMAINING",
        "value": 9,
    }
    rule = api.post("/api/alerts", body).body
    db.teachers.insert_one(teacher_doc(arcDetails={"expiryDate": TODAY + timedelta(days=3)}))
    assert api.get("/api/stats/dashboard").body["kpi"]["actionsNeeded"] == 1
    assert api.delete(f"/api/alerts/{rule['_id']}").status == 200
    assert api.get("/api/stats/dashboard").body["kpi"]["actionsNeeded"] == 0


@pytest.mark.parametrize(
    "query",
    [
        "salaryRange=lots",
        "salaryRange=70000-60000",
        "salaryRange=60000",
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
        {
            "name": "Uncategorized",
            "value": 1,
            "count": 1,
            "id": "uncategorized",
            "stageId": "uncategorized",
            "color": "#94a3b8",
        }
    ]
    assert body["candidates"][0]["pipelineStage"] == "Uncategorized"


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
        "passport": {"expired": 2, "expiring": 0},  # expiring today is expired
        "teachingLicense": {"expired": 0, "expiring": 0},
        "other": {"expired": 0, "expiring": 1},
    }
    report = expiry.expiring_documents(db, rules, FIXED_NOW)
    assert [e["daysRemaining"] for e in report.items["passport"]] == [-1, 0]
    assert report.items["other"][0]["field"] == "visaDetails"
    assert report.teachers == 4
    assert expiry.expiry_counts(db, [], FIXED_NOW)["passport"] == {"expired": 0, "expiring": 0}


def test_viewers_get_candidates_salary_masked(api: Api, api_as: Any, db: Any) -> None:
    db.teachers.insert_one(
        teacher_doc(contractDetails={"salary": 65000, "senioritySalary": "2 Years"})
    )
    ours = api.get("/api/stats/dashboard").body["candidates"][0]
    assert (ours["salary"], ours["seniority"]) == (65000, "2 Years")
    theirs = api_as("viewer").get("/api/stats/dashboard").body["candidates"][0]
    assert (theirs["salary"], theirs["seniority"]) == ("***", "2 Years")
