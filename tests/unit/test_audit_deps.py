"""The dependency-audit gate: fail on vulnerabilities, be loud when nothing could be audited."""

from __future__ import annotations

from scripts.audit_deps import decide, summarize


def test_vulnerability_fails_the_build() -> None:
    report = {
        "dependencies": [
            {
                "name": "pyjwt",
                "version": "1.0",
                "vulns": [{"id": "GHSA-x", "fix_versions": ["2.4.0"]}],
            },
            {"name": "pymongo", "version": "4.20.1", "vulns": []},
        ]
    }
    code, message = decide(summarize(report), strict=False)
    assert code == 1
    assert "pyjwt 1.0: GHSA-x (fixed in 2.4.0)" in message


def test_clean_report_passes() -> None:
    report = {"dependencies": [{"name": "pymongo", "version": "4.20.1", "vulns": []}]}
    assert decide(summarize(report), strict=True) == (
        0,
        "no known vulnerabilities in 1 runtime dependencies",
    )


def test_unreachable_service_is_reported_and_fails_only_when_strict() -> None:
    report = {
        "dependencies": [{"name": "pymongo", "version": "4.20.1", "skip_reason": "not found"}]
    }
    code, message = decide(summarize(report), strict=False)
    assert code == 0 and "could be audited" in message
    assert decide(summarize(report), strict=True)[0] == 1
