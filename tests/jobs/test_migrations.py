"""Migrations: discovery, lock, records, crash + rerun, down, 0001 projects, 0002 uploads → S3."""

from __future__ import annotations

import types
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.migrations import runner
from chalicelib.services.common import utcnow
from chalicelib.settings import get_settings
from chalicelib.storage import get_s3
from fetms_cli import main
from tests.support.factories import make_project, make_teacher

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.4\n" + b"x" * 64


def fake(
    number: int, name: str, calls: list[str], *, fail_once: bool = False, down: bool = True
) -> runner.Migration:
    module = types.ModuleType(f"m{number}", f"Fake migration {name}.")
    state = {"failed": False}

    def up(ctx: runner.MigrationContext) -> dict[str, Any]:
        if fail_once and not state["failed"]:
            state["failed"] = True
            ctx.db.items.insert_one({"half": name})
            raise RuntimeError("simulated crash")
        ctx.db.items.update_one({"_id": name}, {"$set": {"done": True}}, upsert=True)
        calls.append(f"up {name}")
        return {"ok": name}

    def revert(ctx: runner.MigrationContext) -> None:
        ctx.db.items.delete_one({"_id": name})
        calls.append(f"down {name}")

    module.up = up  # type: ignore[attr-defined]
    if down:
        module.down = revert  # type: ignore[attr-defined]
    return runner.Migration(number, name, module)


def test_discover_lists_the_shipped_migrations_in_order() -> None:
    found = runner.discover()
    assert [m.id for m in found[:2]] == ["0001_projects", "0002_uploads_to_s3"]
    assert found[0].description.startswith("FETMS migrate:projects")


def test_up_records_time_and_duration_and_is_a_no_op_when_done(db: Any) -> None:
    calls: list[str] = []
    migrations = [fake(1, "a", calls), fake(2, "b", calls), fake(3, "c", calls)]
    ctx = runner.MigrationContext(db=db)
    done = runner.migrate_up(ctx, migrations, to=2)
    assert [r.migration.id for r in done] == ["0001_a", "0002_b"]
    record = db.migrations.find_one({"_id": "0001_a"})
    assert record["state"] == "applied" and record["appliedAt"]
    recorded_ms = record["durationMs"]
    assert isinstance(recorded_ms, int | float), "the run's length is recorded"
    assert [r.state for r in runner.status(db, migrations)] == ["applied", "applied", "pending"]
    assert [r.migration.id for r in runner.migrate_up(ctx, migrations)] == ["0003_c"]
    assert runner.migrate_up(ctx, migrations) == []
    assert calls == ["up a", "up b", "up c"]
    assert db.locks.count_documents({}) == 0


def test_a_crash_leaves_interrupted_state_and_a_rerun_completes(db: Any) -> None:
    calls: list[str] = []
    migrations = [fake(1, "a", calls), fake(2, "b", calls, fail_once=True)]
    ctx = runner.MigrationContext(db=db)
    with pytest.raises(RuntimeError):
        runner.migrate_up(ctx, migrations)
    assert [r.state for r in runner.status(db, migrations)] == ["applied", "interrupted"]
    assert db.locks.count_documents({}) == 0, "the lock is released even on failure"
    done = runner.migrate_up(ctx, migrations)
    assert [r.migration.id for r in done] == ["0002_b"]
    assert [r.state for r in runner.status(db, migrations)] == ["applied", "applied"]


def test_a_second_runner_fails_clearly_or_takes_over_an_expired_lock(db: Any) -> None:
    calls: list[str] = []
    migrations = [fake(1, "a", calls)]
    ctx = runner.MigrationContext(db=db)
    now = utcnow()
    db.locks.insert_one(
        {
            "_id": "migrations",
            "owner": "host-1:abc",
            "acquiredAt": now,
            "expiresAt": now + timedelta(minutes=5),
        }
    )
    with pytest.raises(runner.MigrationLocked, match="locked by host-1:abc"):
        runner.migrate_up(ctx, migrations, wait_seconds=0.2)
    assert calls == []
    db.locks.update_one({"_id": "migrations"}, {"$set": {"expiresAt": now - timedelta(seconds=1)}})
    runner.migrate_up(ctx, migrations)
    assert calls == ["up a"]
    assert db.locks.count_documents({}) == 0


def test_down_reverts_newest_first_and_refuses_irreversible(db: Any) -> None:
    calls: list[str] = []
    migrations = [fake(1, "a", calls, down=False), fake(2, "b", calls), fake(3, "c", calls)]
    ctx = runner.MigrationContext(db=db)
    runner.migrate_up(ctx, migrations)
    reverted = runner.migrate_down(ctx, migrations, to=1)
    assert [r.migration.id for r in reverted] == ["0003_c", "0002_b"]
    assert calls[-2:] == ["down c", "down b"]
    assert [r.state for r in runner.status(db, migrations)] == ["applied", "pending", "pending"]
    with pytest.raises(runner.MigrationError, match="0001_a cannot be reverted"):
        runner.migrate_down(ctx, migrations, to=0)


