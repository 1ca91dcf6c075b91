"""Spreadsheet imports: options, the presigned-upload request, the import record and report."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from chalicelib.models.base import InputModel, OutputModel, QueryModel
from chalicelib.models.common import StoredOut

ImportKind = Literal["teachers", "schools"]
OnError = Literal["abort", "skip"]
Encoding = Literal["auto", "utf-8", "big5"]


class ImportRunQuery(QueryModel):
    onError: OnError = Field(
        default="abort",
        description="abort: all rows or none (a row in error rejects the import); skip: import "
        "the rows without errors.",
    )
    encoding: Encoding = Field(
        default="auto",
        description="CSV text encoding: auto (BOM, else UTF-8, else Big5), utf-8 or big5.",
    )


PROJECT_ID = (
    "Teachers only: the project (id) of the teachers this import creates whose row names none "
    "(a row's own project cell wins; updated teachers keep theirs)."
)


class ImportFileQuery(ImportRunQuery):
    dryRun: bool = Field(
        default=False, description="Check every row and report; write nothing (recommended first)."
    )
    projectId: str | None = Field(default=None, description=PROJECT_ID)


class ImportUploadCreate(InputModel):
    """Ask for a presigned upload of a spreadsheet too large to send inline."""

    kind: ImportKind
    fileName: str = Field(min_length=1, max_length=255)
    contentType: str = Field(min_length=1, max_length=100)
    size: int = Field(ge=1, le=10**10)
    projectId: str | None = Field(default=None, description=PROJECT_ID)


class ImportListQuery(QueryModel):
    kind: ImportKind | None = None
    limit: int | None = Field(default=None, ge=1)
    offset: int = Field(default=0, ge=0)


class ImportColumnsQuery(QueryModel):
    kind: ImportKind = "teachers"


class ImportRowOut(OutputModel):
    row: int = Field(description="Spreadsheet row (the header is row 1).")
    action: Literal["create", "update", "unchanged", "error"]
    key: str | None = Field(default=None, description="E-mail (teachers) or Chinese name.")
    id: str | None = None
    changes: list[str] = Field(default_factory=list, description="Fields an update changes.")
    errors: list[dict[str, Any]] = Field(
        default_factory=list, description="{row, column, message} each."
    )


class ImportOut(StoredOut):
    """An import record; dry-run and apply answers add ``rows`` and FETMS's ``message``,
    ``count`` (records written or to write) and ``total`` (rows read)."""

    kind: ImportKind
    fileName: str
    size: int = 0
    status: Literal["awaiting-upload", "uploaded", "validated", "applied", "undone"]
    source: str | None = None
    createdBy: str | None = None
    counts: dict[str, int] | None = Field(
        default=None,
        description="{rows, create, update, unchanged, error}: the apply's, else the last "
        "dry run's.",
    )
    rows: list[ImportRowOut] | None = None
    message: str | None = None
    count: int | None = None
    total: int | None = None
    dryRun: bool | None = Field(default=None, description="true in a dry-run answer.")
    validation: dict[str, Any] | None = Field(
        default=None, description="The last dry run: {format, encoding, counts, errors}."
    )
    applied: dict[str, Any] | None = Field(default=None, description="What the apply did.")
    projectId: str | None = Field(
        default=None, description="The project of created teachers whose row names none."
    )
    appliedAt: str | None = None
    appliedBy: str | None = None
    undoneAt: str | None = None
    undoneBy: str | None = None
    undone: dict[str, int] | None = Field(default=None, description="{removed, restored}.")


class ImportUploadOut(ImportOut):
    upload: dict[str, Any] = Field(description="{url, fields, expiresAt}: POST the file there.")
    limits: dict[str, int]


class ImportLimitsOut(OutputModel):
    maxBytes: int = Field(description="Largest file an import takes (presigned upload).")
    maxInlineBytes: int = Field(description="Largest file sent inline (multipart) to the API.")
    maxRows: int = Field(description="Most data rows in one file.")


class ImportColumnOut(OutputModel):
    path: str = Field(description="FETMS's dot-notation header.")
    label: str = Field(description="The human header of our export (also accepted).")
    kind: str
