"""Entry points of the scheduled Lambdas (declared as thin wrappers in ``app.py``).

Each builds its handles from the settings, runs its job through :func:`run_job` (logs, duration,
``JobSucceeded``/``JobFailed`` metrics) and returns a small JSON-able summary.
"""

from __future__ import annotations

from typing import Any

from chalice.app import Cron

from chalicelib import db
from chalicelib.db import Document
from chalicelib.jobs.alert_metrics import run_alert_metrics
from chalicelib.jobs.common import run_job
from chalicelib.jobs.expiry_notifications import run_expiry_notices
from chalicelib.jobs.index_check import run_index_check
from chalicelib.jobs.retention import policy_from
from chalicelib.jobs.upload_sweep import run as run_upload_sweep
from chalicelib.serialization import jsonable
from chalicelib.settings import Settings, get_settings
from chalicelib.storage import get_s3


def backup_cron(settings: Settings) -> Cron:
    """Daily at BACKUP_HOUR_UTC:BACKUP_MINUTE_UTC (default 02:00 UTC, the runbook's window)."""
    return Cron(settings.backup_minute_utc, settings.backup_hour_utc, "*", "*", "?", "*")


INDEX_CHECK_CRON = Cron(30, 3, "*", "*", "?", "*")
NOTICES_CRON = Cron(0, 1, "*", "*", "?", "*")  # 09:00 in Taiwan


def make_ses(settings: Settings) -> Any:
    import boto3  # loaded by the function that sends mail, not by every cold start

    return boto3.client(
        "ses", region_name=settings.aws_region, endpoint_url=settings.ses_endpoint_url
    )


def nightly_backup() -> Document:
    from chalicelib.jobs.backup import scheduled_backup  # boto3's transfer manager: load on use

    settings = get_settings()
    return run_job(
        "backup",
        lambda: scheduled_backup(
            db.get_db(),
            get_s3(),
            settings.backups_bucket,
            settings.app_version,
            policy_from(settings),
            settings.backup_keep_other_days,
        ),
    )


def daily_index_check() -> Document:
    result = run_job("index-check", lambda: run_index_check(db.get_db()))
    return {k: result[k] for k in ("missing", "extra", "mismatched")}


def hourly_alert_metrics() -> Document:
    result = run_job("alert-metrics", lambda: run_alert_metrics(db.get_db(), db.slow_commands))
    out: Document = jsonable(result)
    return out


def hourly_upload_sweep() -> Document:
    return run_job("upload-sweep", run_upload_sweep)


def daily_expiry_notices() -> Document:
    settings = get_settings()
    return run_job(
        "expiry-notices",
        lambda: run_expiry_notices(
            db.get_db(),
            make_ses(settings),
            recipients=settings.notice_recipients,
            sender=settings.notice_sender,
        ),
    )
