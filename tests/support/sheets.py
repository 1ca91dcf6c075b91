"""Spreadsheets for import tests: CSV in a chosen encoding, XLSX, and the calls that send them."""

from __future__ import annotations

import csv
import importlib
import io
from typing import Any

from tests.support.files import multipart, post_to_s3
from tests.support.http import Api, Result

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    openpyxl: Any = importlib.import_module("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def send(
    api: Api,
    kind: str,
    data: bytes,
    *,
    name: str = "import.csv",
    content_type: str = "text/csv",
    query: str = "",
) -> Result:
    """FETMS's multipart import: the file in the form field ``file``."""
    body, headers = multipart({}, {"file": (name, data, content_type)})
    path = f"/api/{kind}/import" + (f"?{query}" if query else "")
    return api.call("POST", path, headers=headers, raw=body)


def upload(
    api: Api, kind: str, data: bytes, *, name: str = "big.csv", content_type: str = "text/csv"
) -> dict[str, Any]:
    """The presigned flow: ask, POST the bytes to S3; returns the import record."""
    asked = api.post(
        "/api/imports",
        {"kind": kind, "fileName": name, "contentType": content_type, "size": len(data)},
    )
    assert asked.status == 201, asked.body
    post_to_s3(asked.body["upload"], data, file_name=name)
    record: dict[str, Any] = asked.body
    return record
