"""CORS: only the configured SPA origins, never ``*``; credentials only for them."""

from __future__ import annotations

from chalice.app import Request, Response

from chalicelib.api import deps

ALLOW_HEADERS = "Authorization,Content-Type,If-Match,X-Correlation-Id"
EXPOSE_HEADERS = "ETag,X-Total-Count,Link,X-Correlation-Id,Retry-After"
PREFLIGHT_MAX_AGE = "600"


def allowed_origin(request: Request) -> str | None:
    origin = request.headers.get("origin")
    if isinstance(origin, str) and origin in deps.current().settings.cors_origins:
        return origin
    return None


def cors_headers(request: Request) -> dict[str, str]:
    """Headers for an actual (non-preflight) response; empty for other origins."""
    origin = allowed_origin(request)
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
        return Response(body="", status_code=403, headers={"Vary": "Origin"})
    asked = str(request.headers.get("access-control-request-method") or "").upper()
    if asked and asked not in methods:
        return Response(body="", status_code=403, headers={"Vary": "Origin"})
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
