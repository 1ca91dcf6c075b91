"""Operations for admins: maintenance mode through the API (the CLI's service, audited) and the
latest backups with their status and kind."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from chalicelib import storage
from chalicelib.jobs.backup import MANUAL, PREFIX, create_backup
from chalicelib.services import maintenance
from chalicelib.services.common import utcnow
from chalicelib.settings import get_settings
from tests.support.http import Api


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    maintenance.clear_cache()
    yield
    maintenance.clear_cache()


def test_admin_turns_maintenance_on_and_off(api: Api, api_as: Any, db: Any) -> None:
    assert api.get("/api/maintenance").body == {"enabled": False}
    until = (utcnow() + timedelta(hours=1)).replace(microsecond=0)
    on = api.put(
        "/api/maintenance",
        {"enabled": True, "message": "Moving to the new database", "until": until.isoformat()},
    )
    assert on.status == 200, on.body
    assert on.body["enabled"] is True
    assert on.body["message"] == "Moving to the new database"
    assert on.body["until"].startswith(until.strftime("%Y-%m-%dT%H:%M:%S"))
    assert on.body["until"].endswith("Z")
    assert on.body["by"] == "admin@example.org"
    assert api.get("/api/maintenance").body == on.body
    assert api.get("/api/health").body["maintenance"]["enabled"] is True
    # Writes are refused, but not the switch itself nor signing out.
    assert api_as("editor").post("/api/schools", {"name": {"chinese": "甲"}}).status == 503
    assert api_as("editor").post("/api/auth/logout", {}).status == 204
    off = api.put("/api/maintenance", {"enabled": False})
    assert off.status == 200 and off.body == {"enabled": False}
    assert api_as("editor").post("/api/schools", {"name": {"chinese": "甲"}}).status == 201
    entries = list(db.auditlog.find({"entity": "settings"}).sort("at", 1))
    assert [(e["action"], e["actor"]) for e in entries] == [
        ("maintenance.on", "admin@example.org"),
        ("maintenance.off", "admin@example.org"),
    ]
    assert entries[0]["details"]["message"] == "Moving to the new database"


def test_maintenance_input_is_checked(api: Api) -> None:
    past = (utcnow() - timedelta(minutes=5)).isoformat()
    result = api.put("/api/maintenance", {"enabled": True, "until": past})
    assert result.status == 400
    assert result.body["errors"][0]["field"] == "until"
    too_long = api.put("/api/maintenance", {"enabled": True, "message": "x" * 501})
    assert too_long.status == 400
    assert api.put("/api/maintenance", {"message": "no flag"}).status == 400
    assert api.get("/api/maintenance").body == {"enabled": False}


def test_latest_backups_with_status_and_kind(api: Api, db: Any) -> None:
    settings = get_settings()
    s3 = storage.get_s3()
    bucket = settings.backups_bucket
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=PREFIX):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])
    assert api.get("/api/backups").body == []
    db.schools.insert_one({"name": {"chinese": "甲"}})
    made = create_backup(db, s3, bucket, app_version="test", kind=MANUAL, note="before upgrade")
    # A backup still running (or failed): its archive is there, its manifest is not (yet).
    s3.put_object(Bucket=bucket, Key=f"{PREFIX}20991231T235959Z/fetms-x.tar.gz", Body=b"partial")
    s3.put_object(Bucket=bucket, Key=f"{PREFIX}README.txt", Body=b"not a backup folder")
    listed = api.get("/api/backups")
    assert listed.status == 200, listed.body
    assert [(b["id"], b["status"]) for b in listed.body] == [
        ("20991231T235959Z", "incomplete"),
        (made["id"], "complete"),
    ]
    incomplete, complete = listed.body
    assert incomplete["archiveBytes"] == len(b"partial") and "kind" not in incomplete
    assert complete["kind"] == "manual" and complete["note"] == "before upgrade"
    assert complete["documents"] == made["totals"]["documents"] >= 1
    assert complete["archiveBytes"] == made["archive"]["size"]
    assert complete["finishedAt"] == made["finishedAt"]
    assert [b["id"] for b in api.get("/api/backups?limit=1").body] == ["20991231T235959Z"]
    assert api.get("/api/backups?limit=0").status == 400
    assert api.get("/api/backups?limit=51").status == 400
