"""Start the real services the tests talk to: SecantusDB (MongoDB wire) and an S3 endpoint."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pymongo import MongoClient


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if the process has not exited within 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass(frozen=True)
class MongoServer:
    uri: str
    port: int


@contextmanager
def secantus_server(timeout: float = 30.0) -> Iterator[MongoServer]:
    """A throw-away SecantusDB daemon on 127.0.0.1 (in-memory storage)."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "secantus",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--storage-path",
            ":memory:",
            "--log-level",
            "WARNING",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    uri = f"mongodb://127.0.0.1:{port}/?directConnection=true"
    try:
        _wait_for_mongo(uri, process, timeout)
        yield MongoServer(uri=uri, port=port)
    finally:
        stop_process(process)


def _wait_for_mongo(uri: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"SecantusDB exited early: {err[-2000:]}")
        client: MongoClient[dict[str, object]] = MongoClient(uri, serverSelectionTimeoutMS=300)
        try:
            client.admin.command("ping")
            return
        except Exception:
            time.sleep(0.2)
        finally:
            client.close()
    raise RuntimeError("SecantusDB did not answer ping in time")


@contextmanager
def s3_server(timeout: float = 30.0) -> Iterator[str]:
    """moto's S3 server over real HTTP on 127.0.0.1, in its own process.

    A separate process keeps its state apart from in-process ``mock_aws`` (which resets moto's
    global backends when it starts). TOOLCHAIN.md lists what moto does not check.
    """
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_http(url, process, timeout)
        yield url
    finally:
        stop_process(process)


def _wait_for_http(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the S3 server exited early")
        try:
            with urllib.request.urlopen(url + "/moto-api/", timeout=1):  # noqa: S310
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the S3 server did not answer in time")
