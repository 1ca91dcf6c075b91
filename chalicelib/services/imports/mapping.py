"""From a spreadsheet row to a validated teacher or school: headers to fields, cells to values,
references to ids, then the same input models as the API (so an import accepts exactly what a
form may send). Every problem is reported with its row, column and message."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from chalicelib.api.validation import validation_failed
from chalicelib.db import Document
from chalicelib.errors import FieldError, ValidationFailed
from chalicelib.services.columns import Column, find_column
from chalicelib.services.common import unflatten
from chalicelib.services.imports import cells
from chalicelib.services.imports.lookups import Lookups, UnknownReference

KEY_COLUMN = {"teachers": "email", "schools": "name.chinese"}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> Document:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Mapped:
    """One row read: its key (e-mail / Chinese name), its fields (nested, as a form would send
    them), and its errors."""

    row: int
    key: str | None = None
    fields: Document = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    retired: dict[str, tuple[str, str]] = field(default_factory=dict)
    """References to a deleted school / archived project: field → (header, message); an error
    only if the row changes that field (an export names the teacher's current one)."""


@dataclass(frozen=True)
class Layout:
    """The file's columns: for each header, the column it names (None: ignored)."""

    kind: str
    columns: list[Column | None]
    headers: list[str]

    def header_of(self, path: str) -> str:
        for header, column in zip(self.headers, self.columns, strict=True):
            if column is not None and column.path == path:
                return header
        return path


def read_layout(kind: str, headers: list[str]) -> Layout:
    """Map the header row; unknown, repeated or missing key columns refuse the file."""
    columns: list[Column | None] = []
    problems: list[FieldError] = []
    seen: dict[str, str] = {}
    for header in headers:
        if not header:
            columns.append(None)
            continue
        column = find_column(kind, header)
        if column is None:
            problems.append(FieldError(f"row 1, column '{header}'", "unknown column"))
        elif column.kind != "ignored" and column.path in seen:
            problems.append(
                FieldError(f"row 1, column '{header}'", f"same field as '{seen[column.path]}'")
            )
        else:
            seen[column.path] = header
        columns.append(None if column is None or column.kind == "ignored" else column)
    key = KEY_COLUMN[kind]
    if key not in seen and not problems:
        problems.append(FieldError("row 1", f"a '{key}' column is required (it identifies rows)"))
    if problems:
        raise ValidationFailed(
            detail="The header row is not usable ("
            + "; ".join(f"{e.field}: {e.message}" for e in problems[:10])
            + "). Use the dot-notation paths of FETMS's import or the labels of our export "
            "(GET /api/imports/columns).",
            errors=problems,
        )
    return Layout(kind, columns, headers)


def map_row(layout: Layout, number: int, values: list[Any], lookups: Lookups) -> Mapped:
    """Cells → fields (references resolved); no model validation yet."""
    mapped = Mapped(row=number)
    flat: Document = {}
    for header, column, raw in zip(
        layout.headers, layout.columns, _padded(values, layout), strict=True
    ):
        if column is None:
            continue
        try:
            value = cells.clean(raw)
            if value is None:
                continue
            _put(flat, column, value, lookups)
            if column.kind in ("school", "project"):
                _note_retired(mapped, header, column.kind, flat, lookups)
        except (cells.CellError, UnknownReference) as exc:
            mapped.errors.append(RowError(number, header, str(exc)))
    if layout.kind == "teachers":
        _link_school_by_name(flat, lookups)
    key = flat.get(KEY_COLUMN[layout.kind])
    if isinstance(key, str) and key.strip():
        mapped.key = key.strip().lower() if layout.kind == "teachers" else key.strip()
    else:
        key_header = layout.header_of(KEY_COLUMN[layout.kind])
        if not any(e.column == key_header for e in mapped.errors):
            mapped.errors.append(RowError(number, key_header, "required: it identifies the row"))
    mapped.fields = unflatten(flat)
    return mapped


def _padded(values: list[Any], layout: Layout) -> list[Any]:
    width = len(layout.headers)
    return (values + [None] * width)[:width]


def _put(flat: Document, column: Column, value: Any, lookups: Lookups) -> None:
    if column.kind == "date":
        flat[column.path] = cells.as_date(value).isoformat().replace("+00:00", "Z")
    elif column.kind == "number":
        flat[column.path] = cells.as_number(value)
    elif column.kind == "bool":
        flat[column.path] = cells.as_bool(value)
    elif column.kind == "school":
        school = lookups.school(cells.as_text(value))
        flat["school"] = str(school["_id"])
        flat["personalInfo.serviceSchool"] = (school.get("name") or {}).get("chinese")
    elif column.kind == "project":
        flat["project"] = str(lookups.project(cells.as_text(value))["_id"])
    elif column.kind == "stage":
        flat["pipelineStage"] = lookups.stage(cells.as_text(value))
    else:
        flat[column.path] = cells.as_text(value)


def _note_retired(mapped: Mapped, header: str, kind: str, flat: Document, lookups: Lookups) -> None:
    retired = lookups.retired_schools if kind == "school" else lookups.retired_projects
    if str(flat.get(kind)) in retired:
        what = "school was deleted" if kind == "school" else "project is archived"
        mapped.retired[kind] = (header, f"this {what}")


def _link_school_by_name(flat: Document, lookups: Lookups) -> None:
    """Without a ``school`` column, a ``serviceSchool`` naming one school links it (as the
    teacher form does)."""
    name = flat.get("personalInfo.serviceSchool")
    if "school" not in flat and isinstance(name, str):
        school = lookups.school_named(name)
        flat["school"] = str(school["_id"]) if school else None


def validate(layout: Layout, mapped: Mapped, model: type[BaseModel]) -> Document | None:
    """The row's fields through the API's input model (strict JSON mode), as stored values;
    None (with errors added) when the model refuses them."""
    try:
        parsed = model.model_validate_json(json.dumps(mapped.fields))
    except ValidationError as exc:
        for error in validation_failed(exc, "row").errors:
            mapped.errors.append(RowError(mapped.row, layout.header_of(error.field), error.message))
        return None
    document: Document = parsed.model_dump(exclude_unset=True, by_alias=True)
    return document
