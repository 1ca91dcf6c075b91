"""Cold start (issue 15, item 5): ``import app`` in a fresh interpreter, median of several runs.

Each run is a new ``python`` process with the environment of the ``local`` Chalice stage and no
database or S3 settings (importing must not connect). Reported: the import alone (timed inside
the process, what a Lambda init pays for our code on top of the runtime), the whole process, and
the same import with an empty bytecode cache (a deployment without ``.pyc`` files compiles every
module on its first import), plus the heaviest top-level packages from ``-X importtime``.

    .venv/bin/python -m bench.coldstart [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TIMED_IMPORT = (
    "import time; began = time.perf_counter(); import app; print(time.perf_counter() - began)"
)
_IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+\d+ \| *(\S+)")


@dataclass
class ColdStart:
    import_s: list[float]
    process_s: list[float]
    uncached_import_s: list[float]
    heaviest: list[tuple[str, float]]

    def table(self) -> str:
        med = statistics.median
        runs = len(self.import_s)
        return "\n".join(
            [
                "| measure | median s | min–max s | runs |",
                "|---|---:|---:|---:|",
                f"| `import app` (inside a fresh interpreter) | **{med(self.import_s):.3f}** | "
                f"{min(self.import_s):.3f}–{max(self.import_s):.3f} | {runs} |",
                f"| whole process (`python -c 'import app'`) | {med(self.process_s):.3f} | "
                f"{min(self.process_s):.3f}–{max(self.process_s):.3f} | {runs} |",
                f"| `import app`, empty bytecode cache | {med(self.uncached_import_s):.3f} | "
                f"{min(self.uncached_import_s):.3f}–{max(self.uncached_import_s):.3f} | "
                f"{len(self.uncached_import_s)} |",
                "",
                "Import time by package (own modules, one `-X importtime` run): "
                + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in self.heaviest),
            ]
        )


def stage_environment() -> dict[str, str]:
    """What a Lambda of the ``local`` stage has: the config's variables, no database/S3."""
    config = json.loads((PROJECT_ROOT / ".chalice" / "config.json").read_text())
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env |= config.get("environment_variables", {})
    env |= config["stages"]["local"].get("environment_variables", {})
    env["AWS_DEFAULT_REGION"] = "us-east-1"
    return env


def _run(code: str, env: dict[str, str], *flags: str) -> tuple[float, str, str]:
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *flags, "-c", code],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"import app failed:\n{done.stderr[-2000:]}")
    return elapsed, done.stdout, done.stderr


def heaviest_imports(env: dict[str, str], count: int = 8) -> list[tuple[str, float]]:
    """Top-level packages by the import time of their own modules (``-X importtime`` self
    times summed per package: where the time goes, whoever imported it)."""
    _, _, stderr = _run("import app", env, "-X", "importtime")
    totals: dict[str, float] = {}
    for line in stderr.splitlines():
        found = _IMPORTTIME.match(line)
        if found:
            name = found.group(2).split(".")[0]
            totals[name] = totals.get(name, 0.0) + int(found.group(1)) / 1e6
    return sorted(totals.items(), key=lambda item: -item[1])[:count]


def measure(runs: int) -> ColdStart:
    env = stage_environment()
    _run(TIMED_IMPORT, env)  # compile the bytecode cache once
    imports, processes, uncached = [], [], []
    for _ in range(runs):
        elapsed, stdout, _ = _run(TIMED_IMPORT, env)
        processes.append(elapsed)
        imports.append(float(stdout.strip().splitlines()[-1]))
    for _ in range(max(1, runs // 2)):
        with tempfile.TemporaryDirectory(prefix="fetms-pycache-") as cache:
            fresh = {**env, "PYTHONPYCACHEPREFIX": cache}
            _, stdout, _ = _run(TIMED_IMPORT, fresh)
            uncached.append(float(stdout.strip().splitlines()[-1]))
    return ColdStart(imports, processes, uncached, heaviest_imports(env))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    print(measure(args.runs).table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
