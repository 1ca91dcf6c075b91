"""Import cells and files: what is refused, how values and encodings are read (no database)."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from chalicelib.services.columns import find_column
from chalicelib.services.imports import cells
from chalicelib.services.imports.reading import Formula, open_sheet
from chalicelib.services.imports.sources import from_bytes


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("=1+1", "formula"),
        (Formula("=SUM(A1)"), "formulas are not imported"),
        ("$where", "operator"),
        ('{"$gt": ""}', "operator"),
        ("a __proto__ b", "__proto__"),
        ("bell\x07", "control character"),
        ("x" * 10_001, "longer than"),
    ],
)
def test_hostile_cells_are_refused(value: Any, reason: str) -> None:
    with pytest.raises(cells.CellError, match=reason):
        cells.clean(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  ", None),
        ("'=HYPERLINK(x)", "=HYPERLINK(x)"),
        ("'+886 912", "+886 912"),
        ("$60,000", "$60,000"),
        ("-5", "-5"),
        (42, 42),
    ],
)
def test_clean_values(value: Any, expected: Any) -> None:
    assert cells.clean(value) == expected


def test_conversions() -> None:
    assert cells.as_number("$60,000") == 60000
    assert cells.as_number("65000.5") == 65000.5
    assert cells.as_text(912345678.0) == "912345678"
    assert cells.as_bool("TRUE") is True and cells.as_bool("no") is False
    midnight = datetime(2026, 1, 31, tzinfo=UTC)
    for text in ("2026-01-31", "2026/1/31", "1/31/2026", "2026.01.31"):
        assert cells.as_date(text) == midnight, text
    assert cells.as_date("2026-01-31T10:00:00Z") == midnight.replace(hour=10)
    for bad in ("31/31/2026", "tomorrow"):
        with pytest.raises(cells.CellError):
            cells.as_date(bad)
    with pytest.raises(cells.CellError):
        cells.as_bool("maybe")


def test_headers_by_path_or_label_ignoring_case_and_spacing() -> None:
    by_path = find_column("teachers", "personalInfo.nationality.english")
    assert by_path is not None and by_path.label == "Nationality"
    column = find_column("teachers", "  nationality ")
    assert column is not None and column.path == "personalInfo.nationality.english"
    assert find_column("teachers", "\ufeffemail") is not None
    ignored = find_column("teachers", "documents.passport.filePath")
    assert ignored is not None and ignored.kind == "ignored"
    assert find_column("schools", "email") is None


def read(data: bytes, **options: Any) -> tuple[str | None, list[str], list[list[Any]]]:
    with open_sheet(
        from_bytes("f.csv", data), max_rows=options.pop("max_rows", 10), **options
    ) as sheet:
        return sheet.encoding, sheet.headers, [row.cells for row in sheet.rows]


def test_encodings_and_delimiters() -> None:
    text = "email,name\r\na@x,王大明\r\n\r\n"
    assert read(text.encode("utf-8")) == ("UTF-8", ["email", "name"], [["a@x", "王大明"]])
    assert read(codecs.BOM_UTF8 + text.encode())[2] == [["a@x", "王大明"]]
    assert read(text.encode("cp950"))[0] == "Big5"
    assert read(text.encode("cp950"))[2] == [["a@x", "王大明"]]
    tabbed = "email\tname\r\na@x\t王大明\r\n".encode("utf-16")
    assert read(tabbed)[2] == [["a@x", "王大明"]]
    with pytest.raises(ValidationFailed, match="not valid UTF-8"):
        read(
            ("email\r\n" + "a" * 70_000 + "\r\n").encode() + "王".encode("cp950"), encoding="utf-8"
        )


def test_file_level_refusals() -> None:
    with pytest.raises(PayloadTooLarge):
        read(b"email\r\n" + b"a@x\r\n" * 11)
    with pytest.raises(UnsupportedMediaType):
        read(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    with pytest.raises(ValidationFailed, match="empty"):
        read(b"\r\n\r\n")
    with pytest.raises(ValidationFailed, match="columns"):
        read(",".join(f"c{i}" for i in range(201)).encode())
