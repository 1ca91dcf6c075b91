"""docs/RUNBOOK.md's alarms, made real, on two SNS topics (critical, warning), and a dashboard.

Application metrics are the EMF metrics the code writes (namespace ``FETMS``; every one carries
the Powertools ``service`` dimension). An alarm matches one exact dimension set, so each alarm
names the dimensions its metric is written with.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from chalicelib.observability import METRICS_NAMESPACE, SERVICE
from chalicelib.services.expiry import CATEGORIES
from infra.components.api import AppFunction, ChaliceApi
from infra.components.keys import customer_key
from infra.config import StageConfig

# The `job` dimension written by chalicelib.jobs.common.run_job for each scheduled function.
JOBS = {
    "nightly_backup": "backup",
    "daily_index_check": "index-check",
    "hourly_alert_metrics": "alert-metrics",
    "hourly_upload_sweep": "upload-sweep",
    "daily_expiry_notices": "expiry-notices",
}
HOUR = Duration.hours(1)
FIVE_MINUTES = Duration.minutes(5)


def app_metric(name: str, statistic: str, period: Duration, **dimensions: str) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map={"service": SERVICE, **dimensions},
        statistic=statistic,
        period=period,
    )


@dataclass
class FunctionAlarms:
    errors: cloudwatch.Alarm
    throttles: cloudwatch.Alarm


class Monitoring(Construct):
    def __init__(self, scope: Construct, id: str, *, config: StageConfig, api: ChaliceApi) -> None:
        super().__init__(scope, id)
        self.config = config
        thresholds = config.alarms
        key = customer_key(
            self,
            "TopicKey",
            alias=f"alias/fetms-{config.stage}-alarms",
            description="FETMS alarm topics",
        )
        # CloudWatch publishes alarm notifications to the encrypted topics.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],  # in a key policy, "*" means this key
            )
        )
        self.critical = self._topic("Critical", "critical", key)
        self.warning = self._topic("Warning", "warning", key)

        self.alarms: list[cloudwatch.Alarm] = []
        self.api_5xx = self._alarm(
            "Api5xx",
            api.api_metric("5XXError"),
            threshold=thresholds.api_5xx_per_5_minutes,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            topic=self.critical,
            description="API answered 5xx (API Gateway 5XXError)",
        )
        self.read_latency = self._alarm(
            "ReadLatencyP95",
            app_metric("Latency", "p95", FIVE_MINUTES, kind="read"),
            threshold=thresholds.read_p95_ms,
            topic=self.warning,
            evaluation_periods=3,
            description=f"p95 latency of GET requests > {thresholds.read_p95_ms} ms",
        )
        self.write_latency = self._alarm(
            "WriteLatencyP95",
            app_metric("Latency", "p95", FIVE_MINUTES, kind="write"),
            threshold=thresholds.write_p95_ms,
            topic=self.warning,
            evaluation_periods=3,
            description=f"p95 latency of writes > {thresholds.write_p95_ms} ms",
        )
        self.function_alarms = {
            name: self._function_alarms(function) for name, function in api.functions.items()
        }
        self.job_failed = {
            job: self._alarm(
                f"JobFailed{function_name.title().replace('_', '')}",
                app_metric("JobFailed", "Sum", HOUR, job=job),
                threshold=1,
                comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                topic=self.critical,
                description=f"scheduled job {job} failed",
            )
            for function_name, job in JOBS.items()
        }
        self.backup_missing = self._alarm(
            "BackupMissing",
            app_metric("JobSucceeded", "Sum", HOUR, job="backup"),
            threshold=1,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=thresholds.backup_missing_hours,
            missing=cloudwatch.TreatMissingData.BREACHING,
            topic=self.critical,
            description=f"no successful backup in {thresholds.backup_missing_hours} h",
        )
        self.indexes_missing = self._alarm(
            "IndexesMissing",
            app_metric("IndexesMissing", "Maximum", Duration.days(1)),
            threshold=0,
            topic=self.warning,
            description="indexes of the registry are missing (fetms indexes ensure)",
        )
        expired = {
            f"m{i}": app_metric("DocumentsExpired", "Maximum", HOUR, documentType=category)
            for i, category in enumerate(CATEGORIES)
        }
        self.documents_expired = self._alarm(
            "DocumentsExpired",
            cloudwatch.MathExpression(
                expression=" + ".join(f"FILL({m}, 0)" for m in expired),
                using_metrics=dict(expired),
                label="expired documents (all types)",
                period=HOUR,
            ),
            threshold=0,
            topic=self.warning,
            description="teachers' documents have expired",
        )
        self.ping_latency = self._alarm(
            "DatabasePingLatency",
            app_metric("DatabasePingLatency", "Maximum", HOUR),
            threshold=thresholds.database_ping_ms,
            topic=self.warning,
            description=f"MongoDB ping > {thresholds.database_ping_ms} ms",
        )
        slow = {
            "job": app_metric("SlowCommands", "Sum", HOUR),
            "reads": app_metric("SlowCommands", "Sum", HOUR, kind="read"),
            "writes": app_metric("SlowCommands", "Sum", HOUR, kind="write"),
        }
        self.slow_commands = self._alarm(
            "SlowCommands",
            cloudwatch.MathExpression(
                expression=" + ".join(f"FILL({m}, 0)" for m in slow),
                using_metrics=dict(slow),
                label="slow MongoDB commands per hour",
                period=HOUR,
            ),
            threshold=thresholds.slow_commands_per_hour,
            topic=self.warning,
            description=f"more than {thresholds.slow_commands_per_hour} slow commands per hour",
        )
        self.dashboard = self._dashboard(api, expired, slow)

    # -- pieces --------------------------------------------------------------------------------
    def _topic(self, id: str, severity: str, key: kms.IKey) -> sns.Topic:
        topic = sns.Topic(
            self,
            id,
            topic_name=f"fetms-{self.config.stage}-{severity}",
            display_name=f"FETMS {self.config.stage} {severity}",
            master_key=key,
            enforce_ssl=True,
        )
        topic.add_subscription(subscriptions.EmailSubscription(self.config.alarm_email))
        return topic

    def _alarm(
        self,
        id: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        topic: sns.ITopic,
        description: str,
        comparison: cloudwatch.ComparisonOperator = (
            cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
        ),
        evaluation_periods: int = 1,
        missing: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            id,
            alarm_name=f"fetms-{self.config.stage}-{id}",
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=evaluation_periods,
            treat_missing_data=missing,
        )
        alarm.add_alarm_action(actions.SnsAction(topic))
        alarm.add_ok_action(actions.SnsAction(topic))
        self.alarms.append(alarm)
        return alarm

    def _function_alarms(self, function: AppFunction) -> FunctionAlarms:
        label = function.logical_id
        return FunctionAlarms(
            errors=self._alarm(
                f"{label}Errors",
                function.metric("Errors"),
                threshold=1,
                comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                topic=self.critical,
                description=f"{function.name}: invocations failed",
            ),
            throttles=self._alarm(
                f"{label}Throttles",
                function.metric("Throttles"),
                threshold=1,
                comparison=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                topic=self.warning,
                description=f"{function.name}: invocations throttled",
            ),
        )

    def rollback_alarms(self, name: str) -> list[cloudwatch.IAlarm]:
        """The critical alarms that stop and roll back a deployment of function ``name``."""
        alarms: list[cloudwatch.IAlarm] = [self.function_alarms[name].errors]
        if name in ("api_handler", "jwt_auth"):
            alarms.append(self.api_5xx)
        if name in JOBS:
            alarms.append(self.job_failed[JOBS[name]])
        return alarms

    def _dashboard(
        self,
        api: ChaliceApi,
        expired: dict[str, cloudwatch.Metric],
        slow: dict[str, cloudwatch.Metric],
    ) -> cloudwatch.Dashboard:
        dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=f"fetms-{self.config.stage}"
        )
        functions = list(api.functions.values())
        dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(
                title="Alarms", alarms=list(self.alarms), width=24, height=4
            )
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="API requests and errors",
                left=[
                    api.api_metric("Count"),
                    api.api_metric("4XXError"),
                    api.api_metric("5XXError"),
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="API p95 latency (ms): reads, writes",
                left=[
                    app_metric("Latency", "p95", FIVE_MINUTES, kind="read"),
                    app_metric("Latency", "p95", FIVE_MINUTES, kind="write"),
                ],
                left_annotations=[
                    cloudwatch.HorizontalAnnotation(value=self.config.alarms.read_p95_ms),
                    cloudwatch.HorizontalAnnotation(value=self.config.alarms.write_p95_ms),
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Lambda errors and throttles",
                left=[f.metric("Errors") for f in functions],
                right=[f.metric("Throttles") for f in functions],
                width=8,
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Jobs: succeeded / failed",
                left=[app_metric("JobSucceeded", "Sum", HOUR, job=j) for j in JOBS.values()],
                right=[app_metric("JobFailed", "Sum", HOUR, job=j) for j in JOBS.values()],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="MongoDB: ping (ms), slow commands",
                left=[app_metric("DatabasePingLatency", "Maximum", HOUR)],
                right=list(slow.values()),
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Documents expired / expiring, indexes missing",
                left=list(expired.values()),
                right=[app_metric("IndexesMissing", "Maximum", Duration.days(1))],
                width=8,
            ),
        )
        return dashboard
