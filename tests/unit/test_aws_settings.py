"""Settings the CDK stack gives the functions: the Atlas URI from Secrets Manager, SSE-KMS."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib import db, storage
from chalicelib.settings import Settings, reset_settings


@pytest.fixture
def aws_region(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-1")


@mock_aws
def test_connection_string_comes_from_the_secret_when_configured(aws_region: None) -> None:
    secrets = boto3.client("secretsmanager", region_name="ap-northeast-1")
    arn = secrets.create_secret(
        Name="fetms/prod/atlas-uri",
        SecretString="mongodb+srv://app:pw@cluster0.example.mongodb.net/?retryWrites=true\n",
    )["ARN"]
    settings = Settings(
        mongo_uri="mongodb://ignored:1/", mongo_uri_secret_arn=arn, aws_region="ap-northeast-1"
    )
    assert db.connection_string(settings) == (
        "mongodb+srv://app:pw@cluster0.example.mongodb.net/?retryWrites=true"
    )
    # The secret's name works too (the stack passes the ARN; operators may pass the name).
    by_name = Settings(mongo_uri_secret_arn="fetms/prod/atlas-uri", aws_region="ap-northeast-1")
    assert db.connection_string(by_name).startswith("mongodb+srv://app:pw@")


def test_connection_string_defaults_to_mongo_uri(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MONGO_URI_SECRET_ARN", raising=False)
    settings = Settings(mongo_uri="mongodb://127.0.0.1:1/?directConnection=true")
    assert db.connection_string(settings) == "mongodb://127.0.0.1:1/?directConnection=true"


def test_a_secret_that_is_not_a_uri_is_refused_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MONGO_URI", raising=False)

    class Secrets:
        def get_secret_value(self, SecretId: str) -> dict[str, Any]:  # noqa: N803
            return {"SecretString": "hunter2-not-a-uri"}

    settings = Settings(mongo_uri_secret_arn="arn:aws:secretsmanager:x:1:secret:y")
    with pytest.raises(RuntimeError) as caught:
        db.connection_string(settings, Secrets())
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    ("key", "fields", "args"),
    [
        (
            None,
            {"x-amz-server-side-encryption": "AES256"},
            {"ServerSideEncryption": "AES256"},
        ),
        (
            "arn:aws:kms:ap-northeast-1:222222222222:key/k1",
            {
                "x-amz-server-side-encryption": "aws:kms",
                "x-amz-server-side-encryption-aws-kms-key-id": (
                    "arn:aws:kms:ap-northeast-1:222222222222:key/k1"
                ),
            },
            {
                "ServerSideEncryption": "aws:kms",
                "SSEKMSKeyId": "arn:aws:kms:ap-northeast-1:222222222222:key/k1",
            },
        ),
    ],
)
def test_writes_use_the_stage_key_when_configured(
    monkeypatch: pytest.MonkeyPatch,
    key: str | None,
    fields: dict[str, str],
    args: dict[str, str],
) -> None:
    if key:
        monkeypatch.setenv("S3_KMS_KEY_ARN", key)
    else:
        monkeypatch.delenv("S3_KMS_KEY_ARN", raising=False)
    reset_settings()
    try:
        assert storage.encryption_fields() == fields
        assert storage.encryption_args() == args

        class S3:
            def generate_presigned_post(self, **kw: Any) -> dict[str, Any]:
                self.kw = kw
                return {"url": "https://bucket.s3.amazonaws.com/", "fields": kw["Fields"]}

        s3 = S3()
        from datetime import UTC, datetime

        post = storage.presign_post(
            s3,
            "bucket",
            "teachers/t/passport/u",
            content_type="application/pdf",
            max_bytes=10,
            expires_in=60,
            now=datetime.now(UTC),
        )
        for name, value in fields.items():
            assert post.fields[name] == value
            assert {name: value} in s3.kw["Conditions"]
    finally:
        reset_settings()


def test_the_api_module_loads_in_lambda_without_the_xray_sdk() -> None:
    """The bundle leaves the X-Ray SDK out (it drags in botocore); importing the app inside a
    Lambda environment must still work, without a Tracer instead of crashing."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    probe = (
        "import sys\n"
        "sys.modules['aws_xray_sdk'] = None\n"
        "sys.modules['aws_xray_sdk.core'] = None\n"
        "import app\n"
        "from chalicelib.observability import get_tracer\n"
        "print('no tracer' if get_tracer() is None else 'tracer')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("POWERTOOLS_TRACE")}
    env.update({"AWS_LAMBDA_FUNCTION_NAME": "fetms-api", "AWS_DEFAULT_REGION": "us-east-1"})
    # Inside Lambda the stage must be explicit and not local (issue 16).
    env.update({"FETMS_STAGE": "dev", "JWT_SECRET_ARN": "fetms/dev/jwt-signing-key"})
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("no tracer")
