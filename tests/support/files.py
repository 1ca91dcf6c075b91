"""Small valid files and helpers for the presigned upload flow (real HTTP POSTs to S3)."""

from __future__ import annotations

import base64
import io
import json
import uuid
from typing import Any

import requests

from tests.support.http import Api, Result


def make_pdf(pages: int = 1) -> bytes:
    """A small, real PDF (the upload check parses it)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_image(kind: str, size: tuple[int, int] = (8, 8), color: str = "teal") -> bytes:
    """A small, real image (``PNG``, ``JPEG`` or ``WEBP``; the upload check decodes it)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=kind)
    return buffer.getvalue()


PDF = make_pdf()
PNG = make_image("PNG")
JPEG = make_image("JPEG")
WEBP = make_image("WEBP")
TYPES = {PDF: "application/pdf", PNG: "image/png", JPEG: "image/jpeg", WEBP: "image/webp"}


def request_upload(
    api: Api,
    teacher_id: Any,
    kind: str = "passport",
    content: bytes = PDF,
    *,
    content_type: str | None = None,
    file_name: str = "scan.pdf",
    size: int | None = None,
    **extra: Any,
) -> Result:
    body = {
        "kind": kind,
        "fileName": file_name,
        "contentType": content_type or TYPES.get(content, "application/pdf"),
        "size": len(content) if size is None else size,
        **extra,
    }
    return api.post(f"/api/teachers/{teacher_id}/uploads", body)


def post_to_s3(
    upload: dict[str, Any], content: bytes, *, file_name: str = "file.bin"
) -> requests.Response:
    """What the browser does: a multipart POST of the policy fields and the file to S3."""
    files = {"file": (file_name, content, upload["fields"].get("Content-Type"))}
    response = requests.post(upload["url"], data=upload["fields"], files=files, timeout=15)
    assert response.status_code in (200, 201, 204), response.text
    return response


def confirm(
    api: Api, teacher_id: Any, upload_id: str, body: dict[str, Any] | None = None, **kw: Any
) -> Result:
    return api.post(f"/api/teachers/{teacher_id}/uploads/{upload_id}/confirm", body or {}, **kw)


def upload_file(
    api: Api,
    teacher_id: Any,
    kind: str = "passport",
    content: bytes = PDF,
    body: dict[str, Any] | None = None,
    **extra: Any,
) -> Result:
    """Ask, POST the bytes to S3 for real, confirm; returns the confirm result."""
    asked = request_upload(api, teacher_id, kind, content, **extra)
    assert asked.status == 201, asked.body
    post_to_s3(asked.body, content)
    return confirm(api, teacher_id, asked.body["uploadId"], body)


def decode_policy(fields: dict[str, str]) -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(base64.b64decode(fields["policy"]))
    return policy


def multipart(
    fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]
) -> tuple[bytes, dict[str, str]]:
    """Encode a ``multipart/form-data`` body like a browser's FormData."""
    boundary = "----FormBoundary" + uuid.uuid4().hex
    chunks: list[bytes] = []
    for name, value in fields.items():
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for name, (file_name, data, content_type) in files.items():
        chunks.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{file_name}"\r\nContent-Type: {content_type}\r\n\r\n'
            ).encode()
            + data
            + b"\r\n"
        )
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), {"Content-Type": f"multipart/form-data; boundary={boundary}"}
