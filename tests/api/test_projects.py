"""Projects: FETMS routes, code rules, archive/restore/permanent delete, versions."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from tests.support.http import Api


def make_project(api: Api, code: str = "tfetp", name: str = "Taiwan FET Program") -> dict[str, Any]:
    result = api.post("/api/projects", {"name": name, "code": code})
    assert result.status == 201, result.body
    body: dict[str, Any] = result.body
    return body


def test_create_uppercases_code_and_returns_etag(api: Api) -> None:
    result = api.post("/api/projects", {"name": "Program", "code": "tfetp", "description": "d"})
    assert result.status == 201
    assert result.body["code"] == "TFETP"
    assert result.body["isActive"] is True
    assert result.body["__v"] == 0
    assert result.header("ETag") == '"0"'
    assert len(result.body["_id"]) == 24
    assert result.body["createdAt"].endswith("Z")


def test_duplicate_code_is_409_whatever_the_case(api: Api) -> None:
    make_project(api, "ABC")
    result = api.post("/api/projects", {"name": "Other", "code": "abc"})
    assert result.status == 409
    assert result.header("Content-Type") == "application/problem+json"
    assert "ABC" in result.body["message"]


def test_list_hides_archived_unless_asked(api: Api) -> None:
    keep = make_project(api, "KEEP")
    gone = make_project(api, "GONE")
    assert api.delete(f"/api/projects/{gone['_id']}").status == 200
    active = api.get("/api/projects")
    assert [p["code"] for p in active.body] == ["KEEP"]
    assert active.header("X-Total-Count") == "1"
    everything = api.get("/api/projects?includeArchived=true")
    assert {p["code"] for p in everything.body} == {"KEEP", "GONE"}
    assert keep["_id"] in {p["_id"] for p in everything.body}


def test_code_is_immutable_but_other_fields_update(api: Api) -> None:
    project = make_project(api, "IMM")
    changed = api.put(f"/api/projects/{project['_id']}", {"code": "NEW"})
    assert changed.status == 400
    assert changed.body["errors"][0]["field"] == "code"
    same_code = api.put(f"/api/projects/{project['_id']}", {"code": "imm", "name": "Renamed"})
    assert same_code.status == 200
    assert same_code.body["name"] == "Renamed"
    assert same_code.body["code"] == "IMM"
    assert same_code.body["__v"] == 1


def test_stale_if_match_is_412_and_writes_nothing(api: Api) -> None:
    project = make_project(api, "VER")
    first = api.put(f"/api/projects/{project['_id']}", {"name": "One"}, headers={"If-Match": '"0"'})
    assert first.status == 200
    stale = api.put(f"/api/projects/{project['_id']}", {"name": "Two"}, headers={"If-Match": '"0"'})
    assert stale.status == 412
    assert api.get(f"/api/projects/{project['_id']}").body["name"] == "One"


def test_permanent_delete_rules(api: Api, db: Any) -> None:
    project = make_project(api, "DEL")
    pid = project["_id"]
    active = api.delete(f"/api/projects/{pid}/permanent")
    assert active.status == 409
    assert "Archive" in active.body["message"]
    api.delete(f"/api/projects/{pid}")
    db.teachers.insert_one({"firstName": "A", "project": ObjectId(pid), "isDeleted": False})
    referenced = api.delete(f"/api/projects/{pid}/permanent")
    assert referenced.status == 409
    assert "1 teacher" in referenced.body["message"]
    db.teachers.update_many({}, {"$set": {"isDeleted": True}})
    assert api.delete(f"/api/projects/{pid}/permanent").status == 200
    assert api.get(f"/api/projects/{pid}").status == 404


def test_restore_brings_back_an_archived_project(api: Api) -> None:
    project = make_project(api, "RES")
    api.delete(f"/api/projects/{project['_id']}")
    restored = api.put(f"/api/projects/{project['_id']}/restore")
    assert restored.status == 200
    assert restored.body["isActive"] is True


def test_malformed_and_missing_ids(api: Api) -> None:
    assert api.get("/api/projects/not-an-id").status == 400
    assert api.get(f"/api/projects/{ObjectId()}").status == 404
    assert api.put(f"/api/projects/{ObjectId()}", {"name": "x"}).status == 404


def test_paging_sets_total_and_next_link(api: Api) -> None:
    for i in range(5):
        make_project(api, f"P{i}")
    page = api.get("/api/projects?limit=2&offset=0")
    assert len(page.body) == 2
    assert page.header("X-Total-Count") == "5"
    assert 'rel="next"' in (page.header("Link") or "")
    assert "offset=2" in (page.header("Link") or "")
    last = api.get("/api/projects?limit=2&offset=4")
    assert len(last.body) == 1
    assert last.header("Link") is None
