"""Bucket creation for the local stack and the tests (in AWS the buckets belong to infra/).

Development only: the Lambda functions never create buckets.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.observability import logger
from chalicelib.storage import EXPORTS_PREFIX, INCOMING_PREFIX


def ensure_bucket(s3: Any, bucket: str, cors_origins: list[str]) -> list[str]:
    """Create a private bucket with versioning, encryption, lifecycle and CORS for the SPA origins.

    The local SeaweedFS accepts every one of these (the tests assert it). An external endpoint
    (``S3_ENDPOINT_URL``) may implement only part of the API: the settings it refuses are returned
    (and logged at debug level) instead of failing.
    """
    refused: list[str] = []
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        s3.create_bucket(Bucket=bucket)
    _best_effort(
        refused,
        "versioning",
        bucket,
        lambda: s3.put_bucket_versioning(
            Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}
        ),
    )
    _best_effort(
        refused,
        "encryption",
        bucket,
        lambda: s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        ),
    )
    _best_effort(
        refused,
        "public access block",
        bucket,
        lambda: s3.put_public_access_block(
            Bucket=bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        ),
    )
    _best_effort(
        refused,
        "lifecycle",
        bucket,
        lambda: s3.put_bucket_lifecycle_configuration(
            Bucket=bucket, LifecycleConfiguration={"Rules": LIFECYCLE_RULES}
        ),
    )
    if cors_origins:
        _best_effort(
            refused,
            "cors",
            bucket,
            lambda: s3.put_bucket_cors(
                Bucket=bucket,
                CORSConfiguration={
                    "CORSRules": [
                        {
                            "AllowedOrigins": cors_origins,
                            "AllowedMethods": ["GET", "POST", "HEAD"],
                            "AllowedHeaders": ["*"],
                            "MaxAgeSeconds": 3000,
                        }
                    ]
                },
            ),
        )
    return refused


EXPORT_RETENTION_DAYS = 1
LIFECYCLE_RULES: list[dict[str, Any]] = [
    {
        # Box zips are rebuilt on demand: they are temporary, unlike teachers' files.
        "ID": "expire-temporary-exports",
        "Filter": {"Prefix": EXPORTS_PREFIX},
        "Status": "Enabled",
        "Expiration": {"Days": EXPORT_RETENTION_DAYS},
        "NoncurrentVersionExpiration": {"NoncurrentDays": EXPORT_RETENTION_DAYS},
    },
    {
        # Upload forms write here; confirmed files are copied out, the rest is temporary.
        "ID": "expire-incoming-uploads",
        "Filter": {"Prefix": INCOMING_PREFIX},
        "Status": "Enabled",
        "Expiration": {"Days": EXPORT_RETENTION_DAYS},
        "NoncurrentVersionExpiration": {"NoncurrentDays": EXPORT_RETENTION_DAYS},
    },
    {
        "ID": "abort-incomplete-multipart-uploads",
        "Filter": {"Prefix": ""},
        "Status": "Enabled",
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2},
    },
]


def _best_effort(refused: list[str], what: str, bucket: str, call: Any) -> None:
    try:
        call()
    except (ClientError, BotoCoreError) as exc:
        refused.append(what)
        logger.debug(
            "bucket setting not applied",
            extra={"bucket": bucket, "setting": what, "error": type(exc).__name__},
        )
