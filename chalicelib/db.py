"""MongoDB access: one client per process, collection names, the index registry, slow commands."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from pymongo import MongoClient, monitoring
from pymongo.collation import Collation
from pymongo.database import Database
from pymongo.errors import OperationFailure

from chalicelib.observability import logger
from chalicelib.settings import Settings, get_settings

Document = dict[str, Any]
Db = Database[Document]

# Collections (FETMS names first, then our own).
TEACHERS = "teachers"
SCHOOLS = "schools"
PROJECTS = "projects"
STAGES = "stages"
ALERT_RULES = "alertrules"
USERS = "users"
AUDIT_LOG = "auditlog"
MIGRATIONS = "migrations"
IMPORTS = "imports"
NOTIFICATIONS = "notifications"
LOCKS = "locks"
APP_SETTINGS = "settings"
RATE_LIMITS = "ratelimits"
UPLOADS = "uploads"
SESSIONS = "sessions"
LOGIN_THROTTLE = "loginthrottle"
DELETED_STAGES = "deletedstages"
IMPORT_ITEMS = "importitems"
USER_PREFERENCES = "userpreferences"
DASHBOARD_CACHE = "dashboardcache"

ALL_COLLECTIONS = (
    TEACHERS,
    SCHOOLS,
    PROJECTS,
    STAGES,
    ALERT_RULES,
    USERS,
    AUDIT_LOG,
    MIGRATIONS,
    IMPORTS,
    NOTIFICATIONS,
    LOCKS,
    APP_SETTINGS,
    RATE_LIMITS,
    UPLOADS,
    SESSIONS,
    LOGIN_THROTTLE,
    DELETED_STAGES,
    IMPORT_ITEMS,
    USER_PREFERENCES,
    DASHBOARD_CACHE,
)
# Derived data, recomputed on demand: never backed up or restored.
DERIVED_COLLECTIONS = (DASHBOARD_CACHE,)

# Collections an original FETMS database may hold: adopting one reconciles their indexes.
# (The e-mail collections belong to FETMS's mail feature, which this system does not use.)
FETMS_COLLECTIONS = (
    TEACHERS,
    SCHOOLS,
    PROJECTS,
    STAGES,
    ALERT_RULES,
    "emailconfigs",
    "emailtemplates",
    "emaillogs",
)

CASE_INSENSITIVE = Collation(locale="en", strength=2)


@dataclass(frozen=True)
class IndexSpec:
    """One index the application needs, declared once."""

    name: str
    keys: tuple[tuple[str, int], ...]
    unique: bool = False
    partial: Document | None = None
    case_insensitive: bool = False
    expire_after_seconds: int | None = None

    def create_kwargs(self) -> Document:
        kwargs: Document = {"name": self.name}
        if self.unique:
            kwargs["unique"] = True
        if self.partial is not None:
            kwargs["partialFilterExpression"] = self.partial
        if self.case_insensitive:
            kwargs["collation"] = CASE_INSENSITIVE
        if self.expire_after_seconds is not None:
            kwargs["expireAfterSeconds"] = self.expire_after_seconds
        return kwargs


@dataclass
class IndexRegistry:
    """Every index per collection. ``ensure_indexes`` builds what is missing."""

    by_collection: dict[str, list[IndexSpec]] = field(default_factory=dict)

    def add(self, collection: str, *specs: IndexSpec) -> None:
        self.by_collection.setdefault(collection, []).extend(specs)


INDEXES = IndexRegistry()
INDEXES.add(PROJECTS, IndexSpec("code_unique", (("code", 1),), unique=True))
INDEXES.add(STAGES, IndexSpec("order_1", (("order", 1),)))
INDEXES.add(
    SCHOOLS,
    IndexSpec("isDeleted_name", (("isDeleted", 1), ("name.chinese", 1))),
)
INDEXES.add(ALERT_RULES, IndexSpec("isActive_1", (("isActive", 1),)))
INDEXES.add(
    UPLOADS,
    IndexSpec("teacher_status", (("teacher", 1), ("status", 1))),
    IndexSpec("status_expiresAt", (("status", 1), ("expiresAt", 1))),
    IndexSpec("purgeAt_ttl", (("purgeAt", 1),), expire_after_seconds=0),
)
INDEXES.add(USERS, IndexSpec("email_unique", (("email", 1),), unique=True))
INDEXES.add(
    SESSIONS,
    IndexSpec("userId_1", (("userId", 1),)),
    IndexSpec("expiresAt_ttl", (("expiresAt", 1),), expire_after_seconds=0),
)
INDEXES.add(RATE_LIMITS, IndexSpec("expiresAt_ttl", (("expiresAt", 1),), expire_after_seconds=0))
INDEXES.add(
    DASHBOARD_CACHE, IndexSpec("expiresAt_ttl", (("expiresAt", 1),), expire_after_seconds=0)
)
INDEXES.add(LOGIN_THROTTLE, IndexSpec("expiresAt_ttl", (("expiresAt", 1),), expire_after_seconds=0))
INDEXES.add(
    AUDIT_LOG,
    IndexSpec("entity_entityId_at", (("entity", 1), ("entityId", 1), ("at", -1))),
    IndexSpec("actor_at", (("actor", 1), ("at", -1))),
    IndexSpec("at_-1", (("at", -1),)),
)
INDEXES.add(
    IMPORTS,
    IndexSpec("kind_createdAt", (("kind", 1), ("createdAt", -1))),
)
INDEXES.add(IMPORT_ITEMS, IndexSpec("importId_row", (("importId", 1), ("row", 1))))
INDEXES.add(
    TEACHERS,
    IndexSpec(
        "email_unique_active",
        (("email", 1),),
        unique=True,
        partial={"isDeleted": False},
        case_insensitive=True,
    ),
    IndexSpec("isDeleted_createdAt", (("isDeleted", 1), ("createdAt", -1))),
    IndexSpec("pipeline", (("pipelineStage", 1), ("pipelineOrder", 1))),
    IndexSpec("school_1", (("school", 1),)),
    IndexSpec("project_1", (("project", 1),)),
    # List/export "expiring within N days" filters (issue 4).
    IndexSpec("arcDetails.expiryDate_1", (("arcDetails.expiryDate", 1),)),
    IndexSpec("workPermitDetails.expiryDate_1", (("workPermitDetails.expiryDate", 1),)),
    IndexSpec("passportDetails.expiryDate_1", (("passportDetails.expiryDate", 1),)),
    IndexSpec("teachingLicense.expiryDate_1", (("teachingLicense.expiryDate", 1),)),
)


def ensure_indexes(db: Db, registry: IndexRegistry = INDEXES) -> list[str]:
    """Create every registered index that does not exist yet; return the created names."""
    created: list[str] = []
    for collection, specs in registry.by_collection.items():
        existing = {ix["name"] for ix in db[collection].list_indexes()}
        for spec in specs:
            if spec.name in existing:
                continue
            db[collection].create_index(list(spec.keys), **spec.create_kwargs())
            created.append(f"{collection}.{spec.name}")
    return created


class SlowCommandListener(monitoring.CommandListener):
    """Logs commands slower than the threshold and counts them for the alert-metrics job."""

    def __init__(self, threshold_ms: int) -> None:
        self.threshold_ms = threshold_ms
        self._lock = threading.Lock()
        self.slow_count = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        return None

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._check(event.command_name, event.duration_micros, event.database_name)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._check(event.command_name, event.duration_micros, event.database_name)

    def _check(self, command: str, duration_micros: int, database: str) -> None:
        elapsed_ms = duration_micros / 1000
        if elapsed_ms < self.threshold_ms:
            return
        with self._lock:
            self.slow_count += 1
        logger.warning(
            "slow MongoDB command",
            extra={"command": command, "durationMs": round(elapsed_ms, 1), "database": database},
        )

    def take_count(self) -> int:
        """Return the slow commands seen since the last call and reset the counter."""
        with self._lock:
            count, self.slow_count = self.slow_count, 0
        return count


_client_lock = threading.Lock()
_client: MongoClient[Document] | None = None
slow_commands = SlowCommandListener(threshold_ms=100)


def connection_string(settings: Settings, secrets_client: Any = None) -> str:
    """``MONGO_URI``, or the SecretString of ``MONGO_URI_SECRET_ARN`` when that is set."""
    if not settings.mongo_uri_secret_arn:
        return settings.mongo_uri
    if secrets_client is None:
        import boto3

        secrets_client = boto3.client("secretsmanager", region_name=settings.aws_region)
    value = secrets_client.get_secret_value(SecretId=settings.mongo_uri_secret_arn)
    uri = str(value["SecretString"]).strip()
    if not uri.startswith(("mongodb://", "mongodb+srv://")):
        raise RuntimeError("the MongoDB secret does not hold a mongodb:// or mongodb+srv:// URI")
    return uri


def make_client(
    settings: Settings, listeners: list[monitoring.CommandListener]
) -> MongoClient[Document]:
    """A client with a small pool and short timeouts, suited to a Lambda container."""
    return MongoClient(
        connection_string(settings),
        appname=f"{settings.service_name}-{settings.fetms_stage}",
        maxPoolSize=settings.mongo_max_pool_size,
        minPoolSize=0,
        serverSelectionTimeoutMS=settings.mongo_timeout_ms,
        connectTimeoutMS=settings.mongo_timeout_ms,
        socketTimeoutMS=settings.mongo_socket_timeout_ms,
        retryWrites=True,
        w=_write_concern_w(settings.mongo_write_concern),
        journal=settings.mongo_journal,
        tz_aware=True,
        event_listeners=listeners,
    )


def _write_concern_w(value: str) -> int | str:
    """``MONGO_WRITE_CONCERN``: ``majority``, a tag set name, or a number of nodes."""
    return int(value) if value.isdigit() else value


def get_client() -> MongoClient[Document]:
    """The process-wide client, created on first use and reused across invocations."""
    global _client
    if _client is None:
        with _client_lock:
            if _client is None:
                settings = get_settings()
                slow_commands.threshold_ms = settings.slow_command_ms
                _client = make_client(settings, [slow_commands])
    return _client


def get_db() -> Db:
    return get_client()[get_settings().mongo_db]


def close_client() -> None:
    """Close and forget the client (tests and CLI shutdown)."""
    global _client
    with _client_lock:
        if _client is not None:
            _client.close()
            _client = None


def ping(db: Db, timeout_ms: int = 1000) -> None:
    """Raise if the server does not answer a ping within ``timeout_ms``."""
    db.client.admin.command("ping", maxTimeMS=timeout_ms)


def is_duplicate_key(exc: OperationFailure) -> bool:
    return exc.code in (11000, 11001)
