"""``fetms import``: the operators' import (dry run, apply, list, show, undo) on the real stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fetms_cli import main
from tests.support.sheets import csv_bytes, xlsx_bytes


def write(path: Path, rows: list[list[Any]], *, xlsx: bool = False) -> Path:
    path.write_bytes(xlsx_bytes(rows) if xlsx else csv_bytes(rows, "cp950"))
    return path


def test_cli_dry_run_apply_show_and_undo(
    db: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [["email", "firstName", "lastName", "personalInfo.chineseName"]]
    rows += [[f"t{i}@example.org", f"T{i}", "Cli", "王小明"] for i in range(12)]
    sheet = write(tmp_path / "teachers.csv", rows)

    assert main(["import", "teachers", str(sheet), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Dry run (nothing written): 12 create" in out
    assert db.teachers.count_documents({}) == 0

    assert main(["import", "teachers", str(sheet)]) == 0
    out = capsys.readouterr().out
    assert "Import successful: 12 create" in out and "undo with: fetms import undo" in out
    import_id = out.split("undo with: fetms import undo ")[1].split()[0]
    assert db.teachers.find_one({})["personalInfo"]["chineseName"] == "王小明"
    entry = db.auditlog.find_one({"action": "import.apply"})
    assert entry["actor"] and entry["details"]["create"] == 12

    assert main(["import", "list"]) == 0
    listed = capsys.readouterr().out
    assert import_id in listed and "applied" in listed and "teachers.csv" in listed
    assert main(["import", "show", import_id]) == 0
    assert "applied: {'rows': 12, 'create': 12" in capsys.readouterr().out

    assert main(["import", "undo", import_id]) == 0
    assert "12 removed, 0 restored" in capsys.readouterr().out
    assert db.teachers.count_documents({}) == 0
    assert main(["import", "undo", import_id]) == 1
    assert "undone" in capsys.readouterr().out


def test_cli_reports_row_errors_and_writes_nothing(
    db: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [["Chinese name", "English name", "Contact email"], ["光復國小", "Guangfu", ""]]
    rows += [["", "Nameless", ""], ["新竹國小", "=1+2", ""]]
    sheet = write(tmp_path / "schools.xlsx", rows, xlsx=True)
    assert main(["import", "schools", str(sheet), "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert "row 3, Chinese name: required: it identifies the row" in out
    assert "row 4, English name:" in out
    assert main(["import", "schools", str(sheet)]) == 1
    assert "refused: 2 of 3 rows have errors; nothing was imported" in capsys.readouterr().out
    assert db.schools.count_documents({}) == 0
    assert main(["import", "schools", str(sheet), "--on-error", "skip"]) == 0
    assert db.schools.count_documents({}) == 1
    assert main(["import", "schools", str(tmp_path / "missing.csv")]) == 1
