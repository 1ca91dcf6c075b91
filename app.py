"""FETMS Serverless: the Chalice application. Registers blueprints and middleware; nothing else."""

from chalice.app import Chalice

from chalicelib.api import (
    alert_rules,
    audit,
    auth,
    authorizer,
    documents,
    guards,
    health,
    middleware,
    openapi,
    pipeline,
    projects,
    schools,
    stages,
    stats,
    teachers,
    users,
)
from chalicelib.api import maintenance as maintenance_guard

app = Chalice(app_name="fetms")
app.api.binary_types = [
    "multipart/form-data",
    "application/octet-stream",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
]

middleware.install(app)
maintenance_guard.install()
guards.install()
for blueprint_module in (
    authorizer,
    health,
    openapi,
    auth,
    users,
    audit,
    projects,
    stages,
    schools,
    alert_rules,
    teachers,
    pipeline,
    stats,
    documents,
):
    app.register_blueprint(blueprint_module.bp)
