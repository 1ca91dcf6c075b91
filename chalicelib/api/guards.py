"""Request guards installed on every route: per-user and per-address write rate limits."""

from __future__ import annotations

from chalice.app import Request

from chalicelib.api.deps import Dependencies
from chalicelib.api.routing import RouteSpec, add_guard
from chalicelib.services import common, rate_limits
from chalicelib.services.actor import Actor

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WINDOW_SECONDS = 60


def limit_writes(request: Request, spec: RouteSpec, actor: Actor, deps: Dependencies) -> None:
    """Authenticated writes count against the user's and the client address's minute budget."""
    if spec.method in READ_METHODS or spec.role is None:
        return
    settings = deps.settings
    now = common.utcnow()
    db = deps.db
    if actor.user_id:
        rate_limits.hit(
            db,
            f"writes:user:{actor.user_id}",
            limit=settings.writes_per_minute_per_user,
            window_seconds=WINDOW_SECONDS,
            now=now,
        )
    if actor.client_address:
        rate_limits.hit(
            db,
            f"writes:addr:{actor.client_address}",
            limit=settings.writes_per_minute_per_address,
            window_seconds=WINDOW_SECONDS,
            now=now,
        )


def install() -> None:
    add_guard(limit_writes)
