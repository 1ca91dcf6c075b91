"""API Gateway's own error responses in the API's problem+json shape.

API Gateway answers some requests itself (no or bad token, throttling, unknown route, body too
large, integration failure). Without these, a client would see ``{"message": ...}``. Each
response type gets its status, a body in our error shape, ``Content-Type:
application/problem+json``, the security headers of ``chalicelib/api/middleware.py`` and, when
the SPA has its own domain, the CORS headers of ``chalicelib/api/cors.py``.

Gateway-response templates are not VTL: only ``$context`` substitution, so ``status`` is a
literal per response type. Every type AWS defines is listed with its own status, so the
``DEFAULT_4XX``/``DEFAULT_5XX`` catch-alls only apply to types AWS may add later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from chalicelib.api.cors import EXPOSE_HEADERS
from chalicelib.api.middleware import SECURITY_HEADERS
from chalicelib.errors import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE


@dataclass(frozen=True)
class Problem:
    status: int
    title: str
    slug: str
    # None: API Gateway's own message ($context.error.messageString, a JSON string).
    detail: str | None = None


PROBLEMS: dict[str, Problem] = {
    "UNAUTHORIZED": Problem(401, "Authentication required", "unauthorized"),
    "ACCESS_DENIED": Problem(403, "Forbidden", "forbidden"),
    "EXPIRED_TOKEN": Problem(401, "Authentication required", "unauthorized"),
    "INVALID_SIGNATURE": Problem(403, "Forbidden", "forbidden"),
    "INVALID_API_KEY": Problem(403, "Forbidden", "forbidden"),
    "WAF_FILTERED": Problem(403, "Forbidden", "forbidden", "The request was blocked."),
    # Our API has no IAM-authorized routes: this type only means "no such route or method".
    "MISSING_AUTHENTICATION_TOKEN": Problem(
        404, "Not found", "not-found", "No route matches this method and path."
    ),
    "RESOURCE_NOT_FOUND": Problem(404, "Not found", "not-found"),
    "BAD_REQUEST_BODY": Problem(400, "Invalid input", "validation"),
    "BAD_REQUEST_PARAMETERS": Problem(400, "Invalid input", "validation"),
    "REQUEST_TOO_LARGE": Problem(
        413, "Payload too large", "payload-too-large", "The request body is too large."
    ),
    "UNSUPPORTED_MEDIA_TYPE": Problem(415, "Unsupported media type", "unsupported-media-type"),
    "THROTTLED": Problem(
        429, "Too many requests", "too-many-requests", "Too many requests; retry shortly."
    ),
    "QUOTA_EXCEEDED": Problem(429, "Too many requests", "too-many-requests"),
    "API_CONFIGURATION_ERROR": Problem(500, "Internal Server Error", "internal"),
    "AUTHORIZER_CONFIGURATION_ERROR": Problem(500, "Internal Server Error", "internal"),
    "AUTHORIZER_FAILURE": Problem(500, "Internal Server Error", "internal"),
    "INTEGRATION_FAILURE": Problem(
        504, "Gateway timeout", "gateway-timeout", "The API did not answer in time."
    ),
    "INTEGRATION_TIMEOUT": Problem(
        504, "Gateway timeout", "gateway-timeout", "The API did not answer in time."
    ),
    "DEFAULT_4XX": Problem(400, "Bad request", "bad-request"),
    "DEFAULT_5XX": Problem(500, "Internal Server Error", "internal"),
}


def body_template(problem: Problem) -> str:
    """The response template: our error shape, with API Gateway's message when it has one."""
    detail = json.dumps(problem.detail) if problem.detail else "$context.error.messageString"
    return (
        "{"
        f'"type":"{PROBLEM_TYPE_BASE}{problem.slug}",'
        f'"title":"{problem.title}",'
        f'"status":{problem.status},'
        f'"detail":{detail},'
        f'"message":{detail},'
        '"correlationId":"$context.requestId"'
        "}"
    )


def response_headers(spa_origins: tuple[str, ...]) -> dict[str, str]:
    """Header name → value of every gateway response."""
    headers = {
        "Content-Type": PROBLEM_CONTENT_TYPE,
        "Cache-Control": "no-store",
        **SECURITY_HEADERS,
    }
    if spa_origins:
        # A gateway response cannot pick among several origins: it answers for the first.
        headers |= {
            "Access-Control-Allow-Origin": spa_origins[0],
            "Access-Control-Allow-Credentials": "true",
            "Access-Control-Expose-Headers": EXPOSE_HEADERS,
            "Vary": "Origin",
        }
    return headers


def sam_gateway_responses(spa_origins: tuple[str, ...]) -> dict[str, object]:
    """The ``GatewayResponses`` property of the SAM ``AWS::Serverless::Api``."""
    # Static header values are written in single quotes; the correlation id (the API Gateway
    # request id) travels in the body as ``correlationId``.
    headers = {name: f"'{value}'" for name, value in response_headers(spa_origins).items()}
    return {
        response_type: {
            "StatusCode": problem.status,
            "ResponseParameters": {"Headers": headers},
            "ResponseTemplates": {
                "application/json": body_template(problem),
                PROBLEM_CONTENT_TYPE: body_template(problem),
            },
        }
        for response_type, problem in PROBLEMS.items()
    }
