"""Audit the pinned runtime dependencies with pip-audit; fail on any known vulnerability.

pip-audit needs a vulnerability source (PyPI's JSON API or OSV). Where neither is reachable
(this workplace's sandbox reaches only the package index), every package is reported as
"could not be audited": we say so loudly and, unless AUDIT_STRICT=1, do not fail the build for it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AuditResult:
    vulnerable: list[str]
    audited: int
    skipped: int

    @property
    def unreachable(self) -> bool:
        return self.audited == 0 and self.skipped > 0


def summarize(report: dict[str, Any]) -> AuditResult:
    vulnerable: list[str] = []
    audited = skipped = 0
    for dep in report.get("dependencies", []):
        if dep.get("skip_reason"):
            skipped += 1
            continue
        audited += 1
        for vuln in dep.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            vulnerable.append(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    return AuditResult(vulnerable=vulnerable, audited=audited, skipped=skipped)


def decide(result: AuditResult, strict: bool) -> tuple[int, str]:
    if result.vulnerable:
        return 1, "known vulnerabilities:\n  " + "\n  ".join(result.vulnerable)
    if result.unreachable:
        message = (
            f"WARNING: none of the {result.skipped} runtime dependencies could be audited "
            "(no vulnerability service reachable from this machine)"
        )
        return (1 if strict else 0), message
    return 0, f"no known vulnerabilities in {result.audited} runtime dependencies"


def main() -> int:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "-r",
            "requirements.txt",
            "--format",
            "json",
            "--progress-spinner",
            "off",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(completed.stdout or "{}")
    except ValueError:
        print(completed.stderr[-2000:], file=sys.stderr)
        return 1
    code, message = decide(summarize(report), strict=os.environ.get("AUDIT_STRICT") == "1")
    print(f"dependency audit: {message}")
    return code


if __name__ == "__main__":
    sys.exit(main())
