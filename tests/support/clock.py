"""A controllable clock for services that call ``chalicelib.services.common.utcnow``."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.support.factories import FIXED_NOW


class FixedClock:
    def __init__(self, start: datetime = FIXED_NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def install_clock(monkeypatch: pytest.MonkeyPatch, start: datetime = FIXED_NOW) -> FixedClock:
    clock = FixedClock(start)
    monkeypatch.setattr("chalicelib.services.common.utcnow", clock)
    return clock
