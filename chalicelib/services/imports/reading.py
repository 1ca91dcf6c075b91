"""Reading an import file as rows, streaming: CSV (UTF-8 with or without BOM, UTF-16, Big5) or
XLSX (its first sheet), whatever the file is named.

* The format is told by the first bytes (an XLSX is a zip); old ``.xls`` files are refused with
  the way out (save as ``.xlsx`` or CSV).
* CSV encoding: a BOM decides; otherwise the first 64 KB must decode as UTF-8, else the file is
  read as Big5 (``cp950``, what Excel in Taiwan writes). ``encoding`` overrides the guess.
  The delimiter is a comma, or a tab when the header has tabs and no comma (Excel's "Unicode
  text").
* An XLSX is spooled to a temporary file (a zip needs seeking), its uncompressed size is checked
  (no zip bombs), then its rows are read one by one (openpyxl's read-only mode). Formula cells
  come back as :class:`Formula` so the import can refuse them.
* Rows are numbered as a spreadsheet shows them (the header is row 1); blank rows are skipped;
  more than ``max_rows`` data rows or ``MAX_COLUMNS`` columns refuse the whole file.
"""

from __future__ import annotations

import codecs
import csv
import importlib
import io
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, Literal, cast

from chalicelib.errors import FieldError, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from chalicelib.services.imports.sources import READ_BUFFER, Source

Encoding = Literal["auto", "utf-8", "big5"]
MAX_COLUMNS = 200
MAX_CELL_CHARS = 10_000
XLSX_SPOOL_BYTES = 8 * 1024 * 1024
XLSX_MAX_UNCOMPRESSED = 200 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
BIG5 = "cp950"

csv.field_size_limit(MAX_CELL_CHARS * 4)


@dataclass(frozen=True)
class Formula:
    """An XLSX cell holding a formula (never evaluated, never imported)."""

    text: str


@dataclass(frozen=True)
class Row:
    number: int
    cells: list[Any]


@dataclass
class Sheet:
    format: str
    encoding: str | None
    headers: list[str]
    rows: Iterator[Row]


def _file_error(detail: str) -> ValidationFailed:
    return ValidationFailed(detail=detail, errors=[FieldError("file", detail)])


def _too_many_rows(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        detail=f"The file has more than {limit} rows; split it (IMPORT_MAX_ROWS is {limit})",
        errors=[FieldError("file", f"at most {limit} rows")],
    )


def _blank(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _limited(rows: Iterator[Row], max_rows: int) -> Iterator[Row]:
    count = 0
    for row in rows:
        if _blank(row.cells):
            continue
        count += 1
        if count > max_rows:
            raise _too_many_rows(max_rows)
        yield row


def _headers(cells: list[Any]) -> list[str]:
    headers = [str(c if c is not None else "").replace("\ufeff", "").strip() for c in cells]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise _file_error("The first row must hold the column names; it is empty")
    if len(headers) > MAX_COLUMNS:
        raise _file_error(f"The file has {len(headers)} columns; at most {MAX_COLUMNS}")
    return headers


@contextmanager
def open_sheet(source: Source, *, encoding: Encoding = "auto", max_rows: int) -> Iterator[Sheet]:
    """The file's header and a stream of its data rows (see the module docstring)."""
    with source.open() as raw, io.BufferedReader(cast(Any, raw), READ_BUFFER) as stream:
        head = stream.peek(READ_BUFFER)[:READ_BUFFER]
        if head.startswith(OLE_MAGIC):
            raise UnsupportedMediaType(
                detail="Old Excel files (.xls) are not read: save the sheet as .xlsx or CSV",
                errors=[FieldError("file", "unsupported spreadsheet format")],
            )
        if head.startswith(ZIP_MAGIC):
            with _xlsx(stream, max_rows) as sheet:
                yield sheet
            return
        yield _csv(stream, head, encoding, max_rows)


def _guess_encoding(head: bytes, wanted: Encoding) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if wanted == "utf-8":
        return "utf-8-sig"
    if wanted == "big5":
        return BIG5
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return BIG5
    return "utf-8-sig"


def _csv(stream: IO[bytes], head: bytes, wanted: Encoding, max_rows: int) -> Sheet:
    encoding = _guess_encoding(head, wanted)
    text = io.TextIOWrapper(cast(Any, stream), encoding=encoding, newline="")
    first_line = head.split(b"\n", 1)[0]
    delimiter = "\t" if b"\t" in first_line and b"," not in first_line else ","
    if encoding == "utf-16":
        delimiter = "\t" if "\t" in head.decode("utf-16", "ignore").split("\n", 1)[0] else ","
    reader = csv.reader(text, delimiter=delimiter)
    shown = "Big5" if encoding == BIG5 else encoding.upper().replace("-SIG", "")

    def records() -> Iterator[Row]:
        number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise _file_error(
                    f"The file is not valid {shown} text near row {number + 1}: save it as "
                    "UTF-8 CSV, or say which encoding it uses (encoding=big5 or utf-8)"
                ) from exc
            except csv.Error as exc:
                raise _file_error(f"Row {number + 1} cannot be read as CSV: {exc}") from exc
            number += 1
            yield Row(number, list(cells))

    rows = records()
    header = next((row for row in rows if not _blank(row.cells)), None)
    if header is None:
        raise _file_error("The file is empty: the first row must hold the column names")
    return Sheet("csv", shown, _headers(header.cells), _limited(rows, max_rows))


@contextmanager
def _xlsx(stream: IO[bytes], max_rows: int) -> Iterator[Sheet]:
    openpyxl: Any = importlib.import_module("openpyxl")

    with tempfile.SpooledTemporaryFile(max_size=XLSX_SPOOL_BYTES) as spool:
        shutil.copyfileobj(stream, spool, READ_BUFFER)
        spool.seek(0)
        try:
            with zipfile.ZipFile(spool) as archive:
                unpacked = sum(info.file_size for info in archive.infolist())
        except zipfile.BadZipFile as exc:
            raise _file_error("The file looks like an XLSX but is not a valid one") from exc
        if unpacked > XLSX_MAX_UNCOMPRESSED:
            raise _file_error("The spreadsheet unpacks to more than 200 MB; it is refused")
        spool.seek(0)
        try:
            workbook = openpyxl.load_workbook(spool, read_only=True, data_only=False)
        except Exception as exc:  # openpyxl raises many kinds on a damaged file
            raise _file_error("The XLSX file cannot be read; save it again from Excel") from exc
        try:
            sheet = workbook.worksheets[0]
            rows = (
                Row(number, [_xlsx_value(cell) for cell in cells])
                for number, cells in enumerate(sheet.iter_rows(), start=1)
            )
            header = next((row for row in rows if not _blank(row.cells)), None)
            if header is None:
                raise _file_error("The sheet is empty: the first row must hold the column names")
            yield Sheet("xlsx", None, _headers(header.cells), _limited(rows, max_rows))
        finally:
            workbook.close()


def _xlsx_value(cell: Any) -> Any:
    if getattr(cell, "data_type", None) == "f":
        return Formula(str(cell.value))
    return getattr(cell, "value", None)
