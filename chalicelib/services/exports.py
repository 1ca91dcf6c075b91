"""Teacher export: CSV (UTF-8 with BOM) or XLSX, same filters as the list, import-ready columns.

Headers are dot-notation field paths (``headers=labels``: human column names); the import accepts
either back, so an export re-imports unchanged. References are exported by name
(``school`` → the school's Chinese name, ``project`` → the project code, ``pipelineStage`` → the
stage title), dates as ISO dates (``YYYY-MM-DD``). Text cells starting with ``= + - @`` (or a tab /
carriage return) are prefixed with ``'`` so spreadsheets never evaluate them as formulas.
"""

from __future__ import annotations

import csv
import importlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.db import TEACHERS, Db, Document
from chalicelib.models.teachers import TeacherExportQuery
from chalicelib.services import common, disclosure
from chalicelib.services.columns import TEACHER_COLUMNS
from chalicelib.services.common import value_at
from chalicelib.services.pipeline import UNCATEGORIZED_TITLE, live_stages
from chalicelib.services.teachers import POPULATE, build_match, sort_spec

MAX_EXPORT_ROWS = 50_000
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

COLUMNS: tuple[str, ...] = tuple(column.path for column in TEACHER_COLUMNS)
LABELS: tuple[str, ...] = tuple(column.label for column in TEACHER_COLUMNS)


@dataclass(frozen=True)
class Exported:
    body: str | bytes
    content_type: str
    filename: str
    rows: int


def neutralise(value: str) -> str:
    """Defuse spreadsheet formulas (CSV/formula injection) and drop the control characters XML
    cannot hold (records stored before input refused them, or written by other programs), so no
    stored string can make an export fail."""
    text = XML_ILLEGAL.sub("", value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def cell(value: Any) -> Any:
    """A stored value as an export cell: ISO dates (a datetime when it has a time), plain
    numbers/booleans, neutralised text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.date().isoformat()
        return value.isoformat().replace("+00:00", "Z")  # a time kept, so it re-imports as is
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    return neutralise(str(value))


def rows(db: Db, query: TeacherExportQuery, role: str | None = None) -> Iterator[list[Any]]:
    """Export rows for the filtered teachers (one aggregation, streamed); restricted columns
    masked for viewers (``disclosure``)."""
    titles = {str(s["_id"]): str(s.get("title", "")) for s in live_stages(db)}
    pipeline: list[Document] = [
        {"$match": build_match(db, query, common.utcnow())},
        {"$sort": sort_spec(query)},
        {"$limit": MAX_EXPORT_ROWS},
        *POPULATE,
    ]
    for doc in db[TEACHERS].aggregate(pipeline):
        school = doc.get("school") if isinstance(doc.get("school"), dict) else {}
        project = doc.get("project") if isinstance(doc.get("project"), dict) else {}
        values = {
            "school": value_at(school or {}, "name.chinese"),
            "project": (project or {}).get("code"),
            "pipelineStage": titles.get(str(doc.get("pipelineStage")), UNCATEGORIZED_TITLE),
            "_id": str(doc["_id"]),
        }
        row = [cell(values[c] if c in values else value_at(doc, c)) for c in COLUMNS]
        yield disclosure.redact_row(COLUMNS, row, role)


def to_csv(data: Iterable[list[Any]], headers: tuple[str, ...] = COLUMNS) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(data)
    return buffer.getvalue()


def to_xlsx(data: Iterable[list[Any]], headers: tuple[str, ...] = COLUMNS) -> bytes:
    openpyxl: Any = importlib.import_module("openpyxl")
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Teachers")
    sheet.append(list(headers))
    for row in data:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_teachers(db: Db, query: TeacherExportQuery, role: str | None = None) -> Exported:
    disclosure.check_filters(query, role)
    data = list(rows(db, query, role))
    stamp = common.utcnow().strftime("%Y%m%d")
    headers = LABELS if query.headers == "labels" else COLUMNS
    if query.format == "xlsx":
        return Exported(to_xlsx(data, headers), XLSX_TYPE, f"teachers-{stamp}.xlsx", len(data))
    return Exported(to_csv(data, headers), CSV_TYPE, f"teachers-{stamp}.csv", len(data))
