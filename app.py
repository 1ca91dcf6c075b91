"""FETMS Serverless: the Chalice application. Registers blueprints and middleware; nothing else."""

from chalice.app import Chalice, CloudWatchEvent, Rate

from chalicelib.api import (
    alert_rules,
    audit,
    auth,
    authorizer,
    documents,
    guards,
    health,
    imports,
    middleware,
    openapi,
    operations,
    pipeline,
    preferences,
    projects,
    schema_guard,
    schools,
    stages,
    stats,
    teachers,
    users,
)
from chalicelib.api import maintenance as maintenance_guard
from chalicelib.jobs import scheduled
from chalicelib.settings import get_settings

app = Chalice(app_name="fetms")
app.api.binary_types = [
    "multipart/form-data",
    "application/octet-stream",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
]

middleware.install(app)
maintenance_guard.install()
guards.install()
schema_guard.install()
for blueprint_module in (
    authorizer,
    health,
    openapi,
    auth,
    preferences,
    users,
    audit,
    operations,
    projects,
    stages,
    schools,
    alert_rules,
    teachers,
    pipeline,
    stats,
    documents,
    imports,
):
    app.register_blueprint(blueprint_module.bp)


# Scheduled jobs: thin wrappers, the work is in chalicelib/jobs (also run by the `fetms` CLI).
@app.schedule(scheduled.backup_cron(get_settings()), name="nightly_backup")
def nightly_backup(event: CloudWatchEvent) -> dict[str, object]:
    return scheduled.nightly_backup()


@app.schedule(scheduled.INDEX_CHECK_CRON, name="daily_index_check")
def daily_index_check(event: CloudWatchEvent) -> dict[str, object]:
    return scheduled.daily_index_check()


@app.schedule(Rate(1, unit=Rate.HOURS), name="hourly_alert_metrics")
def hourly_alert_metrics(event: CloudWatchEvent) -> dict[str, object]:
    return scheduled.hourly_alert_metrics()


@app.schedule(Rate(1, unit=Rate.HOURS), name="hourly_upload_sweep")
def hourly_upload_sweep(event: CloudWatchEvent) -> dict[str, object]:
    return scheduled.hourly_upload_sweep()


@app.schedule(scheduled.NOTICES_CRON, name="daily_expiry_notices")
def daily_expiry_notices(event: CloudWatchEvent) -> dict[str, object]:
    return scheduled.daily_expiry_notices()
