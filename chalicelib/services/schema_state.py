"""Whether the database has had every migration this code ships (``fetms migrate up``).

An API started on a database with pending migrations — an original FETMS database before
adoption, or a release deployed before its migrations ran — works on data and indexes it does not
expect. It says so: health reports the state (``migrations``), and the first request a process
serves logs one warning naming the migrations and the command that applies them.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from chalicelib.db import Db, Document
from chalicelib.migrations import runner
from chalicelib.observability import logger

APPLY_COMMAND = "fetms migrate up"


@lru_cache(maxsize=1)
def shipped() -> tuple[runner.Migration, ...]:
    """The migrations of this code (discovered once per process)."""
    return tuple(runner.discover())


def migration_state(db: Db) -> Document:
    """``{status: current|pending, pending: [ids], interrupted: [ids], message?}``."""
    rows = runner.status(db, list(shipped()))
    pending = [r.migration.id for r in rows if r.state == "pending"]
    interrupted = [r.migration.id for r in rows if r.state == "interrupted"]
    state: Document = {
        "status": "pending" if pending or interrupted else "current",
        "pending": pending,
        "interrupted": interrupted,
    }
    if pending or interrupted:
        names = ", ".join(interrupted + pending)
        state["message"] = (
            f"The database needs migrations this version ships ({names}): run `{APPLY_COMMAND}`"
            " (it takes a backup first)"
        )
    return state


class _OnceWarning:
    """Logs the pending-migrations warning at most once per process (once it could check)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.checked = False

    def check(self, db: Db) -> None:
        if self.checked:
            return
        with self._lock:
            if self.checked:
                return
            state = migration_state(db)
            self.checked = True
        if state["status"] != "current":
            logger.warning(
                "database has pending migrations",
                extra={
                    "pending": state["pending"],
                    "interrupted": state["interrupted"],
                    "fix": APPLY_COMMAND,
                },
            )


startup_warning = _OnceWarning()
