"""Hostile and malformed input: 400 problem+json naming the fields, nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.http import Api

WRITE_CASES: list[tuple[str, str, Any]] = [
    ("POST", "/api/projects", {"name": {"$ne": None}, "code": "X"}),
    ("POST", "/api/projects", {"name": "P", "code": "X", "$where": "1"}),
    ("POST", "/api/projects", {"name": "P", "code": "X", "owner": "me"}),
    ("POST", "/api/projects", {"name": "P", "code": "X", "a.b": 1}),
    ("POST", "/api/projects", {"name": "P", "code": "X", "__proto__": {"admin": True}}),
    ("POST", "/api/projects", {"name": 12, "code": "X"}),
    ("POST", "/api/projects", {"name": "P" * 5000, "code": "X"}),
    ("POST", "/api/stages", {"title": ["a"]}),
    ("POST", "/api/schools", {"name": {"chinese": "x", "$gt": ""}}),
    (
        "POST",
        "/api/alerts",
        {
            "name": "r",
            "documentType": "arcDetails",
            "conditionType": "DAYS_REMAINING",
            "value": {"$gt": 0},
        },
    ),
    (
        "POST",
        "/api/alerts",
        {
            "name": "r",
            "documentType": "arcDetails",
            "conditionType": "DAYS_REMAINING",
            "value": 10**30,
        },
    ),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITE_CASES)
def test_hostile_bodies_are_rejected_and_nothing_is_written(
    api: Api, db: Any, method: str, path: str, body: Any
) -> None:
    result = api.call(method, path, body)
    assert result.status == 400, result.body
    assert result.header("Content-Type") == "application/problem+json"
    assert result.body["errors"], result.body
    assert result.body["message"]
    for name in ("projects", "stages", "schools", "alertrules"):
        assert db[name].count_documents({}) == 0


def test_error_lists_every_offending_field(api: Api) -> None:
    result = api.post("/api/projects", {"name": 5, "code": "", "extra": 1})
    fields = {e["field"] for e in result.body["errors"]}
    assert {"name", "code", "extra"} <= fields


def test_invalid_json_and_deep_nesting(api: Api) -> None:
    assert api.post("/api/projects", raw="{not json").status == 400
    deep = '{"name":' * 200 + '"x"' + "}" * 200
    assert api.post("/api/projects", raw=deep).status == 400
    assert api.post("/api/projects", raw="").status == 400


def test_oversized_body_is_413(api: Api) -> None:
    big = '{"name":"' + "x" * 1_100_000 + '","code":"BIG"}'
    result = api.post("/api/projects", raw=big)
    assert result.status == 413


def test_unknown_query_parameters_and_bad_values(api: Api) -> None:
    assert api.get("/api/projects?includeArchived=maybe").status == 400
    assert api.get("/api/projects?limit=-1").status == 400
    assert api.get("/api/projects?%24where=1").status == 400
    assert api.get("/api/stages?x=1").status == 400


def test_bad_if_match_is_400(api: Api) -> None:
    project = api.post("/api/projects", {"name": "P", "code": "IFM"}).body
    result = api.put(f"/api/projects/{project['_id']}", {"name": "Q"}, headers={"If-Match": "abc"})
    assert result.status == 400


def test_page_size_is_capped(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.settings import get_settings

    monkeypatch.setattr(get_settings(), "max_page_size", 3)
    for i in range(5):
        api.post("/api/projects", {"name": "P", "code": f"CAP{i}"})
    result = api.get("/api/projects?limit=1000")
    assert len(result.body) == 3
    assert result.header("X-Total-Count") == "5"
