"""Database backups: mongodump directory format, tar.gz, manifest, uploaded to the backups bucket.

Layout of ``backups/<id>/`` in the bucket:

- ``fetms-<db>-<id>.tar.gz``: ``<db>/<collection>.bson`` + ``<db>/<collection>.metadata.json`` for
  every collection (what ``mongodump --out`` writes) and ``manifest.json`` last;
- ``manifest.json``: the same manifest plus the archive's own size and SHA-256. It is written
  last, so a backup without it is incomplete and is neither listed nor restored.

Documents are streamed from a cursor in batches into a temporary ``.bson`` file, then into the
archive, then the archive is uploaded with a multipart transfer: memory stays bounded whatever the
data size (disk use is one collection plus the compressed archive).
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from chalicelib.db import Db, Document
from chalicelib.jobs import dumpformat
from chalicelib.jobs.retention import Policy, reasons
from chalicelib.observability import logger

FORMAT = "fetms-backup/1"
PREFIX = "backups/"
SCHEDULED = "scheduled"  # the nightly job: daily/weekly/monthly retention
MANUAL = "manual"  # fetms backup create
SAFETY = "safety"  # taken by a restore of what it is about to overwrite
PRE_MIGRATION = "pre-migration"  # taken by fetms migrate up/down
KINDS = (SCHEDULED, MANUAL, SAFETY, PRE_MIGRATION)
DEFAULT_KEEP_OTHER_DAYS = 30
MANIFEST_NAME = "manifest.json"
ID_FORMAT = "%Y%m%dT%H%M%SZ"

CollectionDone = Callable[[str, int], None]
# Multipart transfers in 8 MB parts, 4 at a time: at most ~32 MB of buffers whatever the size.
TRANSFER = TransferConfig(
    multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024, max_concurrency=4
)


class BackupError(Exception):
    """A backup that cannot be found, read or trusted."""


def backup_id_for(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(ID_FORMAT)


def parse_backup_id(backup_id: str) -> datetime:
    try:
        return datetime.strptime(backup_id, ID_FORMAT).replace(tzinfo=UTC)
    except ValueError as exc:
        raise BackupError(
            f"'{backup_id}' is not a backup id (expected e.g. 20260615T020000Z)"
        ) from exc


def archive_key(database: str, backup_id: str) -> str:
    return f"{PREFIX}{backup_id}/fetms-{database}-{backup_id}.tar.gz"


def manifest_key(backup_id: str) -> str:
    return f"{PREFIX}{backup_id}/{MANIFEST_NAME}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(mtime)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def create_backup(
    db: Db,
    s3: Any,
    bucket: str,
    *,
    app_version: str,
    kind: str = MANUAL,
    note: str | None = None,
    now: Callable[[], datetime] | None = None,
    workdir: str | None = None,
    batch_size: int = 500,
    on_collection: CollectionDone | None = None,
) -> Document:
    """Dump every collection of ``db``, upload the archive and its manifest; return the manifest.

    ``kind`` (``scheduled``, ``manual``, ``safety``, ``pre-migration``) decides its retention:
    only scheduled backups follow the daily/weekly/monthly policy, the others are kept for
    ``BACKUP_KEEP_OTHER_DAYS``.
    """
    if kind not in KINDS:
        raise BackupError(f"unknown backup kind {kind!r}; use one of {', '.join(KINDS)}")
    clock = now or (lambda: datetime.now(UTC))
    started = clock()
    backup_id = _free_backup_id(s3, bucket, started)
    database = db.name
    collections: list[Document] = []
    with tempfile.TemporaryDirectory(prefix="fetms-backup-", dir=workdir) as tmp:
        tmpdir = Path(tmp)
        archive_path = tmpdir / "archive.tar.gz"
        mtime = started.timestamp()
        with tarfile.open(archive_path, "w:gz") as tar:
            for name in dumpformat.user_collections(db):
                meta_bytes = dumpformat.dump_metadata(dumpformat.collection_metadata(db, name))
                meta_path = f"{database}/{name}{dumpformat.METADATA_SUFFIX}"
                _add_bytes(tar, meta_path, meta_bytes, mtime)
                bson_file = tmpdir / "collection.bson"
                with bson_file.open("wb") as out:
                    count, _ = dumpformat.write_collection(db, name, out, batch_size=batch_size)
                size, digest = dumpformat.hash_file(bson_file)
                bson_path = f"{database}/{name}{dumpformat.BSON_SUFFIX}"
                tar.add(str(bson_file), arcname=bson_path, recursive=False)
                bson_file.unlink()
                meta_file = dumpformat.DumpedFile(
                    meta_path, len(meta_bytes), _sha256(meta_bytes)
                ).as_dict()
                collections.append(
                    {
                        "name": name,
                        "count": count,
                        "bson": dumpformat.DumpedFile(bson_path, size, digest, count).as_dict(),
                        "metadata": meta_file,
                    }
                )
                if on_collection is not None:
                    on_collection(name, count)
            finished = clock()
            manifest: Document = {
                "format": FORMAT,
                "id": backup_id,
                "database": database,
                "appVersion": app_version,
                "kind": kind,
                "note": note,
                "startedAt": _iso(started),
                "finishedAt": _iso(finished),
                "collections": collections,
                "totals": {
                    "collections": len(collections),
                    "documents": sum(c["count"] for c in collections),
                    "bsonBytes": sum(c["bson"]["size"] for c in collections),
                },
            }
            _add_bytes(tar, MANIFEST_NAME, dumpformat.pretty_json(manifest), mtime)
        archive_size, archive_digest = dumpformat.hash_file(archive_path)
        key = archive_key(database, backup_id)
        s3.upload_file(
            str(archive_path),
            bucket,
            key,
            ExtraArgs={"ContentType": "application/gzip", "Metadata": {"sha256": archive_digest}},
            Config=TRANSFER,
        )
    manifest["archive"] = {"key": key, "size": archive_size, "sha256": archive_digest}
    s3.put_object(
        Bucket=bucket,
        Key=manifest_key(backup_id),
        Body=dumpformat.pretty_json(manifest),
        ContentType="application/json",
    )
    logger.info(
        "backup created",
        extra={
            "backupId": backup_id,
            "collections": len(collections),
            "documents": manifest["totals"]["documents"],
            "archiveBytes": archive_size,
        },
    )
    return manifest


def _free_backup_id(s3: Any, bucket: str, started: datetime) -> str:
    """The id for ``started``, moved on by a second while a backup already has it."""
    moment = started
    for _ in range(60):
        candidate = backup_id_for(moment)
        try:
            s3.head_object(Bucket=bucket, Key=manifest_key(candidate))
        except ClientError:
            return candidate
        moment = moment + timedelta(seconds=1)
    raise BackupError("no free backup id: too many backups started in the same minute")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def list_backups(s3: Any, bucket: str) -> list[Document]:
    """Complete backups (those with a manifest), newest first."""
    manifests: list[Document] = []
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=PREFIX):
        for item in page.get("Contents", []):
            key = str(item["Key"])
            if key.endswith("/" + MANIFEST_NAME):
                manifests.append(_read_json(s3, bucket, key))
    manifests.sort(key=lambda m: str(m.get("id")), reverse=True)
    return manifests


def get_manifest(s3: Any, bucket: str, backup_id: str) -> Document:
    parse_backup_id(backup_id)
    try:
        return _read_json(s3, bucket, manifest_key(backup_id))
    except ClientError as exc:
        raise BackupError(f"backup {backup_id} not found (no manifest in {bucket})") from exc


def _read_json(s3: Any, bucket: str, key: str) -> Document:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    loaded: Document = json.loads(body)
    return loaded


def download_archive(s3: Any, bucket: str, manifest: Document, dest: Path) -> Path:
    """Download the archive of ``manifest`` to ``dest`` and check its size and SHA-256."""
    key = str(manifest["archive"]["key"])
    try:
        s3.download_file(bucket, key, str(dest), Config=TRANSFER)
    except ClientError as exc:
        raise BackupError(f"archive {key} cannot be downloaded") from exc
    size, digest = dumpformat.hash_file(dest)
    if size != manifest["archive"]["size"] or digest != manifest["archive"]["sha256"]:
        raise BackupError(f"archive {key} does not match its manifest (size or SHA-256 differ)")
    return dest


def extract_archive(archive: Path, dest: Path) -> Document:
    """Extract a backup archive into ``dest``; return the manifest stored inside it."""
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile() or member.name.startswith("/") or ".." in member.name:
                raise BackupError(f"unexpected entry in archive: {member.name}")
        tar.extractall(dest, filter="data")
    manifest_path = dest / MANIFEST_NAME
    if not manifest_path.exists():
        raise BackupError("the archive holds no manifest.json")
    loaded: Document = json.loads(manifest_path.read_bytes())
    return loaded


@dataclass
class VerifyReport:
    backup_id: str
    problems: list[str] = field(default_factory=list)
    checked_files: int = 0
    documents: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_backup(
    s3: Any,
    bucket: str,
    backup_id: str,
    *,
    workdir: str | None = None,
    on_collection: CollectionDone | None = None,
) -> VerifyReport:
    """Re-read the archive: archive hash, every file's size/SHA-256, every BSON document, counts."""
    manifest = get_manifest(s3, bucket, backup_id)
    report = VerifyReport(backup_id=backup_id)
    with tempfile.TemporaryDirectory(prefix="fetms-verify-", dir=workdir) as tmp:
        archive = Path(tmp) / "archive.tar.gz"
        try:
            download_archive(s3, bucket, manifest, archive)
        except BackupError as exc:
            report.problems.append(str(exc))
            return report
        expected: dict[str, Document] = {}
        for coll in manifest.get("collections", []):
            expected[coll["bson"]["path"]] = coll["bson"]
            expected[coll["metadata"]["path"]] = coll["metadata"]
        seen: set[str] = set()
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if member.name == MANIFEST_NAME:
                    inner = tar.extractfile(member)
                    inside = json.loads(inner.read()) if inner is not None else {}
                    if inside.get("collections") != manifest.get("collections"):
                        report.problems.append(
                            "manifest.json inside the archive differs from the bucket's manifest"
                        )
                    continue
                entry = expected.get(member.name)
                if entry is None:
                    report.problems.append(f"{member.name}: not listed in the manifest")
                    continue
                seen.add(member.name)
                handle = tar.extractfile(member)
                if handle is None:
                    report.problems.append(f"{member.name}: not a file")
                    continue
                part = Path(tmp) / "member"
                with part.open("wb") as out:
                    while chunk := handle.read(dumpformat.CHUNK):
                        out.write(chunk)
                size, digest = dumpformat.hash_file(part)
                report.checked_files += 1
                if size != entry["size"] or digest != entry["sha256"]:
                    report.problems.append(f"{member.name}: size or SHA-256 differ")
                if member.name.endswith(dumpformat.BSON_SUFFIX):
                    try:
                        count = dumpformat.count_bson_file(part)
                    except Exception as exc:
                        report.problems.append(f"{member.name}: invalid BSON ({exc})")
                        continue
                    report.documents += count
                    if count != entry.get("count"):
                        report.problems.append(
                            f"{member.name}: {count} documents, manifest says {entry.get('count')}"
                        )
                    if on_collection is not None:
                        on_collection(member.name, count)
                part.unlink()
        for missing in sorted(set(expected) - seen):
            report.problems.append(f"{missing}: listed in the manifest but not in the archive")
    return report


