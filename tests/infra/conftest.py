"""Synthesize the CDK app (both stages, cdk-nag applied) once per test session, offline."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

AWS_OFFLINE = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    # Synthesis must not depend on (or reach) an AWS account.
    "AWS_ACCESS_KEY_ID": "offline",
    "AWS_SECRET_ACCESS_KEY": "offline",
    "AWS_EC2_METADATA_DISABLED": "true",
}
# Settings of the developer's shell that would leak into the packaged functions otherwise.
APP_VARIABLES = ("MONGO_URI", "S3_ENDPOINT_URL", "FETMS_STAGE", "JWT_SECRET", "CORS_ORIGINS")


@dataclass
class Synth:
    outdir: Path
    seconds: float
    templates: dict[str, dict[str, Any]]
    # stack id → "error"/"warning" → annotations (cdk-nag findings among them)
    metadata: dict[str, dict[str, list[dict[str, Any]]]]
    expanded: dict[str, dict[str, Any]] = field(default_factory=dict)

    def resources(self, stack: str, type_: str) -> dict[str, dict[str, Any]]:
        return {
            name: r for name, r in self.templates[stack]["Resources"].items() if r["Type"] == type_
        }

    def template(self, stack: str) -> Template:
        """``aws_cdk.assertions.Template`` of what CloudFormation deploys: after the SAM transform
        (the Chalice stacks) — the transform also removes the SAM-only reference from each
        function to its rollback alarms, which is a cycle only before it."""
        return Template.from_json(self.expanded.get(stack) or self.templates[stack])

    def expanded_resources(self, stack: str, type_: str) -> dict[str, dict[str, Any]]:
        return {
            name: r for name, r in self.expanded[stack]["Resources"].items() if r["Type"] == type_
        }


def expand_sam(template: dict[str, Any], region: str) -> dict[str, Any]:
    """The template after the SAM transform (what CloudFormation deploys), computed offline."""
    from samtranslator.translator.transform import transform

    class NoManagedPolicies:
        def get(self, *args: Any, **kwargs: Any) -> dict[str, str]:
            return {}

    previous = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = region
    try:
        expanded: dict[str, Any] = transform(
            json.loads(json.dumps(template)), {}, NoManagedPolicies()
        )
    finally:
        if previous is not None:
            os.environ["AWS_DEFAULT_REGION"] = previous
    return expanded


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """Both stages, synthesized once. ``chalice.cdk`` packages the app in this process and sets
    each stage's environment variables while doing so: the whole environment and the settings
    cache are restored before any other test runs."""
    saved = dict(os.environ)
    os.environ.update(AWS_OFFLINE)
    for key in APP_VARIABLES:
        os.environ.pop(key, None)
    root = tmp_path_factory.mktemp("infra")
    try:
        from infra.app import build_app
        from infra.config import STAGES

        started = time.perf_counter()
        app, _ = build_app(["dev", "prod"], outdir=root / "cdk.out", build_dir=root / "build")
        assembly = app.synth()
        seconds = time.perf_counter() - started
        templates = {}
        metadata: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for artifact in assembly.stacks:
            templates[artifact.id] = json.loads(Path(artifact.template_full_path).read_text())
            metadata[artifact.id] = {
                kind: [
                    {"path": entry.path, "data": entry.data}
                    for entry in artifact.find_metadata_by_type(f"aws:cdk:{kind}")
                ]
                for kind in ("error", "warning")
            }
        result = Synth(root / "cdk.out", seconds, templates, metadata)
        for stage in ("dev", "prod"):
            result.expanded[stage] = expand_sam(templates[stage], STAGES[stage].region)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        from chalicelib.settings import reset_settings

        reset_settings()
    print(f"\ninfra: synthesized {sorted(templates)} in {seconds:.1f} s")
    return result
