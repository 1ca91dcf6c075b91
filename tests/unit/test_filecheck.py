"""The content check of uploads (issue 16, Low: polyglots): the declared type all the way
through, no markup where polyglots hide it, no active content in PDFs."""

from __future__ import annotations

import io
import struct
import zlib

import pytest

from chalicelib import filecheck
from tests.support.files import JPEG, PDF, PNG, WEBP, make_image, make_pdf

HTML = b"<html><body><script>fetch('/api/users')</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def with_png_chunk(png: bytes, chunk: bytes) -> bytes:
    ihdr_end = 8 + 12 + 13
    return png[:ihdr_end] + chunk + png[ihdr_end:]


@pytest.mark.parametrize(
    ("data", "kind"),
    [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")],
)
def test_real_files_pass(data: bytes, kind: str) -> None:
    assert filecheck.problem(data, kind) is None


def test_a_scanned_multi_page_pdf_and_a_large_photo_pass() -> None:
    assert filecheck.problem(make_pdf(pages=3), "application/pdf") is None
    assert filecheck.problem(make_image("JPEG", (1200, 900)), "image/jpeg") is None


POLYGLOTS = {
    "pdf that is also html": (PDF.replace(b"%%EOF", HTML + b"\n%%EOF"), "application/pdf"),
    "html page with a pdf header": (b"%PDF-1.7\n" + HTML + b"\n%%EOF\n", "application/pdf"),
    "png magic with svg inside": (b"\x89PNG\r\n\x1a\n" + SVG, "image/png"),
    "svg in a png text chunk": (
        with_png_chunk(PNG, png_chunk(b"tEXt", b"Comment\x00" + SVG)),
        "image/png",
    ),
    "svg in a compressed png text chunk": (
        with_png_chunk(PNG, png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(SVG))),
        "image/png",
    ),
    "html after the png's end": (PNG + HTML, "image/png"),
    "script in a jpeg comment": (
        JPEG[:2] + b"\xff\xfe" + struct.pack(">H", len(HTML) + 2) + HTML + JPEG[2:],
        "image/jpeg",
    ),
    "html after the jpeg image": (JPEG + HTML, "image/jpeg"),
    "html after the webp's riff size": (WEBP + HTML, "image/webp"),
}


@pytest.mark.parametrize("name", sorted(POLYGLOTS))
def test_polyglots_are_refused(name: str) -> None:
    data, kind = POLYGLOTS[name]
    found = filecheck.problem(data, kind)
    assert found is not None, name


def test_damaged_and_truncated_files_are_refused() -> None:
    big_png = make_image("PNG", (300, 300), "red")
    assert filecheck.problem(big_png[: len(big_png) // 2], "image/png") is not None
    broken = bytearray(PNG)
    broken[40] ^= 0xFF  # inside a chunk: its CRC no longer matches
    assert filecheck.problem(bytes(broken), "image/png") is not None
    assert filecheck.problem(JPEG[:40], "image/jpeg") is not None
    assert filecheck.problem(b"%PDF-1.7\n garbage \n%%EOF\n", "application/pdf") is not None


def test_pdfs_with_javascript_are_refused() -> None:
    from pypdf import PdfWriter
    from pypdf.actions import JavaScript

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_open_action(JavaScript("app.alert('hello');"))
    buffer = io.BytesIO()
    writer.write(buffer)
    found = filecheck.problem(buffer.getvalue(), "application/pdf")
    assert found is not None and "JavaScript" in found


def test_an_image_of_the_wrong_kind_is_refused() -> None:
    assert filecheck.problem(PNG, "image/jpeg") is not None
    assert filecheck.problem(JPEG, "image/png") is not None
