"""Every ``fetms`` command written in docs/RUNBOOK.md parses with the real CLI.

The behaviour of each command is exercised in tests/jobs (backup, migrate, indexes) and
tests/api/test_maintenance.py; this test keeps the runbook's spelling of them honest.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from fetms_cli import build_parser

RUNBOOK = Path(__file__).resolve().parents[2] / "docs" / "RUNBOOK.md"
COMMAND = re.compile(r"\.venv/bin/fetms ([^`\n|]*)")


def runbook_commands() -> list[str]:
    found = []
    for match in COMMAND.finditer(RUNBOOK.read_text()):
        text = re.split(r"\s+#", match.group(1))[0].strip()
        found.append(text)
    return sorted(set(found))


def test_the_runbook_documents_the_operations_commands() -> None:
    groups = {shlex.split(c)[0] for c in runbook_commands() if c}
    assert {"backup", "migrate", "maintenance", "indexes", "health"} <= groups


@pytest.mark.parametrize("command", runbook_commands())
def test_runbook_command_parses(command: str) -> None:
    argv = shlex.split(command)
    args = build_parser().parse_args(argv)
    assert callable(args.func)
