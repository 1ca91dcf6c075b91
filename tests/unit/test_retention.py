"""Backup retention (7 daily / 4 weekly / 3 monthly) checked over a simulated year."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from chalicelib.jobs.retention import Policy, reasons, select_to_keep

POLICY = Policy(daily=7, weekly=4, monthly=3)


def nightly(day: date, hour: int = 2) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def simulate_year(extra_manual_every: int = 0) -> tuple[set[datetime], list[datetime]]:
    """Back up every night of 2026 (plus a manual backup now and then), pruning after each."""
    stored: set[datetime] = set()
    history: list[datetime] = []
    day = date(2026, 1, 1)
    n = 0
    while day.year == 2026:
        new = [nightly(day)]
        if extra_manual_every and n % extra_manual_every == 0:
            new.append(nightly(day, hour=15))
        for moment in new:
            stored.add(moment)
            history.append(moment)
            stored = select_to_keep(stored, POLICY)
            check_invariants(stored, history)
        day += timedelta(days=1)
        n += 1
    return stored, history


def check_invariants(stored: set[datetime], history: list[datetime]) -> None:
    assert len(stored) <= POLICY.daily + POLICY.weekly + POLICY.monthly
    newest = max(history)
    assert newest in stored, "the newest backup is always kept"
    days = sorted({m.date() for m in history}, reverse=True)[: POLICY.daily]
    for d in days:
        assert max(m for m in history if m.date() == d) in stored
    months = sorted({(m.year, m.month) for m in history}, reverse=True)[: POLICY.monthly]
    for ym in months:
        assert max(m for m in history if (m.year, m.month) == ym) in stored


def test_a_year_of_nightly_backups_ends_with_the_expected_set() -> None:
    stored, history = simulate_year()
    assert len(history) == 365
    expected = {nightly(date(2026, 12, d)) for d in range(25, 32)}  # 7 daily
    expected |= {nightly(date(2026, 12, 20)), nightly(date(2026, 12, 13))}  # ISO weeks 51, 50
    expected |= {nightly(date(2026, 11, 30)), nightly(date(2026, 10, 31))}  # months
    assert stored == expected


def test_pruning_every_day_equals_pruning_once() -> None:
    stored, history = simulate_year(extra_manual_every=5)
    assert stored == select_to_keep(history, POLICY)


def test_several_backups_a_day_keep_the_newest_of_the_day() -> None:
    day = date(2026, 3, 3)
    moments = [nightly(day, h) for h in (2, 9, 17)]
    assert select_to_keep(moments, Policy(daily=1, weekly=0, monthly=0)) == {moments[-1]}


def test_times_are_compared_in_utc_whatever_their_zone() -> None:
    taipei = timezone(timedelta(hours=8))
    # 2026-03-04 01:00 in Taipei is 2026-03-03 17:00 UTC: the same UTC day as the other one
    a = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
    b = datetime(2026, 3, 4, 1, 0, tzinfo=taipei)
    assert select_to_keep([a, b], Policy(daily=1, weekly=0, monthly=0)) == {b.astimezone(UTC)}


def test_reasons_name_the_rules_that_keep_a_backup() -> None:
    moments = [nightly(date(2026, 1, 1) + timedelta(days=i)) for i in range(60)]
    assert reasons(moments[-1], moments, POLICY) == ["daily", "weekly", "monthly"]
    assert reasons(nightly(date(2026, 1, 31)), moments, POLICY) == ["monthly"]
    assert reasons(moments[0], moments, POLICY) == []


def test_empty_and_zero_policies() -> None:
    assert select_to_keep([], POLICY) == set()
    one = [nightly(date(2026, 5, 5))]
    assert select_to_keep(one, Policy(daily=1, weekly=0, monthly=0)) == set(one)
