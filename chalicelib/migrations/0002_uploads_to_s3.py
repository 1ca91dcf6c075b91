"""Import a FETMS uploads/ directory into S3 and rewrite filePath/profilePicture to the new keys.

FETMS stored files on its server disk and kept ``uploads/<file>`` (sometimes ``/uploads/<file>``)
in ``profilePicture``, ``documents.<type>.filePath`` and ``otherDocuments[].filePath``. Each such
file is uploaded to the uploads bucket under ``teachers/<id>/<kind>/legacy-<file>`` and the field
is rewritten to that key. Idempotent: keys are deterministic, values that are already S3 keys are
left alone, an object already in the bucket is not uploaded again. Files missing on disk are
reported (in the result and the log) and their fields left unchanged, never a failure.

The directory is ``--uploads-dir`` (or ``UPLOADS_IMPORT_DIR``): FETMS's ``backend/uploads`` (the
folder that contains the files; a parent holding ``uploads/`` works too). When no teacher holds a
legacy path, nothing is needed and the migration succeeds without a directory.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.db import TEACHERS, Document
from chalicelib.migrations.runner import MigrationContext, MigrationError
from chalicelib.storage import sniff_content_type

LEGACY = re.compile(r"^/?uploads/(?P<rest>.+)$")
CORE_TYPES = ("passport", "arc", "contract", "workPermit")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def legacy_name(value: Any) -> str | None:
    """``uploads/abc.pdf`` → ``abc.pdf``; anything else (an S3 key, empty) → None."""
    if not isinstance(value, str):
        return None
    match = LEGACY.match(value.strip())
    if not match:
        return None
    rest = match.group("rest")
    if ".." in Path(rest).parts:
        return None
    return rest


def legacy_key(teacher_id: Any, kind: str, name: str) -> str:
    safe = _UNSAFE.sub("_", Path(name).name).strip("._") or "file"
    return f"teachers/{teacher_id}/{kind}/legacy-{safe[:120]}"


def _source_dir(ctx: MigrationContext) -> Path | None:
    if ctx.uploads_dir is None:
        return None
    base = Path(ctx.uploads_dir)
    return base / "uploads" if (base / "uploads").is_dir() else base


def _content_type(path: Path) -> str:
    with path.open("rb") as handle:
        sniffed = sniff_content_type(handle.read(16))
    if sniffed:
        return sniffed
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _exists(ctx: MigrationContext, key: str) -> bool:
    try:
        ctx.s3.head_object(Bucket=ctx.uploads_bucket, Key=key)
    except ClientError:
        return False
    return True


def legacy_query() -> Document:
    pattern = {"$regex": "^/?uploads/"}
    clauses: list[Document] = [{"profilePicture": pattern}, {"otherDocuments.filePath": pattern}]
    clauses += [{f"documents.{t}.filePath": pattern} for t in CORE_TYPES]
    return {"$or": clauses}


@dataclass
class _Stats:
    uploaded: int = 0
    missing: list[Document] = field(default_factory=list)


def _move(
    ctx: MigrationContext,
    source: Path,
    stats: _Stats,
    teacher_id: Any,
    value: Any,
    kind: str,
    where: str,
) -> str | None:
    """Upload one legacy file (unless already there); return its key, or None to leave it."""
    name = legacy_name(value)
    if name is None:
        return None
    path = source / name
    if not path.is_file():
        stats.missing.append({"teacher": str(teacher_id), "field": where, "path": str(value)})
        return None
    key = legacy_key(teacher_id, kind, name)
    if not _exists(ctx, key):
        ctx.s3.upload_file(
            str(path), ctx.uploads_bucket, key, ExtraArgs={"ContentType": _content_type(path)}
        )
        stats.uploaded += 1
    return key


def ready(ctx: MigrationContext) -> str | None:
    """Deferred (left pending) while teachers reference FETMS files and no folder is given."""
    total_refs = ctx.db[TEACHERS].count_documents(legacy_query())
    source = _source_dir(ctx)
    if total_refs and (source is None or not source.is_dir()):
        return (
            f"{total_refs} teachers reference FETMS uploads/ files: run `fetms migrate up "
            "--uploads-dir DIR` (FETMS backend/uploads) or set UPLOADS_IMPORT_DIR"
        )
    return None


def up(ctx: MigrationContext) -> Document:
    db = ctx.db
    teachers = db[TEACHERS]
    total_refs = teachers.count_documents(legacy_query())
    if total_refs == 0:
        ctx.log("  no legacy uploads/ paths: nothing to import")
        return {"teachers": 0, "uploaded": 0, "rewritten": 0, "missing": []}
    source = _source_dir(ctx)
    if source is None or not source.is_dir():
        raise MigrationError(
            f"{total_refs} teachers still reference FETMS uploads/ files: pass --uploads-dir "
            "(FETMS backend/uploads) or set UPLOADS_IMPORT_DIR"
        )
    if ctx.s3 is None or not ctx.uploads_bucket:
        raise MigrationError("the uploads bucket is not configured")
    stats = _Stats()
    rewritten = 0
    for teacher in teachers.find(legacy_query()):
        tid = teacher["_id"]
        changes: Document = {}
        key = _move(
            ctx, source, stats, tid, teacher.get("profilePicture"), "avatar", "profilePicture"
        )
        if key:
            changes["profilePicture"] = key
        for doc_type in CORE_TYPES:
            section = (teacher.get("documents") or {}).get(doc_type) or {}
            field = f"documents.{doc_type}.filePath"
            key = _move(ctx, source, stats, tid, section.get("filePath"), doc_type, field)
            if key:
                changes[field] = key
        for index, other in enumerate(teacher.get("otherDocuments") or []):
            field = f"otherDocuments.{index}.filePath"
            key = _move(ctx, source, stats, tid, (other or {}).get("filePath"), "adhoc", field)
            if key:
                changes[field] = key
        if changes:
            teachers.update_one({"_id": tid}, {"$set": changes, "$inc": {"__v": 1}})
            rewritten += len(changes)
    uploaded, missing = stats.uploaded, stats.missing
    for item in missing:
        ctx.log(f"  missing on disk: {item['path']} (teacher {item['teacher']}, {item['field']})")
    ctx.log(f"  uploaded {uploaded} files, rewrote {rewritten} fields, {len(missing)} missing")
    return {
        "teachers": total_refs,
        "uploaded": uploaded,
        "rewritten": rewritten,
        "missing": missing,
    }
