"""Start the real services the tests talk to: SecantusDB (MongoDB wire) and SeaweedFS (S3)."""

from __future__ import annotations

import contextlib
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pymongo import MongoClient

from fetms_cli.seaweedfs import (
    PORTS_PER_SERVER,
    S3Credentials,
    SeaweedPorts,
    command,
    endpoint_url,
    is_ready,
    write_identity_config,
)
from fetms_cli.seaweedfs_binary import ensure_binary


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


@dataclass(frozen=True)
class S3Server:
    """The local S3 server (SeaweedFS) of the test session: endpoint and its generated keys."""

    url: str
    credentials: S3Credentials
    ports: SeaweedPorts
    process: subprocess.Popen[bytes] | None
    external_pid: int | None = None  # a server started by someone else (shared servers)

    @property
    def pid(self) -> int:
        pid = self.process.pid if self.process is not None else self.external_pid
        assert pid is not None
        return pid


def free_port_block(count: int, attempts: int = 200) -> int:
    """The first of ``count`` consecutive free ports below 32768 (clear of outgoing ports)."""
    chooser = random.SystemRandom()
    for _ in range(attempts):
        first = chooser.randrange(10_000, 32_000 - count)
        if all(_bindable(port) for port in range(first, first + count)):
            return first
    raise RuntimeError(f"no block of {count} free ports found")


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@contextmanager
def s3_server(
    allowed_origins: list[str],
    credentials: S3Credentials | None = None,
    timeout: float = 60.0,
) -> Iterator[S3Server]:
    """SeaweedFS (``weed mini``) on 127.0.0.1, exactly as ``fetms run`` starts it: every request
    signed (with ``credentials``, by default newly generated keys), every port explicit, data in a
    throw-away directory.

    The ports are chosen free just before the start; if another process takes one in between,
    the server exits at once and is started again on another block.
    """
    binary = ensure_binary()
    credentials = credentials or S3Credentials.generate()
    with tempfile.TemporaryDirectory(prefix="fetms-s3-") as scratch:
        config = Path(scratch) / "identities.json"
        write_identity_config(config, credentials)
        for _ in range(5):
            ports = SeaweedPorts.block(free_port_block(PORTS_PER_SERVER))
            data = Path(scratch) / f"data-{ports.s3}"
            data.mkdir()
            log = (Path(scratch) / f"weed-{ports.s3}.log").open("wb")
            argv = command(binary, data, ports, config, allowed_origins)
            process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
            try:
                if _wait_for_s3(endpoint_url(ports), credentials, process, timeout):
                    yield S3Server(endpoint_url(ports), credentials, ports, process)
                    return
            finally:
                stop_process(process)
                log.close()
    raise RuntimeError("SeaweedFS did not start on any of 5 port blocks")


def _wait_for_s3(
    url: str, credentials: S3Credentials, process: subprocess.Popen[bytes], timeout: float
) -> bool:
    """True when the server answers a signed request; False when it exited (port taken)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if is_ready(url, credentials):
            return True
        time.sleep(0.2)
    raise RuntimeError("SeaweedFS did not answer in time")


def listening_ports(pid: int) -> set[int]:
    """The TCP ports process ``pid`` listens on (its socket inodes matched in /proc/net/tcp*)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            columns = line.split()
            listening = columns[3] == "0A"
            if listening and columns[9] in inodes:
                ports.add(int(columns[1].rsplit(":", 1)[1], 16))
    return ports
