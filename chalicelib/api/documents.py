"""Document vault routes: presigned uploads, downloads, core/ad-hoc documents, boxes, vault view,
and the FETMS multipart upload routes (small files only)."""

from __future__ import annotations

from typing import Any, TypeVar

from chalice.app import Blueprint, Response
from pydantic import BaseModel, ValidationError

from chalicelib.api.multipart import Form, parse_form, single_file
from chalicelib.api.routing import ApiRequest, Reply, route
from chalicelib.api.validation import (
    parse_json_body,
    refuse_control_characters,
    validate_model,
    validation_failed,
)
from chalicelib.errors import FieldError, ValidationFailed
from chalicelib.models.documents import (
    CORE_TYPES,
    AdhocFields,
    AdhocReorder,
    AdhocUpdate,
    BoxCreate,
    BoxReorder,
    BoxUpdate,
    CoreDocumentFields,
    DocumentHistoryOut,
    DownloadOut,
    DownloadQuery,
    TeacherFilesOut,
    UploadConfirm,
    UploadCreate,
    UploadOut,
    VaultQuery,
    VaultRow,
    ZipDownloadOut,
    ZipDownloadQuery,
)
from chalicelib.services import (
    adhoc,
    boxes,
    documents,
    file_history,
    teacher_files,
    uploads,
    vault,
)
from chalicelib.services.common import Page

bp = Blueprint(__name__)

MULTIPART = ("multipart/form-data",)
JSON_OR_MULTIPART = ("application/json", "multipart/form-data")
T = "/api/teachers/{id}"
M = TypeVar("M", bound=BaseModel)


def _core_type(doc_type: str) -> str:
    if doc_type not in CORE_TYPES:
        raise ValidationFailed(
            detail="Invalid document type: use one of " + ", ".join(CORE_TYPES),
            errors=[FieldError("type", "unknown document type")],
        )
    return doc_type


def _form(req: ApiRequest, teacher_id: str) -> Form:
    return parse_form(
        req.raw, max_file_bytes=req.settings.inline_upload_max_bytes, teacher_id=teacher_id
    )


def _fields(model: type[M], form: Form) -> M:
    refuse_control_characters(form.fields)
    try:
        return model.model_validate({k: v for k, v in form.fields.items() if v != ""})
    except ValidationError as exc:
        raise validation_failed(exc, "form fields") from exc


# --- presigned uploads --------------------------------------------------------------------------


@route(
    bp,
    f"{T}/uploads",
    "POST",
    summary="Ask for a presigned upload (avatar, core document or ad-hoc file)",
    role="editor",
    body=UploadCreate,
    response=UploadOut,
)
def create_upload(req: ApiRequest, id: str) -> dict[str, Any]:
    return uploads.create_upload(req.db, req.vault, req.actor, id, req.body)


@route(
    bp,
    f"{T}/uploads/{{upload_id}}/confirm",
    "POST",
    summary="Verify an uploaded file and attach it to the teacher",
    role="editor",
    body=UploadConfirm,
    response=TeacherFilesOut,
    status=200,
)
def confirm_upload(req: ApiRequest, id: str, upload_id: str) -> dict[str, Any]:
    return uploads.confirm_upload(
        req.db, req.vault, req.actor, id, upload_id, req.body, req.if_match
    )


# --- downloads ----------------------------------------------------------------------------------


def _download(req: ApiRequest, teacher_id: str, kind: str, doc_id: str | None = None) -> Any:
    settings = req.settings
    return documents.file_download(
        req.db,
        req.actor,
        req.deps.s3,
        settings.uploads_bucket,
        settings.download_url_expiry_seconds,
        teacher_id,
        kind,
        doc_id=doc_id,
        disposition=req.query.disposition,
    )


@route(
    bp,
    f"{T}/avatar/url",
    summary="Short-lived download URL of the profile picture",
    query=DownloadQuery,
    response=DownloadOut,
)
def avatar_url(req: ApiRequest, id: str) -> dict[str, Any]:
    result: dict[str, Any] = _download(req, id, teacher_files.AVATAR)
    return result


