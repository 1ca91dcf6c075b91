"""The first authenticated request of a process logs a warning when migrations are pending
(one read of ``migrations``, at most 0.5 s).

It never refuses a request: the warning (and ``GET /api/health``'s ``migrations``) is how an API
started on an unmigrated database says so. A failed check (database unreachable) is retried by the
next request.
"""

from __future__ import annotations

import pymongo
from chalice.app import Request
from pymongo.errors import PyMongoError

from chalicelib.api.deps import Dependencies
from chalicelib.api.routing import RouteSpec, add_guard
from chalicelib.services.actor import Actor
from chalicelib.services.schema_state import startup_warning

CHECK_SECONDS = 0.5


def warn_on_pending_migrations(
    request: Request, spec: RouteSpec, actor: Actor, deps: Dependencies
) -> None:
    """Public routes are left alone (health reports migrations itself, within its bound)."""
    if startup_warning.checked or spec.role is None:
        return
    try:
        with pymongo.timeout(CHECK_SECONDS):
            startup_warning.check(deps.db)
    except PyMongoError:
        return


def install() -> None:
    add_guard(warn_on_pending_migrations)
