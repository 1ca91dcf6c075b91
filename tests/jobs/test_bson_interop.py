"""Interchange with MongoDB's Go BSON library (the one mongodump/mongorestore are built on).

MongoDB's database tools cannot be fetched on the build machines (the Go module proxy refuses
github.com/mongodb/mongo-tools), so ``tools/bsoncheck`` — a small Go program on
go.mongodb.org/mongo-driver/bson that reads ``.bson`` files and ``.metadata.json`` the way
mongorestore does and writes them the way mongodump does — stands in for them. The Go toolchain
is part of the build machines (and `.ci/run` checks for it).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from bson import Decimal128, Int64, ObjectId

from chalicelib.jobs import backup, restore
from tests.support.factories import FIXED_NOW, make_project, make_school, make_teacher

BUILD = Path(__file__).resolve().parents[2] / "tools" / "bsoncheck" / "build.sh"


@pytest.fixture(scope="module")
def bsoncheck() -> str:
    assert shutil.which("go"), "a Go toolchain is required to build tools/bsoncheck"
    built = subprocess.run([str(BUILD)], capture_output=True, text=True, timeout=600, check=False)
    assert built.returncode == 0, built.stderr
    return built.stdout.strip().splitlines()[-1]


def test_our_backup_reads_with_the_go_bson_library(
    bsoncheck: str, db: Any, backups: tuple[Any, str], tmp_path: Path
) -> None:
    s3, bucket = backups
    make_school(db)
    make_project(db)
    for i in range(5):
        make_teacher(db, contractDetails={"salary": Decimal128("70000.5"), "years": Int64(i)})
    moments = iter([FIXED_NOW, FIXED_NOW])
    manifest = backup.create_backup(db, s3, bucket, app_version="1", now=lambda: next(moments))
    archive = tmp_path / "a.tar.gz"
    s3.download_file(bucket, manifest["archive"]["key"], str(archive))
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "out", filter="data")

    result = subprocess.run(
        [bsoncheck, "read", str(tmp_path / "out" / db.name)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)["collections"]
    for coll in manifest["collections"]:
        assert seen[coll["name"]]["count"] == coll["count"]
        assert seen[coll["name"]]["type"] == "collection"
        assert set(seen[coll["name"]]["indexes"]) == {
            ix["name"] for ix in db[coll["name"]].list_indexes()
        }


def test_a_dump_written_by_the_go_bson_library_restores(
    bsoncheck: str, db: Any, restore_db: Any, tmp_path: Path
) -> None:
    out = tmp_path / "dump" / "shop"
    subprocess.run([bsoncheck, "write", str(out)], check=True, capture_output=True)
    report = restore.restore_directory(db.client, out, restore_db.name)
    assert report.ok and [(r.collection, r.restored) for r in report.rows] == [("widgets", 3)]
    first = restore_db.widgets.find_one({"sku": "W-1"})
    assert isinstance(first["_id"], ObjectId)
    assert first["price"] == Decimal128("19.99")
    assert first["madeAt"] == datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
    assert first["stock"] == 1 << 40 and first["name"] == "小工具"
    assert restore_db.widgets.find_one({"_id": "string-id"})["gone"] is None
    indexes = {ix["name"]: ix for ix in restore_db.widgets.list_indexes()}
    assert indexes["sku_1"]["unique"] is True