@route(
    bp,
    f"{T}/documents/{{type}}/url",
    summary="Short-lived download URL of a core document",
    query=DownloadQuery,
    response=DownloadOut,
)
def core_document_url(req: ApiRequest, id: str, type: str) -> dict[str, Any]:
    result: dict[str, Any] = _download(req, id, _core_type(type))
    return result


@route(
    bp,
    f"{T}/documents/adhoc/{{doc_id}}/url",
    summary="Short-lived download URL of an ad-hoc document",
    query=DownloadQuery,
    response=DownloadOut,
)
def adhoc_document_url(req: ApiRequest, id: str, doc_id: str) -> dict[str, Any]:
    result: dict[str, Any] = _download(req, id, teacher_files.ADHOC, doc_id)
    return result


@route(
    bp,
    f"{T}/documents/history",
    summary="The teacher's file history, newest first",
    response=DocumentHistoryOut,
    many=True,
)
def document_history(req: ApiRequest, id: str) -> list[dict[str, Any]]:
    return file_history.document_history(req.db, id)


# --- avatar and core documents ------------------------------------------------------------------


@route(
    bp,
    f"{T}/avatar",
    "POST",
    summary="Upload a profile picture (FETMS multipart; small files only)",
    role="editor",
    response=TeacherFilesOut,
    content_types=MULTIPART,
)
def upload_avatar(req: ApiRequest, id: str) -> dict[str, Any]:
    form = _form(req, id)
    return uploads.inline_upload(
        req.db,
        req.vault,
        req.actor,
        id,
        teacher_files.AVATAR,
        single_file(form, "avatar"),
        UploadConfirm(),
        expected_version=req.if_match,
    )


@route(
    bp,
    f"{T}/avatar",
    "DELETE",
    summary="Remove the profile picture (the file is kept in the vault history)",
    role="editor",
    response=TeacherFilesOut,
)
def delete_avatar(req: ApiRequest, id: str) -> dict[str, Any]:
    return documents.delete_avatar(req.db, req.actor, id, req.if_match)


@route(
    bp,
    f"{T}/documents/{{type}}",
    "POST",
    summary="Upload a core document (FETMS multipart; small files only)",
    role="editor",
    response=TeacherFilesOut,
    content_types=MULTIPART,
)
def upload_core_document(req: ApiRequest, id: str, type: str) -> dict[str, Any]:
    doc_type = _core_type(type)
    form = _form(req, id)
    fields = _fields(CoreDocumentFields, form)
    return uploads.inline_upload(
        req.db,
        req.vault,
        req.actor,
        id,
        doc_type,
        single_file(form, "file"),
        UploadConfirm.model_validate(fields.model_dump(exclude_unset=True)),
        expected_version=req.if_match,
    )


@route(
    bp,
    f"{T}/documents/{{type}}",
    "DELETE",
    summary="Mark a core document missing (the file is kept in the vault history)",
    role="editor",
    response=TeacherFilesOut,
)
def delete_core_document(req: ApiRequest, id: str, type: str) -> dict[str, Any]:
    return documents.delete_core_document(req.db, req.actor, id, _core_type(type), req.if_match)


# --- ad-hoc documents ---------------------------------------------------------------------------


@route(
    bp,
    f"{T}/documents/adhoc",
    "POST",
    summary="Upload an ad-hoc document (FETMS multipart; small files only)",
    role="editor",
    response=TeacherFilesOut,
    content_types=MULTIPART,
)
def upload_adhoc_document(req: ApiRequest, id: str) -> dict[str, Any]:
    form = _form(req, id)
    fields = _fields(AdhocFields, form)
    return uploads.inline_upload(
        req.db,
        req.vault,
        req.actor,
        id,
        teacher_files.ADHOC,
        single_file(form, "file"),
        UploadConfirm.model_validate(fields.model_dump(exclude_unset=True)),
        expected_version=req.if_match,
    )


@route(
    bp,
    f"{T}/documents/adhoc/reorder",
    "PUT",
    summary="Reorder ad-hoc documents and move them between boxes (one atomic update)",
    role="editor",
    body=AdhocReorder,
    response=TeacherFilesOut,
)
def reorder_adhoc_documents(req: ApiRequest, id: str) -> dict[str, Any]:
    return adhoc.reorder_adhoc(req.db, req.actor, id, req.body, req.if_match)


