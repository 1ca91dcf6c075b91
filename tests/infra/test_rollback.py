"""`make rollback` / `make rollback-spa` against moto (never a real AWS account)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra import rollback

REGION = "ap-northeast-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield


def code(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", f"def handler(event, context):\n    return {text!r}\n")
    return buffer.getvalue()


def deploy(lambda_client: Any, role: str, stage: str, function: str, releases: int) -> str:
    """A function like the stack's: tagged, `releases` published versions, live on the last."""
    name = f"fetms-{stage}-{function}"
    lambda_client.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": code("v1")},
        Tags={"fetms:stage": stage, "fetms:function": function},
    )
    version = lambda_client.publish_version(FunctionName=name)["Version"]
    for release in range(2, releases + 1):
        lambda_client.update_function_code(FunctionName=name, ZipFile=code(f"v{release}"))
        version = lambda_client.publish_version(FunctionName=name)["Version"]
    lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    return name


@pytest.fixture
def functions(aws: None) -> Any:
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(
        RoleName="fetms-test",
        AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}',
    )["Role"]["Arn"]
    client = boto3.client("lambda", region_name=REGION)
    deploy(client, role, "prod", "api_handler", releases=3)
    deploy(client, role, "prod", "nightly_backup", releases=2)
    deploy(client, role, "prod", "jwt_auth", releases=1)
    deploy(client, role, "dev", "api_handler", releases=2)
    return client


def live(client: Any, name: str) -> str:
    return str(client.get_alias(FunctionName=name, Name="live")["FunctionVersion"])


def test_every_alias_of_the_stage_goes_back_one_version(
    functions: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert live(functions, "fetms-prod-api_handler") == "3"
    assert rollback.main(["lambda", "--stage", "prod"]) == 0
    assert live(functions, "fetms-prod-api_handler") == "2"
    assert live(functions, "fetms-prod-nightly_backup") == "1"
    assert live(functions, "fetms-prod-jwt_auth") == "1"  # nothing older: left alone
    assert live(functions, "fetms-dev-api_handler") == "2"  # another stage: untouched
    out = capsys.readouterr()
    assert "api_handler: pointed live from version 3 to 2" in out.out
    assert "jwt_auth: version 1 is the oldest" in out.err


def test_one_function_to_a_chosen_version_and_dry_run(functions: Any) -> None:
    changes = rollback.rollback_functions(functions, "prod", only="api_handler", dry_run=True)
    assert [(c.name, c.previous, c.current) for c in changes] == [("api_handler", "3", "2")]
    assert live(functions, "fetms-prod-api_handler") == "3"
    rollback.rollback_functions(functions, "prod", only="api_handler", version="1")
    assert live(functions, "fetms-prod-api_handler") == "1"
    assert live(functions, "fetms-prod-nightly_backup") == "2"
    with pytest.raises(SystemExit, match="no function 'nope'"):
        rollback.rollback_functions(functions, "prod", only="nope")
    with pytest.raises(SystemExit, match="--version needs --function"):
        rollback.rollback_functions(functions, "prod", version="1")


def test_a_canary_in_progress_is_cleared(functions: Any) -> None:
    functions.update_alias(
        FunctionName="fetms-prod-api_handler",
        Name="live",
        FunctionVersion="2",
        RoutingConfig={"AdditionalVersionWeights": {"3": 0.1}},
    )
    rollback.rollback_functions(functions, "prod", only="api_handler")
    alias = functions.get_alias(FunctionName="fetms-prod-api_handler", Name="live")
    assert alias["FunctionVersion"] == "1"
    assert not alias.get("RoutingConfig", {}).get("AdditionalVersionWeights")


def test_no_functions_for_the_stage_is_an_error(aws: None) -> None:
    with pytest.raises(SystemExit, match="no functions tagged fetms:stage=prod"):
        rollback.rollback_functions(boto3.client("lambda", region_name=REGION), "prod")


def test_spa_rollback_restores_the_previous_index_and_invalidates_it(aws: None) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    bucket = "fetms-prod-spa-222222222222"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for build in ("build-1", "build-2"):
        s3.put_object(Bucket=bucket, Key="index.html", Body=f"<script src={build}.js>".encode())
    cloudfront = boto3.client("cloudfront", region_name=REGION)
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "test",
            "Comment": "",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "spa",
                        "DomainName": f"{bucket}.s3.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "spa",
                "ViewerProtocolPolicy": "redirect-to-https",
                "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
            },
        }
    )["Distribution"]["Id"]
    rollback.rollback_spa(s3, cloudfront, bucket, distribution)
    body = s3.get_object(Bucket=bucket, Key="index.html")["Body"].read()
    assert body == b"<script src=build-1.js>"
    invalidations = cloudfront.list_invalidations(DistributionId=distribution)
    assert invalidations["InvalidationList"]["Quantity"] == 1
    with pytest.raises(SystemExit, match="no previous version"):
        other = "fetms-dev-spa-111111111111"
        s3.create_bucket(Bucket=other, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_object(Bucket=other, Key="index.html", Body=b"only")
        rollback.rollback_spa(s3, cloudfront, other, distribution)
