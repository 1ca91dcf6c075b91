"""The pinned SeaweedFS binary (``weed``): found in a per-machine cache, or built once from the
Go module proxy through the wrapper module in ``tools/seaweedfs/``.

The cache lives outside the work tree (``~/.cache/fetms/``) and is keyed by the pinned version
and a hash of the wrapper module, so every clone and worktree on a machine shares one build and a
new pin builds anew. A lock file serializes concurrent first builds (two ``make test`` at once).

:func:`main` builds it if needed and prints its path (``make local-s3``). Development only.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WRAPPER_DIR = PROJECT_ROOT / "tools" / "seaweedfs"
SEAWEEDFS_VERSION = "4.53"  # what `weed version` of the pinned module reports
GO_PACKAGE = "github.com/seaweedfs/seaweedfs/weed"
BUILD_FLAGS = ("-ldflags=-s -w",)
GO_FALLBACK = Path("/usr/local/go/bin/go")
PROGRESS_EVERY_SECONDS = 30.0


class BuildError(Exception):
    """The binary could not be built; the message says what to do."""


def cache_root() -> Path:
    return Path.home() / ".cache" / "fetms"


def build_key() -> str:
    """``seaweedfs-4.53-<hash>``: changes whenever the pin, its checksums or the flags change."""
    digest = hashlib.sha256()
    for name in ("go.mod", "go.sum", "tools.go"):
        digest.update((WRAPPER_DIR / name).read_bytes())
    digest.update(" ".join(BUILD_FLAGS).encode())
    return f"seaweedfs-{SEAWEEDFS_VERSION}-{digest.hexdigest()[:12]}"


def binary_path() -> Path:
    return cache_root() / build_key() / "weed"


def find_go() -> str:
    found = shutil.which("go")
    if found:
        return found
    if GO_FALLBACK.exists():
        return str(GO_FALLBACK)
    raise BuildError(
        "Go is needed once to build SeaweedFS (the local S3 server) and was not found on PATH "
        f"or at {GO_FALLBACK}. Install Go (https://go.dev/dl/) into /usr/local/go."
    )


def ensure_binary(say: Callable[[str], None] | None = None) -> Path:
    """The cached binary, built first if this machine has none for the pinned version."""
    target = binary_path()
    if target.exists():
        return target
    report = say or _stderr
    target.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(target.parent / "build.lock"):
        if target.exists():  # another process built it while we waited for the lock
            return target
        _build(target, report)
    return target


def _build(target: Path, say: Callable[[str], None]) -> None:
    go = find_go()
    say(
        f"Building SeaweedFS {SEAWEEDFS_VERSION} for the local S3 (first time on this machine, "
        f"~6-9 min; cached in {target.parent}) ..."
    )
    partial = target.with_name("weed.partial")
    log_path = target.with_name("build.log")
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [go, "build", *BUILD_FLAGS, "-o", str(partial), GO_PACKAGE],
            cwd=WRAPPER_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        next_note = PROGRESS_EVERY_SECONDS
        while process.poll() is None:
            time.sleep(0.5)
            elapsed = time.monotonic() - started
            if elapsed >= next_note:
                say(f"  ... still building SeaweedFS ({elapsed / 60:.1f} min so far)")
                next_note += PROGRESS_EVERY_SECONDS
    if process.returncode != 0:
        tail = log_path.read_text(errors="replace")[-3000:]
        raise BuildError(f"building SeaweedFS failed (full log: {log_path}):\n{tail}")
    version = installed_version(partial)
    if SEAWEEDFS_VERSION not in version:
        raise BuildError(f"built SeaweedFS reports {version!r}, expected {SEAWEEDFS_VERSION}")
    os.replace(partial, target)
    say(f"SeaweedFS {SEAWEEDFS_VERSION} built in {time.monotonic() - started:.0f} s: {target}")


def installed_version(binary: Path) -> str:
    result = subprocess.run(
        [str(binary), "version"], capture_output=True, text=True, timeout=30, check=False
    )
    match = re.search(r"version \S+ (\S+)", result.stdout)
    return match.group(1) if match else result.stdout.strip()


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main() -> int:
    try:
        print(ensure_binary())
    except BuildError as exc:
        print(f"fetms: error: {exc}", file=sys.stderr)
        return 1
    return 0
