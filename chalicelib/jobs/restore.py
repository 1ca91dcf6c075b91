"""Restore a backup (or any mongodump directory) into a target database.

Rules:
- a target holding documents is refused unless ``drop`` is given (then every collection of the
  dump is dropped before it is loaded; other collections are left alone);
- a restore records its progress in the target's ``fetmsrestore`` collection: if it stops half
  way (crash, timeout), that record names the source and the collections already loaded; any
  other restore into that database is refused with a message naming it, and rerunning the same
  restore completes it (the collection that was being loaded is dropped and loaded again); the
  record is removed at the end;
- indexes are recreated from the metadata files; the counts are compared with the dump's;
- the audit log is append-only, so a restore never rolls it back: the backup's entries are merged
  into the target's (those already there are skipped) and every entry written after the backup
  stays;
- before a restore overwrites a database that holds data, ``safety_backup`` takes a backup of it
  (kind ``safety``), listed and restorable like any other.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pymongo import MongoClient
from pymongo.errors import BulkWriteError, DuplicateKeyError

from chalicelib.db import AUDIT_LOG, Db, Document
from chalicelib.jobs import backup, dumpformat
from chalicelib.observability import logger

STATE_COLLECTION = dumpformat.RESTORE_STATE_COLLECTION
STATE_ID = "restore"

CollectionDone = Callable[[str, int], None]


class RestoreRefused(Exception):
    """The target cannot be restored into as asked (not empty, or another restore unfinished)."""


@dataclass
class CountRow:
    collection: str
    expected: int
    restored: int

    @property
    def ok(self) -> bool:
        return self.expected == self.restored


@dataclass
class RestoreReport:
    source: str
    target_db: str
    resumed: bool = False
    rows: list[CountRow] = field(default_factory=list)
    indexes_created: int = 0

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)


def unfinished_restore(db: Db) -> Document | None:
    """The progress record of a restore that did not finish in ``db``, if any."""
    return db[STATE_COLLECTION].find_one({"_id": STATE_ID})


def _non_empty_collections(db: Db) -> list[str]:
    return [
        name for name in dumpformat.user_collections(db) if db[name].estimated_document_count() > 0
    ]


def restore_directory(
    client: MongoClient[Document],
    db_dir: Path,
    target_db: str,
    *,
    drop: bool = False,
    source: str | None = None,
    expected_counts: dict[str, int] | None = None,
    batch_size: int = 500,
    on_collection: CollectionDone | None = None,
) -> RestoreReport:
    """Load one database directory of a mongodump (``<out>/<db>``) into ``target_db``."""
    label = source or str(db_dir)
    target = client[target_db]
    dump = dumpformat.read_dump_directory(db_dir)
    state = unfinished_restore(target)
    resumed = False
    done: set[str] = set()
    if state is not None and state.get("source") == label:
        resumed = True
        done = set(state.get("done") or [])
        logger.warning(
            "resuming an unfinished restore",
            extra={"source": label, "targetDb": target_db, "alreadyLoaded": sorted(done)},
        )
    elif state is not None and not drop:
        raise RestoreRefused(
            f"database '{target_db}' holds an unfinished restore of {state.get('source')} "
            f"(started {state.get('startedAt')}); rerun that restore, or pass --drop to replace it"
        )
    else:
        busy = _non_empty_collections(target)
        if busy and not drop:
            raise RestoreRefused(
                f"database '{target_db}' is not empty ({', '.join(busy)}); "
                "pass --drop to replace the collections of the backup, or restore into another "
                "database with --to-db"
            )
        marker = {"_id": STATE_ID, "source": label, "startedAt": datetime.now(UTC), "done": []}
        if state is not None:  # an unfinished restore of something else, replaced (--drop)
            target[STATE_COLLECTION].replace_one({"_id": STATE_ID}, marker)
        else:
            try:
                target[STATE_COLLECTION].insert_one(marker)
            except DuplicateKeyError as exc:
                raise RestoreRefused(
                    f"another restore into '{target_db}' has just started; let it finish"
                ) from exc

    report = RestoreReport(source=label, target_db=target_db, resumed=resumed)
    counted: dict[str, int] = {}
    for item in dump:
        if item.name in done or item.name == STATE_COLLECTION:
            continue
        merge = item.name == AUDIT_LOG
        if not merge:
            target.drop_collection(item.name)
        if item.name not in target.list_collection_names():
            options = dict(item.metadata.get("options") or {})
            target.command({"create": item.name, **options})  # empty collections exist too
        collection = target.get_collection(item.name, codec_options=dumpformat.RAW)
        load = _merge_batch if merge else _insert_batch
        loaded = 0
        with item.bson_path.open("rb") as handle:
            batch: list[Any] = []
            for document in dumpformat.iter_bson_file(handle):
                batch.append(document)
                if len(batch) >= batch_size:
                    loaded += load(collection, batch)
                    batch = []
            if batch:
                loaded += load(collection, batch)
        specs = dumpformat.index_specs_for_restore(item.metadata)
        if specs:
            target.command({"createIndexes": item.name, "indexes": specs})
            report.indexes_created += len(specs)
        counted[item.name] = loaded
        target[STATE_COLLECTION].update_one({"_id": STATE_ID}, {"$addToSet": {"done": item.name}})
        if on_collection is not None:
            on_collection(item.name, loaded)

    expected = expected_counts or {}
    for item in dump:
        if item.name == STATE_COLLECTION:
            continue
        want = expected.get(item.name, counted.get(item.name))
        if want is None:
            want = dumpformat.count_bson_file(item.bson_path)
        if item.name == AUDIT_LOG:  # merged: the backup's entries are all there, and newer ones
            present = counted.get(item.name, want)
        else:
            present = target[item.name].count_documents({})
        report.rows.append(CountRow(item.name, want, present))
    target.drop_collection(STATE_COLLECTION)
    logger.info(
        "restore finished",
        extra={
            "source": label,
            "targetDb": target_db,
            "collections": len(report.rows),
            "countsMatch": report.ok,
            "resumed": resumed,
        },
    )
    return report


def _insert_batch(collection: Any, batch: list[Any]) -> int:
    collection.insert_many(batch, ordered=True)
    return len(batch)


def _merge_batch(collection: Any, batch: list[Any]) -> int:
    """Insert the entries not present yet; return how many of the batch are now present."""
    try:
        collection.insert_many(batch, ordered=False)
    except BulkWriteError as exc:
        others = [e for e in exc.details.get("writeErrors", []) if e.get("code") != 11000]
        if others:
            raise
    return len(batch)


def safety_backup(
    client: MongoClient[Document],
    s3: Any,
    bucket: str,
    target_db: str,
    *,
    source: str,
    app_version: str,
) -> Document | None:
    """Back up ``target_db`` before a restore of ``source`` overwrites it; None when there is
    nothing to lose (empty target) or when this restore is being resumed (its safety backup was
    taken by the first attempt)."""
    target = client[target_db]
    state = unfinished_restore(target)
    if state is not None and state.get("source") == source:
        return None
    if not _non_empty_collections(target):
        return None
    return backup.create_backup(
        target,
        s3,
        bucket,
        app_version=app_version,
        kind=backup.SAFETY,
        note=f"before restoring {source} into {target_db}",
    )


def restore_backup(
    client: MongoClient[Document],
    s3: Any,
    bucket: str,
    backup_id: str,
    target_db: str,
    *,
    drop: bool = False,
    workdir: str | None = None,
    batch_size: int = 500,
    on_collection: CollectionDone | None = None,
) -> RestoreReport:
    """Download, check and extract backup ``backup_id``, then restore it into ``target_db``."""
    manifest = backup.get_manifest(s3, bucket, backup_id)
    with tempfile.TemporaryDirectory(prefix="fetms-restore-", dir=workdir) as tmp:
        tmpdir = Path(tmp)
        archive = backup.download_archive(s3, bucket, manifest, tmpdir / "archive.tar.gz")
        extracted = tmpdir / "dump"
        extracted.mkdir()
        backup.extract_archive(archive, extracted)
        archive.unlink()
        expected = {str(c["name"]): int(c["count"]) for c in manifest.get("collections", [])}
        return restore_directory(
            client,
            extracted / str(manifest["database"]),
            target_db,
            drop=drop,
            source=f"backup {backup_id}",
            expected_counts=expected,
            batch_size=batch_size,
            on_collection=on_collection,
        )
