"""Browser tests: the SPA in Debian's chromium against the real local stack (`fetms run`).

The stack (SecantusDB, the local S3 endpoint, the API and the SPA under vite preview) is started
once per session on free ports, exactly as `make run` starts it (``tests/support/localrun.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.localrun import CHROMIUM, CHROMIUM_ARGS, Stack, local_stack

SHOTS = Path(__file__).parent / "screenshots"

__all__ = ["SHOTS", "Stack"]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with local_stack(tmp_path_factory.mktemp("stack") / "data") as running:
        yield running


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], stack: Stack) -> dict[str, Any]:
    return {
        **browser_context_args,
        "base_url": stack.base,
        "locale": "en-US",
        "timezone_id": "UTC",
        "viewport": {"width": 1400, "height": 900},
        "accept_downloads": True,
    }


@pytest.fixture(autouse=True)
def _fresh_admin_state(request: pytest.FixtureRequest) -> None:
    """Each browser test starts from the same server-side state whatever ran before: the
    admin's preferences unset (they follow the admin into every new browser) and maintenance
    off."""
    if "stack" not in request.fixturenames:
        return
    stack: Stack = request.getfixturevalue("stack")
    empty = {"language": None, "theme": None, "defaultProject": None, "listColumns": None}
    status, body = stack.call("PUT", "/api/auth/me/preferences", empty)
    assert status == 200, body
    if stack.call("GET", "/api/maintenance")[1].get("enabled"):
        assert stack.call("PUT", "/api/maintenance", {"enabled": False})[0] == 200


@pytest.fixture
def csp_violations(page: Any) -> Iterator[list[str]]:
    """Console reports of Content-Security-Policy violations during the test (must stay empty)."""
    found: list[str] = []
    page.on(
        "console",
        lambda msg: found.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    yield found
    assert found == [], found
