"""The buckets: private, TLS-only, versioned, encrypted, with the lifecycle the issue lists."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match

from infra.config import STAGES
from tests.infra.conftest import Synth

STAGE_NAMES = ("dev", "prod")
PRIVATE = {
    "BlockPublicAcls": True,
    "BlockPublicPolicy": True,
    "IgnorePublicAcls": True,
    "RestrictPublicBuckets": True,
}


def bucket(synth: Synth, stage: str, purpose: str) -> tuple[str, dict[str, Any]]:
    name = STAGES[stage].bucket_name(purpose)
    for logical_id, resource in synth.resources(stage, "AWS::S3::Bucket").items():
        if resource["Properties"].get("BucketName") == name:
            return logical_id, resource["Properties"]
    raise AssertionError(f"no bucket {name}")


def rules(props: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}


@pytest.mark.parametrize("stage", STAGE_NAMES)
@pytest.mark.parametrize("purpose", ["uploads", "backups", "spa", "logs"])
def test_every_bucket_is_private_versioned_encrypted_and_tls_only(
    synth: Synth, stage: str, purpose: str
) -> None:
    logical_id, props = bucket(synth, stage, purpose)
    assert props["PublicAccessBlockConfiguration"] == PRIVATE
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    synth.template(stage).has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": logical_id},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Action": "s3:*",
                                "Principal": {"AWS": "*"},
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            },
        },
    )
    if purpose != "logs":
        assert props["LoggingConfiguration"]["LogFilePrefix"] == f"s3/{purpose}/"


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_uploads_encryption_uses_the_customer_key_in_prod(synth: Synth, stage: str) -> None:
    for purpose in ("uploads", "backups"):
        _, props = bucket(synth, stage, purpose)
        [rule] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        default = rule["ServerSideEncryptionByDefault"]
        if stage == "prod":
            assert default["SSEAlgorithm"] == "aws:kms"
            assert "Fn::GetAtt" in default["KMSMasterKeyID"]
            assert rule["BucketKeyEnabled"] is True
        else:
            assert default["SSEAlgorithm"] == "AES256"
    keys = synth.resources(stage, "AWS::KMS::Key")
    data_keys = [k for k in keys.values() if "uploads" in k["Properties"].get("Description", "")]
    assert len(data_keys) == (1 if stage == "prod" else 0)
    for key in data_keys:
        assert key["Properties"]["EnableKeyRotation"] is True


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_uploads_cors_and_lifecycle(synth: Synth, stage: str) -> None:
    config = STAGES[stage]
    _, props = bucket(synth, stage, "uploads")
    [cors] = props["CorsConfiguration"]["CorsRules"]
    assert sorted(cors["AllowedMethods"]) == ["GET", "HEAD", "POST"]
    if config.spa_domain:
        assert cors["AllowedOrigins"] == [f"https://{config.spa_domain}"]
    else:  # the CloudFront domain of the stage's distribution, never "*"
        assert "DomainName" in json.dumps(cors["AllowedOrigins"])
    assert "*" not in cors["AllowedOrigins"]
    lifecycle = rules(props)
    noncurrent = lifecycle["noncurrent-versions"]
    [transition] = noncurrent["NoncurrentVersionTransitions"]
    assert transition["TransitionInDays"] == 30
    assert transition["StorageClass"] == "STANDARD_IA"
    assert noncurrent["NoncurrentVersionExpiration"]["NoncurrentDays"] == (
        config.uploads.noncurrent_expiration_days
    )
    exports = lifecycle["expire-exports"]
    assert exports["Prefix"] == "exports/"
    assert exports["ExpirationInDays"] == 1
    incoming = lifecycle["expire-incoming-uploads"]
    assert incoming["Prefix"] == "incoming/"
    assert incoming["ExpirationInDays"] == 1
    assert incoming["NoncurrentVersionExpiration"]["NoncurrentDays"] == 1
    multipart = lifecycle["abort-incomplete-multipart-uploads"]
    assert multipart["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 7


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_backups_lifecycle_matches_the_retention_of_the_backup_job(
    synth: Synth, stage: str
) -> None:
    retention = STAGES[stage].backups
    _, props = bucket(synth, stage, "backups")
    rule = rules(props)["backup-retention"]
    # 7 daily / 4 weekly / 3 monthly: the oldest kept archive is about 3 months old; the bucket
    # never expires one the job keeps, and nothing stays forever.
    assert rule["ExpirationInDays"] > 31 * retention.keep_monthly
    assert rule["ExpirationInDays"] < 366
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == (
        retention.noncurrent_expiration_days
    )
    assert rules(props)["remove-expired-delete-markers"]["ExpiredObjectDeleteMarker"] is True
    lock = props.get("ObjectLockConfiguration")
    if stage == "prod":
        assert lock is not None
        assert props["ObjectLockEnabled"] is True
        assert lock["ObjectLockEnabled"] == "Enabled"
        assert lock["Rule"]["DefaultRetention"] == {"Mode": "GOVERNANCE", "Days": 35}
    else:
        assert lock is None


def test_config_refuses_a_backup_expiry_shorter_than_the_retention() -> None:
    from dataclasses import replace

    from infra.config import BackupRetention

    with pytest.raises(ValueError, match="current_expiration_days"):
        replace(STAGES["prod"], backups=BackupRetention(current_expiration_days=60))


def test_uploaded_files_reads_are_logged_in_prod(synth: Synth) -> None:
    _, props = bucket(synth, "prod", "uploads")
    logs_id, logs = bucket(synth, "prod", "logs")
    assert props["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": logs_id}
    assert rules(logs)["expire-access-logs"]["ExpirationInDays"] == (
        STAGES["prod"].access_log_retention_days
    )
