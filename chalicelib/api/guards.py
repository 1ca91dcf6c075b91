"""Request guards installed on every route: a per-session write rate limit, and a
per-user budget of expensive reads (exports, box zips, pages above ``EXPENSIVE_PAGE_SIZE``)."""

from __future__ import annotations

from chalice.app import Request

from chalicelib.api.authorizer import (
    READ_METHODS,
    WRITE_COUNT,
    WRITE_WINDOW_ENDS,
    WRITE_WINDOW_SECONDS,
)
from chalicelib.api.deps import Dependencies
from chalicelib.api.routing import RouteSpec, add_guard
from chalicelib.services import common, rate_limits
from chalicelib.services.actor import Actor

WINDOW_SECONDS = 60


def limit_writes(request: Request, spec: RouteSpec, actor: Actor, deps: Dependencies) -> None:
    """Authenticated writes count against their session's minute budget: the authorizer counted
    this write on the session in the same command as the session check. (Per client address,
    the edge limits requests: the WAF rule ``RateLimitPerAddress`` in infra/.)"""
    if spec.method in READ_METHODS or spec.role is None:
        return
    limit = deps.settings.writes_per_minute_per_session
    now = common.utcnow()
    context = (request.context or {}).get("authorizer") or {}
    counted, window_ends = context.get(WRITE_COUNT), context.get(WRITE_WINDOW_ENDS)
    if counted is not None and window_ends is not None:
        if int(counted) > limit:
            raise rate_limits.too_many(max(1, int(window_ends) - int(now.timestamp())))
        return
    # Not counted by the authorizer (e.g. a gateway that does not pass the method): count here.
    rate_limits.hit(
        deps.db,
        f"writes:session:{actor.session_id or actor.user_id}",
        limit=limit,
        window_seconds=WRITE_WINDOW_SECONDS,
        now=now,
    )


def is_expensive_read(request: Request, spec: RouteSpec, page_cap: int, threshold: int) -> bool:
    """An export or zip, or a page larger than ``threshold`` (no ``limit`` means the cap)."""
    if spec.method not in READ_METHODS:
        return False
    if spec.expensive:
        return True
    if not spec.paged:
        return False
    params: dict[str, str] = dict(request.query_params or {})
    asked = params.get("limit")
    try:
        size = min(int(asked), page_cap) if asked else page_cap
    except ValueError:
        return False  # validation answers 400
    return size > threshold


def limit_expensive_reads(
    request: Request, spec: RouteSpec, actor: Actor, deps: Dependencies
) -> None:
    settings = deps.settings
    if spec.role is None or not actor.user_id:
        return
    if not is_expensive_read(request, spec, settings.max_page_size, settings.expensive_page_size):
        return
    rate_limits.hit(
        deps.db,
        f"reads:user:{actor.user_id}",
        limit=settings.expensive_reads_per_minute_per_user,
        window_seconds=WINDOW_SECONDS,
        now=common.utcnow(),
    )


def install() -> None:
    add_guard(limit_writes)
    add_guard(limit_expensive_reads)
