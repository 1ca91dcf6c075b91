"""``fetms backup ...``: the commands of the runbook, run for real."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bson
import pytest

from fetms_cli import main
from tests.support.factories import make_school, make_teacher


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_backup_create_list_verify_restore(
    db: Any, backups: tuple[Any, str], restore_db: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    make_school(db)
    for _ in range(4):
        make_teacher(db)
    code, out, _ = run(capsys, "backup", "create")
    assert code == 0, out
    assert "verified" in out and "documents" in out
    backup_id = out.split()[1].rstrip(":")

    code, out, _ = run(capsys, "backup", "list")
    assert code == 0 and backup_id in out and "manual (kept 30 days)" in out

    code, out, _ = run(capsys, "backup", "verify", backup_id)
    assert code == 0 and "hashes and counts match" in out

    code, out, _ = run(capsys, "backup", "restore", backup_id, "--to-db", restore_db.name)
    assert code == 0, out
    assert "counts match" in out
    assert restore_db.teachers.count_documents({}) == 4
    entry = restore_db.auditlog.find_one({"action": "restore"})
    assert entry["details"]["source"] == f"backup {backup_id}"
    assert entry["actor"].startswith("cli")

    # a second restore into the now non-empty database is refused without --drop
    code, _, err = run(capsys, "backup", "restore", backup_id, "--to-db", restore_db.name)
    assert code == 1 and "not empty" in err and "--drop" in err
    code, out, _ = run(capsys, "backup", "restore", backup_id, "--to-db", restore_db.name, "--drop")
    assert code == 0 and "counts match" in out
    assert "safety backup" in out, "what the restore overwrote was backed up first"

    code, out, _ = run(capsys, "backup", "prune", "--dry-run")
    assert code == 0 and "kept 2 backups" in out


def test_restore_dump_directory_and_errors(
    db: Any, restore_db: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "fetms"
    out_dir.mkdir()
    (out_dir / "stages.bson").write_bytes(
        b"".join(bson.encode({"title": f"S{i}", "order": i}) for i in range(3))
    )
    code, out, _ = run(capsys, "backup", "restore-dump", str(out_dir), "--to-db", restore_db.name)
    assert code == 0 and "counts match" in out
    assert restore_db.stages.count_documents({}) == 3

    code, _, err = run(capsys, "backup", "verify", "not-an-id")
    assert code == 1 and "not a backup id" in err
    code, _, err = run(capsys, "backup", "verify", "20200101T000000Z")
    assert code == 1 and "not found" in err
    code, _, err = run(capsys, "backup", "restore-dump", str(tmp_path / "missing"))
    assert code == 1 and "not a directory" in err


def test_backup_help_lists_every_action(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["backup", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for action in ("create", "list", "verify", "restore", "restore-dump", "prune"):
        assert action in out


def test_seed_demo_fills_an_empty_database_once(
    db: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["seed", "--demo", "--teachers", "12"]) == 0
    assert "12 teachers" in capsys.readouterr().out
    assert db.teachers.count_documents({}) == 12
    assert db.projects.count_documents({"code": {"$in": ["TFETP", "INDEPENDENT"]}}) == 2
    assert db.teachers.count_documents({"arcDetails.expiryDate": {"$exists": True}}) == 12
    assert main(["seed", "--demo"]) == 1
    assert "already holds teachers" in capsys.readouterr().err


def test_unreachable_mongodb_is_a_clear_error_not_a_traceback(
    services: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib import db as dbmod
    from chalicelib.settings import reset_settings
    from tests.support.servers import free_port

    monkeypatch.setenv("MONGO_URI", f"mongodb://127.0.0.1:{free_port()}/?directConnection=true")
    monkeypatch.setenv("MONGO_TIMEOUT_MS", "300")
    dbmod.close_client()
    reset_settings()
    try:
        assert main(["maintenance", "status"]) == 2
        err = capsys.readouterr().err
        assert "MongoDB error: ServerSelectionTimeoutError" in err and "Traceback" not in err
    finally:
        monkeypatch.undo()
        dbmod.close_client()
        reset_settings()


def test_restore_over_the_live_database_keeps_a_safety_backup_and_newer_audit_entries(
    db: Any, backups: tuple[Any, str], capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.services import audit
    from chalicelib.services.actor import SYSTEM_ACTOR

    make_teacher(db, firstName="Before")
    code, out, _ = run(capsys, "backup", "create", "--note", "before the drill")
    assert code == 0, out
    backup_id = out.split()[1].rstrip(":")
    later = make_teacher(db, firstName="After")
    audit.record(db, SYSTEM_ACTOR, "create", "teachers", later["_id"])

    code, out, _ = run(capsys, "backup", "restore", backup_id, "--drop")
    assert code == 0, out
    safety_id = out.split("safety backup ", 1)[1].split()[0]
    assert {t["firstName"] for t in db.teachers.find()} == {"Before"}
    assert db.auditlog.find_one({"entityId": str(later["_id"])}) is not None, "not rolled back"
    entry = db.auditlog.find_one({"action": "restore"})
    assert entry["details"]["safetyBackup"] == safety_id
    assert entry["details"]["source"] == f"backup {backup_id}"

    code, out, _ = run(capsys, "backup", "list")
    listed = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "safety" in listed[safety_id] and "before restoring" in listed[safety_id]
    assert "before the drill" in listed[backup_id]

    code, out, _ = run(capsys, "backup", "restore", safety_id, "--drop")
    assert code == 0, out
    assert {t["firstName"] for t in db.teachers.find()} == {"Before", "After"}
    restores = db.auditlog.count_documents({"action": "restore"})
    assert restores == 2, "both restores are in the (never rolled back) audit log"
