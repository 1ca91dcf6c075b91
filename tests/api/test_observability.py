"""Correlation ids, security headers, CORS and the per-request metric."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from tests.support.http import Api


def test_correlation_id_is_echoed_or_generated(api: Api) -> None:
    echoed = api.get("/api/stages", headers={"x-correlation-id": "abc-123"})
    assert echoed.header("x-correlation-id") == "abc-123"
    generated = api.get("/api/stages")
    assert len(generated.header("x-correlation-id") or "") == 36
    hostile = api.get("/api/stages", headers={"x-correlation-id": "bad id\nwith newline"})
    assert hostile.header("x-correlation-id") != "bad id\nwith newline"


def test_security_headers_on_success_and_error(api: Api) -> None:
    for result in (api.get("/api/stages"), api.get("/api/projects/zzz")):
        assert result.header("X-Content-Type-Options") == "nosniff"
        assert result.header("X-Frame-Options") == "DENY"
        assert "max-age" in (result.header("Strict-Transport-Security") or "")
        assert result.header("Content-Security-Policy")
        assert result.header("Cache-Control") == "no-store"


def test_cors_only_for_configured_origins(api: Api) -> None:
    allowed = api.get("/api/stages", headers={"Origin": "https://spa.example.org"})
    assert allowed.header("Access-Control-Allow-Origin") == "https://spa.example.org"
    assert allowed.header("Access-Control-Allow-Credentials") == "true"
    other = api.get("/api/stages", headers={"Origin": "https://evil.example.com"})
    assert other.header("Access-Control-Allow-Origin") is None


def test_request_metric_in_embedded_metric_format(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    api.get("/api/stages")
    lines = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith('{"_aws"')
    ]
    assert lines, "no EMF line printed"
    emf = lines[-1]
    assert emf["route"] == "GET /api/stages"
    assert emf["statusClass"] == "2xx"
    assert emf["Requests"] == [1.0] or emf["Requests"] == 1.0
    assert "Latency" in emf
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "FETMS"


def test_log_lines_carry_the_correlation_id(api: Api, log_stream: io.StringIO) -> None:
    api.get("/api/stages", headers={"x-correlation-id": "corr-42"})
    records: list[dict[str, Any]] = [json.loads(x) for x in log_stream.getvalue().splitlines() if x]
    assert any(
        r.get("correlation_id") == "corr-42" and r.get("route") == "GET /api/stages"
        for r in records
    )


def test_unexpected_errors_are_500_problem_without_trace(
    api: Api, monkeypatch: pytest.MonkeyPatch, log_stream: io.StringIO
) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internal detail /etc/passwd")

    monkeypatch.setattr("chalicelib.services.stages.list_stages", boom)
    result = api.get("/api/stages")
    assert result.status == 500
    assert result.header("Content-Type") == "application/problem+json"
    text = json.dumps(result.body)
    assert "secret" not in text and "Traceback" not in text and "/etc" not in text
    assert result.body["correlationId"] == result.header("x-correlation-id")
    assert "RuntimeError" in log_stream.getvalue()


def test_latency_by_read_or_write_for_the_alarms(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    """One dimension set across routes (``kind``) so CloudWatch can alarm on p95 of all GETs
    and of all writes (infra/components/monitoring.py)."""
    capsys.readouterr()
    api.get("/api/stages")
    api.post("/api/projects", {"name": "Kind metric", "code": "kindm"})
    records = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith('{"_aws"')
    ]
    by_kind = [r for r in records if "kind" in r and "Latency" in r]
    assert [r["kind"] for r in by_kind] == ["read", "write"]
    for record in by_kind:
        dims = record["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
        assert dims == [["service", "kind"]] or sorted(dims[0]) == ["kind", "service"]
        assert "route" not in record and "statusClass" not in record
