"""Start the real services the tests talk to: SecantusDB (MongoDB wire) and an S3 endpoint."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from moto.server import ThreadedMotoServer
from pymongo import MongoClient


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
def s3_server() -> Iterator[str]:
    """moto S3 over real HTTP on 127.0.0.1 (TOOLCHAIN.md says what it does not check)."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
