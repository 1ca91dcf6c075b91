"""What an uploaded file really is: a content check beyond its leading bytes.

A file passes only when it *is* the declared type all the way through — a PDF that parses as
one, an image that decodes — and carries nothing a browser could take for a page: no markup in
the places a polyglot hides it (PNG text chunks and data after ``IEND``, JPEG comment and
application segments and data after the image, WebP metadata chunks and data past the RIFF
size, anywhere in a PDF's bytes), and no active content in a PDF (JavaScript, launch actions,
embedded files, XFA forms). Pure functions on bytes: ``storage`` fetches, this module judges.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
import zlib
from collections.abc import Iterator
from typing import Any

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"

MAX_IMAGE_PIXELS = 60_000_000  # a 7,700 x 7,700 scan; beyond it decoding is refused
MAX_PDF_OBJECTS = 200_000

# Markup a browser would render or run: an HTML/SVG/XML document start or an active element.
MARKUP = re.compile(
    rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|frame|svg|object|embed|"
    rb"meta\s+http-equiv|form|a\s+href|img\s+[^>]{0,40}onerror|\?xml-stylesheet)[\s>/]",
    re.IGNORECASE,
)
# Active content in a PDF (dictionary keys or name values anywhere in its objects).
PDF_ACTIVE_NAMES = frozenset(
    {"/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/XFA"}
)


class Rejected(Exception):
    """The content is not an acceptable file of the declared type (message says why)."""


def problem(data: bytes, content_type: str) -> str | None:
    """Why ``data`` is not an acceptable ``content_type`` file, or None when it is."""
    checks = {PDF: _check_pdf, PNG: _check_png, JPEG: _check_jpeg, WEBP: _check_webp}
    check = checks.get(content_type)
    if check is None:
        return f"'{content_type}' is not an accepted type"
    try:
        check(data)
    except Rejected as exc:
        return str(exc)
    return None


def _no_markup(region: bytes, where: str) -> None:
    if MARKUP.search(region):
        raise Rejected(f"The file contains web-page markup ({where}); it is not accepted")


# --- PDF --------------------------------------------------------------------------------------


def _check_pdf(data: bytes) -> None:
    if not re.match(rb"%PDF-[12]\.\d", data):
        raise Rejected("The file's content is not a valid PDF (no PDF header)")
    if b"%%EOF" not in data[-2048:]:
        raise Rejected("The file's content is not a valid PDF (no end-of-file marker)")
    _no_markup(data, "inside the PDF")
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise Rejected("Password-protected PDFs are not accepted")
            if len(reader.pages) < 1:
                raise Rejected("The PDF has no pages")
            for name in _pdf_names(reader):
                if name in PDF_ACTIVE_NAMES:
                    raise Rejected(
                        f"PDFs with active content ({name[1:]}) are not accepted; print or "
                        "scan the document to a plain PDF"
                    )
    except Rejected:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise Rejected("The file's content is not a valid PDF (it does not parse)") from exc


def _pdf_names(reader: Any) -> Iterator[str]:
    """Every dictionary key and name value of every object the PDF holds (object streams
    included, so a compressed dictionary cannot hide an action)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    seen = 0
    numbers: set[tuple[int, int]] = set()
    for generation, objects in reader.xref.items():
        numbers.update((number, generation) for number in objects)
    numbers.update((number, 0) for number in reader.xref_objStm)
    for number, generation in sorted(numbers):
        seen += 1
        if seen > MAX_PDF_OBJECTS:
            raise Rejected("The PDF has too many objects to be checked")
        try:
            obj = reader.get_object(IndirectObject(number, generation, reader))
        except Exception:  # noqa: S112 - a damaged object is judged by the pages check
            continue
        stack = [obj]
        while stack:
            item = stack.pop()
            if isinstance(item, DictionaryObject):
                for key, value in item.items():
                    yield str(key)
                    if not isinstance(value, IndirectObject):
                        stack.append(value)
            elif isinstance(item, ArrayObject):
                stack.extend(v for v in item if not isinstance(v, IndirectObject))
            elif isinstance(item, NameObject):
                yield str(item)


