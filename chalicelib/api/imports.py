"""Spreadsheet import routes (FETMS's ``POST /api/teachers/import`` and ``/api/schools/import``,
plus the import records: presigned upload, dry run, apply, undo).

A browser imports in three clear steps: send the file (inline up to ``INLINE_UPLOAD_MAX_BYTES``
with ``?dryRun=true``, or ``POST /api/imports`` + a presigned POST to S3 +
``POST /api/imports/{id}/dry-run``), show the per-row report, then
``POST /api/imports/{id}/apply``; ``POST /api/imports/{id}/undo`` takes it back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import Blueprint

from chalicelib.api.multipart import parse_form, single_file
from chalicelib.api.routing import ApiRequest, route
from chalicelib.models.imports import (
    ImportColumnOut,
    ImportColumnsQuery,
    ImportFileQuery,
    ImportLimitsOut,
    ImportListQuery,
    ImportOut,
    ImportRunQuery,
    ImportUploadCreate,
    ImportUploadOut,
)
from chalicelib.services.columns import columns_for
from chalicelib.services.common import Page
from chalicelib.services.imports import operations, records
from chalicelib.services.imports.running import Options
from chalicelib.services.imports.undo import undo_import

bp = Blueprint(__name__)

MULTIPART = ("multipart/form-data",)
LARGE_FILES = (
    "send larger files through a presigned upload: POST /api/imports {kind, fileName, "
    "contentType, size}, POST the file to the returned URL, then POST "
    "/api/imports/{id}/dry-run and /apply"
)


def _options(query: Any) -> Options:
    return Options(on_error=query.onError, encoding=query.encoding)


def _run_stored(
    req: ApiRequest, import_id: str, run: Callable[..., dict[str, Any]]
) -> dict[str, Any]:
    """Dry-run or apply the file an import received (read from S3 as a stream)."""
    record = records.get_record(req.db, import_id)
    source = operations.stored_source(record, req.vault)
    return run(req.db, record, source, req.actor, _options(req.query), req.settings)


def _file_import(req: ApiRequest, kind: str) -> dict[str, Any]:
    form = parse_form(
        req.raw, max_file_bytes=req.settings.inline_upload_max_bytes, hint=LARGE_FILES
    )
    sent = single_file(form, "file")
    record, source = operations.receive_inline(
        req.db,
        req.vault,
        req.actor,
        kind,
        sent.file_name,
        sent.content_type,
        sent.data,
        req.query.projectId,
    )
    run = operations.dry_run if req.query.dryRun else operations.apply
    return run(req.db, record, source, req.actor, _options(req.query), req.settings)


def _declare_file_import(kind: str) -> None:
    """FETMS's ``POST /api/<kind>/import`` (multipart, field ``file``)."""

    def handler(req: ApiRequest) -> dict[str, Any]:
        return _file_import(req, kind)

    handler.__name__ = f"import_{kind}"
    route(
        bp,
        f"/api/{kind}/import",
        "POST",
        summary=f"Import {kind} from a CSV or XLSX file (multipart field 'file'); dryRun=true "
        "reports per row and writes nothing",
        role="admin",
        query=ImportFileQuery,
        response=ImportOut,
        content_types=MULTIPART,
        long_running=True,
    )(handler)


for _kind in ("teachers", "schools"):
    _declare_file_import(_kind)


@route(
    bp,
    "/api/imports",
    "POST",
    summary="Start an import of a large file: a presigned POST to upload it to S3",
    role="admin",
    body=ImportUploadCreate,
    response=ImportUploadOut,
)
def start_import(req: ApiRequest) -> dict[str, Any]:
    body = req.body
    return operations.start_upload(
        req.db,
        req.vault,
        req.actor,
        body.kind,
        body.fileName,
        body.contentType,
        body.size,
        body.projectId,
    )


@route(
    bp,
    "/api/imports",
    summary="Imports, newest first (who, when, file, counts, status)",
    role="admin",
    query=ImportListQuery,
    response=ImportOut,
    paged=True,
)
def list_imports(req: ApiRequest) -> Page:
    return records.list_records(req.db, kind=req.query.kind, limit=req.limit, offset=req.offset)


@route(
    bp,
    "/api/imports/columns",
    summary="The columns an import reads: FETMS's dot-notation path and our export's label",
    query=ImportColumnsQuery,
    response=ImportColumnOut,
    many=True,
)
def import_columns(req: ApiRequest) -> list[dict[str, Any]]:
    return [{"path": c.path, "label": c.label, "kind": c.kind} for c in columns_for(req.query.kind)]


@route(
    bp,
    "/api/imports/limits",
    summary="What an import takes: the largest file (presigned / inline) and the most rows",
    role="admin",
    response=ImportLimitsOut,
)
def import_limits(req: ApiRequest) -> dict[str, Any]:
    return operations.limits(req.settings)


@route(bp, "/api/imports/{id}", summary="An import record", role="admin", response=ImportOut)
def get_import(req: ApiRequest, id: str) -> dict[str, Any]:
    return records.report(records.get_record(req.db, id))


@route(
    bp,
    "/api/imports/{id}/dry-run",
    "POST",
    summary="Check every row of the uploaded file; nothing is written",
    role="admin",
    query=ImportRunQuery,
    response=ImportOut,
    long_running=True,
)
def dry_run_import(req: ApiRequest, id: str) -> dict[str, Any]:
    return _run_stored(req, id, operations.dry_run)


@route(
    bp,
    "/api/imports/{id}/apply",
    "POST",
    summary="Apply the import: all rows or none (onError=skip: the rows without errors)",
    role="admin",
    query=ImportRunQuery,
    response=ImportOut,
    long_running=True,
)
def apply_import(req: ApiRequest, id: str) -> dict[str, Any]:
    return _run_stored(req, id, operations.apply)


@route(
    bp,
    "/api/imports/{id}/undo",
    "POST",
    summary="Undo an applied import (refused when its records changed since)",
    role="admin",
    response=ImportOut,
    long_running=True,
)
def undo(req: ApiRequest, id: str) -> dict[str, Any]:
    return undo_import(req.db, id, req.actor, req.settings)
