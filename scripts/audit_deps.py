"""Audit every Python and npm package we install against a dated, committed advisory snapshot.

This project's machines and CI reach only the package registries: no vulnerability service
(OSV, PyPI's JSON API, npm's audit endpoint) answers there, so an online audit silently checks
nothing. Instead ``scripts/advisories.json`` — kept by hand, dated — lists the known advisories
of the packages we use, and this script checks what is really installed against it:

* the runtime closure of ``requirements.txt`` (what the Lambda bundle ships) — a match fails;
* every npm package of ``frontend/package-lock.json`` (the SPA's whole tree) — a match fails;
* the rest of the development environment (test and build tools) — a match is a warning
  (a failure with ``AUDIT_STRICT=1``).

What it cannot see: advisories published after the snapshot's date and packages the snapshot
does not list. The snapshot's age is printed; past ``MAX_AGE_DAYS`` the audit warns (fails with
``AUDIT_STRICT=1``), which is the reminder to update it (docs/RUNBOOK.md, "Dependency audit").
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "scripts" / "advisories.json"
LOCKFILES = (ROOT / "frontend" / "package-lock.json",)
MAX_AGE_DAYS = 90


@dataclass(frozen=True)
class Package:
    ecosystem: str  # "PyPI" or "npm"
    name: str
    version: str
    scope: str  # "runtime", "spa" or "development"


@dataclass(frozen=True)
class Finding:
    package: Package
    advisory: str
    summary: str
    fixed: str | None


def canonical(ecosystem: str, name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower() if ecosystem == "PyPI" else name


def version_key(version: str) -> tuple[tuple[int, str], ...]:
    """A sortable key: numeric release parts compared as numbers; a pre-release sorts before
    its release (``1.0.0-rc.1`` < ``1.0.0``; ``2.0b1`` < ``2.0``)."""
    match = re.match(r"^v?(\d+(?:\.\d+)*)(.*)$", version.strip())
    if not match:
        return ((0, version),)
    numbers = [int(p) for p in match.group(1).split(".")]
    while len(numbers) < 4:
        numbers.append(0)
    rest = match.group(2).lstrip("-+.")
    local_post = rest.startswith("post")
    suffix = (1 if not rest or local_post else 0, rest)
    return (*((n, "") for n in numbers), suffix)


def affected(version: str, ranges: list[dict[str, str]]) -> tuple[bool, str | None]:
    """Whether ``version`` falls in one of the ranges, and the fix of that range."""
    key = version_key(version)
    for bounds in ranges:
        low = bounds.get("introduced", "0")
        if key < version_key(low):
            continue
        if "fixed" in bounds and key < version_key(bounds["fixed"]):
            return True, bounds["fixed"]
        if "last_affected" in bounds and key <= version_key(bounds["last_affected"]):
            return True, None
    return False, None


def check(packages: list[Package], advisories: list[dict[str, Any]]) -> list[Finding]:
    by_name: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for advisory in advisories:
        name = canonical(advisory["ecosystem"], advisory["package"])
        by_name.setdefault((advisory["ecosystem"], name), []).append(advisory)
    findings = []
    for package in packages:
        for advisory in by_name.get(
            (package.ecosystem, canonical(package.ecosystem, package.name)), []
        ):
            hit, fixed = affected(package.version, advisory["ranges"])
            if hit:
                findings.append(Finding(package, advisory["id"], advisory["summary"], fixed))
    return findings


def python_packages(requirements: Path = ROOT / "requirements.txt") -> list[Package]:
    """Every installed distribution; those reachable from ``requirements.txt`` are runtime."""
    installed = {canonical("PyPI", d.metadata["Name"]): d for d in metadata.distributions()}
    pending = [
        canonical("PyPI", re.split(r"[=<>!~\[; ]", line.strip(), maxsplit=1)[0])
        for line in requirements.read_text().splitlines()
        if line.strip() and not line.strip().startswith(("#", "-"))
    ]
    runtime: set[str] = set()
    while pending:
        name = pending.pop()
        if name in runtime or name not in installed:
            continue
        runtime.add(name)
        for requirement in installed[name].requires or []:
            if "extra ==" in requirement:
                continue
            pending.append(canonical("PyPI", re.split(r"[=<>!~\[; (]", requirement, maxsplit=1)[0]))
    return [
        Package("PyPI", name, dist.version, "runtime" if name in runtime else "development")
        for name, dist in sorted(installed.items())
    ]


def npm_packages(lockfile: Path) -> list[Package]:
    """Every package of an npm lockfile (v2/v3 ``packages``), nested copies included."""
    data = json.loads(lockfile.read_text())
    found = []
    for path, entry in (data.get("packages") or {}).items():
        if not path or "version" not in entry or entry.get("link"):
            continue
        name = path.rsplit("node_modules/", 1)[-1]
        found.append(Package("npm", name, str(entry["version"]), "spa"))
    return found


def snapshot_age(updated: str, today: date) -> int:
    return (today - date.fromisoformat(updated)).days


def decide(
    findings: list[Finding], counts: dict[str, int], age_days: int, strict: bool
) -> tuple[int, str]:
    blocking = [f for f in findings if f.package.scope != "development"]
    warnings = [f for f in findings if f.package.scope == "development"]
    lines = [
        "dependency audit against scripts/advisories.json "
        f"({age_days} days old): {counts.get('runtime', 0)} runtime Python packages, "
        f"{counts.get('spa', 0)} npm packages of the SPA, "
        f"{counts.get('development', 0)} development Python packages"
    ]
    for finding in blocking + warnings:
        level = "VULNERABLE" if finding in blocking else "warning (development only)"
        fix = f"fixed in {finding.fixed}" if finding.fixed else "no fixed version listed"
        lines.append(
            f"  {level}: {finding.package.ecosystem} {finding.package.name} "
            f"{finding.package.version}: {finding.advisory} {finding.summary} ({fix})"
        )
    stale = age_days > MAX_AGE_DAYS
    if stale:
        lines.append(
            f"  WARNING: the advisory snapshot is older than {MAX_AGE_DAYS} days; advisories "
            "published since are not seen — update it (docs/RUNBOOK.md)"
        )
    failed = bool(blocking) or (strict and (bool(warnings) or stale))
    if not findings:
        lines.append("  no listed advisory affects an installed version")
    return (1 if failed else 0), "\n".join(lines)


def main() -> int:
    snapshot = json.loads(SNAPSHOT.read_text())
    packages = python_packages()
    for lockfile in LOCKFILES:
        if lockfile.exists():
            packages += npm_packages(lockfile)
    counts: dict[str, int] = {}
    for package in packages:
        counts[package.scope] = counts.get(package.scope, 0) + 1
    findings = check(packages, snapshot["advisories"])
    age = snapshot_age(snapshot["updated"], date.today())
    code, message = decide(findings, counts, age, strict=os.environ.get("AUDIT_STRICT") == "1")
    print(message)
    return code


if __name__ == "__main__":
    sys.exit(main())
