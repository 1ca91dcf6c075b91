"""The web app (SPA) of ``fetms run``: build ``frontend/dist`` when missing or stale, then serve it.

Served with ``vite preview`` (the toolchain that builds it): static files with the SPA fallback to
``index.html``, the strict Content-Security-Policy from ``frontend/vite.config.ts``
(``preview.headers``) and ``/api`` proxied to the API on the same origin, as CloudFront does in
production. ``FETMS_API_URL`` and ``FETMS_S3_ORIGIN`` (the S3 endpoint browsers upload to) are
handed to it through the environment. Development only.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from fetms_cli.localstack import (
    PROJECT_ROOT,
    LocalStack,
    Port,
    ServiceSpec,
    StackError,
    _http_ready,
)

FRONTEND = PROJECT_ROOT / "frontend"
VITE = FRONTEND / "node_modules" / ".bin" / "vite"
SOURCES = (
    "src",
    "public",
    "index.html",
    "vite.config.ts",
    "package-lock.json",
    "tsconfig.app.json",
)


def _newest_mtime(paths: list[Path]) -> float:
    newest = 0.0
    for path in paths:
        if path.is_dir():
            for child in path.rglob("*"):
                if child.is_file():
                    newest = max(newest, child.stat().st_mtime)
        elif path.exists():
            newest = max(newest, path.stat().st_mtime)
    return newest


def build_is_stale(frontend: Path = FRONTEND) -> bool:
    """True when ``dist/index.html`` is missing or older than any source of the build."""
    built = frontend / "dist" / "index.html"
    if not built.exists():
        return True
    return _newest_mtime([frontend / name for name in SOURCES]) > built.stat().st_mtime


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def build_spa(stack: LocalStack) -> None:
    if not VITE.exists():
        raise StackError("The web app's dependencies are not installed; run `make install` first.")
    if not build_is_stale():
        return
    stack.say("Building the web app (frontend/dist) …")
    log = stack.data_dir / "logs" / "spa-build.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        done = subprocess.run(
            [str(VITE), "build"], cwd=FRONTEND, stdout=out, stderr=subprocess.STDOUT, check=False
        )
    if done.returncode != 0:
        raise StackError(f"Building the web app failed; see {log}")


def start_spa(stack: LocalStack, api_url: str, s3_url: str) -> str:
    """Build if needed, serve the SPA on ``SPA_PORT`` (supervised like the other servers) and
    return its URL."""
    port = stack.settings.spa_port
    stack.require_port(port, "SPA_PORT")
    build_spa(stack)
    # --bypass-lock: Vite 8 refuses a second preview of the same project, but `make test` (the
    # browser tests) legitimately serves it on its own port beside a running `make run`.
    argv = [str(VITE), "preview", "--host", "127.0.0.1", "--port", str(port), "--strictPort"]
    argv.append("--bypass-lock")
    url = f"http://127.0.0.1:{port}"
    stack.start(
        ServiceSpec(
            name="spa",
            title="the web app (vite preview)",
            argv=argv,
            ports=[Port(port, "SPA_PORT")],
            ready=_http_ready(f"{url}/api/health"),
            outage="the web app is unreachable until it is back (the API still answers)",
            cwd=FRONTEND,
            extra_env={"FETMS_API_URL": api_url, "FETMS_S3_ORIGIN": origin_of(s3_url)},
        )
    )
    return url
