"""The Chalice app (API Gateway REST API, route Lambda, authorizer, scheduled Lambdas).

``chalice.cdk.Chalice`` packages the app (``chalice package``, memory and timeouts per function
from ``.chalice/config.json``) into a SAM template that is included here and then adjusted:

- each function gets its own IAM role (granted by the stack, least privilege), its own log group
  with a retention, X-Ray tracing and a ``live`` alias published on every deploy (SAM
  ``AutoPublishAlias``) that CodeDeploy shifts traffic to (``DeploymentPreference``);
- API Gateway invokes the aliases (routes and authorizer), so do the schedules (SAM wires a
  schedule to the alias when there is one);
- the REST API is regional (CloudFront is in front), throttled, traced, access-logged, and its
  gateway responses are problem+json.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import Acknowledgment, Duration, Fn, RemovalPolicy, Stack, Validations
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from chalice.cdk import Chalice
from constructs import Construct

from infra.components.gateway_responses import sam_gateway_responses
from infra.config import StageConfig

PROJECT_ROOT = Path(__file__).resolve().parents[2]
COMPRESS_ABOVE_BYTES = 1024
ALIAS = "live"
# Chalice function name → logical id in the packaged template.
FUNCTIONS: dict[str, str] = {
    "api_handler": "APIHandler",
    "jwt_auth": "JwtAuth",
    "nightly_backup": "NightlyBackup",
    "daily_index_check": "DailyIndexCheck",
    "hourly_alert_metrics": "HourlyAlertMetrics",
    "hourly_upload_sweep": "HourlyUploadSweep",
    "daily_expiry_notices": "DailyExpiryNotices",
}
API_FUNCTIONS = ("api_handler", "jwt_auth")
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "responseLatency": "$context.responseLatency",
        "integrationLatency": "$context.integrationLatency",
        "errorType": "$context.error.responseType",
        "userAgent": "$context.identity.userAgent",
    },
    separators=(",", ":"),
)


RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
}


_INVOKE = (
    "arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/"
    "${{{alias}}}/invocations"
)


def alias_id(logical_id: str) -> str:
    """Logical id of the alias SAM's AutoPublishAlias creates (``<Function>Alias<name>``)."""
    return f"{logical_id}Alias{ALIAS}"


def _escape(key: str) -> str:
    """A template key inside a CDK override path (dots in keys are escaped)."""
    return key.replace(".", "\\.")


@contextlib.contextmanager
def working_directory(path: Path) -> Iterator[None]:
    """``chalice.cdk.Chalice`` writes ``chalice.out/`` into the current directory."""
    previous = Path.cwd()
    path.mkdir(parents=True, exist_ok=True)
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


@dataclass
class AppFunction:
    name: str
    logical_id: str
    resource: Any  # aws_sam.CfnFunction from the included template
    role: iam.Role
    log_group: logs.LogGroup

    @property
    def function_name(self) -> str:
        """The deployed function's name (a token: CloudFormation generates it)."""
        return str(self.resource.ref)

    def metric(self, name: str, statistic: str = "Sum") -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/Lambda",
            metric_name=name,
            dimensions_map={"FunctionName": self.function_name},
            statistic=statistic,
            period=Duration.minutes(5),
        )


