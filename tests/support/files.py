"""Small valid files and helpers for the presigned upload flow (real HTTP POSTs to S3)."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import requests

from tests.support.http import Api, Result

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + b"0" * 200 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 100
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x11" * 100 + b"\xff\xd9"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 100
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
