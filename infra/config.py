"""One typed configuration per stage. Every value the constructs use comes from here.

To deploy to your own accounts, edit ``DEV`` and ``PROD`` below (account ids, region, domains,
alarm e-mail, the name of the Atlas connection-string secret) — never the constructs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

StageName = Literal["dev", "prod"]

# CloudFront certificates and CLOUDFRONT-scoped WAF web ACLs exist only in us-east-1.
EDGE_REGION = "us-east-1"
# Log retention values CloudWatch Logs accepts (days).
RETENTION_DAYS = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827}
_DEPLOYMENT_TYPES = {
    "AllAtOnce",
    "Canary10Percent5Minutes",
    "Canary10Percent10Minutes",
    "Canary10Percent30Minutes",
    "Linear10PercentEvery1Minute",
    "Linear10PercentEvery2Minutes",
}


@dataclass(frozen=True)
class Throttling:
    """API Gateway stage throttling (requests per second, steady and burst)."""

    rate_limit: float
    burst_limit: int


@dataclass(frozen=True)
class BackupRetention:
    """What the nightly job keeps (passed to the Lambda as BACKUP_KEEP_*) and the bucket rules."""

    keep_daily: int = 7
    keep_weekly: int = 4
    keep_monthly: int = 3
    # Current objects older than this are expired by the bucket even if the job did not prune
    # them (a job that stopped running must not keep archives forever).
    current_expiration_days: int = 120
    # Pruned (noncurrent) versions stay this long, then go.
    noncurrent_expiration_days: int = 30
    # Prod: Object Lock in governance mode, so a compromised function cannot erase history.
    object_lock_governance_days: int | None = None

    @property
    def longest_kept_days(self) -> int:
        """The age of the oldest archive the retention policy can still keep (a month = 31 d)."""
        return max(self.keep_daily, 7 * self.keep_weekly, 31 * self.keep_monthly) + 1


@dataclass(frozen=True)
class UploadsLifecycle:
    noncurrent_to_infrequent_access_days: int = 30
    noncurrent_expiration_days: int = 365
    exports_expiration_days: int = 1
    abort_incomplete_multipart_days: int = 7


@dataclass(frozen=True)
class AlarmThresholds:
    api_5xx_per_5_minutes: int = 5
    read_p95_ms: int = 200
    write_p95_ms: int = 500
    database_ping_ms: int = 100
    slow_commands_per_hour: int = 10
    backup_missing_hours: int = 26


@dataclass(frozen=True)
class StageConfig:
    stage: StageName
    account: str
    region: str
    alarm_email: str
    # Secrets Manager secret (created by the operator) whose SecretString is the Atlas URI.
    atlas_secret_name: str
    throttling: Throttling
    log_retention_days: int
    access_log_retention_days: int
    notice_sender: str
    notice_recipients: tuple[str, ...] = ()
    mongo_db: str = "fetms"
    # The SPA's public name; None = the CloudFront default domain (no certificate needed).
    spa_domain: str | None = None
    # Route 53 hosted zone of spa_domain: certificate validation and the alias record are then
    # automatic. Without it, add the validation CNAME ACM shows while the deploy waits.
    hosted_zone_id: str | None = None
    hosted_zone_name: str | None = None
    customer_managed_key: bool = False
    waf: bool = False
    waf_rate_limit_per_5_minutes: int = 2000
    # CodeDeploy traffic shifting of the `live` alias.
    api_deployment: str = "Canary10Percent5Minutes"
    jobs_deployment: str = "AllAtOnce"
    # CloudFront edge locations: "100" (NA/EU), "200" (adds Asia), "ALL".
    cloudfront_price_class: Literal["100", "200", "ALL"] = "200"
    backups: BackupRetention = field(default_factory=BackupRetention)
    uploads: UploadsLifecycle = field(default_factory=UploadsLifecycle)
    alarms: AlarmThresholds = field(default_factory=AlarmThresholds)

    def __post_init__(self) -> None:
        problems = []
        if not (self.account.isdigit() and len(self.account) == 12):
            problems.append("account must be a 12-digit AWS account id")
        if self.log_retention_days not in RETENTION_DAYS:
            problems.append(f"log_retention_days must be one of {sorted(RETENTION_DAYS)}")
        if self.access_log_retention_days < 1:
            problems.append("access_log_retention_days must be positive")
        if self.backups.current_expiration_days <= self.backups.longest_kept_days:
            problems.append(
                "backups.current_expiration_days must exceed the oldest archive the "
                f"retention keeps ({self.backups.longest_kept_days} days)"
            )
        for name in ("api_deployment", "jobs_deployment"):
            if getattr(self, name) not in _DEPLOYMENT_TYPES:
                problems.append(f"{name} must be one of {sorted(_DEPLOYMENT_TYPES)}")
        if self.hosted_zone_id and not (self.spa_domain and self.hosted_zone_name):
            problems.append("hosted_zone_id needs spa_domain and hosted_zone_name")
        if problems:
            raise ValueError(f"stage {self.stage}: " + "; ".join(problems))

    # Names derived from the stage and account (S3 names are global: the account keeps them
    # unique; being plain strings, they create no dependency cycles between resources).
    @property
    def stack_name(self) -> str:
        return f"fetms-{self.stage}"

    @property
    def edge_stack_name(self) -> str:
        return f"fetms-{self.stage}-edge"

    def bucket_name(self, purpose: str) -> str:
        return f"fetms-{self.stage}-{purpose}-{self.account}"

    @property
    def spa_origins(self) -> tuple[str, ...]:
        """Origins the API and the uploads bucket allow for CORS (the custom domain, if any)."""
        return (f"https://{self.spa_domain}",) if self.spa_domain else ()

    @property
    def needs_edge_stack(self) -> bool:
        return self.waf or self.spa_domain is not None


DEV = StageConfig(
    stage="dev",
    account="111111111111",
    region="ap-northeast-1",
    alarm_email="fetms-dev-alarms@example.org",
    atlas_secret_name="fetms/dev/atlas-uri",  # noqa: S106 - a name, not a secret
    throttling=Throttling(rate_limit=20, burst_limit=40),
    log_retention_days=30,
    access_log_retention_days=90,
    notice_sender="fetms-notices@example.org",
    notice_recipients=("fetms-dev@example.org",),
    api_deployment="AllAtOnce",
    alarms=AlarmThresholds(),
)

PROD = StageConfig(
    stage="prod",
    account="222222222222",
    region="ap-northeast-1",
    alarm_email="fetms-oncall@example.org",
    atlas_secret_name="fetms/prod/atlas-uri",  # noqa: S106 - a name, not a secret
    throttling=Throttling(rate_limit=100, burst_limit=200),
    log_retention_days=365,
    access_log_retention_days=400,
    notice_sender="fetms-notices@example.org",
    notice_recipients=("fetms-office@example.org",),
    spa_domain="fetms.example.org",
    customer_managed_key=True,
    waf=True,
    waf_rate_limit_per_5_minutes=2000,
    api_deployment="Canary10Percent5Minutes",
    backups=BackupRetention(object_lock_governance_days=35),
)

STAGES: dict[str, StageConfig] = {"dev": DEV, "prod": PROD}
