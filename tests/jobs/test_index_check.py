"""The index check: registry vs database, as a job (log + EMF) and as ``fetms indexes``."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from chalicelib.db import INDEXES, IndexRegistry, IndexSpec, ensure_indexes
from chalicelib.jobs.index_check import compare_indexes, run_index_check
from fetms_cli import main


def emf_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]


def metric(lines: list[dict[str, Any]], name: str) -> float:
    values = [line[name] for line in lines if name in line]
    assert values, f"no {name} metric"
    value = values[-1]
    return float(value[0] if isinstance(value, list) else value)


def registry() -> IndexRegistry:
    reg = IndexRegistry()
    reg.add(
        "idxcheck",
        IndexSpec("a_1", (("a", 1),)),
        IndexSpec("b_unique", (("b", 1),), unique=True),
        IndexSpec("c_ci", (("c", 1),), case_insensitive=True),
    )
    return reg


@pytest.fixture
def scratch(db: Any) -> Any:
    db.drop_collection("idxcheck")
    yield db
    db.drop_collection("idxcheck")


def test_the_test_database_matches_the_shipped_registry(db: Any) -> None:
    ensure_indexes(db)
    drift = [d for d in compare_indexes(db, INDEXES) if d.problem != "extra"]
    assert drift == []


def test_missing_extra_and_mismatched_are_reported(scratch: Any) -> None:
    reg = registry()
    coll = scratch["idxcheck"]
    coll.create_index([("a", 1)], name="a_1")
    coll.create_index([("b", 1)], name="b_unique")  # not unique: mismatched
    coll.create_index([("z", -1)], name="z_-1")  # not declared: extra
    drift = {
        (d.name, d.problem): d for d in compare_indexes(scratch, reg) if d.collection == "idxcheck"
    }
    assert set(drift) == {("b_unique", "mismatched"), ("c_ci", "missing"), ("z_-1", "extra")}
    assert "unique: expected True, found False" in drift[("b_unique", "mismatched")].detail


def test_job_logs_and_emits_metrics_and_never_builds(
    scratch: Any, capsys: pytest.CaptureFixture[str], log_stream: io.StringIO
) -> None:
    reg = registry()
    scratch["idxcheck"].insert_one({"a": 1})
    result = run_index_check(scratch, reg)
    assert result["missing"] == 3
    names = {ix["name"] for ix in scratch["idxcheck"].list_indexes()}
    assert names == {"_id_"}, "the check must not build indexes"
    lines = emf_lines(capsys.readouterr().out)
    assert metric(lines, "IndexesMissing") == 3
    # Every other index of the database is extra to this test registry.
    others = sum(
        len([ix for ix in scratch[name].list_indexes() if ix["name"] != "_id_"])
        for name in scratch.list_collection_names()
        if name != "idxcheck" and not name.startswith("system.")
    )
    assert others > 0
    assert metric(lines, "IndexesExtra") == others
    records = [json.loads(x) for x in log_stream.getvalue().splitlines() if x]
    assert any(r["message"] == "index drift" and r.get("index") == "c_ci" for r in records)


def test_cli_check_and_ensure(db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    db.teachers.drop_index("pipeline")
    assert main(["indexes", "check"]) == 1
    out = capsys.readouterr().out
    assert "missing     teachers.pipeline" in out
    assert main(["indexes", "ensure"]) == 0
    assert "created teachers.pipeline" in capsys.readouterr().out
    code = main(["indexes", "check"])
    out = capsys.readouterr().out
    assert "missing" not in out.split("\n")[0] or code == 0
