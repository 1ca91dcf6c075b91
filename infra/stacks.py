"""The stacks of one stage: the application (its region) and, when needed, the edge (us-east-1)."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput, Environment, Stack, Tags
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.components.access import grant_functions
from infra.components.api import ChaliceApi
from infra.components.edge import SpaCertificate, WebAcl
from infra.components.monitoring import Monitoring
from infra.components.spa import Spa
from infra.components.storage import Storage
from infra.config import EDGE_REGION, StageConfig


class EdgeStack(Stack):
    """us-east-1: the CloudFront web ACL (prod) and the SPA's certificate (custom domain)."""

    def __init__(self, scope: Construct, config: StageConfig) -> None:
        super().__init__(
            scope,
            f"{config.stage}-edge",
            stack_name=config.edge_stack_name,
            env=Environment(account=config.account, region=EDGE_REGION),
            cross_region_references=True,
            description=f"FETMS {config.stage}: WAF web ACL and certificate for CloudFront",
        )
        self.web_acl_arn = WebAcl(self, "Waf", config=config).arn if config.waf else None
        self.certificate_arn = (
            SpaCertificate(self, "Spa", config=config).arn if config.spa_domain else None
        )
        Tags.of(self).add("fetms:stage", config.stage)


class FetmsStack(Stack):
    """API, functions, buckets, SPA, secrets, alarms and dashboard of one stage.

    The construct id is the stage name: ``chalice.cdk`` uses it as the Chalice stage.
    """

    def __init__(
        self,
        scope: Construct,
        config: StageConfig,
        *,
        edge: EdgeStack | None,
        dist_dir: Path,
        build_dir: Path,
    ) -> None:
        super().__init__(
            scope,
            config.stage,
            stack_name=config.stack_name,
            env=Environment(account=config.account, region=config.region),
            cross_region_references=edge is not None,
            description=f"FETMS {config.stage}: API, scheduled functions, buckets, SPA, alarms",
        )
        Tags.of(self).add("fetms:stage", config.stage)
        storage = Storage(self, "Storage", config=config)
        jwt_secret = secretsmanager.Secret(
            self,
            "JwtSigningKey",
            secret_name=f"fetms/{config.stage}/jwt-signing-key",
            description="HS256 signing key of FETMS access tokens (rotation: docs/RUNBOOK.md)",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True
            ),
        )
        atlas_secret = secretsmanager.Secret.from_secret_name_v2(
            self, "AtlasUri", config.atlas_secret_name
        )
        environment = {
            "MONGO_DB": config.mongo_db,
            "MONGO_URI_SECRET_ARN": atlas_secret.secret_arn,
            "JWT_SECRET_ARN": jwt_secret.secret_arn,
            "UPLOADS_BUCKET": config.bucket_name("uploads"),
            "BACKUPS_BUCKET": config.bucket_name("backups"),
            "CORS_ORIGINS": ",".join(config.spa_origins),
            "NOTICE_SENDER": config.notice_sender,
            "NOTICE_RECIPIENTS": ",".join(config.notice_recipients),
            "BACKUP_KEEP_DAILY": str(config.backups.keep_daily),
            "BACKUP_KEEP_WEEKLY": str(config.backups.keep_weekly),
            "BACKUP_KEEP_MONTHLY": str(config.backups.keep_monthly),
        }
        if storage.key is not None:
            environment["S3_KMS_KEY_ARN"] = storage.key.key_arn
        self.api = ChaliceApi(
            self, "Api", config=config, environment=environment, build_dir=build_dir
        )
        grant_functions(
            config=config,
            functions=self.api.functions,
            storage=storage,
            jwt_secret=jwt_secret,
            atlas_secret=atlas_secret,
        )
        self.spa = Spa(
            self,
            "Spa",
            config=config,
            bucket=storage.spa,
            logs_bucket=storage.logs,
            api_domain=self.api.origin_domain,
            api_stage=self.api.stage_name,
            dist_dir=dist_dir,
            certificate_arn=edge.certificate_arn if edge else None,
            web_acl_arn=edge.web_acl_arn if edge else None,
        )
        storage.allow_spa_origins(list(config.spa_origins) or [f"https://{self.spa.domain_name}"])
        if config.spa_domain and config.hosted_zone_id and config.hosted_zone_name:
            zone = route53.HostedZone.from_hosted_zone_attributes(
                self,
                "Zone",
                hosted_zone_id=config.hosted_zone_id,
                zone_name=config.hosted_zone_name,
            )
            route53.ARecord(
                self,
                "SpaAlias",
                zone=zone,
                record_name=config.spa_domain,
                target=route53.RecordTarget.from_alias(
                    targets.CloudFrontTarget(self.spa.distribution)
                ),
            )
        self.monitoring = Monitoring(self, "Monitoring", config=config, api=self.api)
        for name, function in self.api.functions.items():
            self.api.set_deployment(function, self.monitoring.rollback_alarms(name))

        self.storage = storage
        self.jwt_secret = jwt_secret
        outputs = {
            "SpaUrl": f"https://{config.spa_domain or self.spa.domain_name}",
            "DistributionId": self.spa.distribution.distribution_id,
            "RestApiId": self.api.rest_api_id,
            "UploadsBucket": storage.uploads.bucket_name,
            "BackupsBucket": storage.backups.bucket_name,
            "SpaBucket": storage.spa.bucket_name,
            "JwtSecretArn": jwt_secret.secret_arn,
            "MongoUriSecretArn": atlas_secret.secret_arn,
            "Dashboard": self.monitoring.dashboard.dashboard_name,
        }
        for name, value in outputs.items():
            CfnOutput(self, name, value=value)
