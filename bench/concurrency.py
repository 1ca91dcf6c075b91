"""p50 at 1 client vs 4 clients against the local API server (issue 15, item 4).

The server is the one ``make run`` serves, started with the same command
(``fetms_cli.localstack.api_service``: ``python -m fetms_cli.apiserver``, prefork workers with
threads inside each, its default worker count) on a free port against the bench database. Each
client is a thread with one keep-alive HTTP/1.1 connection sending ``Accept-Encoding: gzip`` as
a browser does, issuing requests back to back. The phases alternate (1, 4, 1, 4 clients) so that
a change in the machine's background load falls on both levels; latencies of a level are pooled.

    .venv/bin/python -m bench.concurrency --n 2000
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bench.measure import free_port, load_average, percentile

PROJECT_ROOT = Path(__file__).resolve().parents[1]
LEVELS = (1, 4)


@dataclass
class Level:
    clients: int
    latency_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def p50(self) -> float:
        return statistics.median(self.latency_ms) if self.latency_ms else float("nan")

    @property
    def throughput(self) -> float:
        return len(self.latency_ms) / self.seconds if self.seconds else 0.0


@dataclass
class Result:
    label: str
    levels: dict[int, Level]
    workers: str

    @property
    def ratio(self) -> float:
        return self.levels[4].p50 / self.levels[1].p50


@contextmanager
def api_server(log: IO[bytes]) -> Iterator[tuple[str, str]]:
    """The local API server as ``make run`` starts it, on a free port, in the current
    environment (the bench database); its address and worker count."""
    from chalicelib.settings import get_settings
    from fetms_cli.localstack import api_service

    port = free_port()
    settings = get_settings().model_copy(update={"api_host": "127.0.0.1", "api_port": port})
    process = subprocess.Popen(
        api_service(settings).argv,
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                tail = log.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"the API server did not start:\n{tail}")
            time.sleep(0.2)
        log.seek(0)
        found = re.search(rb"\((\d+) workers?\)", log.read())
        yield f"127.0.0.1:{port}", found.group(1).decode() if found else "?"
    finally:
        process.terminate()  # the server stops its workers on SIGTERM
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", "/api/openapi.json")
        connection.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        connection.close()


def _client(
    address: str, path: str, headers: dict[str, str], deadline: float, minimum: int, level: Level
) -> None:
    host, port = address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=300)
    done = 0
    try:
        while done < minimum or time.monotonic() < deadline:
            began = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = (time.perf_counter() - began) * 1000
            if response.status != 200:
                level.errors.append(str(response.status))
            level.latency_ms.append(elapsed)  # list.append is atomic
            done += 1
    except OSError as exc:
        level.errors.append(type(exc).__name__)
    finally:
        connection.close()


def run_phase(address: str, path: str, token: str, level: Level, seconds: float) -> None:
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/json",
        "Accept-Encoding": "gzip",
    }
    began = time.monotonic()
    threads = [
        threading.Thread(
            target=_client, args=(address, path, headers, began + seconds, 3, level), daemon=True
        )
        for _ in range(level.clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    level.seconds += time.monotonic() - began


def measure(paths: dict[str, str], token: str, seconds: float) -> tuple[list[Result], str]:
    """Start the server, warm each worker, measure every path at 1 and 4 clients."""
    results: list[Result] = []
    with tempfile.TemporaryFile() as log, api_server(log) as (address, workers):
        load = load_average()
        for label, path in paths.items():
            warm = Level(4)
            run_phase(address, path, token, warm, 1.0)  # every worker connects and caches
            levels = {clients: Level(clients) for clients in LEVELS}
            for clients in (*LEVELS, *LEVELS):
                run_phase(address, path, token, levels[clients], seconds / 2)
            results.append(Result(label, levels, workers))
            print(
                f"  {label}: p50 {levels[1].p50:.1f} ms at 1 client, {levels[4].p50:.1f} ms "
                f"at 4 ({levels[4].p50 / levels[1].p50:.2f}x)",
                file=sys.stderr,
            )
        load = f"{load} → {load_average()}"
    return results, load


def table(results: list[Result], n: int, load: str) -> str:
    workers = results[0].workers if results else "?"
    lines = [
        f"Local API server (`python -m fetms_cli.apiserver`, {workers} workers), {n:,} teachers;"
        f" load average during the run: {load}",
        "",
        "| request | p50 ms, 1 client | p50 ms, 4 clients | **4 / 1** | p95 ms 1 / 4 | "
        "req/s 1 / 4 | requests 1 / 4 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        one, four = r.levels[1], r.levels[4]
        errors = one.errors + four.errors
        lines.append(
            f"| {r.label} | {one.p50:.1f} | {four.p50:.1f} | **{r.ratio:.2f}×** | "
            f"{percentile(one.latency_ms, 0.95):.0f} / {percentile(four.latency_ms, 0.95):.0f} | "
            f"{one.throughput:.1f} / {four.throughput:.1f} | "
            f"{len(one.latency_ms)} / {len(four.latency_ms)} |"
            + (f" ⚠ errors: {sorted(set(errors))}" if errors else "")
        )
    return "\n".join(lines)


def paths_for(teacher_id: str) -> dict[str, str]:
    return {
        "GET teacher by id": f"/api/teachers/{teacher_id}",
        "list page (50 rows)": "/api/teachers?limit=50",
    }


def main(argv: list[str] | None = None) -> int:
    from bench.measure import run_size, secantus

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=20.0, help="per level and request")
    args = parser.parse_args(argv)
    printed: list[str] = []

    def during(database: str, token: str, teacher_id: str) -> None:
        results, load = measure(paths_for(teacher_id), token, args.seconds)
        printed.append(table(results, args.n, load))

    with secantus() as uri:
        run_size(uri, args.n, repeat=0, warmup=0, budget_s=0, only=[], during=during)
    print("\n".join(printed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
