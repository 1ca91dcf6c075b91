"""A controllable clock for services that call ``chalicelib.services.common.utcnow``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest


class FixedClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def install_clock(monkeypatch: pytest.MonkeyPatch, start: datetime | None = None) -> FixedClock:
    """Freeze the services' clock. By default it starts at the real present: sessions and rate
    counters get their TTL ``expiresAt`` from this clock, and the database's TTL monitor (which
    uses the real time) would delete records dated in the past in the middle of a test."""
    clock = FixedClock(start or datetime.now(UTC).replace(microsecond=0))
    monkeypatch.setattr("chalicelib.services.common.utcnow", clock)
    return clock
