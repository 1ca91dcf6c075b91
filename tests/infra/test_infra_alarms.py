"""docs/RUNBOOK.md's alarms: metric, dimensions, statistic, threshold and topic of each."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.components.api import FUNCTIONS
from infra.config import STAGES
from tests.infra.conftest import Synth

STAGE_NAMES = ("dev", "prod")
GT, GTE = "GreaterThanThreshold", "GreaterThanOrEqualToThreshold"
FETMS = {"service": "fetms"}


def alarms(synth: Synth, stage: str) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["AlarmName"].removeprefix(f"fetms-{stage}-"): r["Properties"]
        for r in synth.resources(stage, "AWS::CloudWatch::Alarm").values()
    }


def topics(synth: Synth, stage: str) -> dict[str, str]:
    """Logical id → severity."""
    return {
        name: r["Properties"]["TopicName"].rsplit("-", 1)[1]
        for name, r in synth.resources(stage, "AWS::SNS::Topic").items()
    }


def severity(synth: Synth, stage: str, alarm: dict[str, Any]) -> str:
    [action] = alarm["AlarmActions"]
    return topics(synth, stage)[action["Ref"]]


def dimensions(alarm: dict[str, Any]) -> dict[str, Any]:
    return {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_two_topics_with_the_alarm_email(synth: Synth, stage: str) -> None:
    assert sorted(topics(synth, stage).values()) == ["critical", "warning"]
    for topic in synth.resources(stage, "AWS::SNS::Topic").values():
        assert "KmsMasterKeyId" in topic["Properties"]
    subscriptions = synth.resources(stage, "AWS::SNS::Subscription").values()
    assert len(subscriptions) == 2
    for subscription in subscriptions:
        assert subscription["Properties"]["Protocol"] == "email"
        assert subscription["Properties"]["Endpoint"] == STAGES[stage].alarm_email


@pytest.mark.parametrize(
    ("name", "metric", "statistic", "threshold", "operator", "topic", "dims"),
    [
        ("Api5xx", "5XXError", "Sum", 5, GTE, "critical", {"Stage": "api"}),
        ("IndexesMissing", "IndexesMissing", "Maximum", 0, GT, "warning", FETMS),
        ("DatabasePingLatency", "DatabasePingLatency", "Maximum", 100, GT, "warning", FETMS),
    ],
)
@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_single_metric_alarms(
    synth: Synth,
    stage: str,
    name: str,
    metric: str,
    statistic: str,
    threshold: float,
    operator: str,
    topic: str,
    dims: dict[str, str],
) -> None:
    alarm = alarms(synth, stage)[name]
    assert alarm["MetricName"] == metric
    assert alarm["Statistic"] == statistic
    assert alarm["Threshold"] == threshold
    assert alarm["ComparisonOperator"] == operator
    assert dimensions(alarm).items() >= dims.items()
    assert severity(synth, stage, alarm) == topic
    if name == "Api5xx":
        assert dimensions(alarm)["ApiName"] == f"fetms-{stage}"
        assert alarm["Namespace"] == "AWS/ApiGateway"
    else:
        assert alarm["Namespace"] == "FETMS"


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_p95_latency_of_reads_and_writes(synth: Synth, stage: str) -> None:
    found = alarms(synth, stage)
    for name, kind, threshold in (
        ("ReadLatencyP95", "read", 200),
        ("WriteLatencyP95", "write", 500),
    ):
        alarm = found[name]
        assert alarm["MetricName"] == "Latency"
        assert alarm["ExtendedStatistic"] == "p95"
        assert dimensions(alarm) == {"service": "fetms", "kind": kind}
        assert alarm["Threshold"] == threshold
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_lambda_errors_and_throttles_per_function(synth: Synth, stage: str) -> None:
    found = alarms(synth, stage)
    for logical_id in FUNCTIONS.values():
        for metric, topic in (("Errors", "critical"), ("Throttles", "warning")):
            alarm = found[f"{logical_id}{metric}"]
            assert alarm["Namespace"] == "AWS/Lambda"
            assert alarm["MetricName"] == metric
            assert dimensions(alarm) == {"FunctionName": {"Ref": logical_id}}
            assert alarm["Threshold"] == 1
            assert severity(synth, stage, alarm) == topic


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_job_failed_for_every_scheduled_job(synth: Synth, stage: str) -> None:
    found = alarms(synth, stage)
    jobs = {dimensions(a)["job"] for a in found.values() if a.get("MetricName") == "JobFailed"}
    assert jobs == {"backup", "index-check", "alert-metrics", "upload-sweep", "expiry-notices"}
    for alarm in found.values():
        if alarm.get("MetricName") == "JobFailed":
            assert alarm["Threshold"] == 1
            assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
            assert severity(synth, stage, alarm) == "critical"


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_missing_backup_within_26_hours_is_an_alarm(synth: Synth, stage: str) -> None:
    alarm = alarms(synth, stage)["BackupMissing"]
    assert alarm["MetricName"] == "JobSucceeded"
    assert dimensions(alarm) == {"service": "fetms", "job": "backup"}
    assert alarm["Period"] * alarm["EvaluationPeriods"] == 26 * 3600
    assert alarm["DatapointsToAlarm"] == alarm["EvaluationPeriods"]
    assert alarm["ComparisonOperator"] == "LessThanThreshold"
    assert alarm["Threshold"] == 1
    assert alarm["TreatMissingData"] == "breaching"
    assert severity(synth, stage, alarm) == "critical"


def expression_alarm(alarm: dict[str, Any]) -> tuple[str, dict[str, dict[str, Any]]]:
    queries = alarm["Metrics"]
    [expression] = [q["Expression"] for q in queries if "Expression" in q]
    metrics = {q["Id"]: q["MetricStat"] for q in queries if "MetricStat" in q}
    return expression, metrics


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_documents_expired_of_any_type_is_a_warning(synth: Synth, stage: str) -> None:
    alarm = alarms(synth, stage)["DocumentsExpired"]
    expression, metrics = expression_alarm(alarm)
    types = {
        {d["Name"]: d["Value"] for d in m["Metric"]["Dimensions"]}["documentType"]
        for m in metrics.values()
    }
    assert types == {"arc", "workPermit", "passport", "teachingLicense", "other"}
    assert all(m["Metric"]["MetricName"] == "DocumentsExpired" for m in metrics.values())
    assert all(f"FILL({i}, 0)" in expression for i in metrics)
    assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert severity(synth, stage, alarm) == "warning"


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_slow_commands_over_10_per_hour(synth: Synth, stage: str) -> None:
    alarm = alarms(synth, stage)["SlowCommands"]
    expression, metrics = expression_alarm(alarm)
    assert expression == " + ".join(f"FILL({i}, 0)" for i in metrics)
    assert {m["Metric"]["MetricName"] for m in metrics.values()} == {"SlowCommands"}
    assert {m["Period"] for m in metrics.values()} == {3600}
    assert {m["Stat"] for m in metrics.values()} == {"Sum"}
    kinds = {
        json.dumps(sorted((d["Name"], d["Value"]) for d in m["Metric"]["Dimensions"]))
        for m in metrics.values()
    }
    assert len(kinds) == 3  # the hourly job's count and the API's reads and writes
    assert alarm["Threshold"] == 10


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_dashboard_shows_the_key_metrics(synth: Synth, stage: str) -> None:
    [dashboard] = synth.resources(stage, "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for metric in (
        "5XXError",
        "Latency",
        "JobSucceeded",
        "JobFailed",
        "DatabasePingLatency",
        "SlowCommands",
        "DocumentsExpired",
        "IndexesMissing",
        "Throttles",
    ):
        assert metric in body, metric
    assert dashboard["Properties"]["DashboardName"] == f"fetms-{stage}"


def test_runbook_lists_every_alarm(synth: Synth) -> None:
    from pathlib import Path

    runbook = (Path(__file__).resolve().parents[2] / "docs" / "RUNBOOK.md").read_text()
    table = runbook[runbook.index("| alarm | condition |") :]
    for name in alarms(synth, "prod"):
        documented = name
        for logical_id in FUNCTIONS.values():
            documented = documented.replace(logical_id, "<Function>")
        if name.startswith("JobFailed"):
            documented = "JobFailed<Job>"
        assert f"`{documented}`" in table, name
