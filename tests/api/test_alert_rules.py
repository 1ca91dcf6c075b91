"""Alert rules: enums, value rules per condition type, patch, delete."""

from __future__ import annotations

from typing import Any

from tests.support.http import Api

RULE = {
    "name": "ARC soon",
    "documentType": "arcDetails",
    "conditionType": "DAYS_REMAINING",
    "value": 30,
}


def test_create_and_list(api: Api) -> None:
    created = api.post("/api/alerts", RULE)
    assert created.status == 201
    assert created.body["value"] == 30
    assert [r["name"] for r in api.get("/api/alerts").body] == ["ARC soon"]


def test_value_must_fit_the_condition(api: Api) -> None:
    cases: list[dict[str, Any]] = [
        {**RULE, "value": 0},
        {**RULE, "value": -5},
        {**RULE, "value": "30"},
        {**RULE, "value": 1.5},
        {**RULE, "conditionType": "DATE_THRESHOLD", "value": 30},
        {**RULE, "conditionType": "DATE_THRESHOLD", "value": "next week"},
        {**RULE, "documentType": "diploma"},
        {**RULE, "conditionType": "SOMETIMES"},
    ]
    for body in cases:
        result = api.post("/api/alerts", body)
        assert result.status == 400, body
    dated = api.post(
        "/api/alerts", {**RULE, "conditionType": "DATE_THRESHOLD", "value": "2027-03-31"}
    )
    assert dated.status == 201
    assert dated.body["value"].startswith("2027-03-31")


def test_patch_rechecks_value_against_condition(api: Api) -> None:
    rule = api.post("/api/alerts", RULE).body
    switched = api.patch(f"/api/alerts/{rule['_id']}", {"conditionType": "DATE_THRESHOLD"})
    assert switched.status == 400
    ok = api.patch(
        f"/api/alerts/{rule['_id']}", {"conditionType": "DATE_THRESHOLD", "value": "2027-01-01"}
    )
    assert ok.status == 200
    assert ok.body["conditionType"] == "DATE_THRESHOLD"
    renamed = api.patch(f"/api/alerts/{rule['_id']}", {"name": "Renamed", "isActive": False})
    assert renamed.body["name"] == "Renamed" and renamed.body["isActive"] is False
    assert renamed.body["value"].startswith("2027-01-01")


def test_delete_hides_the_rule(api: Api) -> None:
    rule = api.post("/api/alerts", RULE).body
    assert api.delete(f"/api/alerts/{rule['_id']}").status == 200
    assert api.get("/api/alerts").body == []
    assert api.patch(f"/api/alerts/{rule['_id']}", {"name": "x"}).status == 404
