"""Buckets: teachers' uploads, database backups, the SPA assets and the access logs."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.components.keys import customer_key
from infra.config import StageConfig

EXPORTS_PREFIX = "exports/"
# Upload forms write only under incoming/; confirmed files are copied out of it, so whatever is
# left there (abandoned or re-posted forms) is expired.
INCOMING_PREFIX = "incoming/"
INCOMING_EXPIRATION_DAYS = 1
UPLOAD_METHODS = [s3.HttpMethods.POST, s3.HttpMethods.GET, s3.HttpMethods.HEAD]


class Storage(Construct):
    """The stage's buckets (all private, TLS-only, versioned, encrypted) and their KMS key."""

    def __init__(self, scope: Construct, id: str, *, config: StageConfig) -> None:
        super().__init__(scope, id)
        self.key: kms.Key | None = None
        if config.customer_managed_key:
            self.key = customer_key(
                self,
                "DataKey",
                alias=f"alias/fetms-{config.stage}-data",
                description="FETMS uploads and backups (SSE-KMS, bucket keys on)",
            )

        self.logs = s3.Bucket(
            self,
            "AccessLogs",
            bucket_name=config.bucket_name("logs"),
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            # CloudFront standard logs are delivered with ACLs.
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=Duration.days(config.access_log_retention_days),
                    noncurrent_version_expiration=Duration.days(1),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )

        lifecycle = config.uploads
        self.uploads = s3.Bucket(
            self,
            "Uploads",
            bucket_name=config.bucket_name("uploads"),
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            encryption=self._encryption,
            encryption_key=self.key,
            bucket_key_enabled=self.key is not None,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="noncurrent-versions",
                    noncurrent_version_transitions=[
                        s3.NoncurrentVersionTransition(
                            storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                            transition_after=Duration.days(
                                lifecycle.noncurrent_to_infrequent_access_days
                            ),
                        )
                    ],
                    noncurrent_version_expiration=Duration.days(
                        lifecycle.noncurrent_expiration_days
                    ),
                ),
                s3.LifecycleRule(
                    id="expire-exports",
                    prefix=EXPORTS_PREFIX,
                    expiration=Duration.days(lifecycle.exports_expiration_days),
                    noncurrent_version_expiration=Duration.days(lifecycle.exports_expiration_days),
                ),
                s3.LifecycleRule(
                    id="expire-incoming-uploads",
                    prefix=INCOMING_PREFIX,
                    expiration=Duration.days(INCOMING_EXPIRATION_DAYS),
                    noncurrent_version_expiration=Duration.days(INCOMING_EXPIRATION_DAYS),
                ),
                s3.LifecycleRule(
                    id="abort-incomplete-multipart-uploads",
                    abort_incomplete_multipart_upload_after=Duration.days(
                        lifecycle.abort_incomplete_multipart_days
                    ),
                ),
            ],
            server_access_logs_bucket=self.logs,
            server_access_logs_prefix="s3/uploads/",
            removal_policy=RemovalPolicy.RETAIN,
        )

        backups = config.backups
        lock = (
            s3.ObjectLockRetention.governance(Duration.days(backups.object_lock_governance_days))
            if backups.object_lock_governance_days
            else None
        )
        self.backups = s3.Bucket(
            self,
            "Backups",
            bucket_name=config.bucket_name("backups"),
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            encryption=self._encryption,
            encryption_key=self.key,
            bucket_key_enabled=self.key is not None,
            object_lock_enabled=lock is not None,
            object_lock_default_retention=lock,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="backup-retention",
                    expiration=Duration.days(backups.current_expiration_days),
                    noncurrent_version_expiration=Duration.days(backups.noncurrent_expiration_days),
                    abort_incomplete_multipart_upload_after=Duration.days(
                        lifecycle.abort_incomplete_multipart_days
                    ),
                ),
                s3.LifecycleRule(
                    id="remove-expired-delete-markers", expired_object_delete_marker=True
                ),
            ],
            server_access_logs_bucket=self.logs,
            server_access_logs_prefix="s3/backups/",
            removal_policy=RemovalPolicy.RETAIN,
        )

        # The SPA's hashed assets accumulate (no pruning) and index.html keeps its versions:
        # rolling the SPA back is restoring the previous index.html.
        self.spa = s3.Bucket(
            self,
            "Spa",
            bucket_name=config.bucket_name("spa"),
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="old-builds",
                    noncurrent_version_expiration=Duration.days(90),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            server_access_logs_bucket=self.logs,
            server_access_logs_prefix="s3/spa/",
            removal_policy=RemovalPolicy.RETAIN,
        )

    def allow_spa_origins(self, origins: list[str]) -> None:
        """CORS on the uploads bucket for the browser's presigned POST and GET (the SPA only)."""
        self.uploads.add_cors_rule(
            allowed_origins=origins,
            allowed_methods=UPLOAD_METHODS,
            allowed_headers=["*"],
            exposed_headers=["ETag"],
            max_age=3000,
        )

    @property
    def _encryption(self) -> s3.BucketEncryption:
        """SSE-KMS with the customer-managed key (prod), else SSE-S3."""
        return s3.BucketEncryption.KMS if self.key else s3.BucketEncryption.S3_MANAGED

    def grant_key(self, role: iam.IRole, *, decrypt: bool, encrypt: bool) -> None:
        """KMS actions on the data key only (nothing when the stage uses SSE-S3)."""
        if self.key is None:
            return
        actions = []
        if decrypt:
            actions.append("kms:Decrypt")
        if encrypt:
            actions += ["kms:GenerateDataKey", "kms:Encrypt"]
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=actions, resources=[self.key.key_arn])
        )
