"""cfn-lint on every synthesized template and cdk-nag's AwsSolutions pack on both stages."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import Synth

STACKS = ("dev", "prod", "prod-edge")


def test_cfn_lint_finds_no_error(synth: Synth) -> None:
    templates = sorted(str(p) for p in Path(synth.outdir).glob("*.template.json"))
    assert len(templates) == len(STACKS)
    cfn_lint = str(Path(sys.executable).with_name("cfn-lint"))
    result = subprocess.run(
        [cfn_lint, "--format", "json", *templates], capture_output=True, text=True, timeout=300
    )
    findings: list[dict[str, Any]] = json.loads(result.stdout or "[]")
    errors = [f for f in findings if f["Level"] == "Error"]
    assert not errors, json.dumps(errors, indent=1)[:4000]
    # The SAM templates really went through the transform (cfn-lint expands it first).
    assert result.returncode in (0, 4, 8, 12), result.stderr


@pytest.mark.parametrize("stack", STACKS)
def test_cdk_nag_reports_no_unsuppressed_error(synth: Synth, stack: str) -> None:
    errors = [e for e in synth.metadata[stack]["error"] if "AwsSolutions-" in str(e["data"])]
    assert not errors, "\n".join(f"{e['path']}: {str(e['data'])[:200]}" for e in errors)
    reports = list(Path(synth.outdir).glob("AwsSolutions-*NagReport.csv"))
    assert len(reports) == len(STACKS)  # the pack really ran on every stack
    text = "".join(p.read_text() for p in reports)
    assert '"Compliant"' in text and "AwsSolutions-S10" in text


@pytest.mark.parametrize("stack", STACKS)
def test_every_suppression_carries_its_reason(synth: Synth, stack: str) -> None:
    count = 0
    for resource in synth.templates[stack]["Resources"].values():
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
            count += 1
            assert re.fullmatch(r"AwsSolutions-[A-Z0-9]+", rule["id"])
            assert len(rule["reason"]) >= 40, rule
    if stack != "prod-edge":
        assert count > 0
