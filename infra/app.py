"""CDK entry point: ``python -m infra.app`` (``make synth``; ``make deploy``/``diff`` via the CLI).

Synthesizes every stage of ``infra/config.py`` (or only ``-c stage=NAME``) into ``infra/cdk.out``
with cdk-nag's AwsSolutions checks applied. Offline: no AWS account or credentials are used.

The SPA is deployed from ``frontend/dist`` when it has been built (``npm run build``); otherwise
from a placeholder page generated under ``infra/build/`` so that synthesis never depends on a
frontend build.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from aws_cdk import App, Aspects
from cdk_nag import AwsSolutionsChecks

from infra.config import STAGES, StageConfig
from infra.nag import suppress
from infra.stacks import EdgeStack, FetmsStack

PROJECT_ROOT = Path(__file__).resolve().parents[1]
INFRA_DIR = PROJECT_ROOT / "infra"
DEFAULT_OUTDIR = INFRA_DIR / "cdk.out"
DEFAULT_BUILD_DIR = INFRA_DIR / "build"
FRONTEND_DIST = PROJECT_ROOT / "frontend" / "dist"
PLACEHOLDER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>FETMS</title></head>
<body><p>The FETMS web app was not built when this stage was deployed
(run <code>npm run build</code> in <code>frontend/</code>, then <code>make deploy</code>).</p>
</body></html>
"""


def spa_source(build_dir: Path) -> Path:
    """``frontend/dist`` when built, else a generated placeholder (index.html only)."""
    if (FRONTEND_DIST / "index.html").is_file():
        return FRONTEND_DIST
    placeholder = build_dir / "spa-placeholder"
    placeholder.mkdir(parents=True, exist_ok=True)
    (placeholder / "index.html").write_text(PLACEHOLDER_PAGE)
    return placeholder


def add_stage(app: App, config: StageConfig, build_dir: Path) -> FetmsStack:
    edge = EdgeStack(app, config) if config.needs_edge_stack else None
    stack = FetmsStack(app, config, edge=edge, dist_dir=spa_source(build_dir), build_dir=build_dir)
    if edge is not None:
        stack.add_stack_dependency(edge)
        suppress(edge, config)
    suppress(stack, config)
    return stack


def build_app(
    stages: list[str] | None = None, outdir: Path | None = None, build_dir: Path | None = None
) -> tuple[App, dict[str, FetmsStack]]:
    """The CDK app with the given stages (default: the ``stage`` context value, else all)."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    # The CDK CLI tells the app where to write through CDK_OUTDIR.
    app = App(outdir=str(outdir or os.environ.get("CDK_OUTDIR") or DEFAULT_OUTDIR))
    chosen = app.node.try_get_context("stage")
    names = stages or ([chosen] if chosen else list(STAGES))
    unknown = sorted(set(names) - set(STAGES))
    if unknown:
        raise SystemExit(f"unknown stage(s) {unknown}; known: {sorted(STAGES)}")
    build = build_dir or DEFAULT_BUILD_DIR
    stacks = {name: add_stage(app, STAGES[name], build / name) for name in names}
    Aspects.of(app).add(AwsSolutionsChecks(verbose=True))
    return app, stacks


def main() -> int:
    # chalice package needs a region even offline; each stack's own region is in its config.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    app, _ = build_app()
    assembly = app.synth()
    # Like `cdk synth`: errors (unsuppressed cdk-nag findings among them) fail the synthesis.
    errors = [
        f"{entry.path}: {entry.data}"
        for stack in assembly.stacks
        for entry in stack.find_metadata_by_type("aws:cdk:error")
    ]
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
