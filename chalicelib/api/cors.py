"""CORS: only the configured SPA origins, never ``*``; credentials only for them."""

from __future__ import annotations

from chalice.app import Request, Response

from chalicelib.api import deps
from chalicelib.errors import PROBLEM_CONTENT_TYPE, Forbidden
from chalicelib.serialization import dumps

ALLOW_HEADERS = "Authorization,Content-Type,If-Match,X-Correlation-Id"
EXPOSE_HEADERS = "ETag,X-Total-Count,Link,X-Correlation-Id,Retry-After"
PREFLIGHT_MAX_AGE = "600"


def allowed_origin(request: Request) -> str | None:
    return _configured(request.headers.get("origin"))


def _configured(origin: object) -> str | None:
    if isinstance(origin, str) and origin in deps.current().settings.cors_origins:
        return origin
    return None


def cors_headers(request: Request) -> dict[str, str]:
    """Headers for an actual (non-preflight) response; empty for other origins."""
    return cors_headers_for(request.headers.get("origin"))


def cors_headers_for(requested_origin: str | None) -> dict[str, str]:
    """The same, from the request's ``Origin`` header (gateway-level answers)."""
    origin = _configured(requested_origin)
    if origin is None:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Expose-Headers": EXPOSE_HEADERS,
        "Vary": "Origin",
    }


def preflight_response(request: Request, methods: list[str]) -> Response:
    """204 with the allowed methods and headers for a configured origin; 403 otherwise."""
    origin = allowed_origin(request)
    if origin is None:
        return _refused("This origin may not call the API")
    asked = str(request.headers.get("access-control-request-method") or "").upper()
    if asked and asked not in methods:
        return _refused(f"The method {asked[:20]} is not allowed here")
    return Response(
        body="",
        status_code=204,
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Credentials": "true",
            "Access-Control-Allow-Methods": ",".join(methods),
            "Access-Control-Allow-Headers": ALLOW_HEADERS,
            "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
            "Vary": "Origin",
        },
    )


def _refused(detail: str) -> Response:
    body = dumps(Forbidden(detail=detail).problem())
    return Response(
        body=body,
        status_code=403,
        headers={"Vary": "Origin", "Content-Type": PROBLEM_CONTENT_TYPE},
    )