class ChaliceApi(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: StageConfig,
        environment: dict[str, str],
        build_dir: Path,
    ) -> None:
        super().__init__(scope, id)
        self.config = config
        stack = Stack.of(self)
        stage_config: dict[str, Any] = {
            "api_gateway_endpoint_type": "REGIONAL",
            "xray": True,
            # Roles are created below, one per function; Chalice's own role is not used.
            "manage_iam_role": False,
            "iam_role_arn": f"arn:aws:iam::{config.account}:role/replaced-per-function",
            "environment_variables": environment,
        }
        # The Chalice stage is the name of the construct scope: the stack's id is the stage.
        with working_directory(build_dir):
            self.chalice = Chalice(
                stack, "ChaliceApp", source_dir=str(PROJECT_ROOT), stage_config=stage_config
            )
        self.rest_api = self.chalice.get_resource("RestAPI")
        self.functions = {
            name: self._adjust_function(name, logical_id) for name, logical_id in FUNCTIONS.items()
        }
        self._invoke_aliases()
        self.access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            log_group_name=f"/fetms/{config.stage}/api-access",
            retention=RETENTION[config.log_retention_days],
            removal_policy=RemovalPolicy.RETAIN,
        )
        self._configure_stage()
        self._account_logging_role()

    # -- functions ---------------------------------------------------------------------------
    def _adjust_function(self, name: str, logical_id: str) -> AppFunction:
        config = self.config
        resource = self.chalice.get_resource(logical_id)
        log_group = logs.LogGroup(
            self,
            f"{logical_id}Logs",
            log_group_name=f"/fetms/{config.stage}/{name}",
            retention=RETENTION[config.log_retention_days],
            removal_policy=RemovalPolicy.RETAIN,
        )
        role = iam.Role(
            self,
            f"{logical_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"FETMS {config.stage} {name}: only what this function does",
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.log_group_arn],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                # X-Ray has no resource-level permissions for these actions.
                actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                resources=["*"],
            )
        )
        resource.add_property_override("Role", role.role_arn)
        resource.add_property_override("Tracing", "Active")
        resource.add_property_override(
            "LoggingConfig", {"LogGroup": log_group.log_group_name, "LogFormat": "Text"}
        )
        resource.add_property_override("AutoPublishAlias", ALIAS)
        resource.add_property_override("Tags.fetms:stage", config.stage)
        resource.add_property_override("Tags.fetms:function", name)
        return AppFunction(name, logical_id, resource, role, log_group)

    def set_deployment(self, function: AppFunction, alarms: list[cloudwatch.IAlarm]) -> None:
        """CodeDeploy shifts the alias to the new version and rolls back when an alarm fires."""
        kind = (
            self.config.api_deployment
            if function.name in API_FUNCTIONS
            else self.config.jobs_deployment
        )
        function.resource.add_property_override(
            "DeploymentPreference",
            {"Type": kind, "Alarms": [alarm.alarm_name for alarm in alarms]},
        )

    def _invoke_aliases(self) -> None:
        """Routes and the authorizer call the ``live`` alias, never ``$LATEST``."""
        body = self.rest_api.definition_body
        # The alias SAM publishes (its Ref is the alias ARN) instead of the function's $LATEST.
        for path, operations in body["paths"].items():
            for method in operations:
                self.rest_api.add_property_override(
                    f"DefinitionBody.paths.{_escape(path)}.{method}"
                    ".x-amazon-apigateway-integration.uri",
                    {"Fn::Sub": _INVOKE.format(alias=alias_id("APIHandler"))},
                )
        for name in body.get("securityDefinitions", {}):
            self.rest_api.add_property_override(
                f"DefinitionBody.securityDefinitions.{_escape(name)}"
                ".x-amazon-apigateway-authorizer.authorizerUri",
                {"Fn::Sub": _INVOKE.format(alias=alias_id("JwtAuth"))},
            )
        # The API's name (also the ApiName dimension of its metrics) names the stage.
        self.rest_api.add_property_override("DefinitionBody.info.title", self.api_name)
        for permission in ("APIHandlerInvokePermission", "JwtAuthInvokePermission"):
            logical_id = permission.removesuffix("InvokePermission")
            self.chalice.get_resource(permission).add_property_override(
                "FunctionName", {"Ref": alias_id(logical_id)}
            )
        # CDK's template validation runs before the SAM transform creates the aliases.
        for resource in ("RestAPI", "APIHandlerInvokePermission", "JwtAuthInvokePermission"):
            Validations.of(self.chalice.get_resource(resource)).acknowledge(
                Acknowledgment(
                    id="CloudFormation-Validate::F1020",
                    reason="the SAM transform creates the live aliases referenced here",
                )
            )

    # -- REST API stage ----------------------------------------------------------------------
    def _configure_stage(self) -> None:
        config = self.config
        api = self.rest_api
        api.add_property_override("Name", self.api_name)
        api.add_property_override("TracingEnabled", True)
        # Answers over 1 kB are gzip-compressed for clients that accept it (a 1,000-teacher list:
        # ~1 MB of JSON → ~80 kB); CloudFront passes the API through uncached and uncompressed.
        api.add_property_override("MinimumCompressionSize", COMPRESS_ABOVE_BYTES)
        api.add_property_override(
            "MethodSettings",
            [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": config.throttling.rate_limit,
                    "ThrottlingBurstLimit": config.throttling.burst_limit,
                    "LoggingLevel": "ERROR",
                    "MetricsEnabled": True,
                    "DataTraceEnabled": False,
                }
            ],
        )
        api.add_property_override(
            "AccessLogSetting",
            {"DestinationArn": self.access_logs.log_group_arn, "Format": ACCESS_LOG_FORMAT},
        )
        api.add_property_override("GatewayResponses", sam_gateway_responses(config.spa_origins))

    def _account_logging_role(self) -> None:
        """API Gateway needs an account-level role to write execution logs (one per region)."""
        role = iam.Role(
            self,
            "ApiGatewayLogsRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AmazonAPIGatewayPushToCloudWatchLogs"
                )
            ],
        )
        account = apigw.CfnAccount(self, "ApiGatewayAccount", cloud_watch_role_arn=role.role_arn)
        self.rest_api.add_resource_dependency(account)

    # -- references for the rest of the stack --------------------------------------------------
    @property
    def api_name(self) -> str:
        return f"fetms-{self.config.stage}"

    @property
    def rest_api_id(self) -> str:
        return str(self.rest_api.ref)

    @property
    def origin_domain(self) -> str:
        """The regional execute-api host (CloudFront's origin for ``/api/*``)."""
        return Fn.sub("${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}")

    @property
    def stage_name(self) -> str:
        return "api"

    def api_metric(self, name: str, statistic: str = "Sum") -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/ApiGateway",
            metric_name=name,
            dimensions_map={"ApiName": self.api_name, "Stage": self.stage_name},
            statistic=statistic,
            period=Duration.minutes(5),
        )
