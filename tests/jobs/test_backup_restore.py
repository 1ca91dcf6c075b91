"""Backups round-tripped against SecantusDB and the S3 endpoint; restore drill; crash recovery."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import bson
import pytest
from bson import Binary, Decimal128, Int64, ObjectId
from bson.raw_bson import RawBSONDocument

from chalicelib.jobs import backup, dumpformat, restore
from chalicelib.jobs.retention import Policy
from tests.support.factories import FIXED_NOW, make_project, make_school, make_teacher


def clock(start: datetime = FIXED_NOW) -> Any:
    moments = iter(start + timedelta(seconds=i) for i in range(10_000))
    return lambda: next(moments)


def seed(db: Any, teachers: int = 25) -> None:
    school = make_school(db)
    project = make_project(db)
    for i in range(teachers):
        make_teacher(
            db,
            school=school["_id"],
            project=project["_id"],
            remarks="備註 " * (i % 3),
            contractDetails={"salary": Decimal128(Decimal("65000.50")), "seniority": Int64(i)},
            passportDetails={"expiryDate": FIXED_NOW + timedelta(days=i), "number": f"P{i:05d}"},
            otherDocuments=[{"_id": ObjectId(), "name": "scan", "blob": Binary(b"\x00\x01")}],
        )
    db.stages.insert_many([{"title": f"Stage {i}", "order": i} for i in range(3)])


def raw_by_id(db: Any, name: str) -> dict[Any, bytes]:
    coll = db.get_collection(name, codec_options=dumpformat.RAW)
    return {doc["_id"]: doc.raw for doc in coll.find({})}


def index_view(db: Any, name: str) -> dict[str, Any]:
    return {
        ix["name"]: (
            list(ix["key"].items()),
            bool(ix.get("unique")),
            ix.get("partialFilterExpression"),
        )
        for ix in db[name].list_indexes()
    }


def test_backup_writes_mongodump_layout_and_manifest(
    db: Any, backups: tuple[Any, str], tmp_path: Path
) -> None:
    s3, bucket = backups
    seed(db)
    manifest = backup.create_backup(db, s3, bucket, app_version="9.9.9", now=clock())
    assert manifest["id"] == "20260615T120000Z"
    assert manifest["appVersion"] == "9.9.9"
    assert manifest["startedAt"] == "2026-06-15T12:00:00Z"
    counts = {c["name"]: c["count"] for c in manifest["collections"]}
    assert counts["teachers"] == 25 and counts["stages"] == 3 and counts["schools"] == 1

    archive = tmp_path / "a.tar.gz"
    s3.download_file(bucket, manifest["archive"]["key"], str(archive))
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        tar.extractall(tmp_path / "x", filter="data")
    assert names[-1] == "manifest.json"
    assert "fetms_test/teachers.bson" in names
    assert "fetms_test/teachers.metadata.json" in names
    # valid BSON, documents byte-identical to the database
    with (tmp_path / "x/fetms_test/teachers.bson").open("rb") as handle:
        docs = list(bson.decode_file_iter(handle, codec_options=dumpformat.RAW))
    assert {d["_id"]: d.raw for d in docs} == raw_by_id(db, "teachers")
    # metadata: plain JSON (extended JSON canonical), mongorestore's keys
    meta = json.loads((tmp_path / "x/fetms_test/teachers.metadata.json").read_text())
    assert meta["collectionName"] == "teachers" and meta["type"] == "collection"
    assert isinstance(meta["options"], dict)
    names_in_meta = {ix["name"] for ix in meta["indexes"]}
    assert {"_id_", "email_unique_active", "pipeline"} <= names_in_meta
    for ix in meta["indexes"]:
        assert set(ix) >= {"key", "name"}


def test_verify_detects_a_tampered_archive(db: Any, backups: tuple[Any, str]) -> None:
    s3, bucket = backups
    seed(db, teachers=3)
    manifest = backup.create_backup(db, s3, bucket, app_version="1", now=clock())
    report = backup.verify_backup(s3, bucket, manifest["id"])
    assert report.ok, report.problems
    assert report.documents == manifest["totals"]["documents"]

    # rewrite the archive with one document fewer in teachers.bson, keep the manifest
    key = manifest["archive"]["key"]
    original = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(original)) as src,
        tarfile.open(fileobj=out, mode="w:gz") as dst,
    ):
        for member in src:
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.endswith("teachers.bson"):
                first = bson.decode_file_iter(io.BytesIO(data), codec_options=dumpformat.RAW)
                data = b"".join(d.raw for d in list(first)[1:])
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    s3.put_object(Bucket=bucket, Key=key, Body=out.getvalue())
    tampered = backup.verify_backup(s3, bucket, manifest["id"])
    assert not tampered.ok
    assert any("does not match its manifest" in p for p in tampered.problems)

    # the manifest updated for the new archive hash: file-level checks catch it
    manifest["archive"]["size"] = len(out.getvalue())
    manifest["archive"]["sha256"] = __import__("hashlib").sha256(out.getvalue()).hexdigest()
    s3.put_object(Bucket=bucket, Key=backup.manifest_key(manifest["id"]), Body=json.dumps(manifest))
    again = backup.verify_backup(s3, bucket, manifest["id"])
    assert any("teachers.bson" in p for p in again.problems)


def test_restore_drill_every_document_and_index(
    db: Any, backups: tuple[Any, str], restore_db: Any
) -> None:
    s3, bucket = backups
    seed(db)
    db.drop_collection("drillempty")
    db.create_collection("drillempty")  # an empty collection is restored too
    manifest = backup.create_backup(db, s3, bucket, app_version="1", now=clock())
    report = restore.restore_backup(db.client, s3, bucket, manifest["id"], restore_db.name)
    assert report.ok and not report.resumed
    assert "drillempty" in restore_db.list_collection_names()
    assert {r.collection for r in report.rows} >= {"teachers", "schools", "projects", "stages"}
    for row in report.rows:
        assert raw_by_id(restore_db, row.collection) == raw_by_id(db, row.collection)
        assert index_view(restore_db, row.collection) == index_view(db, row.collection)
    assert restore.unfinished_restore(restore_db) is None
    assert "fetmsrestore" not in restore_db.list_collection_names()
    db.drop_collection("drillempty")


def test_restore_refuses_a_non_empty_target_without_drop(
    db: Any, backups: tuple[Any, str], restore_db: Any
) -> None:
    s3, bucket = backups
    seed(db, teachers=2)
    manifest = backup.create_backup(db, s3, bucket, app_version="1", now=clock())
    restore_db.teachers.insert_one({"firstName": "Existing"})
    with pytest.raises(restore.RestoreRefused, match="not empty"):
        restore.restore_backup(db.client, s3, bucket, manifest["id"], restore_db.name)
    assert restore_db.teachers.count_documents({}) == 1
    report = restore.restore_backup(
        db.client, s3, bucket, manifest["id"], restore_db.name, drop=True
    )
    assert report.ok
    assert restore_db.teachers.count_documents({"firstName": "Existing"}) == 0


def test_crash_mid_restore_leaves_a_clear_state_a_rerun_completes(
    db: Any,
    backups: tuple[Any, str],
    restore_db: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    s3, bucket = backups
    seed(db)
    manifest = backup.create_backup(db, s3, bucket, app_version="1", now=clock())
    real = dumpformat.iter_bson_file

    def dying(handle: Any) -> Iterator[RawBSONDocument]:
        for n, doc in enumerate(real(handle)):
            if "firstName" in doc and n == 7:
                raise RuntimeError("simulated crash")
            yield doc

    monkeypatch.setattr(dumpformat, "iter_bson_file", dying)
    with pytest.raises(RuntimeError):
        restore.restore_backup(db.client, s3, bucket, manifest["id"], restore_db.name, batch_size=3)
    state = restore.unfinished_restore(restore_db)
    assert state is not None and state["source"] == f"backup {manifest['id']}"
    assert "teachers" not in state["done"]
    assert 0 < restore_db.teachers.count_documents({}) < 25

    # another restore is refused with a message naming the unfinished one
    with pytest.raises(restore.RestoreRefused, match="unfinished restore"):
        restore.restore_directory(db.client, tmp_path, restore_db.name)

    monkeypatch.setattr(dumpformat, "iter_bson_file", real)
    report = restore.restore_backup(db.client, s3, bucket, manifest["id"], restore_db.name)
    assert report.resumed and report.ok
    assert raw_by_id(restore_db, "teachers") == raw_by_id(db, "teachers")
    assert restore.unfinished_restore(restore_db) is None


MONGODUMP_100_METADATA = (
    '{"indexes":[{"v":{"$numberInt":"2"},"key":{"_id":{"$numberInt":"1"}},"name":"_id_"},'
    '{"v":{"$numberInt":"2"},"key":{"code":{"$numberInt":"1"}},"name":"code_1","unique":true}],'
    '"uuid":"0b7e4c4a9a2d4f0e8c5b1d2e3f4a5b6c","collectionName":"projects","type":"collection"}'
)
MONGODUMP_3X_METADATA = (
    '{"options":{},"indexes":[{"v":2,"key":{"_id":1},"name":"_id_","ns":"fetms.stages"},'
    '{"v":2,"key":{"order":1},"name":"order_1","ns":"fetms.stages"}]}'
)


def test_restore_reads_a_mongodump_directory(db: Any, restore_db: Any, tmp_path: Path) -> None:
    """The layout mongodump writes (metadata of mongodump 100.x and 3.x) restores with our code."""
    out = tmp_path / "dump" / "fetms"
    out.mkdir(parents=True)
    projects = [
        {"_id": ObjectId(), "code": "TFETP", "name": "Program", "createdAt": FIXED_NOW},
        {"_id": ObjectId(), "code": "INDEPENDENT", "name": "Independent", "createdAt": FIXED_NOW},
    ]
    stages = [{"_id": ObjectId(), "title": f"S{i}", "order": i} for i in range(4)]
    (out / "projects.bson").write_bytes(b"".join(bson.encode(p) for p in projects))
    (out / "projects.metadata.json").write_text(MONGODUMP_100_METADATA)
    (out / "stages.bson").write_bytes(b"".join(bson.encode(s) for s in stages))
    (out / "stages.metadata.json").write_text(MONGODUMP_3X_METADATA)
    (tmp_path / "dump" / "prelude.json").write_text("{}")

    report = restore.restore_directory(db.client, out, restore_db.name)
    assert report.ok
    assert {(r.collection, r.expected) for r in report.rows} == {("projects", 2), ("stages", 4)}
    restored = {p["code"]: p for p in restore_db.projects.find({})}
    assert restored["TFETP"]["createdAt"] == FIXED_NOW.replace(tzinfo=UTC)
    ix = {i["name"]: i for i in restore_db.projects.list_indexes()}
    assert ix["code_1"]["unique"] is True
    assert "order_1" in {i["name"] for i in restore_db.stages.list_indexes()}


def test_prune_applies_the_retention_policy_to_the_bucket(
    db: Any, backups: tuple[Any, str]
) -> None:
    s3, bucket = backups
    db.stages.insert_one({"title": "x", "order": 0})
    start = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
    for day in range(10):
        moment = start + timedelta(days=day)
        backup.create_backup(
            db, s3, bucket, app_version="1", kind=backup.SCHEDULED, now=clock(moment)
        )
    # Manual backups later the same days never displace a nightly one from the policy.
    for day in (8, 9):
        moment = start + timedelta(days=day, hours=10)
        backup.create_backup(db, s3, bucket, app_version="1", kind=backup.MANUAL, now=clock(moment))
    manual = ["20260110T120000Z", "20260109T120000Z"]
    nightly = ["20260110T020000Z", "20260109T020000Z", "20260108T020000Z"]
    policy = Policy(daily=3, weekly=0, monthly=0)
    now = start + timedelta(days=12)
    kept, deleted = backup.prune_backups(s3, bucket, policy, keep_other_days=30, now=now)
    assert kept == [
        manual[0],
        "20260110T020000Z",
        manual[1],
        "20260109T020000Z",
        "20260108T020000Z",
    ]
    assert len(deleted) == 7
    assert [m["id"] for m in backup.list_backups(s3, bucket)] == kept
    # Past their own period, manual backups go; the nightly ones stay by the policy.
    later = start + timedelta(days=45)
    kept, deleted = backup.prune_backups(s3, bucket, policy, keep_other_days=30, now=later)
    assert deleted == manual
    assert kept == nightly


def test_backup_and_restore_memory_stays_bounded(
    db: Any, backups: tuple[Any, str], restore_db: Any
) -> None:
    """~8 MB of documents go through with a peak far below the data size (streamed in batches)."""
    import tracemalloc

    s3, bucket = backups
    blob = "x" * 4000
    db.bulk.insert_many([{"n": i, "blob": blob} for i in range(2000)])
    tracemalloc.start()
    try:
        manifest = backup.create_backup(
            db, s3, bucket, app_version="1", now=clock(), batch_size=100
        )
        _, backup_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        restore.restore_backup(
            db.client, s3, bucket, manifest["id"], restore_db.name, batch_size=100
        )
        _, restore_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        db.drop_collection("bulk")
    data_size = 2000 * 4000
    assert backup_peak < data_size / 3, backup_peak
    assert restore_peak < data_size / 3, restore_peak
    assert restore_db.bulk.count_documents({}) == 2000
