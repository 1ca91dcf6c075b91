"""Seeded secrets and personal identifiers never reach the logs, whatever the request does."""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.support.http import Api

PASSPORT = "P99887766"
PERMIT = "WP-55443322"


def test_document_numbers_never_logged(
    api: Api, db: Any, log_stream: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.db import slow_commands

    monkeypatch.setattr(slow_commands, "threshold_ms", 0)  # log every command too
    teacher = {
        "firstName": "Secret",
        "lastName": "Holder",
        "email": "secret.holder@example.org",
        "passportDetails": {"number": PASSPORT},
        "workPermitDetails": {"permitNumber": PERMIT},
    }
    created = api.post("/api/teachers", teacher)
    assert created.status == 201, created.body
    tid = created.body["_id"]
    api.put(f"/api/teachers/{tid}", {"passportDetails": {"number": PASSPORT + "0"}})
    api.post("/api/teachers", {**teacher, "email": "not-an-email"})  # a validation failure
    api.get(f"/api/teachers?search={PASSPORT}")
    api.get(f"/api/teachers/{tid}/history")
    logs = log_stream.getvalue()
    assert "slow MongoDB command" in logs, "commands were logged, so the check means something"
    assert PASSPORT not in logs
    assert PERMIT not in logs
    history = db.auditlog.find({"entityId": tid})
    assert all(PASSPORT not in str(entry) and PERMIT not in str(entry) for entry in history)
