"""Powertools Logger, Metrics and Tracer shared by the API, the jobs and the CLI."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.logging.types import PowertoolsLogRecord

from chalicelib.redaction import scrub

SERVICE = "fetms"
METRICS_NAMESPACE = "FETMS"


class RedactingFormatter(LambdaPowertoolsFormatter):
    """JSON log lines with passwords, tokens and document numbers replaced by a marker."""

    def serialize(self, log: dict[str, Any] | PowertoolsLogRecord) -> str:
        return super().serialize(scrub(log))


# Tracer disables itself outside Lambda; POWERTOOLS_* variables are set per stage in .chalice.
logger = Logger(service=SERVICE, logger_formatter=RedactingFormatter())
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE)
tracer = Tracer(service=SERVICE)
