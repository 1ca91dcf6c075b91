"""The import operations the API and the CLI call: receive a file, dry-run it, apply it.

A file reaches an import either inline (FETMS's multipart ``file`` field, at most
``INLINE_UPLOAD_MAX_BYTES``; stored in S3 under ``imports/<id>/source`` so it can be applied
after its dry run) or through a presigned S3 upload (at most ``IMPORT_MAX_BYTES``), or — for the
CLI — from a local path. Either way it is read as a stream.
"""

from __future__ import annotations

from dataclasses import replace

from bson import ObjectId
from pymongo.client_session import ClientSession

from chalicelib import storage
from chalicelib.db import IMPORTS, PROJECTS, Db, Document
from chalicelib.errors import (
    Conflict,
    FieldError,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from chalicelib.services import audit, positions
from chalicelib.services.actor import Actor
from chalicelib.services.common import in_transaction, parse_object_id, serialize_on, utcnow
from chalicelib.services.imports import records
from chalicelib.services.imports.kinds import KINDS
from chalicelib.services.imports.records import ImportRejected, Outcome
from chalicelib.services.imports.running import Options, Progress, scan
from chalicelib.services.imports.sources import Source, from_bytes, from_s3
from chalicelib.services.imports.writing import Writer
from chalicelib.settings import Settings
from chalicelib.storage import Vault

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCEPTED_TYPES = (
    "text/csv",
    "application/csv",
    "text/plain",
    "application/vnd.ms-excel",  # what Windows browsers declare for .csv
    XLSX,
    "application/octet-stream",
)


def limits(settings: Settings) -> Document:
    return {
        "maxBytes": settings.import_max_bytes,
        "maxInlineBytes": settings.inline_upload_max_bytes,
        "maxRows": settings.import_max_rows,
    }


def source_key(oid: ObjectId) -> str:
    return f"imports/{oid}/source"


def _check_type(content_type: str) -> str:
    normalized = content_type.split(";")[0].strip().lower()
    if normalized not in ACCEPTED_TYPES:
        raise UnsupportedMediaType(
            detail="Import a CSV or an XLSX file (got " + repr(content_type) + ")",
            errors=[FieldError("contentType", "not a spreadsheet type")],
        )
    return normalized


def target_project(db: Db, kind: str, project_id: str | None) -> str | None:
    """The project of the teachers an import creates without one: an active project (400
    otherwise), for teachers only."""
    if not project_id:
        return None
    if kind != "teachers":
        raise ValidationFailed(
            detail="A project applies to teachers imports only",
            errors=[FieldError("projectId", "teachers imports only")],
        )
    oid = parse_object_id(project_id, "projectId")
    project = db[PROJECTS].find_one({"_id": oid}, {"isActive": 1})
    if project is None or project.get("isActive") is False:
        raise ValidationFailed(
            detail="Choose an active project for the imported teachers",
            errors=[FieldError("projectId", "not an active project")],
        )
    return str(oid)


def start_upload(
    db: Db,
    vault: Vault,
    actor: Actor,
    kind: str,
    file_name: str,
    content_type: str,
    size: int,
    project_id: str | None = None,
) -> Document:
    """A new import waiting for its file: the record and a presigned POST for the browser."""
    settings = vault.settings
    normalized = _check_type(content_type)
    project = target_project(db, kind, project_id)
    if size > settings.import_max_bytes:
        raise PayloadTooLarge(
            detail=f"Imports take files up to {settings.import_max_bytes} bytes; this one is "
            f"{size} bytes",
            errors=[FieldError("size", f"at most {settings.import_max_bytes}")],
        )
    oid = ObjectId()
    now = utcnow()
    post = storage.presign_post(
        vault.s3,
        settings.uploads_bucket,
        source_key(oid),
        content_type=normalized,
        max_bytes=settings.import_max_bytes,
        expires_in=settings.upload_url_expiry_seconds,
        now=now,
    )
    record = records.new_record(
        db,
        kind,
        actor,
        file_name=storage.safe_file_name(file_name, "import", basename=True),
        size=size,
        status=records.AWAITING_UPLOAD,
        source="upload",
        source_key=source_key(oid),
        oid=oid,
        project_id=project,
    )
    upload = {"url": post.url, "fields": post.fields, "expiresAt": post.expires_at}
    return {**records.report(record), "upload": upload, "limits": limits(settings)}


def receive_inline(
    db: Db,
    vault: Vault,
    actor: Actor,
    kind: str,
    file_name: str,
    content_type: str,
    data: bytes,
    project_id: str | None = None,
) -> tuple[Document, Source]:
    """A file sent with the request (FETMS's multipart route): kept in S3, then read from
    memory for this request."""
    project = target_project(db, kind, project_id)
    if not data:
        raise UnsupportedMediaType(
            detail="The file is empty", errors=[FieldError("file", "empty file")]
        )
    oid = ObjectId()
    key = source_key(oid)
    storage.put_bytes(
        vault.s3, vault.settings.uploads_bucket, key, data, _stored_type(content_type)
    )
    name = storage.safe_file_name(file_name, "import", basename=True)
    record = records.new_record(
        db,
        kind,
        actor,
        file_name=name,
        size=len(data),
        status=records.UPLOADED,
        source="inline",
        source_key=key,
        oid=oid,
        project_id=project,
    )
    return record, from_bytes(name, data)


def _stored_type(content_type: str) -> str:
    normalized = content_type.split(";")[0].strip().lower()
    return normalized if normalized in ACCEPTED_TYPES else "application/octet-stream"


def stored_source(record: Document, vault: Vault) -> Source:
    """The file of an import, read from S3 as a stream."""
    if not record.get("sourceKey"):
        raise UnsupportedMediaType(
            detail="This import's file was read from the operator's disk (fetms import); "
            "run the command again instead"
        )
    return from_s3(
        vault.s3,
        vault.settings.uploads_bucket,
        str(record["sourceKey"]),
        str(record.get("fileName") or "import"),
        vault.settings.import_max_bytes,
    )


def dry_run(
    db: Db,
    record: Document,
    source: Source,
    actor: Actor,
    options: Options,
    settings: Settings,
    progress: Progress | None = None,
) -> Document:
    """Every row checked, nothing written; the record keeps the counts and the errors."""
    if record.get("status") not in records.APPLICABLE:
        raise _not_applicable(record)
    options = _with_project(options, record)
    outcome = scan(db, record["kind"], source, options, settings, progress=progress)
    updated = records.set_state(
        db,
        record["_id"],
        {
            "status": records.VALIDATED,
            "validation": outcome.summary(),
            "validatedAt": utcnow(),
            "validatedBy": actor.email,
        },
        expect=records.APPLICABLE,
    )
    return {**records.report(updated, outcome), "dryRun": True}


def _with_project(options: Options, record: Document) -> Options:
    project = record.get("projectId")
    return replace(options, project=str(project)) if project else options


def _not_applicable(record: Document) -> Conflict:
    return Conflict(
        detail=f"This import is {record.get('status')}: start a new import for this file"
    )


def apply(
    db: Db,
    record: Document,
    source: Source,
    actor: Actor,
    options: Options,
    settings: Settings,
    progress: Progress | None = None,
) -> Document:
    """All rows (or, with ``onError=skip``, every row without errors) in one transaction with
    their undo records and audit entries; rejected as a whole when a row has an error."""
    oid = record["_id"]
    kind = str(record["kind"])
    options = _with_project(options, record)

    def work(session: ClientSession) -> tuple[Document, Outcome]:
        serialize_on(db, f"import:{oid}", session)
        current = db[IMPORTS].find_one({"_id": oid}, {"status": 1}, session=session)
        if current is None or current.get("status") not in records.APPLICABLE:
            raise _not_applicable(current or record)
        writer = Writer(
            db=db,
            kind=KINDS[kind],
            actor=actor,
            import_id=oid,
            session=session,
            now=utcnow(),
            live_stages=positions.live_stage_ids(db, session),
        )
        outcome = scan(
            db, kind, source, options, settings, writer=writer, session=session, progress=progress
        )
        if outcome.errors() and options.on_error == "abort":
            raise _rejected(oid, outcome)
        writer.finish()
        counts = outcome.counts()
        audit.record(db, actor, "import.apply", IMPORTS, oid, details=counts, session=session)
        updated = records.set_state(
            db,
            oid,
            {
                "status": records.APPLIED,
                "onError": options.on_error,
                "applied": outcome.summary(),
                "appliedAt": utcnow(),
                "appliedBy": actor.email,
            },
            expect=records.APPLICABLE,
            session=session,
        )
        return updated, outcome

    try:
        updated, outcome = in_transaction(db, work, timeout_ms=settings.import_timeout_ms)
    except ImportRejected as exc:
        records.set_state(db, oid, {"rejected": exc.summary, "rejectedAt": utcnow()})
        raise
    return records.report(updated, outcome)


def _rejected(oid: ObjectId, outcome: Outcome) -> ImportRejected:
    counts = outcome.counts()
    errors = outcome.errors()
    return ImportRejected(
        detail=f"{counts['error']} of {counts['rows']} rows have errors; nothing was imported. "
        "Fix them and apply again, or apply with onError=skip to import the other rows.",
        errors=[FieldError(f"row {e.row}, {e.column}", e.message) for e in errors],
        extra={
            "importId": str(oid),
            "counts": counts,
            "rows": [r.as_dict() for r in outcome.results],
        },
        summary=outcome.summary(),
    )
