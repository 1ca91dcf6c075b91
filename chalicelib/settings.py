"""The one typed settings object. Nothing else in the code base reads ``os.environ``."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from chalicelib import __version__

Stage = Literal["local", "test", "dev", "prod"]
PLACEHOLDER_SECRET = "local-development-only-change-me"  # noqa: S105 - refused outside local
# Signing keys that were ever published (our placeholder, documentation and tutorial examples):
# refused everywhere except an explicit local stage, whatever their length.
KNOWN_EXAMPLE_KEYS = frozenset(
    {
        PLACEHOLDER_SECRET,
        "change-me",
        "changeme",
        "secret",
        "your-256-bit-secret",
        "your-secret-key",
        "supersecret",
        "super-secret-key",
        "jwt-secret",
        "my-secret-key",
        "please-change-me-in-production",
    }
)
MIN_SIGNING_KEY_LENGTH = 32
MIN_SIGNING_KEY_DISTINCT = 12


def signing_key_problem(key: str) -> str | None:
    """Why ``key`` may not sign tokens outside an explicit local stage (None: it may)."""
    normalized = key.strip().lower()
    if normalized in KNOWN_EXAMPLE_KEYS or any(
        normalized.startswith(example) and len(set(normalized[len(example) :])) <= 2
        for example in KNOWN_EXAMPLE_KEYS
    ):
        return "it is a published example or placeholder key"
    if len(key) < MIN_SIGNING_KEY_LENGTH:
        return f"it is shorter than {MIN_SIGNING_KEY_LENGTH} characters"
    if len(set(key)) < MIN_SIGNING_KEY_DISTINCT:
        return f"it has fewer than {MIN_SIGNING_KEY_DISTINCT} distinct characters"
    return None


class Settings(BaseSettings):
    """Configuration read from environment variables (names are the upper-cased field names)."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    # Unset means local, which only a developer's machine may be: inside Lambda (where
    # AWS_LAMBDA_FUNCTION_NAME is set) a stage other than local must be given explicitly.
    fetms_stage: Stage = "local"
    aws_lambda_function_name: str | None = None
    app_version: str = __version__
    service_name: str = "fetms"
    log_level: str = "INFO"

    # MongoDB
    mongo_uri: str = "mongodb://127.0.0.1:27018/?directConnection=true"
    # Secrets Manager secret (ARN or name) whose SecretString is the connection string; when
    # set (in AWS), it wins over MONGO_URI so the URI never sits in a function's environment.
    mongo_uri_secret_arn: str | None = None
    mongo_db: str = "fetms"
    mongo_max_pool_size: int = Field(default=5, ge=1, le=100)
    mongo_timeout_ms: int = Field(default=3000, ge=100, le=60000)
    mongo_socket_timeout_ms: int = Field(default=15000, ge=100, le=300000)
    # The database budget of one authenticated API request (client-side operation timeout) after
    # its session check (bounded by MONGO_TIMEOUT_MS, like public routes): a server that freezes
    # mid-request gets a 503 after this long instead of holding the request.
    mongo_request_timeout_ms: int = Field(default=10000, ge=100, le=120000)
    slow_command_ms: int = Field(default=100, ge=1)
    # Write concern: acknowledged only once a majority of the replica set has it in its journal,
    # so a 2xx survives the crash of a node (Atlas's default is majority; we say it explicitly).
    mongo_write_concern: str = "majority"
    mongo_journal: bool = True
    mongo_transaction_timeout_ms: int = Field(default=10000, ge=500, le=60000)

    # S3
    s3_endpoint_url: str | None = None
    s3_connect_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    s3_read_timeout_seconds: float = Field(default=5.0, gt=0, le=300)
    s3_max_attempts: int = Field(default=2, ge=1, le=10)
    aws_region: str = "us-east-1"
    uploads_bucket: str = "fetms-uploads-local"
    backups_bucket: str = "fetms-backups-local"
    # Customer-managed KMS key of the stage's buckets: writes then use SSE-KMS with it
    # (unset: SSE-S3, AES256).
    s3_kms_key_arn: str | None = None

    # Document vault (presigned uploads and downloads)
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    avatar_max_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    inline_upload_max_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    # A form is asked for right before the browser posts the file, so it needs little time;
    # the shorter it lives, the shorter a leaked form can write (never over a verified file).
    upload_url_expiry_seconds: int = Field(default=120, ge=30, le=3600)
    upload_confirm_window_seconds: int = Field(default=3600, ge=60, le=86400)
    download_url_expiry_seconds: int = Field(default=300, ge=30, le=3600)
    zip_spool_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)

    # Spreadsheet imports (teachers, schools): files through the API (multipart up to
    # INLINE_UPLOAD_MAX_BYTES, presigned S3 uploads up to IMPORT_MAX_BYTES), rows per file, and
    # the database budget of one import request (API Gateway answers after 29 s).
    import_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    import_max_rows: int = Field(default=5000, ge=1, le=100_000)
    import_timeout_ms: int = Field(default=25000, ge=1000, le=900_000)

    # Operations jobs (backups, notices)
    backup_hour_utc: int = Field(default=2, ge=0, le=23)
    backup_minute_utc: int = Field(default=0, ge=0, le=59)
    backup_keep_daily: int = Field(default=7, ge=1)
    backup_keep_weekly: int = Field(default=4, ge=0)
    backup_keep_monthly: int = Field(default=3, ge=0)
    # Manual, safety (before a restore) and pre-migration backups: kept this many days.
    backup_keep_other_days: int = Field(default=30, ge=1)
    notice_recipients: Annotated[list[str], NoDecode] = Field(default_factory=list)
    notice_sender: str = "fetms-notices@example.org"
    ses_endpoint_url: str | None = None
    uploads_import_dir: str | None = None

    # HTTP API
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["http://127.0.0.1:5173", "http://localhost:5173"]
    )
    max_page_size: int = Field(default=1000, ge=1)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # A response that does not match its declared model fails the request (tests) instead of
    # being logged (production).
    strict_responses: bool = False

    # Secrets (the placeholder and other published keys only in an explicit local stage)
    jwt_secret: str = PLACEHOLDER_SECRET
    jwt_secret_arn: str | None = None
    access_token_minutes: int = Field(default=15, ge=1, le=120)
    # Sessions (refresh tokens): ended after this long without a refresh, and at the latest
    # this long after sign-in (ASVS 4.0.3 3.3.2, L2: 30 minutes idle, 12 hours absolute).
    session_idle_minutes: int = Field(default=30, ge=1, le=1440)
    session_max_hours: int = Field(default=12, ge=1, le=720)

    # Authentication hardening
    password_min_length: int = Field(default=12, ge=8, le=128)
    password_min_score: int = Field(default=3, ge=0, le=4)  # zxcvbn strength estimate
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_seconds: int = Field(default=60, ge=1)
    login_lockout_max_seconds: int = Field(default=3600, ge=1)
    # Failed sign-ins per client address (all accounts) and per account (all addresses); an
    # account is not refused for these from an address it signed in from within
    # LOGIN_TRUSTED_ADDRESS_DAYS (colleagues behind one office NAT, an attacker elsewhere).
    login_address_failures_per_window: int = Field(default=20, ge=1)
    login_address_window_seconds: int = Field(default=900, ge=1)
    login_account_failures_per_window: int = Field(default=100, ge=1)
    login_account_window_seconds: int = Field(default=3600, ge=1)
    login_trusted_address_days: int = Field(default=30, ge=1, le=365)
    refresh_address_failures_per_window: int = Field(default=20, ge=1)
    refresh_address_window_seconds: int = Field(default=900, ge=1)
    # How long a computed dashboard view may be reused while no audited write happened (0: off).
    dashboard_cache_seconds: int = Field(default=300, ge=0, le=86400)
    # Writes per signed-in session and minute (per address, the WAF limits requests at the edge).
    writes_per_minute_per_session: int = Field(default=300, ge=1)
    # Expensive reads (exports, box zips, pages above EXPENSIVE_PAGE_SIZE) per user and minute.
    expensive_reads_per_minute_per_user: int = Field(default=30, ge=1)
    expensive_page_size: int = Field(default=200, ge=1)

    # Local stack (fetms run)
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    mongo_port: int = Field(default=27018, ge=1, le=65535)
    s3_port: int = Field(default=4569, ge=1, le=65535)
    spa_port: int = Field(default=5173, ge=1, le=65535)
    local_data_dir: str = ".local"

    @model_validator(mode="before")
    @classmethod
    def _split_origins(cls, values: dict[str, object]) -> dict[str, object]:
        for key in list(values):
            if key.lower() == "cors_origins" and isinstance(values[key], str):
                raw = str(values[key])
                values[key] = [o.strip() for o in raw.split(",") if o.strip()]
        return values

    @field_validator("notice_recipients", mode="before")
    @classmethod
    def _split_recipients(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _refuse_placeholders_outside_local(self) -> Settings:
        if self.aws_lambda_function_name and (
            not self.stage_is_explicit or self.fetms_stage == "local"
        ):
            raise ValueError(
                "inside AWS Lambda FETMS_STAGE must be set to the deployed stage (dev or prod); "
                "the local stage is refused there"
            )
        eager = self.fetms_stage in ("dev", "prod") or bool(self.aws_lambda_function_name)
        if eager and self.jwt_secret_arn is None:
            problem = signing_key_problem(self.jwt_secret)
            if problem is not None:
                raise ValueError(
                    "set JWT_SECRET_ARN (Secrets Manager) or a random JWT_SECRET of at least "
                    f"{MIN_SIGNING_KEY_LENGTH} characters: the JWT_SECRET given is refused "
                    f"({problem})"
                )
        if "*" in self.cors_origins:
            raise ValueError("CORS_ORIGINS must list explicit origins, never '*'")
        return self

    @property
    def stage_is_explicit(self) -> bool:
        """FETMS_STAGE was given (not the default)."""
        return "fetms_stage" in self.model_fields_set

    @property
    def explicit_local(self) -> bool:
        """The one setting in which published example signing keys are accepted."""
        return self.stage_is_explicit and self.fetms_stage == "local"

    @property
    def is_local(self) -> bool:
        return self.fetms_stage in ("local", "test")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read settings once per process."""
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests and the CLI use this after changing the environment)."""
    get_settings.cache_clear()
