"""Backup retention (the runbook's 7 daily / 4 weekly / 3 monthly) as a pure function.

For each period kind, walking from the newest backup to the oldest, the newest backup of each of
the ``N`` most recent periods that have a backup is kept (days, ISO weeks, calendar months; UTC).
A backup may be kept by several rules. Everything else may be deleted. Applying the rule every day
is stable: a backup kept as "newest of its month" stays so when newer months arrive, until it
falls out of the window.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from chalicelib.settings import Settings


@dataclass(frozen=True)
class Policy:
    daily: int = 7
    weekly: int = 4
    monthly: int = 3


def policy_from(settings: Settings) -> Policy:
    """The policy configured by BACKUP_KEEP_DAILY / _WEEKLY / _MONTHLY (default 7/4/3)."""
    return Policy(
        daily=settings.backup_keep_daily,
        weekly=settings.backup_keep_weekly,
        monthly=settings.backup_keep_monthly,
    )


def _day(moment: datetime) -> Hashable:
    return moment.date()


def _week(moment: datetime) -> Hashable:
    iso = moment.isocalendar()
    return (iso.year, iso.week)


def _month(moment: datetime) -> Hashable:
    return (moment.year, moment.month)


def _newest_per_period(
    ordered: list[datetime], period: Callable[[datetime], Hashable], count: int
) -> set[datetime]:
    kept: set[datetime] = set()
    seen: set[Hashable] = set()
    for moment in ordered:
        if len(seen) >= count:
            break
        key = period(moment)
        if key in seen:
            continue
        seen.add(key)
        kept.add(moment)
    return kept


def select_to_keep(moments: Iterable[datetime], policy: Policy) -> set[datetime]:
    """The backup times to keep under ``policy`` (times are compared in UTC)."""
    ordered = sorted({m.astimezone(UTC) for m in moments}, reverse=True)
    keep = _newest_per_period(ordered, _day, policy.daily)
    keep |= _newest_per_period(ordered, _week, policy.weekly)
    keep |= _newest_per_period(ordered, _month, policy.monthly)
    return keep


def reasons(moment: datetime, moments: Iterable[datetime], policy: Policy) -> list[str]:
    """Why ``moment`` is kept (``daily``/``weekly``/``monthly``), for listings."""
    ordered = sorted({m.astimezone(UTC) for m in moments}, reverse=True)
    target = moment.astimezone(UTC)
    found = []
    for label, period, count in (
        ("daily", _day, policy.daily),
        ("weekly", _week, policy.weekly),
        ("monthly", _month, policy.monthly),
    ):
        if target in _newest_per_period(ordered, period, count):
            found.append(label)
    return found
