"""Document vault: presigned uploads, confirmations, downloads, ad-hoc files, boxes, vault view."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field

from chalicelib.models.base import (
    InputModel,
    ObjectIdStr,
    OutputModel,
    PageQuery,
    PresentOut,
    QueryModel,
    RequiredName,
    ShortText,
    UtcDateTime,
)
from chalicelib.models.common import StoredOut
from chalicelib.models.teachers import AdhocDocumentOut, DocumentBoxOut, DocumentsOut

CoreType = Literal["passport", "arc", "contract", "workPermit"]
UploadKind = Literal["avatar", "passport", "arc", "contract", "workPermit", "adhoc"]
CORE_TYPES: tuple[str, ...] = ("passport", "arc", "contract", "workPermit")
DocumentStatus = Literal["missing", "valid", "expired"]
VaultType = Literal["passport", "arc", "contract", "workPermit", "adhoc"]


def _no_box(value: Any) -> Any:
    """FETMS sends an empty string (or 'uncategorized') for "no box"."""
    return None if value in ("", "uncategorized") else value


BoxRef = Annotated[ObjectIdStr | None, BeforeValidator(_no_box)]
"""A box id, or null for uncategorized."""


class UploadCreate(InputModel):
    """Ask for a presigned upload. The object key is chosen by the server."""

    kind: UploadKind
    fileName: str = Field(min_length=1, max_length=255)
    contentType: str = Field(min_length=1, max_length=100)
    size: int = Field(ge=1, le=10 * 1024 * 1024 * 1024, description="File size in bytes")
    docId: ObjectIdStr | None = Field(
        default=None, description="Ad-hoc only: replace the file of this ad-hoc document"
    )


class UploadOut(OutputModel):
    uploadId: str
    kind: str
    key: str
    url: str
    fields: dict[str, str]
    expiresAt: str
    confirmBy: str
    maxBytes: int
    contentType: str


class UploadConfirm(InputModel):
    """Core documents: optional ``number``/``expiryDate``; ad-hoc: ``name`` and ``boxId``."""

    number: ShortText | None = None
    expiryDate: UtcDateTime | None = None
    name: RequiredName | None = None
    boxId: BoxRef = None


class DownloadQuery(QueryModel):
    disposition: Literal["attachment", "inline"] | None = None


class DownloadOut(OutputModel):
    url: str
    expiresAt: str
    fileName: str
    contentType: str | None = None


class ZipDownloadQuery(QueryModel):
    redirect: bool = False


class ZipDownloadOut(DownloadOut):
    entries: list[str] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)


class AdhocUpdate(InputModel):
    """Rename an ad-hoc document and/or move it to a box (``boxId: null`` = uncategorized)."""

    name: RequiredName | None = None
    boxId: BoxRef = None


class AdhocOrderItem(InputModel):
    id: ObjectIdStr = Field(alias="_id")
    boxId: BoxRef = None


class AdhocReorder(InputModel):
    documents: list[AdhocOrderItem] = Field(max_length=2000)


class BoxCreate(InputModel):
    name: RequiredName


class BoxUpdate(InputModel):
    name: RequiredName | None = None
    order: int | None = Field(default=None, ge=0, le=100_000)


class BoxReorder(InputModel):
    boxes: list[ObjectIdStr] = Field(max_length=500)


class CoreDocumentFields(InputModel):
    """Text fields of the FETMS multipart core-document upload."""

    number: ShortText | None = None
    expiryDate: UtcDateTime | None = None


class AdhocFields(InputModel):
    """Text fields of the FETMS multipart ad-hoc upload/update."""

    name: RequiredName | None = None
    boxId: BoxRef = None


class TeacherFilesOut(StoredOut, PresentOut):
    """The teacher document after a file operation (FETMS answers with the whole teacher)."""

    ALWAYS: ClassVar[frozenset[str]] = frozenset(
        {
            "id",
            "createdAt",
            "updatedAt",
            "version",
            "profilePicture",
            "documents",
            "documentBoxes",
            "otherDocuments",
        }
    )

    profilePicture: str | None = None
    documents: DocumentsOut | None = None
    documentBoxes: list[DocumentBoxOut] = Field(default_factory=list)
    otherDocuments: list[AdhocDocumentOut] = Field(default_factory=list)


class DocumentHistoryOut(PresentOut):
    """One entry of a teacher's file history (every upload, replacement and removal)."""

    id: str = Field(alias="_id")
    type: str = Field(description="avatar, passport, arc, contract, workPermit or adhoc")
    action: str
    at: str | None = None
    by: str | None = None
    byId: str | None = None
    filePath: str | None = None
    fileName: str | None = None
    contentType: str | None = None
    size: int | None = None
    uploadId: str | None = None
    docId: str | None = None
    name: str | None = None
    previousFilePath: str | None = None


class VaultQuery(PageQuery):
    projectId: ObjectIdStr | None = None
    type: VaultType | None = None
    status: DocumentStatus | None = None
    expiringWithinDays: int | None = Field(default=None, ge=0, le=3650)
    teacherId: ObjectIdStr | None = Field(default=None, description="One teacher's documents.")
    school: ObjectIdStr | None = Field(default=None, description="Teachers placed at this school.")
    search: str | None = Field(
        default=None, max_length=200, description="Teacher name or e-mail (literal, any case)."
    )
    order: Literal["asc", "desc"] = Field(
        default="asc", description="By expiry date: asc = soonest first (no date last), desc."
    )


class VaultRow(OutputModel):
    teacherId: str
    teacherName: str
    schoolId: str | None = None
    type: str
    name: str | None = None
    docId: str | None = None
    boxId: str | None = None
    status: str
    expiryDate: str | None = None
    uploadedAt: str | None = None
    hasFile: bool = False
