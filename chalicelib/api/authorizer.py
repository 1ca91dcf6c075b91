"""The Chalice authorizer attached to every non-public route, and the request → Actor mapping.

The authorizer verifies the bearer token (signature, expiry, open session) and passes the user's
id, e-mail and role to the route as ``requestContext.authorizer``. Role checks happen in one
place: :func:`authenticate`, against the role the route table declares.
"""

from __future__ import annotations

from typing import Any, NoReturn

import pymongo
from chalice.app import AuthRequest, AuthResponse, Blueprint, Request

from chalicelib.api import deps
from chalicelib.errors import Forbidden, Unauthorized, dependency_unavailable
from chalicelib.models.users import ROLE_RANK
from chalicelib.observability import logger
from chalicelib.services import audit, auth
from chalicelib.services.actor import Actor
from chalicelib.services.tokens import AccessClaims, signing_key

bp = Blueprint(__name__)

ANONYMOUS_ROLE = "anonymous"
SESSION_CHECK = "sessionCheck"
SESSION_UNCHECKED = "dependency-unavailable"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITE_WINDOW_SECONDS = 60
WRITE_COUNT = "writeCount"
WRITE_WINDOW_ENDS = "writeWindowEnds"


def _deny() -> NoReturn:
    """401 from API Gateway. Locally, Chalice's gateway emulation needs its own exception type."""
    try:
        from chalice.local import NotAuthorizedError
    except ImportError:  # pragma: no cover - in AWS the string "Unauthorized" means 401
        raise Exception("Unauthorized") from None
    raise NotAuthorizedError(
        {"x-amzn-ErrorType": "UnauthorizedException"}, b'{"message":"Unauthorized"}'
    )


@bp.authorizer(ttl_seconds=0, name="jwt_auth")
def jwt_authorizer(auth_request: AuthRequest) -> AuthResponse:
    """Allow a request whose token is well signed, unexpired and of an open session.

    When a dependency fails (the database, the signing key's secret), the request is let through
    marked as unchecked and the route answers 503 problem+json without running its handler —
    instead of the gateway's bare 500, or a dropped connection under ``chalice local``.
    """
    scheme, _, token = (auth_request.token or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        _deny()
    try:
        claims, writes = _open_session_claims(
            token.strip(), request_method(auth_request.method_arn)
        )
    except Unauthorized:
        _deny()
    except Exception as exc:
        logger.error("authorizer: a dependency failed", extra={"error": type(exc).__name__})
        return AuthResponse(
            routes=["*"], principal_id="unchecked", context={SESSION_CHECK: SESSION_UNCHECKED}
        )
    context = {
        "userId": claims.user_id,
        "email": claims.email,
        "role": claims.role,
        "sessionId": claims.session_id,
    }
    if writes is not None:
        context[WRITE_COUNT] = str(writes.count)
        context[WRITE_WINDOW_ENDS] = str(int(writes.window_ends.timestamp()))
    return AuthResponse(routes=["*"], principal_id=claims.user_id, context=context)


def request_method(method_arn: str | None) -> str:
    """The HTTP method of ``arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/…``."""
    resource = (method_arn or "").rsplit(":", 1)[-1].split("/")
    return resource[2].upper() if len(resource) > 2 else ""


def _open_session_claims(token: str, method: str) -> tuple[AccessClaims, auth.WriteCount | None]:
    """The session check; for a write it also counts the write on the session (one command
    either way), which the write-limit guard compares with ``WRITES_PER_MINUTE_PER_SESSION``."""
    dependencies = deps.current()
    claims = auth.verify_token(token, signing_key(dependencies.settings))
    # One small command: bounded by the connect/selection timeout, so an outage is a 503 at once.
    with pymongo.timeout(dependencies.settings.mongo_timeout_ms / 1000):
        if method in READ_METHODS:
            return auth.check_session(dependencies.db, claims), None
        return auth.count_write(dependencies.db, claims, WRITE_WINDOW_SECONDS)


def client_address(request: Request) -> str | None:
    identity = (request.context or {}).get("identity") or {}
    address = identity.get("sourceIp")
    return str(address) if address else None


def authenticate(request: Request, spec: Any) -> Actor:
    """Turn the authorizer's context into an Actor and enforce the route's role."""
    context = (request.context or {}).get("authorizer") or {}
    address = client_address(request)
    correlation_id = logger.get_correlation_id()
    if spec.role is None:
        return Actor(
            user_id=context.get("userId"),
            email=context.get("email") or ANONYMOUS_ROLE,
            role=context.get("role") or ANONYMOUS_ROLE,
            client_address=address,
            correlation_id=correlation_id,
        )
    if context.get(SESSION_CHECK) == SESSION_UNCHECKED:
        raise dependency_unavailable(
            "Sign-in could not be checked: a service the API depends on is unreachable; "
            "try again shortly"
        )
    role = context.get("role")
    if not role or not context.get("userId"):
        raise Unauthorized(detail="Authentication required")
    if ROLE_RANK.get(str(role), 0) < ROLE_RANK[spec.role]:
        raise Forbidden(detail=f"This action needs the {spec.role} role; you are {role}")
    return Actor(
        user_id=str(context["userId"]),
        email=str(context.get("email", "")),
        role=str(role),
        client_address=address,
        correlation_id=correlation_id,
        session_id=context.get("sessionId"),
    )


def record_denial(request: Request, spec: Any, detail: str | None) -> None:
    """Audit a 403: who asked for which route, and why it was refused. The refusal is answered
    whether or not the entry could be written."""
    context = (request.context or {}).get("authorizer") or {}
    actor = Actor(
        user_id=context.get("userId"),
        email=str(context.get("email") or ANONYMOUS_ROLE),
        role=str(context.get("role") or ANONYMOUS_ROLE),
        client_address=client_address(request),
        correlation_id=logger.get_correlation_id(),
        session_id=context.get("sessionId"),
    )
    details = {"route": f"{spec.method} {spec.path}", "needs": spec.role, "reason": detail}
    try:
        audit.record(deps.current().db, actor, "auth.forbidden", "api", None, details=details)
    except Exception as exc:
        logger.warning("a refusal could not be audited", extra={"error": type(exc).__name__})
