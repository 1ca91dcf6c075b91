"""``make mutation``: mutation testing (mutmut) of the business-rule modules — run by hand.

SecantusDB and SeaweedFS are started once here and shared by every mutant's test session
(``tests/support/shared.py``: each session gets its own database), which keeps a mutant's run to
the few seconds its tests take. The modules and the test selection are in ``pyproject.toml``
(``[tool.mutmut]``). At the end the killed/survived counts per module are printed; surviving
mutants are listed by ``.venv/bin/mutmut results`` and shown by ``.venv/bin/mutmut show NAME``.

    make mutation                          # every configured module
    make mutation MUTANTS='chalicelib.services.auth*'   # one module (mutmut name glob)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.support.servers import s3_server, secantus_server
from tests.support.shared import SharedServers

ROOT = Path(__file__).resolve().parents[1]
KILLED = {1, 3, -24, 36}  # a test failed, or the mutant hung / was killed by the timeout
SURVIVED = {0}
NO_TESTS = {33}


def main(argv: list[str]) -> int:
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    children = os.environ.get("MUTATION_CHILDREN", "2")
    with secantus_server() as mongo, s3_server(["http://127.0.0.1:5173"]) as s3:
        shared = SharedServers(
            mongo_uri=mongo.uri,
            s3_url=s3.url,
            s3_first_port=s3.ports.s3,
            s3_pid=s3.pid,
            access_key=s3.credentials.access_key,
            secret_key=s3.credentials.secret_key,
        )
        env = {**os.environ, **shared.to_env()}
        completed = subprocess.run(
            [mutmut, "run", "--max-children", children, *argv], cwd=ROOT, env=env, check=False
        )
    print(summary(ROOT / "mutants"))
    return completed.returncode


def summary(mutants: Path) -> str:
    """Killed / survived / no tests per module, from the ``.meta`` files mutmut writes."""
    lines = ["", f"{'module':<44} {'killed':>7} {'survived':>9} {'no tests':>9} {'score':>7}"]
    for meta in sorted(mutants.glob("chalicelib/**/*.py.meta")):
        codes = json.loads(meta.read_text()).get("exit_code_by_key", {})
        counted = Counter(
            "killed" if c in KILLED else "survived" if c in SURVIVED else "no tests"
            for c in codes.values()
            if c is not None
        )
        if not counted:
            continue
        ran = counted["killed"] + counted["survived"]
        score = f"{100 * counted['killed'] / ran:.1f}%" if ran else "-"
        module = str(meta.relative_to(mutants)).removesuffix(".meta")
        lines.append(
            f"{module:<44} {counted['killed']:>7} {counted['survived']:>9} "
            f"{counted['no tests']:>9} {score:>7}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
