"""Running an import over a file: dry run (nothing written) or apply (one transaction).

Rows are read as a stream, mapped and checked in batches of ``BATCH_ROWS`` (one query finds the
batch's existing records), then — when applying — written batch by batch inside the import's one
transaction. Each row is ``create``, ``update``, ``unchanged`` or ``error`` (with row, column and
message). ``onError=abort`` (default) applies all rows or none: one row in error rejects the
import, and the transaction writes nothing; ``onError=skip`` applies the rows without errors.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from pymongo.client_session import ClientSession

from chalicelib.db import Db, Document
from chalicelib.errors import FieldError, ValidationFailed
from chalicelib.services.imports.kinds import KINDS, Kind
from chalicelib.services.imports.lookups import load_lookups
from chalicelib.services.imports.mapping import (
    Layout,
    Mapped,
    RowError,
    map_row,
    read_layout,
    validate,
)
from chalicelib.services.imports.reading import Encoding, Row, open_sheet
from chalicelib.services.imports.records import Outcome, RowResult
from chalicelib.services.imports.sources import Source
from chalicelib.services.imports.writing import Writer
from chalicelib.settings import Settings

BATCH_ROWS = 500
OnError = Literal["abort", "skip"]
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Options:
    on_error: OnError = "abort"
    encoding: Encoding = "auto"
    project: str | None = None
    """Teachers: the project (id) of created teachers whose row names none."""


def _batches(rows: Iterator[Row]) -> Iterator[list[Row]]:
    while batch := list(itertools.islice(rows, BATCH_ROWS)):
        yield batch


def _refuse_retired(mapped: Mapped, fields: set[str]) -> None:
    for name in sorted(fields):
        header, message = mapped.retired[name]
        mapped.errors.append(RowError(mapped.row, header, message))


def _decide(
    kind: Kind,
    layout: Layout,
    mapped: Mapped,
    existing: dict[str, list[Document]],
    seen: dict[str, int],
    live_stages: list[str],
    default_project: str | None = None,
) -> tuple[RowResult, Document | None, Document | None]:
    """(result, document to create | changes to set, the existing record)."""
    layout_header = layout.header_of
    result = RowResult(row=mapped.row, action="error", key=mapped.key)
    if mapped.key is not None:
        if mapped.key in seen:
            column = layout_header(kind.key_path)
            other = seen[mapped.key]
            mapped.errors.append(
                RowError(mapped.row, column, f"same {kind.key_label} as row {other}")
            )
        else:
            seen[mapped.key] = mapped.row
    if mapped.errors:
        result.errors = mapped.errors
        return result, None, None
    assert mapped.key is not None
    matches = existing.get(mapped.key, [])
    if len(matches) > 1:
        column = layout_header(kind.key_path)
        ids = ", ".join(str(m["_id"]) for m in matches[:5])
        message = f"{len(matches)} records have this {kind.key_label} ({ids}); fix them first"
        result.errors = [RowError(mapped.row, column, message)]
        return result, None, None
    if not matches:
        if default_project and not mapped.fields.get("project"):
            mapped.fields["project"] = default_project
        fields = validate(layout, mapped, kind.create_model)
        _refuse_retired(mapped, set(mapped.retired))
        if fields is None or mapped.errors:
            result.errors = mapped.errors
            return result, None, None
        result.action = "create"
        return result, fields, None
    current = matches[0]
    result.id = str(current["_id"])
    fields = validate(layout, mapped, kind.update_model)
    if fields is None:
        result.errors = mapped.errors
        return result, None, current
    changes = kind.changes(current, fields, live_stages)
    _refuse_retired(mapped, set(mapped.retired) & set(changes))
    if mapped.errors:
        result.errors = mapped.errors
        return result, None, current
    result.action = "update" if changes else "unchanged"
    result.changes = sorted(changes)
    return result, changes, current


def scan(
    db: Db,
    kind_name: str,
    source: Source,
    options: Options,
    settings: Settings,
    *,
    writer: Writer | None = None,
    session: ClientSession | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """Read, map and check every row; with a ``writer``, write the accepted ones."""
    kind = KINDS[kind_name]
    lookups = load_lookups(db, session)
    if options.project and options.project not in lookups.projects:
        raise ValidationFailed(
            detail="The import's project is archived or no longer exists; start a new import",
            errors=[FieldError("projectId", "not an active project")],
        )
    with open_sheet(source, encoding=options.encoding, max_rows=settings.import_max_rows) as sheet:
        layout = read_layout(kind_name, sheet.headers)
        outcome = Outcome(format=sheet.format, encoding=sheet.encoding)
        seen: dict[str, int] = {}
        failed = False
        index = kind.key_index(db, session)
        for batch in _batches(sheet.rows):
            mapped = [map_row(layout, row.number, row.cells, lookups) for row in batch]
            keys = sorted({m.key for m in mapped if m.key})
            existing = kind.find_existing(db, keys, index, session)
            for item in mapped:
                result, payload, current = _decide(
                    kind, layout, item, existing, seen, lookups.stage_ids, options.project
                )
                outcome.results.append(result)
                failed = failed or result.action == "error"
                if writer is None or (failed and options.on_error == "abort"):
                    continue
                if result.action == "create" and payload is not None:
                    document = kind.new_document(payload, writer.actor, writer.now)
                    result.id = str(writer.create(result.row, document))
                elif result.action == "update" and payload and current is not None:
                    writer.update(result.row, current, payload)
            if writer is not None:
                writer.flush()
            if progress is not None:
                progress(len(outcome.results))
    return outcome
