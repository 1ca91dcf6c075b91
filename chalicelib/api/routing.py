"""Route declaration in one place: validation, roles, error mapping, serialization, paging.

Every API route is declared with :func:`route`, which records a :class:`RouteSpec` (the source of
the OpenAPI document and of the authorization matrix) and wraps the handler so that handlers only
receive validated input and return documents, pages or a :class:`Reply`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

import pymongo
from chalice.app import Blueprint, Request, Response
from pydantic import BaseModel, ValidationError
from pymongo.errors import ConnectionFailure, ExecutionTimeout

from chalicelib.api import deps
from chalicelib.api.authorizer import authenticate, jwt_authorizer, record_denial
from chalicelib.api.cors import preflight_response
from chalicelib.api.deps import Dependencies
from chalicelib.api.validation import parse_json_body, validate_model, validate_query
from chalicelib.db import Db
from chalicelib.errors import (
    PROBLEM_CONTENT_TYPE,
    DomainError,
    FieldError,
    ValidationFailed,
    dependency_unavailable,
    internal_error_problem,
)
from chalicelib.models.base import PresentOut
from chalicelib.observability import logger
from chalicelib.serialization import dumps, jsonable
from chalicelib.services import disclosure
from chalicelib.services.actor import Actor
from chalicelib.services.common import Page
from chalicelib.settings import Settings
from chalicelib.storage import Vault, is_storage_error, storage_error_code

Role = Literal["viewer", "editor", "admin"]
STORAGE_DOWN = "File storage is unreachable; try again shortly"
JSON_CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class RouteSpec:
    """What a route accepts and returns, and who may call it."""

    path: str
    method: str
    name: str
    summary: str
    tag: str
    role: Role | None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    many: bool = False
    status: int = 200
    paged: bool = False
    content_types: tuple[str, ...] = (JSON_CONTENT_TYPE,)
    raw_response: bool = False
    expensive: bool = False
    long_running: bool = False


ROUTES: list[RouteSpec] = []


@dataclass
class ApiRequest:
    """Validated input handed to a handler, with the request's dependencies."""

    body: Any
    query: Any
    actor: Actor
    if_match: int | None
    raw: Request
    deps: Dependencies
    path_params: dict[str, str] = field(default_factory=dict)

    @property
    def db(self) -> Db:
        return self.deps.db

    @property
    def vault(self) -> Vault:
        return self.deps.vault

    @property
    def settings(self) -> Settings:
        return self.deps.settings

    @property
    def limit(self) -> int:
        """The page size asked for, capped by ``MAX_PAGE_SIZE``."""
        cap = self.settings.max_page_size
        asked = getattr(self.query, "limit", None)
        return min(asked, cap) if asked else cap

    @property
    def offset(self) -> int:
        return int(getattr(self.query, "offset", 0) or 0)


@dataclass
class Reply:
    """An explicit response: a status other than the route's, extra headers, or a raw body."""

    body: Any
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None


Authenticator = Callable[[Request, "RouteSpec"], Actor]
_authenticator: list[Authenticator] = [authenticate]

Guard = Callable[[Request, "RouteSpec", Actor, Dependencies], None]
_guards: list[Guard] = []


def set_authenticator(authenticate: Authenticator) -> None:
    """Install the function that turns a request into an :class:`Actor` (or raises 401/403)."""
    _authenticator[0] = authenticate


def add_guard(guard: Guard) -> None:
    """Run ``guard`` after authentication on every route (e.g. maintenance mode, rate limits).

    A guard raises a ``DomainError`` to refuse the request.
    """
    if guard not in _guards:
        _guards.append(guard)


