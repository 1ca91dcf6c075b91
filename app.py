"""FETMS Serverless: the Chalice application. Registers blueprints and middleware; nothing else."""

from chalice.app import Chalice

from chalicelib.api import alert_rules, health, middleware, openapi, projects, schools, stages

app = Chalice(app_name="fetms")
app.api.binary_types = ["multipart/form-data", "application/octet-stream"]

middleware.install(app)
for blueprint_module in (health, openapi, projects, stages, schools, alert_rules):
    app.register_blueprint(blueprint_module.bp)
