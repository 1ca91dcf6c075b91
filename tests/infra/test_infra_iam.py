"""Least privilege: no wildcard action anywhere, '*' resources only where AWS has nothing
narrower, and each function's role allows only what that function does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from infra.components.api import FUNCTIONS
from tests.infra.conftest import Synth

STACKS = ("dev", "prod", "prod-edge")
# Actions allowed on Resource "*", with the reason.
STAR_RESOURCE_ACTIONS = {
    "xray:PutTraceSegments": "X-Ray has no resource-level permissions",
    "xray:PutTelemetryRecords": "X-Ray has no resource-level permissions",
}
# Key policies: "*" is the key the policy is attached to.
KEY_POLICY = "AWS::KMS::Key"


def statements(synth: Synth, stack: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every IAM statement of the deployed template (policies, roles' inline policies, key,
    bucket and topic policies), with the logical id that holds it."""
    for name, resource in synth.template(stack).to_json()["Resources"].items():
        props = resource.get("Properties", {})
        documents = []
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents.append(props["PolicyDocument"])
        if resource["Type"] == "AWS::IAM::Role":
            documents += [p["PolicyDocument"] for p in props.get("Policies", [])]
        if resource["Type"] == KEY_POLICY:
            documents.append(props["KeyPolicy"])
        for document in documents:
            for statement in document["Statement"]:
                yield name, statement


def listify(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("stack", STACKS)
def test_no_wildcard_action(synth: Synth, stack: str) -> None:
    seen = 0
    for name, statement in statements(synth, stack):
        if statement["Effect"] != "Allow":
            continue
        seen += 1
        for action in listify(statement.get("Action", [])):
            assert "*" not in action, f"{stack}/{name}: wildcard action {action}"
        assert "NotAction" not in statement
    assert seen >= 1


@pytest.mark.parametrize("stack", STACKS)
def test_star_resources_only_where_aws_has_nothing_narrower(synth: Synth, stack: str) -> None:
    resources = synth.template(stack).to_json()["Resources"]
    for name, statement in statements(synth, stack):
        if statement["Effect"] != "Allow" or "*" not in listify(statement.get("Resource", [])):
            continue
        if resources[name]["Type"] == KEY_POLICY:
            continue  # in a key policy "*" means this key
        for action in listify(statement["Action"]):
            assert action in STAR_RESOURCE_ACTIONS, f"{stack}/{name}: {action} on '*'"


def role_statements(synth: Synth, stage: str, logical_id: str) -> list[dict[str, Any]]:
    """The statements of one function's role (its policies attached by the stack)."""
    template = synth.template(stage).to_json()["Resources"]
    role = template[logical_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    found = []
    for resource in template.values():
        if resource["Type"] != "AWS::IAM::Policy":
            continue
        if {"Ref": role} in resource["Properties"]["Roles"]:
            found += resource["Properties"]["PolicyDocument"]["Statement"]
    return found


def actions_of(statements: list[dict[str, Any]]) -> set[str]:
    return {a for s in statements for a in listify(s["Action"])}


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_each_function_role_allows_only_what_it_does(synth: Synth, stage: str) -> None:
    common = {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "secretsmanager:GetSecretValue",
    }
    kms = {"kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"} if stage == "prod" else set()
    expected = {
        "api_handler": common
        | {
            "s3:PutObject",
            "s3:GetObject",
            "s3:GetObjectVersion",
            "s3:DeleteObject",
            "s3:DeleteObjectVersion",
            "s3:ListBucket",
            "s3:ListBucketVersions",
        }
        | kms,
        "jwt_auth": common,
        "nightly_backup": common
        | {"s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"}
        | {"s3:ListBucket"}
        | kms,
        "daily_index_check": common,
        "hourly_alert_metrics": common,
        "hourly_upload_sweep": common
        | {"s3:DeleteObject", "s3:DeleteObjectVersion", "s3:ListBucketVersions"},
        "daily_expiry_notices": common | {"ses:SendEmail"},
    }
    for name, logical_id in FUNCTIONS.items():
        found = role_statements(synth, stage, logical_id)
        assert actions_of(found) == expected[name], name
        for statement in found:
            text = json.dumps(statement["Resource"])
            if any(a.startswith("s3:") and "Object" in a for a in listify(statement["Action"])):
                prefixes = ("/teachers/*", "/exports/*", "/backups/*")
                assert any(p in text for p in prefixes), (name, text)
            if "secretsmanager:GetSecretValue" in listify(statement["Action"]):
                assert "JwtSigningKey" in text or f"fetms/{stage}/atlas-uri" in text
            if "ses:SendEmail" in listify(statement["Action"]):
                assert ":identity/" in text
    secrets = {
        name: json.dumps(
            [s["Resource"] for s in role_statements(synth, stage, logical_id)
             if "secretsmanager:GetSecretValue" in listify(s["Action"])]
        )
        for name, logical_id in FUNCTIONS.items()
    }  # fmt: skip
    assert "JwtSigningKey" in secrets["api_handler"] and "JwtSigningKey" in secrets["jwt_auth"]
    assert "JwtSigningKey" not in secrets["nightly_backup"]
    backup_objects = json.dumps(role_statements(synth, stage, "NightlyBackup"))
    assert "StorageUploads" not in backup_objects


def test_functions_do_not_share_a_role(synth: Synth) -> None:
    template = synth.template("prod").to_json()["Resources"]
    roles = [template[f]["Properties"]["Role"]["Fn::GetAtt"][0] for f in FUNCTIONS.values()]
    assert len(set(roles)) == len(FUNCTIONS)


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_api_reads_only_backup_manifests(synth: Synth, stage: str) -> None:
    """The admins' Operations screen lists backups: the API may list under backups/ and read
    manifests, never read an archive nor write or delete anything in the backups bucket."""
    on_backups = [
        s
        for s in role_statements(synth, stage, FUNCTIONS["api_handler"])
        if "StorageBackups" in json.dumps(s["Resource"])
    ]
    assert sorted(a for s in on_backups for a in listify(s["Action"])) == [
        "s3:GetObject",
        "s3:ListBucket",
    ]
    for statement in on_backups:
        text = json.dumps(statement["Resource"])
        if listify(statement["Action"]) == ["s3:GetObject"]:
            assert "/backups/*/manifest.json" in text and "tar.gz" not in text
        else:
            assert statement["Condition"] == {"StringLike": {"s3:prefix": ["backups/*"]}}