def delete_backup(s3: Any, bucket: str, manifest: Document) -> None:
    """Delete the manifest first (the backup stops being listed), then the archive."""
    s3.delete_object(Bucket=bucket, Key=manifest_key(str(manifest["id"])))
    archive = manifest.get("archive", {}).get("key")
    if archive:
        s3.delete_object(Bucket=bucket, Key=str(archive))


def kind_of(manifest: Document) -> str:
    """The backup's kind; backups made before kinds existed were all the nightly job's."""
    return str(manifest.get("kind") or SCHEDULED)


def retention_reasons(
    manifests: list[Document], policy: Policy, keep_other_days: int, now: datetime
) -> dict[str, list[str]]:
    """Why each backup is kept (empty: pruned next run). Scheduled backups follow ``policy``;
    the others (manual, safety, pre-migration) are kept ``keep_other_days`` days."""
    scheduled = [m for m in manifests if kind_of(m) == SCHEDULED]
    moments = [parse_backup_id(str(m["id"])) for m in scheduled]
    found: dict[str, list[str]] = {}
    for manifest in manifests:
        backup_id = str(manifest["id"])
        moment = parse_backup_id(backup_id)
        if kind_of(manifest) == SCHEDULED:
            found[backup_id] = reasons(moment, moments, policy)
        elif now - moment < timedelta(days=keep_other_days):
            found[backup_id] = [f"{kind_of(manifest)} (kept {keep_other_days} days)"]
        else:
            found[backup_id] = []
    return found


