"""The offline dependency audit: a dated advisory snapshot checked against what is installed
(Python runtime closure, the SPA's npm tree, the development environment)."""

from __future__ import annotations

import json
from datetime import date
from importlib import metadata
from pathlib import Path

import pytest

from scripts.audit_deps import (
    SNAPSHOT,
    Package,
    affected,
    check,
    decide,
    npm_packages,
    python_packages,
    snapshot_age,
)

ROOT = Path(__file__).resolve().parents[2]


def test_a_pinned_runtime_version_in_a_listed_range_fails_the_audit() -> None:
    pinned = metadata.version("PyJWT")
    advisory = {
        "id": "GHSA-test-0001",
        "ecosystem": "PyPI",
        "package": "PyJWT",
        "ranges": [{"introduced": "0", "fixed": "999.0"}],
        "summary": "made up for the test",
    }
    packages = python_packages()
    findings = check(packages, [advisory])
    assert [f.package.name for f in findings] == ["pyjwt"]
    assert findings[0].package.version == pinned and findings[0].package.scope == "runtime"
    code, message = decide(findings, {"runtime": 1}, age_days=3, strict=False)
    assert code == 1
    assert f"pyjwt {pinned}: GHSA-test-0001" in message and "fixed in 999.0" in message


def test_an_npm_package_of_the_spa_in_a_listed_range_fails_the_audit() -> None:
    packages = npm_packages(ROOT / "frontend" / "package-lock.json")
    vite = next(p for p in packages if p.name == "vite")
    advisory = {
        "id": "GHSA-test-0002",
        "ecosystem": "npm",
        "package": "vite",
        "ranges": [{"introduced": "0", "last_affected": vite.version}],
        "summary": "made up for the test",
    }
    findings = check(packages, [advisory])
    assert [(f.package.name, f.advisory) for f in findings] == [("vite", "GHSA-test-0002")]
    assert decide(findings, {"spa": len(packages)}, 3, strict=False)[0] == 1


def test_the_audit_sees_the_whole_runtime_closure_and_npm_tree() -> None:
    packages = python_packages()
    runtime = {p.name for p in packages if p.scope == "runtime"}
    # Direct pins and what they pull in (pydantic → pydantic-core, argon2-cffi → cffi).
    assert {"pymongo", "pyjwt", "pydantic", "pydantic-core", "argon2-cffi", "cffi"} <= runtime
    assert "pytest" not in runtime and "pytest" in {p.name for p in packages}
    spa = npm_packages(ROOT / "frontend" / "package-lock.json")
    assert len(spa) > 100 and {"react", "vite"} <= {p.name for p in spa}


def test_development_findings_warn_unless_strict() -> None:
    tool = Package("PyPI", "sometool", "1.0", "development")
    advisory = {
        "id": "GHSA-test-0003",
        "ecosystem": "PyPI",
        "package": "SomeTool",
        "ranges": [{"introduced": "0", "fixed": "2.0"}],
        "summary": "x",
    }
    findings = check([tool], [advisory])
    assert decide(findings, {}, 1, strict=False)[0] == 0
    assert decide(findings, {}, 1, strict=True)[0] == 1


@pytest.mark.parametrize(
    ("version", "ranges", "hit"),
    [
        ("2.3.9", [{"introduced": "0", "fixed": "2.4.0"}], True),
        ("2.4.0", [{"introduced": "0", "fixed": "2.4.0"}], False),
        ("2.10.0", [{"introduced": "2.10.0", "fixed": "2.10.1"}], True),
        ("2.9.0", [{"introduced": "2.10.0", "fixed": "2.10.1"}], False),
        ("0.24.2", [{"introduced": "0", "last_affected": "0.24.2"}], True),
        ("0.25.0", [{"introduced": "0", "last_affected": "0.24.2"}], False),
        ("6.2.3-beta.1", [{"introduced": "6.2.0", "fixed": "6.2.3"}], True),
        ("2024.7.4", [{"introduced": "0", "fixed": "2024.7.4"}], False),
        ("2026.10.19.post1", [{"introduced": "0", "fixed": "2024.7.4"}], False),
    ],
)
def test_version_ranges(version: str, ranges: list[dict[str, str]], hit: bool) -> None:
    assert affected(version, ranges)[0] is hit


def test_a_stale_snapshot_warns_and_fails_when_strict() -> None:
    assert snapshot_age("2026-01-01", date(2026, 6, 1)) == 151
    code, message = decide([], {}, age_days=151, strict=False)
    assert code == 0 and "older than 90 days" in message
    assert decide([], {}, age_days=151, strict=True)[0] == 1


def test_the_snapshot_is_well_formed() -> None:
    snapshot = json.loads(SNAPSHOT.read_text())
    date.fromisoformat(snapshot["updated"])
    ids = [a["id"] for a in snapshot["advisories"]]
    assert len(ids) == len(set(ids)) >= 30
    for advisory in snapshot["advisories"]:
        assert advisory["ecosystem"] in ("PyPI", "npm")
        assert advisory["ranges"] and advisory["summary"]
        assert all("fixed" in r or "last_affected" in r for r in advisory["ranges"])
