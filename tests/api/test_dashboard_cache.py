"""The dashboard cache (issue 15 §2): a repeated view is not recomputed from every teacher, and
it is never stale after a change made through the API — each write below is followed by a
comparison with a fresh computation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.jobs import dumpformat
from chalicelib.migrations import runner
from chalicelib.migrations.runner import MigrationContext
from chalicelib.models.teachers import DashboardQuery
from chalicelib.services import stats
from fetms_cli import main
from tests.support.clock import FixedClock, install_clock
from tests.support.commands import recording_commands
from tests.support.factories import make_project, teacher_doc
from tests.support.http import Api

DASHBOARD = "/api/stats/dashboard"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FixedClock:
    return install_clock(monkeypatch)


@pytest.fixture
def cache_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from chalicelib.settings import get_settings

    monkeypatch.setattr(get_settings(), "dashboard_cache_seconds", 300)
    yield


@pytest.fixture
def fresh(api: Api, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Any]:
    """The dashboard computed without the cache, for comparison."""
    from chalicelib.settings import get_settings

    def compute(url: str = DASHBOARD) -> Any:
        settings = get_settings()
        kept = settings.dashboard_cache_seconds
        monkeypatch.setattr(settings, "dashboard_cache_seconds", 0)
        try:
            return api.get(url).body
        finally:
            monkeypatch.setattr(settings, "dashboard_cache_seconds", kept)

    return compute


def new_teacher(api: Api, project: str, email: str, **fields: Any) -> str:
    body = {"firstName": "T", "lastName": email, "email": email, "project": project, **fields}
    created = api.post("/api/teachers", body)
    assert created.status == 201, created.body
    return str(created.body["_id"])


@pytest.fixture
def office(api: Api, db: Any, clock: FixedClock, cache_on: None) -> dict[str, str]:
    project = str(make_project(db)["_id"])
    ids = [
        new_teacher(api, project, f"t{i}@example.org", personalInfo={"gender": "Female"})
        for i in range(3)
    ]
    return {"project": project, "teacher": ids[0]}


def dashboard_commands(api: Api, url: str = DASHBOARD) -> tuple[Any, list[tuple[str, str]]]:
    with recording_commands() as log:
        result = api.get(url)
    assert result.status == 200, result.body
    return result.body, log.commands


def test_a_repeated_view_costs_one_command_besides_the_session(
    api: Api, office: dict[str, str], fresh: Callable[[str], Any]
) -> None:
    first, computed = dashboard_commands(api)
    assert ("aggregate", "teachers") in computed
    second, reused = dashboard_commands(api)
    assert reused == [("find", "sessions"), ("aggregate", "stages")]
    assert second == first == fresh(DASHBOARD)
    assert second["kpi"]["totalTeachers"] == 3
    # Each view (filters) is its own entry.
    filtered = f"{DASHBOARD}?gender=Female&projectId={office['project']}"
    assert dashboard_commands(api, filtered)[0] == fresh(filtered)
    assert dashboard_commands(api, filtered)[1] == reused


def test_never_stale_after_writes_through_the_api(
    api: Api, office: dict[str, str], fresh: Callable[[str], Any]
) -> None:
    teacher = f"/api/teachers/{office['teacher']}"
    stage = api.post("/api/stages", {"title": "Employed"}).body["_id"]
    rule = {"name": "ARC", "documentType": "arcDetails", "conditionType": "DAYS_REMAINING"}
    writes: list[Callable[[], Any]] = [
        lambda: new_teacher(api, office["project"], "new@example.org"),
        lambda: api.put(teacher, {"personalInfo": {"nationality": {"english": "Canada"}}}),
        lambda: api.post("/api/alerts", {**rule, "value": 60}),
        lambda: api.put(teacher, {"arcDetails": {"expiryDate": "2000-01-31"}}),
        lambda: api.put(teacher, {"pipelineStage": stage}),
        lambda: api.put(f"/api/stages/{stage}", {"title": "Hired"}),
        lambda: api.post("/api/alerts", {**rule, "value": 30}),
        lambda: api.delete(teacher),
        lambda: api.post(f"{teacher}/restore"),
        lambda: api.delete(f"/api/stages/{stage}"),
    ]
    changed = 0
    for number, write in enumerate(writes):
        before = dashboard_commands(api)[0]  # cached now
        write()
        after = dashboard_commands(api)[0]
        assert after == fresh(DASHBOARD), f"write {number} left the cached view stale"
        changed += after != before
    assert changed >= 6, "the writes must change what the dashboard shows"


def test_a_new_day_is_a_new_view(
    api: Api, db: Any, clock: FixedClock, office: dict[str, str]
) -> None:
    """Expiry depends on the date: tomorrow's dashboard is computed for tomorrow."""
    tomorrow = (clock.now + timedelta(days=1)).date().isoformat()
    api.put(f"/api/teachers/{office['teacher']}", {"arcDetails": {"expiryDate": tomorrow}})
    rule = {"name": "ARC", "documentType": "arcDetails", "conditionType": "DAYS_REMAINING"}
    assert api.post("/api/alerts", {**rule, "value": 30}).status == 201
    today = dashboard_commands(api)[0]
    assert today["expiryCounts"]["arc"] == {"expiring": 1, "expired": 0}
    # No data changed, but tomorrow the same document is expired (the service takes its clock).
    next_day = stats.dashboard(db, DashboardQuery(), now=clock.now + timedelta(days=1))
    assert next_day["expiryCounts"]["arc"] == {"expiring": 0, "expired": 1}
    assert db.dashboardcache.count_documents({}) == 2, "one entry per day"
    assert dashboard_commands(api)[0] == today, "today's entry is still today's"


def test_changes_that_bypass_the_api_are_seen_after_the_cache_lifetime(
    api: Api, db: Any, clock: FixedClock, office: dict[str, str]
) -> None:
    assert dashboard_commands(api)[0]["kpi"]["totalTeachers"] == 3
    db.teachers.insert_one(teacher_doc(email="direct@example.org"))  # e.g. the original FETMS
    clock.advance(301)
    assert dashboard_commands(api)[0]["kpi"]["totalTeachers"] == 4


def test_one_entry_serves_every_role_with_its_masking(
    api: Api, api_as: Callable[[str], Api], office: dict[str, str]
) -> None:
    api.put(f"/api/teachers/{office['teacher']}", {"contractDetails": {"salary": 65000}})
    admin_view = dashboard_commands(api)[0]
    salaries = [c.get("salary") for c in admin_view["candidates"]]
    assert 65000 in salaries or "65000" in salaries
    viewer_body, commands = dashboard_commands(api_as("viewer"))
    assert ("aggregate", "teachers") not in commands, "the admin's entry was reused"
    assert "***" in [c.get("salary") for c in viewer_body["candidates"]]
    assert 65000 not in [c.get("salary") for c in viewer_body["candidates"]]


def test_the_cache_is_not_backed_up_and_migrations_clear_it(
    api: Api, db: Any, office: dict[str, str]
) -> None:
    dashboard_commands(api)
    assert db.dashboardcache.count_documents({}) == 1
    assert "dashboardcache" not in dumpformat.user_collections(db)
    assert main(["dashboard", "clear-cache"]) == 0
    assert db.dashboardcache.count_documents({}) == 0
    db.migrations.delete_many({})
    dashboard_commands(api)
    applied = runner.migrate_up(MigrationContext(db), [runner.discover()[0]])
    assert [r.migration.id for r in applied] == ["0001_projects"]
    assert db.dashboardcache.count_documents({}) == 0, "a migration changed data unaudited"
