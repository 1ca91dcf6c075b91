"""Schemathesis over our own OpenAPI document against the API as a process, authenticated as an
admin: generated valid and invalid requests for every operation never get a server error, and
every response matches the schema the document declares for it."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.support.auth import bearer

EXAMPLES_PER_OPERATION = 8  # bounded: the whole run stays well under a minute
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def test_generated_requests_get_no_server_error_and_schema_conforming_answers(
    live_api: str, db: Any
) -> None:
    schema = schemathesis.openapi.from_url(live_api + "/api/openapi.json")
    headers = bearer(db, "admin")
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the document does not parse: {result}"
        operations.append(result.ok())
    assert len(operations) > 60
    failures: list[str] = []
    calls = 0
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def exercise(case: Any) -> None:
                nonlocal calls
                calls += 1
                case.call_and_validate(base_url=live_api, headers=headers, checks=CHECKS)

            try:
                exercise()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, "no invalid input exists for it"
            except Exception as exc:
                label = f"{operation.method.upper()} {operation.path} ({mode.value})"
                failures.append(f"{label}: {str(exc)[:800]}")
    assert calls > len(operations) * 4
    assert not failures, "\n\n".join(failures)