def route(
    bp: Blueprint,
    path: str,
    method: str = "GET",
    *,
    summary: str,
    role: Role | None = "viewer",
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    many: bool = False,
    paged: bool = False,
    status: int | None = None,
    content_types: tuple[str, ...] = (JSON_CONTENT_TYPE,),
    raw_response: bool = False,
    expensive: bool = False,
    long_running: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an API route. ``role=None`` makes it public; ``expensive`` reads (exports, zips)
    count against ``EXPENSIVE_READS_PER_MINUTE_PER_USER`` (so do pages above
    ``EXPENSIVE_PAGE_SIZE``); ``long_running`` routes (imports) get ``IMPORT_TIMEOUT_MS`` as
    their database budget instead of ``MONGO_REQUEST_TIMEOUT_MS``."""

    def decorator(handler: Callable[..., Any]) -> Callable[..., Any]:
        spec = RouteSpec(
            path=path,
            method=method,
            name=handler.__name__,
            summary=summary,
            tag=str(getattr(bp, "_import_name", "api")).rsplit(".", 1)[-1],
            role=role,
            body=body,
            query=query,
            response=response,
            many=many or paged,
            paged=paged,
            status=status or (201 if method == "POST" and body is not None else 200),
            content_types=content_types,
            raw_response=raw_response,
            expensive=expensive,
            long_running=long_running,
        )
        ROUTES.append(spec)

        @functools.wraps(handler)
        def view(**path_params: str) -> Response:
            request: Request = bp.current_request
            try:
                dependencies = deps.current()
                with pymongo.timeout(_database_budget(spec, dependencies.settings)):
                    api_request = _build_request(request, spec, path_params, dependencies)
                    result = handler(api_request, **path_params)
                return _render(result, spec, request, api_request.actor.role)
            except DomainError as exc:
                if exc.status == 403:
                    record_denial(request, spec, exc.detail)
                return problem_response(exc, request)
            except (ConnectionFailure, ExecutionTimeout) as exc:
                logger.error("database unavailable", extra={"error": type(exc).__name__})
                return problem_response(dependency_unavailable(), request)
            except Exception as exc:
                if is_storage_error(exc):
                    logger.error(
                        "file storage unavailable", extra={"error": storage_error_code(exc)}
                    )
                    return problem_response(dependency_unavailable(STORAGE_DOWN), request)
                logger.exception("unhandled error in route", extra={"route": spec.name})
                return _json_response(
                    internal_error_problem(logger.get_correlation_id()),
                    500,
                    content_type=PROBLEM_CONTENT_TYPE,
                )

        options: dict[str, Any] = {"methods": [method], "content_types": list(content_types)}
        if role is not None:
            options["authorizer"] = jwt_authorizer
        bp.route(path, **options)(view)
        _register_preflight(bp, path)
        return handler

    return decorator


_preflight_paths: set[str] = set()


def _register_preflight(bp: Blueprint, path: str) -> None:
    """One public OPTIONS route per path answering CORS preflights for the SPA origins."""
    if path in _preflight_paths:
        return
    _preflight_paths.add(path)
    methods = sorted({s.method for s in ROUTES if s.path == path} | {"OPTIONS"})

    def preflight(**path_params: str) -> Response:
        return preflight_response(bp.current_request, methods)

    preflight.__name__ = "preflight_" + "".join(c if c.isalnum() else "_" for c in path)
    bp.route(path, methods=["OPTIONS"])(preflight)


def _database_budget(spec: RouteSpec, settings: Settings) -> float:
    """Seconds the request may spend on MongoDB. Authenticated routes already reached the
    database in the authorizer; public ones (login, refresh, health) get the short bound."""
    timeout_ms = (
        settings.mongo_timeout_ms if spec.role is None else settings.mongo_request_timeout_ms
    )
    if spec.long_running:
        timeout_ms = settings.import_timeout_ms
    return timeout_ms / 1000


def _build_request(
    request: Request, spec: RouteSpec, path_params: dict[str, str], dependencies: Dependencies
) -> ApiRequest:
    actor = _authenticator[0](request, spec)
    for guard in _guards:
        guard(request, spec, actor, dependencies)
    settings = dependencies.settings
    body: Any = None
    if spec.body is not None:
        raw = request.raw_body if isinstance(request.raw_body, bytes) else b""
        parse_json_body(raw, settings.max_body_bytes)
        body = validate_model(spec.body, raw)
    query: Any = None
    params = dict(request.query_params or {})
    if spec.query is not None:
        query = validate_query(spec.query, params)
    elif params:
        raise ValidationFailed(
            detail="This route takes no query parameters: " + ", ".join(sorted(params)),
            errors=[FieldError(name, "unknown query parameter") for name in sorted(params)],
        )
    return ApiRequest(
        body=body,
        query=query,
        actor=actor,
        if_match=parse_if_match(request.headers.get("if-match")),
        raw=request,
        deps=dependencies,
        path_params=path_params,
    )


def parse_if_match(header: str | None) -> int | None:
    """``If-Match: 3``, ``"3"`` or ``W/"3"`` → 3; ``*`` or absent → None; anything else → 400."""
    if header is None:
        return None
    text = header.strip()
    if text in ("", "*"):
        return None
    text = text.removeprefix("W/").strip('"')
    if text.isdigit() and len(text) < 10:
        return int(text)
    raise ValidationFailed(
        detail="If-Match must be the version (ETag) returned by the API",
        errors=[FieldError("If-Match", "not a version number")],
    )


def _render(result: Any, spec: RouteSpec, request: Request, role: str | None = None) -> Response:
    if isinstance(result, Response):
        return result
    headers: dict[str, str] = {}
    status = spec.status
    content_type = JSON_CONTENT_TYPE
    if isinstance(result, Reply):
        headers.update(result.headers)
        status = result.status or status
        content_type = result.content_type or content_type
        result = result.body
    if status == 204:
        # No Content means no body at all: a "null" here breaks keep-alive clients and proxies
        # (they read it as the start of the next response).
        bare: dict[str, str | list[str]] = dict(headers)
        return Response(body="", status_code=status, headers=bare)
    if spec.raw_response:
        return Response(
            body=result, status_code=status, headers={"Content-Type": content_type, **headers}
        )
    if isinstance(result, Page):
        headers["X-Total-Count"] = str(result.total)
        if result.has_next:
            headers["Link"] = _next_link(request, result)
        payload: Any = [serialize(item, spec.response) for item in result.items]
    elif isinstance(result, list):
        payload = [serialize(item, spec.response) for item in result]
    elif isinstance(result, dict):
        if "__v" in result:
            headers["ETag"] = f'"{result["__v"]}"'
        payload = serialize(result, spec.response)
    else:
        payload = jsonable(result)
    if spec.role is not None:
        payload = disclosure.redact(payload, role)  # least data for least roles
    return _json_response(payload, status, headers=headers, content_type=content_type)


def serialize(doc: Any, model: type[BaseModel] | None) -> Any:
    """Shape a stored document with its output model.

    A document that does not match its model is a bug or legacy data: with
    ``STRICT_RESPONSES`` (the test suite) it fails the request; in production it is logged and
    the document is still shaped by the model's declared fields where possible.
    """
    data = jsonable(doc)
    if model is None or not isinstance(data, dict):
        return data
    try:
        shaped = model.model_validate(data)
        if isinstance(shaped, PresentOut):
            shaped.model_fields_set.update(shaped.ALWAYS)
            return shaped.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return shaped.model_dump(mode="json", by_alias=True)
    except ValidationError:
        if deps.current().settings.strict_responses:
            raise
        logger.warning(
            "stored document does not match its output model", extra={"model": model.__name__}
        )
        return _declared_only(data, model)


def _declared_only(data: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """The fallback of a mismatch: closed models keep only their declared fields."""
    if model.model_config.get("extra") != "ignore":
        return data
    names = {f.alias or name for name, f in model.model_fields.items()}
    return {k: v for k, v in data.items() if k in names}


def _next_link(request: Request, page: Page) -> str:
    params = dict(request.query_params or {})
    params["limit"] = str(page.limit)
    params["offset"] = str(page.offset + page.limit)
    path = request.context.get("path") or request.context.get("resourcePath") or ""
    return f'<{path}?{urlencode(params)}>; rel="next"'


def _json_response(
    payload: Any, status: int, *, headers: dict[str, str] | None = None, content_type: str
) -> Response:
    return Response(
        body=dumps(payload),
        status_code=status,
        headers={"Content-Type": content_type, **(headers or {})},
    )


def problem_response(error: DomainError, request: Request | None = None) -> Response:
    path = request.context.get("path") if request is not None else None
    return _json_response(
        error.problem(instance=path),
        error.status,
        headers=error.headers,
        content_type=PROBLEM_CONTENT_TYPE,
    )
