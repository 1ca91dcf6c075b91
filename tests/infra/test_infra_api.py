"""API Gateway, the functions, their aliases and deployments, schedules and secrets."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match

from infra.components.api import FUNCTIONS
from infra.components.gateway_responses import PROBLEMS
from infra.config import STAGES
from tests.infra.conftest import Synth

CHALICE_CONFIG = json.loads(
    (Path(__file__).resolve().parents[2] / ".chalice" / "config.json").read_text()
)
STAGE_NAMES = ("dev", "prod")
SCHEDULES = {
    "NightlyBackup": "cron(0 2 * * ? *)",
    "DailyIndexCheck": "cron(30 3 * * ? *)",
    "HourlyAlertMetrics": "rate(1 hour)",
    "HourlyUploadSweep": "rate(1 hour)",
    "DailyExpiryNotices": "cron(0 1 * * ? *)",
}


def functions(synth: Synth, stage: str) -> dict[str, dict[str, Any]]:
    return synth.resources(stage, "AWS::Serverless::Function")


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_every_function_with_its_size_tracing_logs_and_live_alias(synth: Synth, stage: str) -> None:
    declared = CHALICE_CONFIG["stages"][stage]["lambda_functions"]
    found = functions(synth, stage)
    assert set(found) == set(FUNCTIONS.values())
    log_groups = synth.resources(stage, "AWS::Logs::LogGroup")
    for name, logical_id in FUNCTIONS.items():
        props = found[logical_id]["Properties"]
        assert props["MemorySize"] == declared[name]["lambda_memory_size"], name
        assert props["Timeout"] == declared[name]["lambda_timeout"], name
        assert props["Tracing"] == "Active"
        assert props["AutoPublishAlias"] == "live"
        assert props["Tags"]["fetms:function"] == name
        group = log_groups[props["LoggingConfig"]["LogGroup"]["Ref"]]["Properties"]
        assert group["LogGroupName"] == f"/fetms/{stage}/{name}"
        assert group["RetentionInDays"] == STAGES[stage].log_retention_days
        # Its own role, created by the stack (not Chalice's shared default role).
        assert "Fn::GetAtt" in props["Role"] and props["Role"]["Fn::GetAtt"][0].startswith(
            f"Api{logical_id}Role"
        )


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_functions_get_secret_arns_never_secret_values(synth: Synth, stage: str) -> None:
    for logical_id, function in functions(synth, stage).items():
        env = function["Properties"]["Environment"]["Variables"]
        assert "JWT_SECRET" not in env and "MONGO_URI" not in env, logical_id
        assert env["JWT_SECRET_ARN"] == {"Ref": Match.any_value()} or "Ref" in env["JWT_SECRET_ARN"]
        atlas = json.dumps(env["MONGO_URI_SECRET_ARN"])
        assert f"secret:{STAGES[stage].atlas_secret_name}" in atlas
        assert not re.search(r"mongodb(\+srv)?://", json.dumps(env))
        assert env["FETMS_STAGE"] == stage
        assert env["UPLOADS_BUCKET"] == STAGES[stage].bucket_name("uploads")
        assert env["BACKUP_KEEP_MONTHLY"] == str(STAGES[stage].backups.keep_monthly)
    synth.template(stage).has_resource_properties(
        "AWS::SecretsManager::Secret",
        {
            "Name": f"fetms/{stage}/jwt-signing-key",
            "GenerateSecretString": {"PasswordLength": 64, "ExcludePunctuation": True},
        },
    )


def test_prod_writes_with_the_customer_managed_key(synth: Synth) -> None:
    env = functions(synth, "prod")["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert "Fn::GetAtt" in env["S3_KMS_KEY_ARN"]
    dev_env = functions(synth, "dev")["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert "S3_KMS_KEY_ARN" not in dev_env


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_schedules_invoke_the_live_alias(synth: Synth, stage: str) -> None:
    rules = synth.expanded_resources(stage, "AWS::Events::Rule")
    by_target = {
        r["Properties"]["Targets"][0]["Arn"]["Ref"]: r["Properties"]["ScheduleExpression"]
        for r in rules.values()
    }
    assert by_target == {f"{fn}Aliaslive": expr for fn, expr in SCHEDULES.items()}


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_routes_and_authorizer_invoke_the_live_alias(synth: Synth, stage: str) -> None:
    api = next(iter(synth.expanded_resources(stage, "AWS::ApiGateway::RestApi").values()))
    body = api["Properties"]["Body"]
    uris = [
        json.dumps(op["x-amazon-apigateway-integration"]["uri"])
        for path in body["paths"].values()
        for op in path.values()
    ]
    assert len(uris) > 40
    assert all("${APIHandlerAliaslive}" in uri for uri in uris)
    authorizer = body["securityDefinitions"]["jwt_auth"]["x-amazon-apigateway-authorizer"]
    assert "${JwtAuthAliaslive}" in json.dumps(authorizer["authorizerUri"])
    assert authorizer["authorizerResultTtlInSeconds"] == 0
    permissions = synth.expanded_resources(stage, "AWS::Lambda::Permission")
    api_permissions = {
        p["Properties"]["FunctionName"]["Ref"]
        for p in permissions.values()
        if p["Properties"]["Principal"] == "apigateway.amazonaws.com"
    }
    assert api_permissions == {"APIHandlerAliaslive", "JwtAuthAliaslive"}


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_each_deploy_shifts_traffic_with_codedeploy_and_rolls_back_on_alarm(
    synth: Synth, stage: str
) -> None:
    config = STAGES[stage]
    aliases = synth.expanded_resources(stage, "AWS::Lambda::Alias")
    assert {a["Properties"]["Name"] for a in aliases.values()} == {"live"}
    assert {a["Properties"]["FunctionName"]["Ref"] for a in aliases.values()} == set(
        FUNCTIONS.values()
    )
    for alias in aliases.values():
        assert "CodeDeployLambdaAliasUpdate" in alias["UpdatePolicy"]
    groups = synth.expanded_resources(stage, "AWS::CodeDeploy::DeploymentGroup")
    assert len(groups) == len(FUNCTIONS)
    alarms = synth.resources(stage, "AWS::CloudWatch::Alarm")
    for logical_id in FUNCTIONS.values():
        group = groups[f"{logical_id}DeploymentGroup"]["Properties"]
        assert group["AutoRollbackConfiguration"]["Enabled"] is True
        assert "DEPLOYMENT_STOP_ON_ALARM" in group["AutoRollbackConfiguration"]["Events"]
        named = [a["Name"]["Ref"] for a in group["AlarmConfiguration"]["Alarms"]]
        assert any(f"{logical_id}Errors" in n for n in named), named
        for ref in named:
            assert alarms[ref]["Properties"]["AlarmActions"], "rollback alarms also notify"
        kind = (
            config.api_deployment
            if logical_id in ("APIHandler", "JwtAuth")
            else (config.jobs_deployment)
        )
        assert kind in json.dumps(group["DeploymentConfigName"])
    api_group = groups["APIHandlerDeploymentGroup"]["Properties"]
    assert any("Api5xx" in a["Name"]["Ref"] for a in api_group["AlarmConfiguration"]["Alarms"])


def test_prod_api_shifts_by_canary(synth: Synth) -> None:
    assert STAGES["prod"].api_deployment.startswith("Canary10Percent")


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_api_stage_is_regional_throttled_traced_and_access_logged(synth: Synth, stage: str) -> None:
    config = STAGES[stage]
    api = synth.templates[stage]["Resources"]["RestAPI"]["Properties"]
    assert api["EndpointConfiguration"] == "REGIONAL"
    assert api["TracingEnabled"] is True
    assert api["MinimumCompressionSize"] == 1024
    [rest_api] = synth.expanded_resources(stage, "AWS::ApiGateway::RestApi").values()
    assert rest_api["Properties"]["MinimumCompressionSize"] == 1024
    [settings] = api["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == config.throttling.rate_limit
    assert settings["ThrottlingBurstLimit"] == config.throttling.burst_limit
    assert (settings["ResourcePath"], settings["HttpMethod"]) == ("/*", "*")
    assert settings["DataTraceEnabled"] is False
    access = api["AccessLogSetting"]
    assert json.loads(access["Format"])["requestId"] == "$context.requestId"
    log_group = access["DestinationArn"]["Fn::GetAtt"][0]
    assert synth.templates[stage]["Resources"][log_group]["Properties"]["RetentionInDays"] == (
        config.log_retention_days
    )
    stage_resource = next(iter(synth.expanded_resources(stage, "AWS::ApiGateway::Stage").values()))
    assert stage_resource["Properties"]["MethodSettings"][0]["ThrottlingBurstLimit"] == (
        config.throttling.burst_limit
    )
    synth.template(stage).resource_count_is("AWS::ApiGateway::Account", 1)


def render(template: str) -> dict[str, Any]:
    """A gateway response body as API Gateway renders it ($context values substituted)."""
    text = template.replace("$context.error.messageString", json.dumps("Unauthorized"))
    text = text.replace("$context.requestId", "c0ffee-1")
    body: dict[str, Any] = json.loads(text)
    return body


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_gateway_responses_are_problem_json_with_cors_and_security_headers(
    synth: Synth, stage: str
) -> None:
    api = next(iter(synth.expanded_resources(stage, "AWS::ApiGateway::RestApi").values()))
    responses = api["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]
    required = {"UNAUTHORIZED", "ACCESS_DENIED", "THROTTLED", "DEFAULT_4XX", "DEFAULT_5XX"}
    assert required <= set(responses)
    assert set(responses) == set(PROBLEMS)
    origins = STAGES[stage].spa_origins
    for response_type, response in responses.items():
        status = int(response["statusCode"])
        for content_type in ("application/json", "application/problem+json"):
            body = render(response["responseTemplates"][content_type])
            assert set(body) >= {"type", "title", "status", "detail", "message"}
            assert body["status"] == status, response_type
            assert body["type"].startswith("https://fetms.example/problems/")
            assert body["detail"] == body["message"]
            assert body["correlationId"] == "c0ffee-1"
        headers = {
            k.removeprefix("gatewayresponse.header."): v
            for k, v in response["responseParameters"].items()
        }
        assert headers["Content-Type"] == "'application/problem+json'"
        assert headers["X-Content-Type-Options"] == "'nosniff'"
        assert headers["X-Frame-Options"] == "'DENY'"
        assert headers["Strict-Transport-Security"].startswith("'max-age=")
        assert headers["Content-Security-Policy"] == "'default-src 'none'; frame-ancestors 'none''"
        assert headers["Cache-Control"] == "'no-store'"
        if origins:
            assert headers["Access-Control-Allow-Origin"] == f"'{origins[0]}'"
            assert headers["Vary"] == "'Origin'"
        else:
            assert "Access-Control-Allow-Origin" not in headers
    assert responses["UNAUTHORIZED"]["statusCode"] == "401"
    assert responses["THROTTLED"]["statusCode"] == "429"
    assert responses["ACCESS_DENIED"]["statusCode"] == "403"
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == "404"
    assert (
        render(responses["UNAUTHORIZED"]["responseTemplates"]["application/json"])["detail"]
        == "Unauthorized"
    )