@route(
    bp,
    f"{T}/documents/adhoc/{{doc_id}}",
    "PUT",
    summary="Rename/move an ad-hoc document (JSON) or replace its file (FETMS multipart)",
    role="editor",
    response=TeacherFilesOut,
    content_types=JSON_OR_MULTIPART,
)
def update_adhoc_document(req: ApiRequest, id: str, doc_id: str) -> dict[str, Any]:
    content_type = str(req.raw.headers.get("content-type") or "").lower()
    if content_type.startswith("multipart/form-data"):
        form = _form(req, id)
        fields = _fields(AdhocFields, form)
        if form.files:
            return uploads.inline_upload(
                req.db,
                req.vault,
                req.actor,
                id,
                teacher_files.ADHOC,
                single_file(form, "file"),
                UploadConfirm.model_validate(fields.model_dump(exclude_unset=True)),
                doc_id=doc_id,
                expected_version=req.if_match,
            )
        data = AdhocUpdate.model_validate(fields.model_dump(exclude_unset=True))
    else:
        raw = req.raw.raw_body if isinstance(req.raw.raw_body, bytes) else b""
        parse_json_body(raw, req.settings.max_body_bytes)
        data = validate_model(AdhocUpdate, raw)
    return adhoc.update_adhoc(req.db, req.actor, id, doc_id, data, req.if_match)


@route(
    bp,
    f"{T}/documents/adhoc/{{doc_id}}",
    "DELETE",
    summary="Remove an ad-hoc document (the file is kept in the vault history)",
    role="editor",
    response=TeacherFilesOut,
)
def delete_adhoc_document(req: ApiRequest, id: str, doc_id: str) -> dict[str, Any]:
    return adhoc.delete_adhoc(req.db, req.actor, id, doc_id, req.if_match)


# --- boxes --------------------------------------------------------------------------------------


@route(
    bp,
    f"{T}/boxes",
    "POST",
    summary="Create a document box",
    role="editor",
    body=BoxCreate,
    response=TeacherFilesOut,
)
def create_box(req: ApiRequest, id: str) -> dict[str, Any]:
    return boxes.create_box(req.db, req.actor, id, req.body, req.if_match)


@route(
    bp,
    f"{T}/boxes/reorder",
    "PUT",
    summary="Reorder document boxes",
    role="editor",
    body=BoxReorder,
    response=TeacherFilesOut,
)
def reorder_boxes(req: ApiRequest, id: str) -> dict[str, Any]:
    return boxes.reorder_boxes(req.db, req.actor, id, req.body, req.if_match)


@route(
    bp,
    f"{T}/boxes/{{box_id}}",
    "PUT",
    summary="Rename a document box (or set its order)",
    role="editor",
    body=BoxUpdate,
    response=TeacherFilesOut,
)
def update_box(req: ApiRequest, id: str, box_id: str) -> dict[str, Any]:
    return boxes.update_box(req.db, req.actor, id, box_id, req.body, req.if_match)


@route(
    bp,
    f"{T}/boxes/{{box_id}}",
    "DELETE",
    summary="Delete a box; its documents become uncategorized",
    role="editor",
    response=TeacherFilesOut,
)
def delete_box(req: ApiRequest, id: str, box_id: str) -> dict[str, Any]:
    return boxes.delete_box(req.db, req.actor, id, box_id, req.if_match)


@route(
    bp,
    f"{T}/boxes/{{box_id}}/download",
    summary="Zip a box (or 'uncategorized') in S3 and return a presigned URL to it (the same "
    "zip while the box's files are unchanged)",
    query=ZipDownloadQuery,
    response=ZipDownloadOut,
    expensive=True,
)
def download_box(req: ApiRequest, id: str, box_id: str) -> Any:
    result = boxes.download_box(req.db, req.vault, req.actor, id, box_id)
    if req.query.redirect:
        return Response(body="", status_code=302, headers={"Location": result["url"]})
    return Reply(result)


# --- vault view ---------------------------------------------------------------------------------


@route(
    bp,
    "/api/documents",
    summary="Documents across teachers (Documents page), filtered and paged",
    query=VaultQuery,
    response=VaultRow,
    paged=True,
)
def list_documents(req: ApiRequest) -> Page:
    return vault.vault_view(req.db, req.query, limit=req.limit, offset=req.offset)
