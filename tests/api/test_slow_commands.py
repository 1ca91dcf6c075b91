"""Slow MongoDB commands are logged by the listener and counted in the request's metrics."""

from __future__ import annotations

import io
import json

import pytest

from tests.support.http import Api


def test_slow_command_is_logged_and_counted(
    api: Api,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    log_stream: io.StringIO,
) -> None:
    from chalicelib.db import slow_commands

    monkeypatch.setattr(slow_commands, "threshold_ms", 0)
    slow_commands.take_count()
    api.get("/api/stages")
    emf = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith('{"_aws"')]
    counted = emf[-1]["SlowCommands"]
    assert (counted[0] if isinstance(counted, list) else counted) >= 1
    assert "slow MongoDB command" in log_stream.getvalue()
    assert '"command":"find"' in log_stream.getvalue().replace(" ", "")


def test_fast_requests_report_no_slow_commands(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    api.get("/api/stages")
    emf = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith('{"_aws"')]
    assert "SlowCommands" not in emf[-1]
