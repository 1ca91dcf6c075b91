"""Powertools Logger, Metrics and Tracer shared by the API, the jobs and the CLI."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "fetms"
METRICS_NAMESPACE = "FETMS"

# Tracer disables itself outside Lambda; POWERTOOLS_* variables are set per stage in .chalice.
logger = Logger(service=SERVICE)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE)
tracer = Tracer(service=SERVICE)
