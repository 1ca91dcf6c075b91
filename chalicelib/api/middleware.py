"""HTTP middleware: correlation id, security headers, CORS, per-request metric and log context."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from chalice.app import Chalice, Request, Response

from chalicelib.api.cors import cors_headers
from chalicelib.db import slow_commands
from chalicelib.errors import PROBLEM_CONTENT_TYPE
from chalicelib.observability import METRICS_NAMESPACE, SERVICE, logger, metrics
from chalicelib.serialization import dumps

CORRELATION_HEADER = "x-correlation-id"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SAFE_ID = re.compile(r"^[A-Za-z0-9._\-]{1,128}$")

SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cross-Origin-Resource-Policy": "same-site",
}


def correlation_id_for(request: Request) -> str:
    """API Gateway request id, else a well-formed client ``x-correlation-id``, else a new uuid."""
    request_id = (request.context or {}).get("requestId")
    if isinstance(request_id, str) and _SAFE_ID.match(request_id):
        return request_id
    supplied = request.headers.get(CORRELATION_HEADER)
    if isinstance(supplied, str) and _SAFE_ID.match(supplied):
        return supplied
    return str(uuid.uuid4())


def install(app: Chalice) -> None:
    """Register the HTTP middleware on the app."""

    def http_middleware(request: Request, get_response: Callable[[Request], Response]) -> Response:
        started = time.perf_counter()
        logger.clear_state()
        correlation_id = correlation_id_for(request)
        logger.set_correlation_id(correlation_id)
        route_key = f"{request.method} {(request.context or {}).get('resourcePath', '?')}"
        logger.append_keys(route=route_key)
        response = get_response(request)
        response = _as_problem(response)
        _decorate(response, request, correlation_id)
        elapsed_ms = (time.perf_counter() - started) * 1000
        _record(route_key, request.method, response.status_code, elapsed_ms)
        return response

    app.register_middleware(http_middleware, "http")


def _as_problem(response: Response) -> Response:
    """Turn Chalice's own error bodies (``{"Code", "Message"}``) into problem+json."""
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or "Code" not in body:
        return response
    message = str(body.get("Message") or "Request failed")
    problem = {
        "type": "about:blank",
        "title": str(body.get("Code") or "Error"),
        "status": response.status_code,
        "detail": message,
        "message": message,
    }
    headers = {k: v for k, v in (response.headers or {}).items() if k.lower() != "content-type"}
    headers["Content-Type"] = PROBLEM_CONTENT_TYPE
    return Response(body=dumps(problem), status_code=response.status_code, headers=headers)


def _decorate(response: Response, request: Request, correlation_id: str) -> None:
    headers = response.headers
    headers[CORRELATION_HEADER] = correlation_id
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    headers.setdefault("Cache-Control", "no-store")
    if "Access-Control-Allow-Origin" not in headers:
        headers.update(cors_headers(request))


def _record(route_key: str, method: str, status: int, elapsed_ms: float) -> None:
    status_class = f"{status // 100}xx"
    kind = "write" if method.upper() in WRITE_METHODS else "read"
    metrics.add_dimension(name="route", value=route_key)
    metrics.add_dimension(name="statusClass", value=status_class)
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=round(elapsed_ms, 2))
    slow = slow_commands.take_count()
    if slow:
        metrics.add_metric(name="SlowCommands", unit=MetricUnit.Count, value=slow)
        _by_kind("SlowCommands", MetricUnit.Count, slow, kind)
    # The same latency with only a read/write dimension: alarms on p95 of all GETs or all writes
    # need one dimension set across routes (infra/components/monitoring.py).
    _by_kind("Latency", MetricUnit.Milliseconds, round(elapsed_ms, 2), kind)
    logger.info("request", extra={"status": status, "latencyMs": round(elapsed_ms, 1)})
    if metrics.metric_set:
        metrics.flush_metrics()


def _by_kind(name: str, unit: MetricUnit, value: float, kind: str) -> None:
    with single_metric(
        name=name,
        unit=unit,
        value=value,
        namespace=METRICS_NAMESPACE,
        default_dimensions={"service": SERVICE},
    ) as metric:
        metric.add_dimension(name="kind", value=kind)
