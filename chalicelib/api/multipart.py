"""``multipart/form-data`` for the FETMS upload routes, parsed with the standard library."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP

from chalice.app import Request

from chalicelib import storage
from chalicelib.errors import FieldError, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from chalicelib.services.uploads import InlineFile

FORM_OVERHEAD_BYTES = 16 * 1024
GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
MAX_FIELDS = 20
MAX_FIELD_BYTES = 4096


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, InlineFile] = field(default_factory=dict)


def presigned_hint(teacher_id: str) -> str:
    return (
        f"use the presigned upload instead: POST /api/teachers/{teacher_id}/uploads, send the "
        f"file to the returned URL, then POST /api/teachers/{teacher_id}/uploads/{{uploadId}}"
        "/confirm"
    )


def parse_form(
    request: Request, *, max_file_bytes: int, teacher_id: str = "{id}", hint: str | None = None
) -> Form:
    """Parse a multipart body; 413 (naming the presigned flow, or ``hint``) when it is too large
    to inline."""
    content_type = str(request.headers.get("content-type") or "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise UnsupportedMediaType(detail="Send the file as multipart/form-data")
    limit = max_file_bytes + FORM_OVERHEAD_BYTES
    too_large = PayloadTooLarge(
        detail=(
            f"Files larger than {max_file_bytes} bytes cannot be sent through this route; "
            + (hint or presigned_hint(teacher_id))
        )
    )
    declared = str(request.headers.get("content-length") or "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    raw = request.raw_body
    body = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    if len(body) > limit:
        raise too_large
    header = b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n"
    message = BytesParser(policy=HTTP).parsebytes(header + b"MIME-Version: 1.0\r\n\r\n" + body)
    if not message.is_multipart():
        raise ValidationFailed(detail="The multipart body could not be parsed")
    form = Form()
    for index, part in enumerate(message.iter_parts()):
        if index >= MAX_FIELDS:
            raise ValidationFailed(detail=f"At most {MAX_FIELDS} form fields are accepted")
        _add_part(form, part, max_file_bytes, too_large)
    return form


def _add_part(form: Form, part: Message, max_file_bytes: int, too_large: PayloadTooLarge) -> None:
    name = part.get_param("name", header="content-disposition")
    if not isinstance(name, str) or not name:
        return
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    file_name = part.get_filename()
    if file_name is None:
        if len(data) > MAX_FIELD_BYTES:
            raise ValidationFailed(
                detail=f"The form field '{name}' is too long",
                errors=[FieldError(name, f"at most {MAX_FIELD_BYTES} bytes")],
            )
        try:
            form.fields[name] = data.decode("utf-8").strip()
        except UnicodeDecodeError as exc:
            raise ValidationFailed(
                detail=f"The form field '{name}' is not UTF-8 text",
                errors=[FieldError(name, "not UTF-8 text")],
            ) from exc
        return
    if len(data) > max_file_bytes:
        raise too_large
    declared = str(part.get("content-type") or "").split(";")[0].strip().lower()
    if declared in GENERIC_TYPES:
        declared = storage.sniff_content_type(data[: storage.MAGIC_PREFIX_BYTES]) or declared
    form.files[name] = InlineFile(file_name=file_name, content_type=declared, data=data)


def single_file(form: Form, preferred: str) -> InlineFile:
    """The file sent under ``preferred`` (FETMS: ``avatar`` or ``file``), else the only file."""
    if preferred in form.files:
        return form.files[preferred]
    if len(form.files) == 1:
        return next(iter(form.files.values()))
    raise ValidationFailed(
        detail="No file uploaded" if not form.files else "Send exactly one file",
        errors=[FieldError(preferred, "a file is required")],
    )
