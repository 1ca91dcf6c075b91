"""The typed stage configuration refuses values that would deploy something wrong."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from infra import app as infra_app
from infra.config import DEV, PROD, STAGES, Throttling


def test_both_stages_are_configured() -> None:
    assert sorted(STAGES) == ["dev", "prod"]
    assert PROD.waf and PROD.customer_managed_key and PROD.backups.object_lock_governance_days
    assert not DEV.waf and not DEV.customer_managed_key
    assert PROD.throttling == Throttling(rate_limit=100, burst_limit=200)
    assert DEV.account != PROD.account


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"account": "12345"}, "12-digit"),
        ({"log_retention_days": 31}, "log_retention_days"),
        ({"api_deployment": "Canary50Percent1Minute"}, "api_deployment"),
        ({"hosted_zone_id": "Z123"}, "hosted_zone_id"),
    ],
)
def test_invalid_values_are_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(PROD, **change)  # type: ignore[arg-type]


def test_names_are_derived_from_stage_and_account() -> None:
    assert PROD.bucket_name("uploads") == "fetms-prod-uploads-222222222222"
    assert PROD.spa_origins == ("https://fetms.example.org",)
    assert DEV.spa_origins == ()
    assert PROD.needs_edge_stack and not DEV.needs_edge_stack


def test_spa_is_deployed_from_the_build_or_a_placeholder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = tmp_path / "dist"
    monkeypatch.setattr(infra_app, "FRONTEND_DIST", dist)
    placeholder = infra_app.spa_source(tmp_path / "build")
    assert placeholder == tmp_path / "build" / "spa-placeholder"
    assert "not built" in (placeholder / "index.html").read_text()
    dist.mkdir()
    (dist / "index.html").write_text("<!doctype html><div id=root></div>")
    assert infra_app.spa_source(tmp_path / "build") == dist


def test_make_synth_fails_on_an_unsuppressed_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from aws_cdk import Annotations, App, Stack

    def app_with_a_finding() -> tuple[App, dict[str, object]]:
        app = App(outdir=str(tmp_path))
        Annotations.of(Stack(app, "s")).add_error("AwsSolutions-S1: server access logs disabled")
        return app, {}

    monkeypatch.setattr(infra_app, "build_app", app_with_a_finding)
    assert infra_app.main() == 1
    assert "AwsSolutions-S1" in capsys.readouterr().err