def prune_backups(
    s3: Any,
    bucket: str,
    policy: Policy,
    *,
    keep_other_days: int = DEFAULT_KEEP_OTHER_DAYS,
    now: datetime | None = None,
    dry_run: bool = False,
) -> tuple[list[str], list[str]]:
    """Apply the retention rules (``retention_reasons``); return (kept ids, deleted ids)."""
    manifests = list_backups(s3, bucket)
    why = retention_reasons(manifests, policy, keep_other_days, now or datetime.now(UTC))
    kept: list[str] = []
    deleted: list[str] = []
    for manifest in manifests:
        backup_id = str(manifest["id"])
        if why[backup_id]:
            kept.append(backup_id)
            continue
        deleted.append(backup_id)
        if not dry_run:
            delete_backup(s3, bucket, manifest)
    if deleted:
        logger.info("backups pruned", extra={"deleted": deleted, "kept": len(kept)})
    return kept, deleted


def scheduled_backup(
    db: Db,
    s3: Any,
    bucket: str,
    app_version: str,
    policy: Policy,
    keep_other_days: int = DEFAULT_KEEP_OTHER_DAYS,
) -> Document:
    """The nightly job: back up, verify, then prune by the retention rules."""
    started = time.perf_counter()
    manifest = create_backup(db, s3, bucket, app_version=app_version, kind=SCHEDULED)
    report = verify_backup(s3, bucket, str(manifest["id"]))
    if not report.ok:
        raise BackupError(f"backup {manifest['id']} failed verification: {report.problems}")
    _, deleted = prune_backups(s3, bucket, policy, keep_other_days=keep_other_days)
    return {
        "backupId": manifest["id"],
        "documents": manifest["totals"]["documents"],
        "archiveBytes": manifest["archive"]["size"],
        "pruned": deleted,
        "seconds": round(time.perf_counter() - started, 3),
    }
