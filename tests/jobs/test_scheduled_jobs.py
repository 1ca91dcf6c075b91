"""Scheduled functions through the Chalice test client; EMF parsed; SES through moto in-process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.jobs import scheduled
from chalicelib.jobs.alert_metrics import run_alert_metrics
from chalicelib.jobs.backup import list_backups
from chalicelib.jobs.expiry_notifications import run_expiry_notices
from chalicelib.services.common import utcnow
from chalicelib.settings import get_settings
from chalicelib.storage import get_s3
from tests.support.factories import FIXED_NOW, make_teacher

SENDER = "fetms-notices@example.org"


def emf(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]


def values(lines: list[dict[str, Any]], name: str, **dims: str) -> list[float]:
    found = []
    for line in lines:
        if name in line and all(line.get(k) == v for k, v in dims.items()):
            value = line[name]
            found.append(float(value[0] if isinstance(value, list) else value))
    return found


def rule(db: Any, name: str, doc_type: str, days: int) -> None:
    db.alertrules.insert_one(
        {
            "name": name,
            "documentType": doc_type,
            "conditionType": "DAYS_REMAINING",
            "value": days,
            "isActive": True,
            "isDeleted": False,
        }
    )


def seed_expiries(db: Any, now: datetime) -> dict[str, Any]:
    rule(db, "ARC within 60 days", "arcDetails", 60)
    rule(db, "ARC within 14 days", "arcDetails", 14)
    rule(db, "Passport within 180 days", "passportDetails", 180)
    return {
        "soon": make_teacher(
            db, firstName="Ann", arcDetails={"expiryDate": now + timedelta(days=10)}
        ),
        "later": make_teacher(
            db, firstName="Bob", arcDetails={"expiryDate": now + timedelta(days=40)}
        ),
        "gone": make_teacher(
            db, firstName="Cy", arcDetails={"expiryDate": now - timedelta(days=3)}
        ),
        "fine": make_teacher(
            db, firstName="Di", arcDetails={"expiryDate": now + timedelta(days=400)}
        ),
        "pass": make_teacher(
            db, firstName="Ed", passportDetails={"expiryDate": now + timedelta(days=100)}
        ),
    }


def cw_event(client: Client) -> dict[str, Any]:
    return client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )


@pytest.fixture
def chalice_client(db: Any) -> Iterator[Client]:
    from app import app

    with Client(app, stage_name="local") as client:
        yield client


def test_alert_metrics_per_rule_window_type_ping_and_slow_commands(
    db: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_expiries(db, FIXED_NOW)
    result = run_alert_metrics(db, now=FIXED_NOW)
    lines = emf(capsys.readouterr().out)
    assert values(lines, "DocumentsExpiringInWindow", documentType="arc", window="60d") == [2]
    assert values(lines, "DocumentsExpiringInWindow", documentType="arc", window="14d") == [1]
    assert values(lines, "DocumentsExpiringInWindow", documentType="passport", window="180d") == [1]
    assert values(lines, "DocumentsExpired", documentType="arc") == [1]
    assert values(lines, "DocumentsExpiring", documentType="arc") == [2]
    assert values(lines, "DocumentsExpiring", documentType="workPermit") == [0]
    (latency,) = values(lines, "DatabasePingLatency")
    assert isinstance(latency, float | int) and 0 < latency < 60_000
    assert values(lines, "SlowCommands") == [0]
    assert result["totals"]["arc"] == {"expired": 1, "expiring": 2}
    for line in lines:
        assert line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "FETMS"


def test_scheduled_alert_metrics_and_its_failure_metric(
    chalice_client: Client,
    db: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed_expiries(db, utcnow())
    response = chalice_client.lambda_.invoke("hourly_alert_metrics", cw_event(chalice_client))
    assert response.payload["totals"]["arc"] == {"expired": 1, "expiring": 2}
    lines = emf(capsys.readouterr().out)
    assert values(lines, "JobSucceeded", job="alert-metrics") == [1]

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database exploded")

    monkeypatch.setattr(scheduled, "run_alert_metrics", broken)
    with pytest.raises(RuntimeError):
        chalice_client.lambda_.invoke("hourly_alert_metrics", cw_event(chalice_client))
    lines = emf(capsys.readouterr().out)
    assert values(lines, "JobFailed", job="alert-metrics") == [1]


def test_scheduled_backup_and_index_check(
    chalice_client: Client,
    db: Any,
    backups: tuple[Any, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_teacher(db)
    response = chalice_client.lambda_.invoke("nightly_backup", cw_event(chalice_client))
    s3, bucket = backups
    assert [m["id"] for m in list_backups(s3, bucket)] == [response.payload["backupId"]]
    assert response.payload["documents"] >= 1
    response = chalice_client.lambda_.invoke("daily_index_check", cw_event(chalice_client))
    assert response.payload["missing"] == 0
    lines = emf(capsys.readouterr().out)
    assert values(lines, "JobSucceeded", job="backup") == [1]
    assert values(lines, "JobSucceeded", job="index-check") == [1]


def test_backup_schedule_is_the_runbook_window() -> None:
    from app import app

    assert scheduled.backup_cron(get_settings()).to_string() == "cron(0 2 * * ? *)"
    names = {source.name for source in app.event_sources}
    expected = {"nightly_backup", "daily_index_check", "hourly_alert_metrics"}
    assert expected | {"daily_expiry_notices", "hourly_upload_sweep"} <= names


def test_scheduled_upload_sweep_discards_only_expired_unconfirmed_uploads(
    chalice_client: Client, db: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    s3 = get_s3()
    bucket = get_settings().uploads_bucket
    past = utcnow() - timedelta(hours=3)
    for key, status in (("sweep/expired", "pending"), ("sweep/confirmed", "confirmed")):
        s3.put_object(Bucket=bucket, Key=key, Body=b"%PDF-1.4")
        db.uploads.insert_one(
            {"key": key, "status": status, "expiresAt": past, "teacher": None, "kind": "passport"}
        )
    response = chalice_client.lambda_.invoke("hourly_upload_sweep", cw_event(chalice_client))
    assert response.payload["discarded"] == 1
    remaining = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="sweep/")["Contents"]}
    assert remaining == {"sweep/confirmed"}
    assert values(emf(capsys.readouterr().out), "JobSucceeded", job="upload-sweep") == [1]


@pytest.fixture
def ses() -> Iterator[Any]:
    """SES of moto in-process (the session's S3 server runs in its own process: unaffected)."""
    with mock_aws():
        client = boto3.client("ses", region_name="us-east-1")
        client.verify_email_identity(EmailAddress=SENDER)
        yield client


def sent_messages() -> list[Any]:
    return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


def test_expiry_digest_once_per_recipient_and_threshold(db: Any, ses: Any) -> None:
    teachers = seed_expiries(db, FIXED_NOW)
    recipients = ["office@example.org", "hr@example.org"]
    first = run_expiry_notices(db, ses, recipients=recipients, sender=SENDER, now=FIXED_NOW)
    # Ann: 60d and 14d rules (2 notices), Bob: 60d, Cy (expired): 60d and 14d, Ed: passport
    assert first["due"] == 6
    assert first["sent"] == {"office@example.org": 6, "hr@example.org": 6}
    messages = sent_messages()
    assert len(messages) == 2
    body = messages[0].body
    assert "Ann Example: ARC expires on 2026-06-25 (in 10 days)" in body
    assert "Cy Example: ARC EXPIRED on 2026-06-12 (3 days ago)" in body
    assert "Di Example" not in body
    assert "need attention" in messages[0].subject

    again = run_expiry_notices(db, ses, recipients=recipients, sender=SENDER, now=FIXED_NOW)
    assert again["sent"] == {"office@example.org": 0, "hr@example.org": 0}
    assert len(sent_messages()) == 2, "a rerun never re-sends"

    # a renewed ARC (new expiry date) is a new notice; a new recipient gets what is current
    db.teachers.update_one(
        {"_id": teachers["later"]["_id"]},
        {"$set": {"arcDetails.expiryDate": FIXED_NOW + timedelta(days=50)}},
    )
    next_day = FIXED_NOW + timedelta(days=1)
    third = run_expiry_notices(
        db, ses, recipients=[*recipients, "new@example.org"], sender=SENDER, now=next_day
    )
    assert third["sent"]["office@example.org"] == 1
    assert third["sent"]["new@example.org"] == 6
    record = db.notifications.find_one({"teacher": teachers["soon"]["_id"]})
    assert set(record["sentTo"]) == {"office@example.org", "hr@example.org", "new@example.org"}


def test_a_failed_send_is_retried_without_duplicates(db: Any, ses: Any) -> None:
    seed_expiries(db, FIXED_NOW)
    with pytest.raises(Exception, match="not verified"):
        run_expiry_notices(
            db, ses, recipients=["a@example.org"], sender="unverified@example.org", now=FIXED_NOW
        )
    assert db.notifications.count_documents({"sentTo": "a@example.org"}) == 0
    result = run_expiry_notices(db, ses, recipients=["a@example.org"], sender=SENDER, now=FIXED_NOW)
    assert result["sent"] == {"a@example.org": 6}


def test_scheduled_notices_through_the_chalice_client(
    chalice_client: Client, db: Any, ses: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_expiries(db, utcnow())
    monkeypatch.setattr(get_settings(), "notice_recipients", ["office@example.org"])
    monkeypatch.setattr(get_settings(), "notice_sender", SENDER)
    response = chalice_client.lambda_.invoke("daily_expiry_notices", cw_event(chalice_client))
    assert response.payload["sent"] == {"office@example.org": 6}
    assert len(sent_messages()) == 1


def test_no_recipients_configured_sends_nothing(db: Any, ses: Any) -> None:
    seed_expiries(db, FIXED_NOW)
    assert run_expiry_notices(db, ses, recipients=[], sender=SENDER, now=FIXED_NOW)["due"] == 0
    assert sent_messages() == []
