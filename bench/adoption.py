"""Measure adoption work: migration 0003 on a FETMS-built database, and spreadsheet imports
(dry run, apply, undo) of N teachers — the operations ``fetms migrate up`` / ``fetms import``
run.

    .venv/bin/python -m bench.adoption --teachers 2000 [--mongo-uri URI]

Without ``--mongo-uri`` a throw-away SecantusDB is started on a temporary data directory. The
database is built by ``tests/support/fetms_fixture.py`` (Mongoose's indexes and shapes). Figures
are printed as a Markdown table; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.measure import secantus

DB_NAME = "fetms_bench_adoption"


def timed(label: str, rows: list[tuple[str, str]], work: Any) -> Any:
    started = time.perf_counter()
    result = work()
    rows.append((label, f"{(time.perf_counter() - started) * 1000:.0f} ms"))
    return result


def run(uri: str, teachers: int) -> list[tuple[str, str]]:
    os.environ.update({"MONGO_URI": uri, "MONGO_DB": DB_NAME, "FETMS_STAGE": "local"})
    from chalicelib import db
    from chalicelib.migrations import runner
    from chalicelib.services.actor import Actor
    from chalicelib.services.imports import operations, records
    from chalicelib.services.imports.running import Options
    from chalicelib.services.imports.sources import from_path
    from chalicelib.services.imports.undo import undo_import
    from chalicelib.settings import get_settings
    from tests.support.fetms_fixture import build_fetms_database
    from tests.support.sheets import csv_bytes

    database = db.get_db()
    database.client.drop_database(DB_NAME)
    rows: list[tuple[str, str]] = []
    timed(
        f"build FETMS database ({teachers} teachers)",
        rows,
        lambda: build_fetms_database(database, teachers=teachers),
    )
    migration = next(m for m in runner.discover() if m.id == "0003_adopt_fetms")
    ctx = runner.MigrationContext(db=database)
    timed("migration 0003_adopt_fetms", rows, lambda: migration.module.up(ctx))

    settings = get_settings().model_copy(update={"import_timeout_ms": 600_000})
    actor = Actor(user_id=None, email="bench@example.org", role="admin")
    header = ["email", "firstName", "lastName", "personalInfo.nationality.english"]
    sheet = [header] + [
        [f"import{i}@example.org", f"Imported{i}", "Bench", "Canada"] for i in range(teachers)
    ]
    path = Path(tempfile.mkdtemp(prefix="fetms-bench-")) / "teachers.csv"
    path.write_bytes(csv_bytes(sheet))
    source = from_path(path)

    def new_record() -> Any:
        return records.new_record(
            database, "teachers", actor, file_name=path.name, size=source.size,
            status=records.UPLOADED, source="file",
        )  # fmt: skip

    record = new_record()
    options = Options()
    timed(
        f"import dry run ({teachers} rows)",
        rows,
        lambda: operations.dry_run(database, record, source, actor, options, settings),
    )
    applied = timed(
        f"import apply ({teachers} creates)",
        rows,
        lambda: operations.apply(
            database,
            records.get_record(database, str(record["_id"])),
            source,
            actor,
            options,
            settings,
        ),
    )
    timed(
        f"import undo ({teachers} removed)",
        rows,
        lambda: undo_import(database, str(applied["_id"]), actor, settings),
    )
    database.client.drop_database(DB_NAME)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--teachers", type=int, default=2000)
    parser.add_argument("--mongo-uri", default=None)
    args = parser.parse_args()
    if args.mongo_uri:
        rows = run(args.mongo_uri, args.teachers)
    else:
        with secantus() as uri:
            rows = run(uri, args.teachers)
    print("| operation | time |\n|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")


if __name__ == "__main__":
    main()
