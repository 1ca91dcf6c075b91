"""S3 access: one client per process, bucket setup and health."""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.observability import logger
from chalicelib.settings import Settings, get_settings

_lock = threading.Lock()
_client: Any = None


def make_client(settings: Settings) -> Any:
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"} if settings.s3_endpoint_url else {},
        connect_timeout=3,
        read_timeout=15,
        retries={"max_attempts": 2, "mode": "standard"},
    )
    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.aws_region,
        config=config,
    )


def get_s3() -> Any:
    """The process-wide S3 client (boto3 clients are thread-safe)."""
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                _client = make_client(get_settings())
    return _client


def reset_s3() -> None:
    global _client
    with _lock:
        _client = None


def head_bucket(s3: Any, bucket: str) -> None:
    """Raise ``ClientError``/``BotoCoreError`` when the bucket is not reachable."""
    s3.head_bucket(Bucket=bucket)


def ensure_bucket(s3: Any, bucket: str, cors_origins: list[str]) -> list[str]:
    """Create a private bucket with versioning, encryption and CORS for the SPA origins.

    Local S3 emulators implement only part of the API: the settings they refuse are returned
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


def _best_effort(refused: list[str], what: str, bucket: str, call: Any) -> None:
    try:
        call()
    except (ClientError, BotoCoreError) as exc:
        refused.append(what)
        logger.debug(
            "bucket setting not applied",
            extra={"bucket": bucket, "setting": what, "error": type(exc).__name__},
        )
