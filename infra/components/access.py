"""Least privilege: what each function's role may do, and nothing else.

- api_handler: uploads bucket objects under teachers/ and exports/ (presign, verify, copy,
  discard, zip), the bucket itself (health HEAD, versions of a key); in the backups bucket only
  reading backup manifests and listing under backups/ (the admins' Operations screen); JWT and
  Atlas secrets; the KMS data key.
- jwt_auth: JWT and Atlas secrets (the open-session check).
- nightly_backup: backups bucket objects under backups/, the bucket (list); Atlas; KMS key.
- daily_index_check, hourly_alert_metrics: the Atlas secret only.
- hourly_upload_sweep: delete uploads under teachers/, list a key's versions; Atlas.
- daily_expiry_notices: Atlas; SES send from NOTICE_SENDER's identity only.

Every role also writes its own log group and X-Ray segments (``api.py``).
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager

from infra.components.api import AppFunction
from infra.components.storage import EXPORTS_PREFIX, Storage
from infra.config import StageConfig

TEACHER_FILES = "teachers/*"
BACKUP_FILES = "backups/*"
BACKUP_MANIFESTS = "backups/*/manifest.json"


def _objects(bucket: s3.IBucket, *patterns: str) -> list[str]:
    return [bucket.arn_for_objects(pattern) for pattern in patterns]


def grant_secret(function: AppFunction, secret: secretsmanager.ISecret) -> None:
    function.role.add_to_policy(
        iam.PolicyStatement(
            actions=["secretsmanager:GetSecretValue"], resources=[secret.secret_arn]
        )
    )


def grant_functions(
    *,
    config: StageConfig,
    functions: dict[str, AppFunction],
    storage: Storage,
    jwt_secret: secretsmanager.ISecret,
    atlas_secret: secretsmanager.ISecret,
) -> None:
    for function in functions.values():
        grant_secret(function, atlas_secret)
    for name in ("api_handler", "jwt_auth"):
        grant_secret(functions[name], jwt_secret)

    api = functions["api_handler"].role
    uploads = storage.uploads
    api.add_to_policy(
        iam.PolicyStatement(
            actions=[
                "s3:PutObject",
                "s3:GetObject",
                "s3:GetObjectVersion",
                "s3:DeleteObject",
                "s3:DeleteObjectVersion",
            ],
            resources=_objects(uploads, TEACHER_FILES, f"{EXPORTS_PREFIX}*"),
        )
    )
    api.add_to_policy(
        iam.PolicyStatement(
            actions=["s3:ListBucket", "s3:ListBucketVersions"], resources=[uploads.bucket_arn]
        )
    )
    # The Operations screen lists the latest backups: their manifests, nothing of the archives.
    backups = storage.backups
    api.add_to_policy(
        iam.PolicyStatement(actions=["s3:GetObject"], resources=_objects(backups, BACKUP_MANIFESTS))
    )
    api.add_to_policy(
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[backups.bucket_arn],
            conditions={"StringLike": {"s3:prefix": ["backups/*"]}},
        )
    )
    storage.grant_key(api, decrypt=True, encrypt=True)

    sweep = functions["hourly_upload_sweep"].role
    sweep.add_to_policy(
        iam.PolicyStatement(
            actions=["s3:DeleteObject", "s3:DeleteObjectVersion"],
            resources=_objects(uploads, TEACHER_FILES),
        )
    )
    sweep.add_to_policy(
        iam.PolicyStatement(actions=["s3:ListBucketVersions"], resources=[uploads.bucket_arn])
    )

    backup = functions["nightly_backup"].role
    backup.add_to_policy(
        iam.PolicyStatement(
            actions=["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
            resources=_objects(backups, BACKUP_FILES),
        )
    )
    backup.add_to_policy(
        iam.PolicyStatement(actions=["s3:ListBucket"], resources=[backups.bucket_arn])
    )
    storage.grant_key(backup, decrypt=True, encrypt=True)

    sender_domain = config.notice_sender.rpartition("@")[2]
    stack = Stack.of(storage)
    functions["daily_expiry_notices"].role.add_to_policy(
        iam.PolicyStatement(
            actions=["ses:SendEmail"],
            resources=[
                stack.format_arn(service="ses", resource="identity", resource_name=identity)
                for identity in (config.notice_sender, sender_domain)
            ],
        )
    )
