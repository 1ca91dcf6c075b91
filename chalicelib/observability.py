"""Powertools Logger, Metrics and Tracer shared by the API, the jobs and the CLI."""

from __future__ import annotations

import importlib.util
from functools import lru_cache
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


def xray_sdk_available() -> bool:
    """Whether the X-Ray SDK can be imported. It is not bundled: it depends on botocore, which
    would double the package (the Lambda runtime has its own). Lambda's active tracing records
    every invocation without it; attaching the Powertools layer adds detailed subsegments."""
    try:
        return importlib.util.find_spec("aws_xray_sdk") is not None
    except (ImportError, ValueError):
        return False


# Tracer disables itself outside Lambda; POWERTOOLS_* variables are set per stage in .chalice.
# It imports the X-Ray SDK as soon as it is created (even disabled), which would fail the whole
# function without it: it exists only where the SDK does.
logger = Logger(service=SERVICE, logger_formatter=RedactingFormatter())
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE)


@lru_cache(maxsize=1)
def get_tracer() -> Tracer | None:
    """The powertools Tracer where the X-Ray SDK exists (created on first use: the SDK takes
    ~0.4 s to import)."""
    return Tracer(service=SERVICE) if xray_sdk_available() else None
