"""Maintenance mode: writes 503 with Retry-After and the message, reads work, health reports it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.services import maintenance
from chalicelib.services.common import utcnow
from fetms_cli import main
from tests.support.http import Api


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    maintenance.clear_cache()
    yield
    maintenance.clear_cache()


def test_writes_refused_reads_served_health_reports(api: Api, db: Any) -> None:
    until = utcnow() + timedelta(minutes=30)
    maintenance.turn_on(db, message="Upgrading the database until 14:30", until=until, by="test")

    write = api.post("/api/stages", {"title": "New stage"})
    assert write.status == 503
    assert write.body["message"] == "Upgrading the database until 14:30"
    assert write.header("Content-Type") == "application/problem+json"
    retry = int(write.header("Retry-After") or "0")
    assert 1700 <= retry <= 1800
    assert db.stages.count_documents({"title": "New stage"}) == 0

    assert api.get("/api/stages").status == 200
    health = api.get("/api/health")
    assert health.status == 200
    assert health.body["maintenance"]["enabled"] is True
    assert health.body["maintenance"]["message"] == "Upgrading the database until 14:30"

    maintenance.turn_off(db, by="test")
    assert api.post("/api/stages", {"title": "New stage"}).status == 201
    assert api.get("/api/health").body["maintenance"] == {"enabled": False}


def test_an_elapsed_until_ends_maintenance(db: Any) -> None:
    now = utcnow()
    maintenance.turn_on(db, message="short", until=now + timedelta(minutes=1), by="t", now=now)
    assert maintenance.read_state(db, now + timedelta(seconds=30)).enabled
    assert not maintenance.read_state(db, now + timedelta(minutes=2)).enabled


def test_cli_on_status_off(db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["maintenance", "on", "--message", "Back soon", "--until", "2h"]) == 0
    assert "maintenance: ON" in capsys.readouterr().out
    assert main(["maintenance", "status"]) == 3
    out = capsys.readouterr().out
    assert "Back soon" in out and "until:" in out
    assert main(["maintenance", "off"]) == 0
    assert main(["maintenance", "status"]) == 0
    assert "maintenance: off" in capsys.readouterr().out
    actions = [e["action"] for e in db.auditlog.find({"entity": "settings"}).sort("at", 1)]
    assert actions == ["maintenance.on", "maintenance.off"]
    assert main(["maintenance", "on", "--until", "yesterday"]) == 1
    assert "neither an ISO time" in capsys.readouterr().err
    assert main(["maintenance", "on", "--until", "2001-01-01T00:00"]) == 1
    assert "future" in capsys.readouterr().err
