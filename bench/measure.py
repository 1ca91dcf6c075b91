"""Measure the teacher routes at several data sizes: latency p50/p95, DB commands and DB bytes.

    .venv/bin/python -m bench.measure --n 1000 10000 [--repeat 30] [--mongo-uri URI]

Without ``--mongo-uri`` a throw-away SecantusDB is started on a temporary data directory.
Requests go through the real Chalice app (routing, validation, authorizer, serialization) with
the in-process test client. A pymongo command listener counts, per request, the commands sent
and the bytes of the replies returned by the database, split into data commands and the
authorizer's session check. Figures are printed as a Markdown table; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from typing import Any

import bson
from pymongo import MongoClient, monitoring

AUTH_COLLECTIONS = frozenset({"sessions", "users", "ratelimits", "loginthrottle"})


class Recorder(monitoring.CommandListener):
    """Commands and reply bytes since the last ``reset``."""

    def __init__(self) -> None:
        self.data_commands = 0
        self.auth_commands = 0
        self.data_bytes = 0
        self.names: list[str] = []
        self._auth_ids: set[int] = set()

    def reset(self) -> None:
        self.data_commands = self.auth_commands = self.data_bytes = 0
        self.names = []
        self._auth_ids = set()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        target = event.command.get(event.command_name)
        if event.command_name == "getMore":
            target = event.command.get("collection")
        if isinstance(target, str) and target in AUTH_COLLECTIONS:
            self.auth_commands += 1
            self._auth_ids.add(event.request_id)
        else:
            self.data_commands += 1
            self.names.append(f"{event.command_name}:{target}")

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        if event.request_id not in self._auth_ids:
            self.data_bytes += len(bson.encode(event.reply))

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def secantus() -> Iterator[str]:
    """A SecantusDB daemon on a temporary on-disk data directory."""
    data_dir = tempfile.mkdtemp(prefix="fetms-bench-")
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            *("-m", "secantus", "--host", "127.0.0.1", "--port", str(port)),
            *("--storage-path", data_dir, "--log-level", "WARNING"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    uri = f"mongodb://127.0.0.1:{port}/?directConnection=true"
    try:
        deadline = time.monotonic() + 30
        while True:
            probe: MongoClient[dict[str, Any]] = MongoClient(uri, serverSelectionTimeoutMS=300)
            try:
                probe.admin.command("ping")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
            finally:
                probe.close()
        yield uri
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


@dataclass
class Sample:
    latency_ms: list[float] = field(default_factory=list)
    data_commands: list[int] = field(default_factory=list)
    auth_commands: list[int] = field(default_factory=list)
    db_bytes: list[int] = field(default_factory=list)
    response_bytes: list[int] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def configure(uri: str, database: str) -> None:
    os.environ.update(
        {
            "FETMS_STAGE": "local",
            "MONGO_URI": uri,
            "MONGO_DB": database,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
            # SecantusDB (one Python process) cannot answer pymongo's heartbeat while it runs a
            # long aggregation: with the 3 s production timeouts the monitor marks the server
            # unknown, interrupts the pool and the read is retried (or fails with 503). The
            # slowest 100k aggregations also exceed the 15 s production socket timeout.
            "MONGO_TIMEOUT_MS": "60000",
            "MONGO_SOCKET_TIMEOUT_MS": "300000",
        }
    )
    from chalicelib import db as dbmod
    from chalicelib.settings import reset_settings

    dbmod.close_client()
    reset_settings()


def bench_token(database: Any) -> str:
    from chalicelib.services import auth
    from chalicelib.services.common import stamp_new, utcnow
    from chalicelib.services.tokens import signing_key
    from chalicelib.settings import get_settings

    user = stamp_new(
        {
            "email": "bench@example.org",
            "name": "Bench",
            "role": "admin",
            "active": True,
            "passwordHash": "not-a-login-account",
        }
    )
    database.users.insert_one(user)
    settings = get_settings()
    issued = auth.open_session(
        database, user, "127.0.0.1", settings, signing_key(settings), utcnow()
    )
    return str(issued.access_token)


def run_size(uri: str, n: int, repeat: int, warmup: int = 2) -> dict[str, Sample]:
    from chalice.test import Client

    from bench.seed import seed
    from chalicelib import db as dbmod
    from chalicelib.settings import get_settings

    database_name = f"fetms_bench_{n}"
    configure(uri, database_name)
    recorder = Recorder()
    client = dbmod.make_client(get_settings(), [recorder])
    dbmod._client = client
    database = client[database_name]
    started = time.perf_counter()
    world = seed(database, n)
    print(f"  seeded {n} in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    token = bench_token(database)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    one = database.teachers.find_one({"isDeleted": False}, {"_id": 1}, skip=n // 2)
    assert one is not None
    deep = max(0, int(n * 0.9) // 50 * 50)
    project = str(world.project_ids[0])
    scenarios: dict[str, str] = {
        "list first page (50)": "/api/teachers?limit=50",
        f"list deep page (offset {deep})": f"/api/teachers?limit=50&offset={deep}",
        "list filtered + search (50)": "/api/teachers?limit=50&nationality=Canada&search=smith",
        "count (limit=1 → X-Total-Count)": "/api/teachers?limit=1",
        "dashboard, no filter": "/api/stats/dashboard",
        "dashboard, 3 filters": (
            f"/api/stats/dashboard?projectId={project}&gender=Female&salaryRange=60000-70000"
        ),
        "kanban (200 cards/column)": "/api/pipeline",
        "get by id": f"/api/teachers/{one['_id']}",
    }
    results: dict[str, Sample] = {}
    from app import app
    from chalicelib.observability import logger

    quiet = open(os.devnull, "w")  # noqa: SIM115 - closed below
    handler: Any = logger.registered_handler
    original_stream = handler.setStream(quiet)
    with Client(app, stage_name="local") as test_client, redirect_stdout(quiet):

        def call(path: str) -> Callable[[], Any]:
            return lambda: test_client.http.get(path, headers=headers)

        for label, path in scenarios.items():
            sample = Sample()
            request = call(path)
            for _ in range(warmup):
                request()
            for _ in range(repeat):
                recorder.reset()
                began = time.perf_counter()
                response = request()
                sample.latency_ms.append((time.perf_counter() - began) * 1000)
                sample.data_commands.append(recorder.data_commands)
                sample.auth_commands.append(recorder.auth_commands)
                sample.db_bytes.append(recorder.data_bytes)
                sample.response_bytes.append(len(response.body))
                if response.status_code != 200:
                    sample.failures.append(response.status_code)
                sample.commands = list(recorder.names)
            results[label] = sample
            print(f"  {label}: p50 {statistics.median(sample.latency_ms):.1f} ms", file=sys.stderr)
    handler.setStream(original_stream)
    quiet.close()
    client.drop_database(database_name)
    dbmod.close_client()
    return results


def table(all_results: dict[int, dict[str, Sample]]) -> str:
    lines = [
        "| N | request | p50 ms | p95 ms | data cmds | auth cmds | DB reply bytes | "
        "response bytes | commands |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for n, results in all_results.items():
        for label, s in results.items():
            lines.append(
                f"| {n:,} | {label} | {statistics.median(s.latency_ms):.1f} | "
                f"{percentile(s.latency_ms, 0.95):.1f} | {max(s.data_commands)} | "
                f"{max(s.auth_commands)} | {int(statistics.median(s.db_bytes)):,} | "
                f"{int(statistics.median(s.response_bytes)):,} | {', '.join(s.commands)} |"
                + (f" failed: {s.failures}" if s.failures else "")
            )
    return "\n".join(lines)


def machine() -> str:
    cpus = os.cpu_count()
    try:
        import secantus

        engine = f"SecantusDB {getattr(secantus, '__version__', '?')}"
    except ImportError:
        engine = "MongoDB"
    return (
        f"{platform.platform()}, {cpus} CPU(s), Python {platform.python_version()}, "
        f"engine: {engine}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--mongo-uri", default=None)
    args = parser.parse_args(argv)
    results: dict[int, dict[str, Sample]] = {}

    def measure(uri: str) -> None:
        for n in args.n:
            print(f"N={n}", file=sys.stderr)
            results[n] = run_size(uri, n, args.repeat, args.warmup)

    if args.mongo_uri:
        measure(args.mongo_uri)
    else:
        with secantus() as uri:
            measure(uri)
    print(f"Machine: {machine()}\n")
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
