"""Signing keys fail closed (issue 16, Medium 2): published keys only in an explicit local
stage, whatever their source; Lambda never runs as the default local stage."""

from __future__ import annotations

import secrets

import boto3
import pytest
from moto import mock_aws
from pydantic import ValidationError

from chalicelib.services.tokens import InsecureSigningKey, forget_cached_keys, signing_key
from chalicelib.settings import PLACEHOLDER_SECRET, Settings

PUBLISHED = [PLACEHOLDER_SECRET, "your-256-bit-secret", "secret", "change-me"]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FETMS_STAGE", "JWT_SECRET", "JWT_SECRET_ARN", "AWS_LAMBDA_FUNCTION_NAME"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("key", PUBLISHED)
@pytest.mark.parametrize("stage", ["test", "dev", "prod", None])
def test_published_keys_are_refused_outside_an_explicit_local_stage(
    key: str, stage: str | None
) -> None:
    if stage in ("dev", "prod"):
        with pytest.raises(ValidationError, match="JWT_SECRET"):
            Settings(fetms_stage=stage, jwt_secret=key)
        return
    settings = (
        Settings(jwt_secret=key) if stage is None else Settings(fetms_stage=stage, jwt_secret=key)
    )
    with pytest.raises(InsecureSigningKey):
        signing_key(settings)


def test_an_explicit_local_stage_may_use_the_placeholder() -> None:
    assert signing_key(Settings(fetms_stage="local")) == PLACEHOLDER_SECRET


@pytest.mark.parametrize(
    "key", ["k" * 48, "abcabcabcabcabcabcabcabcabcabcabcabc", "short-but-random-9Zq"]
)
def test_short_or_uniform_keys_are_refused(key: str) -> None:
    with pytest.raises(InsecureSigningKey):
        signing_key(Settings(fetms_stage="test", jwt_secret=key))


def test_a_random_key_is_accepted_everywhere() -> None:
    key = secrets.token_urlsafe(48)
    for stage in ("test", "dev", "prod"):
        assert signing_key(Settings(fetms_stage=stage, jwt_secret=key)) == key


@pytest.mark.parametrize("key", [PLACEHOLDER_SECRET, "x" * 64])
def test_a_key_from_secrets_manager_is_checked_the_same_way(key: str) -> None:
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        arn = client.create_secret(Name="fetms/prod/jwt-signing-key", SecretString=key)["ARN"]
        settings = Settings(fetms_stage="prod", jwt_secret_arn=arn, aws_region="us-east-1")
        forget_cached_keys()
        try:
            with pytest.raises(InsecureSigningKey, match="Secrets Manager"):
                signing_key(settings, client)
        finally:
            forget_cached_keys()


def test_lambda_refuses_to_start_without_an_explicit_deployed_stage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "fetms-prod-api_handler")
    monkeypatch.setenv("JWT_SECRET_ARN", "fetms/prod/jwt-signing-key")
    with pytest.raises(ValidationError, match="FETMS_STAGE"):
        Settings()
    monkeypatch.setenv("FETMS_STAGE", "local")
    with pytest.raises(ValidationError, match="FETMS_STAGE"):
        Settings()
    monkeypatch.setenv("FETMS_STAGE", "prod")
    assert Settings().fetms_stage == "prod"


def test_lambda_checks_an_environment_key_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "fetms-dev-api_handler")
    monkeypatch.setenv("FETMS_STAGE", "test")
    monkeypatch.setenv("JWT_SECRET", PLACEHOLDER_SECRET)
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings()
