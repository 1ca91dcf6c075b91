"""What every job shares: gauges in embedded metric format and the run wrapper.

Gauges are emitted one EMF line each (powertools ``single_metric``) so each carries its own
low-cardinality dimensions (``job``, ``documentType``, ``window``...). A job run through
:func:`run_job` emits ``JobSucceeded`` or ``JobFailed`` (dimension ``job``) and ``JobDuration``;
an alarm on ``JobFailed`` (or on a missing ``JobSucceeded``) catches a broken schedule.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from chalicelib.observability import METRICS_NAMESPACE, SERVICE, logger

T = TypeVar("T")


def gauge(name: str, value: float, unit: MetricUnit = MetricUnit.Count, **dimensions: str) -> None:
    """Emit one metric with its own dimensions (one EMF line on stdout)."""
    with single_metric(
        name=name,
        unit=unit,
        value=value,
        namespace=METRICS_NAMESPACE,
        default_dimensions={"service": SERVICE},
    ) as metric:
        for key, dim_value in dimensions.items():
            metric.add_dimension(key, dim_value)


def run_job(job: str, work: Callable[[], T]) -> T:
    """Run ``work`` with start/end logs and success/failure/duration metrics; re-raise failures."""
    started = time.perf_counter()
    logger.info("job started", extra={"job": job})
    try:
        result = work()
    except Exception:
        elapsed = (time.perf_counter() - started) * 1000
        logger.exception("job failed", extra={"job": job, "durationMs": round(elapsed, 1)})
        gauge("JobFailed", 1, job=job)
        gauge("JobDuration", elapsed, MetricUnit.Milliseconds, job=job)
        raise
    elapsed = (time.perf_counter() - started) * 1000
    logger.info("job finished", extra={"job": job, "durationMs": round(elapsed, 1)})
    gauge("JobSucceeded", 1, job=job)
    gauge("JobDuration", elapsed, MetricUnit.Milliseconds, job=job)
    return result
