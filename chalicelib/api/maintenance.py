"""The maintenance-mode guard: writes answer 503 with ``Retry-After`` while maintenance is on."""

from __future__ import annotations

from chalice.app import Request

from chalicelib.api.deps import Dependencies
from chalicelib.api.routing import RouteSpec, add_guard
from chalicelib.errors import ServiceUnavailable
from chalicelib.services.actor import Actor
from chalicelib.services.common import utcnow
from chalicelib.services.maintenance import current_state

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Writes that go on during maintenance: switching it (an admin must be able to turn it off from
# the web app) and signing out (ending a session changes no data).
ALLOWED_WRITES = frozenset({("PUT", "/api/maintenance"), ("POST", "/api/auth/logout")})


def refuse_writes_in_maintenance(
    request: Request, spec: RouteSpec, actor: Actor, deps: Dependencies
) -> None:
    """Reads, public routes (health, login), the maintenance switch and sign-out pass; other
    writes get 503 during maintenance."""
    if spec.method in READ_METHODS or spec.role is None:
        return
    if (spec.method, spec.path) in ALLOWED_WRITES:
        return
    state = current_state(deps.db)
    if not state.enabled:
        return
    raise ServiceUnavailable(
        detail=state.message,
        headers={"Retry-After": str(state.retry_after(utcnow()))},
    )


def install() -> None:
    add_guard(refuse_writes_in_maintenance)