def test_new_migration_gets_the_next_number(tmp_path: Path) -> None:
    (tmp_path / "0007_old.py").write_text("")
    path = runner.new_migration("Add teacher index!", tmp_path)
    assert path.name == "0008_add_teacher_index.py"
    assert "def up(ctx: MigrationContext)" in path.read_text()
    compile(path.read_text(), str(path), "exec")


def test_0001_projects_creates_programs_and_assigns_teachers(db: Any) -> None:
    migration = runner.discover()[0]
    other = make_project(db, code="OTHER", name="Other")
    orphan = make_teacher(db)
    null_project = make_teacher(db, project=None)
    placed = make_teacher(db, project=other["_id"])
    ctx = runner.MigrationContext(db=db)
    result = migration.module.up(ctx)
    assert sorted(result["projectsCreated"]) == ["INDEPENDENT", "TFETP"]
    assert result["teachersAssigned"] == 2
    tfetp = db.projects.find_one({"code": "TFETP"})
    assert db.teachers.find_one({"_id": orphan["_id"]})["project"] == tfetp["_id"]
    assert db.teachers.find_one({"_id": null_project["_id"]})["project"] == tfetp["_id"]
    assert db.teachers.find_one({"_id": placed["_id"]})["project"] == other["_id"]
    again = migration.module.up(ctx)
    assert again == {"projectsCreated": [], "teachersAssigned": 0}
    assert db.projects.count_documents({}) == 3


@pytest.fixture
def uploads_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "backend" / "uploads"
    folder.mkdir(parents=True)
    (folder / "avatar-1.png").write_bytes(PNG)
    (folder / "passport 1.pdf").write_bytes(PDF)
    (folder / "scan.pdf").write_bytes(PDF)
    return tmp_path / "backend"


def test_0002_imports_uploads_rewrites_keys_reports_missing_and_is_idempotent(
    db: Any, uploads_dir: Path
) -> None:
    migration = runner.discover()[1]
    teacher = make_teacher(
        db,
        profilePicture="uploads/avatar-1.png",
        documents={
            "passport": {"status": "valid", "filePath": "uploads/passport 1.pdf"},
            "arc": {"status": "missing"},
        },
        otherDocuments=[
            {"name": "Scan", "filePath": "/uploads/scan.pdf"},
            {"name": "Lost", "filePath": "uploads/lost.pdf"},
        ],
    )
    untouched = make_teacher(db, profilePicture="teachers/x/avatar/abc")
    s3 = get_s3()
    bucket = get_settings().uploads_bucket
    ctx = runner.MigrationContext(db=db, s3=s3, uploads_bucket=bucket, uploads_dir=uploads_dir)
    result = migration.module.up(ctx)
    assert result["uploaded"] == 3 and result["rewritten"] == 3
    assert result["missing"] == [
        {
            "teacher": str(teacher["_id"]),
            "field": "otherDocuments.1.filePath",
            "path": "uploads/lost.pdf",
        }
    ]
    stored = db.teachers.find_one({"_id": teacher["_id"]})
    tid = teacher["_id"]
    assert stored["profilePicture"] == f"teachers/{tid}/avatar/legacy-avatar-1.png"
    assert (
        stored["documents"]["passport"]["filePath"]
        == f"teachers/{tid}/passport/legacy-passport_1.pdf"
    )
    assert stored["otherDocuments"][0]["filePath"] == f"teachers/{tid}/adhoc/legacy-scan.pdf"
    assert stored["otherDocuments"][1]["filePath"] == "uploads/lost.pdf"
    obj = s3.get_object(Bucket=bucket, Key=stored["profilePicture"])
    assert obj["Body"].read() == PNG and obj["ContentType"] == "image/png"
    assert (
        db.teachers.find_one({"_id": untouched["_id"]})["profilePicture"] == "teachers/x/avatar/abc"
    )

    again = migration.module.up(ctx)
    assert again["uploaded"] == 0 and again["rewritten"] == 0 and len(again["missing"]) == 1


def test_0002_without_a_directory_fails_clearly_only_when_needed(db: Any) -> None:
    migration = runner.discover()[1]
    ctx = runner.MigrationContext(db=db, s3=get_s3(), uploads_bucket=get_settings().uploads_bucket)
    assert migration.module.up(ctx)["teachers"] == 0
    make_teacher(db, profilePicture="uploads/a.png")
    with pytest.raises(runner.MigrationError, match="--uploads-dir"):
        migration.module.up(ctx)


def test_cli_migrate_up_takes_a_backup_then_status(
    db: Any, backups: tuple[Any, str], uploads_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_teacher(db, profilePicture="uploads/avatar-1.png")
    assert main(["migrate", "status"]) == 0
    assert "pending" in capsys.readouterr().out
    assert main(["migrate", "up", "--uploads-dir", str(uploads_dir)]) == 0
    out = capsys.readouterr().out
    assert "taking a backup before" in out
    assert "applied 0001_projects" in out and "applied 0002_uploads_to_s3" in out
    s3, bucket = backups
    from chalicelib.jobs.backup import list_backups

    assert len(list_backups(s3, bucket)) == 1
    assert main(["migrate", "up"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["migrate", "status"]) == 0
    assert "pending" not in capsys.readouterr().out
    assert main(["migrate", "down", "--to", "0"]) == 1
    assert "cannot be reverted" in capsys.readouterr().err
