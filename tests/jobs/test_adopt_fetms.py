"""Adopting an original FETMS database (issue 13 §1): the runbook procedure end to end on a
database built the way Mongoose builds it, resumability, duplicates, pending-migration notices."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo.errors import DuplicateKeyError

import app  # noqa: F401 - the app (and its logger set-up) before log_stream swaps the stream
from chalicelib.db import INDEXES
from chalicelib.jobs.backup import list_backups
from chalicelib.jobs.index_check import compare_indexes, summarize
from chalicelib.migrations import runner
from chalicelib.services import schema_state
from fetms_cli import main
from tests.support.fetms_fixture import (
    FetmsFixture,
    build_fetms_database,
    mongoose_index_names,
    write_upload_files,
)
from tests.support.scratch import api_on, scratch_database

ADOPT_DB = "fetms_adopt_test"


@pytest.fixture
def fetms_db(
    backups: tuple[Any, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Any, FetmsFixture]]:
    """An original FETMS database (Mongoose's indexes, its documents) that settings point at."""
    with scratch_database(monkeypatch, ADOPT_DB) as database:
        yield database, build_fetms_database(database, teachers=60)


def forget_legacy_files(database: Any) -> None:
    """No teacher references FETMS's uploads/ folder (migration 0002 then needs no folder)."""
    database.teachers.update_many(
        {}, {"$unset": {"profilePicture": "", "otherDocuments": "", "documents": ""}}
    )


def registry_size() -> int:
    return sum(len(specs) for specs in INDEXES.by_collection.values())


def test_a_fetms_database_shows_mongooses_indexes_before_adoption(
    fetms_db: tuple[Any, FetmsFixture], capsys: pytest.CaptureFixture[str]
) -> None:
    database, _ = fetms_db
    assert main(["indexes", "check"]) == 1
    out = capsys.readouterr().out
    assert "extra       teachers.email_1" in out
    assert "run `fetms migrate up`" in out, "the way out is named"
    drift = compare_indexes(database)
    extra = sorted(f"{d.collection}.{d.name}" for d in drift if d.problem == "extra")
    # teachers.project_1 is the one Mongoose index we declare as it is.
    assert extra == [n for n in mongoose_index_names() if n != "teachers.project_1"]
    assert len(extra) == 10
    assert summarize(drift) == {"missing": registry_size() - 1, "extra": 10, "mismatched": 0}


def test_adopt_procedure_backup_migrate_uploads_verify(
    fetms_db: tuple[Any, FetmsFixture],
    backups: tuple[Any, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The runbook's "Adopt a FETMS database" steps, as written, on the fixture database."""
    database, fixture = fetms_db
    uploads = write_upload_files(fixture, tmp_path / "backend")
    teachers_before = database.teachers.count_documents({})

    assert main(["backup", "create"]) == 0
    assert main(["migrate", "status"]) == 0
    assert "0003_adopt_fetms" in capsys.readouterr().out
    assert main(["migrate", "up", "--uploads-dir", str(uploads.parent)]) == 0
    out = capsys.readouterr().out
    assert "taking a backup before 4 migration(s)" in out
    assert "applied 0003_adopt_fetms" in out and "applied 0004_live_teachers_marked" in out
    assert "dropped teachers.email_1" in out and "created projects.code_unique" in out
    s3, bucket = backups
    assert len(list_backups(s3, bucket)) == 2, "the operator's backup and migrate up's own"

    # verify: indexes clean, nothing pending, data intact, files in S3
    assert main(["indexes", "check"]) == 0
    assert "matches the registry" in capsys.readouterr().out
    assert schema_state.migration_state(database)["status"] == "current"
    assert database.teachers.count_documents({}) == teachers_before
    record = database.migrations.find_one({"_id": "0002_uploads_to_s3"})
    assert len(record["result"]["missing"]) == 1, "the one file left out is reported"
    legacy = database.teachers.count_documents({"profilePicture": {"$regex": "^uploads/"}})
    assert legacy <= 1
    # the case-insensitive unique index now guards live teachers' e-mails
    live = database.teachers.find_one({"isDeleted": False})
    with pytest.raises(DuplicateKeyError):
        database.teachers.insert_one({"email": live["email"].upper(), "isDeleted": False})

    # rerunning is a no-op; the API on it reports nothing pending
    assert main(["migrate", "up"]) == 0
    assert "up to date" in capsys.readouterr().out
    with api_on(database) as api:
        health = api.get("/api/health").body
        assert health["migrations"] == {"status": "current", "pending": [], "interrupted": []}
        assert api.get("/api/stats/dashboard").status == 200
        teacher = api.get(f"/api/teachers/{live['_id']}").body
        assert api.put(f"/api/teachers/{live['_id']}", teacher).status == 200


def test_teachers_without_isdeleted_are_marked_live_and_guarded_by_the_unique_index(
    fetms_db: tuple[Any, FetmsFixture], capsys: pytest.CaptureFixture[str]
) -> None:
    """Records from before FETMS's schema had ``isDeleted`` stay live, and after 0004 no new
    teacher can take their e-mail (the partial unique index could not see them before)."""
    database, _ = fetms_db
    forget_legacy_files(database)
    old = database.teachers.find_one({"isDeleted": False})
    database.teachers.update_one({"_id": old["_id"]}, {"$unset": {"isDeleted": ""}})
    deleted_before = database.teachers.count_documents({"isDeleted": True})
    assert main(["migrate", "up", "--no-backup"]) == 0
    assert "1 teachers without isDeleted marked live" in capsys.readouterr().out
    marked = database.teachers.find_one({"_id": old["_id"]})
    assert marked["isDeleted"] is False and marked["__v"] == old["__v"] + 1
    assert database.teachers.count_documents({"isDeleted": True}) == deleted_before
    assert database.teachers.count_documents({"isDeleted": None}) == 0
    with api_on(database) as api:
        clash = {"firstName": "A", "lastName": "B", "email": old["email"].upper()}
        refused = api.post("/api/teachers", clash)
        assert refused.status == 409, refused.body
        assert refused.body["errors"] == [{"field": "email", "message": "must be unique"}]


def test_live_teachers_sharing_an_email_stop_0004_before_any_change(
    fetms_db: tuple[Any, FetmsFixture], capsys: pytest.CaptureFixture[str]
) -> None:
    database, _ = fetms_db
    forget_legacy_files(database)
    assert main(["migrate", "up", "--no-backup", "--to", "3"]) == 0
    capsys.readouterr()
    live = database.teachers.find_one({"isDeleted": False})
    twin = {k: v for k, v in live.items() if k not in ("_id", "isDeleted")}
    twin["email"] = live["email"].title()
    twin_id = database.teachers.insert_one(twin).inserted_id  # no isDeleted: the index misses it
    assert main(["migrate", "up", "--no-backup"]) != 0
    out = capsys.readouterr()
    assert str(twin_id) in out.out + out.err and "nothing was changed" in out.out + out.err
    assert database.teachers.find_one({"_id": twin_id}).get("isDeleted") is None


def test_an_interrupted_adoption_is_completed_by_rerunning(
    fetms_db: tuple[Any, FetmsFixture], capsys: pytest.CaptureFixture[str]
) -> None:
    """The one moment without the projects' unique index (code_1 dropped, code_unique not yet
    built) is where a crash hurts most: rerunning completes it."""
    database, _ = fetms_db
    database.projects.drop_index("code_1")
    database.migrations.insert_one({"_id": "0001_projects", "state": "applied"})
    database.migrations.insert_one({"_id": "0002_uploads_to_s3", "state": "applied"})
    database.migrations.insert_one({"_id": "0003_adopt_fetms", "state": "running"})
    assert schema_state.migration_state(database)["interrupted"] == ["0003_adopt_fetms"]
    assert main(["migrate", "up", "--no-backup"]) == 0
    assert "applied 0003_adopt_fetms" in capsys.readouterr().out
    assert compare_indexes(database) == []
    index = {ix["name"]: ix for ix in database.projects.list_indexes()}["code_unique"]
    assert index["unique"] is True


def test_emails_differing_only_in_case_stop_the_adoption_before_any_change(
    fetms_db: tuple[Any, FetmsFixture], capsys: pytest.CaptureFixture[str]
) -> None:
    database, _ = fetms_db
    first = database.teachers.insert_one({"email": "Twin@Example.org", "isDeleted": False})
    database.teachers.insert_one({"email": "twin@example.org", "isDeleted": False})
    forget_legacy_files(database)
    indexes_before = sorted(ix["name"] for ix in database.teachers.list_indexes())
    assert main(["migrate", "up", "--no-backup"]) == 1
    err = capsys.readouterr().err
    assert "'twin@example.org' is used by 2 records (ignoring case)" in err
    assert str(first.inserted_id) in err
    assert sorted(ix["name"] for ix in database.teachers.list_indexes()) == indexes_before
    assert "projects.code_1" in {
        f"projects.{ix['name']}" for ix in database.projects.list_indexes()
    }
    # the operator soft-deletes one of them; the next run succeeds
    database.teachers.update_one({"_id": first.inserted_id}, {"$set": {"isDeleted": True}})
    assert main(["migrate", "up", "--no-backup"]) == 0
    assert compare_indexes(database) == []


def test_deleted_stages_and_alert_rules_become_inert_to_fetms(
    fetms_db: tuple[Any, FetmsFixture],
) -> None:
    database, fixture = fetms_db
    forget_legacy_files(database)
    stage, rule = fixture.stage_ids[1], fixture.rule_ids[0]
    # as an earlier version of this system left them: soft-deleted in place
    database.stages.update_one({"_id": stage}, {"$set": {"isDeleted": True}})
    database.alertrules.update_one({"_id": rule}, {"$set": {"isDeleted": True}})
    assert main(["migrate", "up", "--no-backup"]) == 0
    assert database.stages.find_one({"_id": stage}) is None
    assert database.deletedstages.find_one({"_id": stage})["isDeleted"] is True
    assert database.alertrules.find_one({"_id": rule})["isActive"] is False
    # and deleting through the API now does the same
    with api_on(database) as api:
        other = fixture.stage_ids[2]
        assert api.delete(f"/api/stages/{other}").status == 200
        assert database.stages.find_one({"_id": other}) is None
        assert database.deletedstages.find_one({"_id": other})["title"] == "Document Review"
        assert api.delete(f"/api/alerts/{fixture.rule_ids[1]}").status == 200
        assert database.alertrules.find_one({"_id": fixture.rule_ids[1]})["isActive"] is False
        fetms_active = database.alertrules.count_documents({"isActive": True})
        assert fetms_active == len(fixture.rule_ids) - 3  # two deleted, one inactive


def test_the_api_on_an_unmigrated_database_says_so(
    fetms_db: tuple[Any, FetmsFixture], log_stream: Any
) -> None:
    database, _ = fetms_db
    schema_state.startup_warning.checked = False
    with api_on(database) as api:
        health = api.get("/api/health")
        assert health.status == 200
        migrations = health.body["migrations"]
        assert migrations["status"] == "pending"
        assert migrations["pending"] == [m.id for m in runner.discover()]
        assert "run `fetms migrate up`" in migrations["message"]
        api.get("/api/stages")
    warnings = [
        json.loads(line)
        for line in log_stream.getvalue().splitlines()
        if "database has pending migrations" in line
    ]
    assert len(warnings) == 1, "logged once per process"
    assert warnings[0]["fix"] == "fetms migrate up"
    assert "0003_adopt_fetms" in warnings[0]["pending"]


def test_fetms_health_fails_while_migrations_are_pending(
    db: Any, live_api: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # live_api serves the session's test database: emptied per test, so nothing is applied
    assert main(["health", "--url", live_api]) == 1
    assert "run `fetms migrate up`" in capsys.readouterr().err


def test_make_run_applies_pending_migrations_and_names_what_waits(
    fetms_db: tuple[Any, FetmsFixture], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without FETMS's uploads folder, 0002 stays pending and the rest is applied: the stack
    starts on clean indexes and says what is left."""
    from fetms_cli import local

    database, fixture = fetms_db
    text = "\n".join(local.prepare_database())
    assert "still pending 0002_uploads_to_s3:" in text and "--uploads-dir" in text
    assert "applied 0003_adopt_fetms" in text
    assert "WARNING: The database needs migrations this version ships (0002_uploads_to_s3)" in text
    assert compare_indexes(database) == []
    uploads = write_upload_files(fixture, tmp_path / "backend", leave_out=0)
    monkeypatch.setenv("UPLOADS_IMPORT_DIR", str(uploads))
    from chalicelib.settings import reset_settings

    reset_settings()
    text = "\n".join(local.prepare_database())
    assert "applied 0002_uploads_to_s3" in text
    assert "WARNING" not in text
    assert schema_state.migration_state(database)["status"] == "current"


def test_migrate_up_without_the_uploads_folder_adopts_and_leaves_0002_pending(
    fetms_db: tuple[Any, FetmsFixture], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database, fixture = fetms_db
    assert main(["migrate", "up", "--no-backup"]) == 0
    out = capsys.readouterr().out
    assert "applied 0003_adopt_fetms" in out
    assert "still pending 0002_uploads_to_s3" in out and "--uploads-dir" in out
    assert main(["indexes", "check"]) == 0
    assert schema_state.migration_state(database)["pending"] == ["0002_uploads_to_s3"]
    uploads = write_upload_files(fixture, tmp_path / "backend")
    assert main(["migrate", "up", "--no-backup", "--uploads-dir", str(uploads)]) == 0
    assert "applied 0002_uploads_to_s3" in capsys.readouterr().out
    assert schema_state.migration_state(database)["status"] == "current"


def test_make_run_on_a_new_database_records_the_migrations_without_running_them(
    backups: tuple[Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fetms_cli import local

    with scratch_database(monkeypatch, "fetms_new_test") as database:
        text = "\n".join(local.prepare_database())
        assert "a new database needs none" in text
        assert schema_state.migration_state(database)["status"] == "current"
        assert database.projects.count_documents({}) == 0, "0001's programs are not created"
        assert compare_indexes(database) == []