# --- Images -----------------------------------------------------------------------------------


def _decode_image(data: bytes, expected_format: str) -> None:
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[expected_format]) as image:
                image.load()
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
        struct.error,
    ) as exc:
        raise Rejected(
            f"The file's content is not a valid {expected_format} image (it does not decode)"
        ) from exc


def _check_png(data: bytes) -> None:
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise Rejected("The file's content is not a valid PNG")
    offset = 8
    first = True
    while True:
        if offset + 12 > len(data):
            raise Rejected("The file's content is not a valid PNG (truncated chunk)")
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        end = offset + 12 + length
        if end > len(data):
            raise Rejected("The file's content is not a valid PNG (truncated chunk)")
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(kind + body) != crc:
            raise Rejected("The file's content is not a valid PNG (a chunk is damaged)")
        if first and kind != b"IHDR":
            raise Rejected("The file's content is not a valid PNG (no header chunk)")
        first = False
        if kind in (b"tEXt", b"iTXt", b"zTXt"):
            _no_markup(_png_text(kind, body), "in a PNG text chunk")
        offset = end
        if kind == b"IEND":
            break
    if data[offset:].strip(b"\x00"):
        raise Rejected("The PNG has data after its end; it is not accepted")
    _decode_image(data, "PNG")


DAMAGED_TEXT = "The file's content is not a valid PNG (a text chunk is damaged)"


def _png_text(kind: bytes, body: bytes) -> bytes:
    if kind == b"zTXt":
        _, _, rest = body.partition(b"\x00")
        try:
            return zlib.decompressobj().decompress(rest[1:], 1_000_000)
        except zlib.error as exc:
            raise Rejected(
                "The file's content is not a valid PNG (a text chunk is damaged)"
            ) from exc
    if kind == b"iTXt":
        keyword, _, rest = body.partition(b"\x00")
        if len(rest) >= 2 and rest[0] == 1:  # compressed
            try:
                fields = rest[2:].split(b"\x00", 2)
                text = zlib.decompressobj().decompress(fields[-1], 1_000_000)
            except zlib.error as exc:
                raise Rejected(DAMAGED_TEXT) from exc
            return keyword + b" " + text
    return body


def _check_jpeg(data: bytes) -> None:
    if not data.startswith(b"\xff\xd8\xff"):
        raise Rejected("The file's content is not a valid JPEG")
    offset = 2
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:
            raise Rejected("The file's content is not a valid JPEG (a segment is damaged)")
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker == 0xDA:  # start of scan: image data follows
            break
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        segment = data[offset + 4 : offset + 2 + length]
        if marker == 0xFE or 0xE0 <= marker <= 0xEF:  # comment, application data (EXIF, XMP)
            _no_markup(segment, "in the JPEG's metadata")
        offset += 2 + length
    end = data.rfind(b"\xff\xd9")
    if end < 0:
        raise Rejected("The file's content is not a valid JPEG (no end marker)")
    _no_markup(data[end + 2 :], "after the JPEG image")
    _decode_image(data, "JPEG")


def _check_webp(data: bytes) -> None:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise Rejected("The file's content is not a valid WebP")
    (size,) = struct.unpack("<I", data[4:8])
    if size + 8 != len(data):
        raise Rejected("The WebP's size does not match the file (data outside the image)")
    offset = 12
    while offset + 8 <= len(data):
        kind, length = struct.unpack("<4sI", data[offset : offset + 8])
        body = data[offset + 8 : offset + 8 + length]
        if kind in (b"XMP ", b"EXIF"):
            _no_markup(body, "in the WebP's metadata")
        offset += 8 + length + (length & 1)
    _decode_image(data, "WEBP")
