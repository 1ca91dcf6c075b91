"""Measure the app's routes against their engine floor at several data sizes.

    .venv/bin/python -m bench.measure --n 2000 20000 [--repeat 15] [--mongo-uri URI]

Without ``--mongo-uri`` a throw-away SecantusDB is started on a temporary data directory.
Requests go through the real Chalice app in-process (Chalice's test client: routing, the JWT
authorizer with its session check, validation, guards, serialization) with an admin token from
the login route. Each route is paired with its *engine floor* (``bench/floors.py``: the fewest
raw pymongo commands that produce the same response data) and the two are called alternately,
on the same MongoClient, so that both see the same load. A command listener registered for
every client records, per call, the commands, their reply bytes (BSON) and their time.
Figures are printed as Markdown; nothing is asserted (``make bench``, never CI).
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bson
from pymongo import MongoClient, monitoring

# Commands the driver sends for itself, not round trips the code chose.
HOUSEKEEPING = frozenset({"hello", "isMaster", "ismaster", "ping", "endSessions", "buildinfo"})
# Collections of the request's own checks (session, rate limits, maintenance flag, logins).
GUARD_COLLECTIONS = frozenset({"sessions", "ratelimits", "settings", "users", "loginthrottle"})


@dataclass(frozen=True)
class Command:
    name: str
    collection: str
    reply_bytes: int
    micros: int

    @property
    def label(self) -> str:
        return f"{self.name}:{self.collection}" if self.collection else self.name


class Recorder(monitoring.CommandListener):
    """Every command since the last :meth:`take`, with its reply size and duration."""

    def __init__(self) -> None:
        self._started: dict[int, tuple[str, str]] = {}
        self.commands: list[Command] = []

    def take(self) -> list[Command]:
        taken, self.commands = self.commands, []
        self._started.clear()
        return taken

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in HOUSEKEEPING:
            return
        target = event.command.get(event.command_name)
        if event.command_name == "getMore":
            target = event.command.get("collection")
        self._started[event.request_id] = (
            event.command_name,
            target if isinstance(target, str) else "",
        )

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._finish(event.request_id, len(bson.encode(event.reply)), event.duration_micros)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._finish(event.request_id, 0, event.duration_micros)

    def _finish(self, request_id: int, size: int, micros: int) -> None:
        started = self._started.pop(request_id, None)
        if started is not None:
            self.commands.append(Command(started[0], started[1], size, micros))


MAX_ROUNDS = 200
RECORDER = Recorder()
monitoring.register(RECORDER)  # every client created from now on reports to it


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def secantus() -> Iterator[str]:
    """SecantusDB started as ``make run`` starts it (same flags), on a free port and a
    temporary on-disk data directory."""
    from chalicelib.settings import get_settings
    from fetms_cli.localstack import mongo_service

    data_dir = tempfile.mkdtemp(prefix="fetms-bench-")
    port = free_port()
    settings = get_settings().model_copy(update={"mongo_port": port})
    process = subprocess.Popen(
        mongo_service(settings, Path(data_dir)).argv,
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


def configure(uri: str, database: str) -> None:
    """Point the app (this process and any API server started from it) at the bench database."""
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
            # slowest 20k aggregations also exceed the 10 s request budget.
            "MONGO_TIMEOUT_MS": "60000",
            "MONGO_SOCKET_TIMEOUT_MS": "300000",
            "MONGO_REQUEST_TIMEOUT_MS": "120000",
            "MONGO_TRANSACTION_TIMEOUT_MS": "60000",
            # The bench writes faster than an office: the limits are checked, never reached.
            "WRITES_PER_MINUTE_PER_SESSION": "1000000",
            "EXPENSIVE_READS_PER_MINUTE_PER_USER": "1000000",
            "ACCESS_TOKEN_MINUTES": "120",
            # Ours recomputes the dashboard like the floor does (nothing writes between rounds,
            # so every round after the first would reuse the stored view); set
            # BENCH_DASHBOARD_CACHE_SECONDS=300 to time reused views instead.
            "DASHBOARD_CACHE_SECONDS": os.environ.get("BENCH_DASHBOARD_CACHE_SECONDS", "0"),
        }
    )
    from chalicelib import db as dbmod
    from chalicelib.settings import reset_settings

    dbmod.close_client()
    reset_settings()


# --- one side of a pair: timings, commands, bytes -----------------------------------------


@dataclass
class Side:
    latency_ms: list[float] = field(default_factory=list)
    db_ms: list[float] = field(default_factory=list)
    commands: list[int] = field(default_factory=list)
    guard_commands: list[int] = field(default_factory=list)
    reply_bytes: list[int] = field(default_factory=list)
    response_bytes: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    command_ms: dict[str, list[float]] = field(default_factory=dict)
    """Per command label, its total time in each sample."""

    def add(self, elapsed_ms: float, commands: list[Command]) -> None:
        per_label: Counter[str] = Counter()
        for command in commands:
            per_label[command.label] += command.micros
        for label, micros in per_label.items():
            self.command_ms.setdefault(label, []).append(micros / 1000)
        self.latency_ms.append(elapsed_ms)
        self.db_ms.append(sum(c.micros for c in commands) / 1000)
        self.commands.append(len(commands))
        self.guard_commands.append(sum(c.collection in GUARD_COLLECTIONS for c in commands))
        self.reply_bytes.append(sum(c.reply_bytes for c in commands))
        self.names = [c.label for c in commands]

    @property
    def p50(self) -> float:
        return statistics.median(self.latency_ms) if self.latency_ms else float("nan")

    def slowest(self, count: int = 2) -> str:
        """The commands that take the most time (p50 of their total per request)."""
        medians = {label: statistics.median(ms) for label, ms in self.command_ms.items()}
        top = sorted(medians.items(), key=lambda item: -item[1])[:count]
        return ", ".join(f"{label} {_ms(ms)}" for label, ms in top)

    @property
    def p95(self) -> float:
        return percentile(self.latency_ms, 0.95)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def median_int(values: list[int]) -> int:
    return int(statistics.median(values)) if values else 0


def summary(names: list[str]) -> str:
    """``find:sessions, aggregate:teachers ×2`` — in first-seen order."""
    counts = Counter(names)
    return ", ".join(f"{n} ×{counts[n]}" if counts[n] > 1 else n for n in dict.fromkeys(names))


@dataclass
class Pair:
    """One route measured with its floor."""

    label: str
    ours: Side = field(default_factory=Side)
    floor: Side = field(default_factory=Side)
    check: str = "not checked"
    gzip_bytes: int = 0
    """The last response gzip-compressed (level 5, as the local API server does)."""

    @property
    def ratio(self) -> float:
        return self.ours.p50 / self.floor.p50 if self.floor.p50 else float("nan")


@dataclass
class Size:
    n: int
    pairs: list[Pair]
    session_check_ms: float
    seconds: float
    load: str


def timed(call: Callable[[], Any]) -> tuple[float, Any, list[Command]]:
    RECORDER.take()
    began = time.perf_counter()
    result = call()
    elapsed = (time.perf_counter() - began) * 1000
    return elapsed, result, RECORDER.take()


def measure_pair(route: Any, repeat: int, warmup: int, budget_s: float) -> Pair:
    """Call the route and its floor alternately (the order flips each round): ``warmup``
    rounds, then at least ``repeat`` rounds and more while ``budget_s`` allows (at most
    ``MAX_ROUNDS``), so that cheap routes get enough samples for a stable median."""
    from bench.routes import Route

    assert isinstance(route, Route)
    pair = Pair(route.label)
    last: dict[str, Any] = {}
    began = time.perf_counter()
    rounds = warmup + repeat
    round_ = 0
    while round_ < rounds:
        order = ("ours", "floor") if round_ % 2 == 0 else ("floor", "ours")
        for side_name in order:
            side = pair.ours if side_name == "ours" else pair.floor
            call = route.ours if side_name == "ours" else route.floor
            try:
                elapsed, result, commands = timed(call)
            except Exception as exc:  # a failing floor is reported, not fatal
                side.failures.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            last[side_name] = result
            if side_name == "ours" and result.status_code >= 400:
                side.failures.append(f"{result.status_code} {result.body[:200]!r}")
            if round_ >= warmup:
                side.add(elapsed, commands)
                if side_name == "ours":
                    side.response_bytes.append(len(result.body))
        round_ += 1
        if round_ == warmup + 1:  # one measured round: size the rest to the budget
            per_round = (time.perf_counter() - began) / round_
            affordable = int(budget_s / per_round) if per_round > 0 else MAX_ROUNDS
            rounds = warmup + min(MAX_ROUNDS, max(repeat, affordable))
    if "ours" in last and "floor" in last:
        try:
            pair.check = route.check(last["ours"], last["floor"]) or "same"
        except Exception as exc:
            pair.check = f"check failed: {type(exc).__name__}: {exc}"[:200]
    if "ours" in last:
        pair.gzip_bytes = len(gzip.compress(last["ours"].body, compresslevel=5))
    return pair


def session_check_ms(database: Any, session_id: Any, repeat: int) -> float:
    """p50 of the authorizer's one read done raw (``find_one`` on ``sessions`` by id)."""
    projection = {"revokedAt": 1, "expiresAt": 1, "role": 1}
    samples = [
        timed(lambda: database.sessions.find_one({"_id": session_id}, projection))[0]
        for _ in range(max(repeat, 10))
    ]
    return statistics.median(samples)


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "?"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def run_size(
    uri: str,
    n: int,
    repeat: int,
    warmup: int,
    budget_s: float,
    only: list[str] | None = None,
    during: Callable[[str, str, str], None] | None = None,
) -> Size:
    """Seed ``n`` teachers, measure the routes (all, or those whose label contains a word of
    ``only``) against their floor, run ``during(database, token, teacher id)`` on the seeded
    data (e.g. the concurrency figure), drop the database."""
    from chalice.test import Client

    from bench import routes
    from bench.seed import seed
    from chalicelib import db as dbmod

    database_name = f"fetms_bench_{n}"
    configure(uri, database_name)
    database = dbmod.get_db()
    started = time.perf_counter()
    world = seed(database, n)
    print(f"  seeded {n:,} teachers in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    from app import app
    from chalicelib.observability import logger

    quiet = open(os.devnull, "w")  # noqa: SIM115 - closed below
    handler: Any = logger.registered_handler
    original_stream = handler.setStream(quiet)
    pairs: list[Pair] = []
    began = time.perf_counter()
    load_before = load_average()
    try:
        with Client(app, stage_name="local") as test_client, redirect_stdout(quiet):
            api = routes.InProcessApi(test_client)
            token, session_id = api.login(database)
            for label, make in routes.build(api, database, world, n):
                if only is not None and not any(word in label for word in only):
                    continue
                try:
                    route = make()
                except Exception as exc:  # the route changed under the bench: say so, go on
                    pairs.append(Pair(label, check=f"not measured: {type(exc).__name__}: {exc}"))
                    print(f"  {label}: {pairs[-1].check}", file=sys.stderr)
                    continue
                pair = measure_pair(route, repeat, warmup, budget_s)
                pairs.append(pair)
                print(
                    f"  {pair.label}: ours {pair.ours.p50:.1f} ms, floor {pair.floor.p50:.1f} ms"
                    f" ({pair.ratio:.2f}x) {pair.check}",
                    file=sys.stderr,
                )
            check_ms = session_check_ms(database, session_id, repeat)
            seconds = time.perf_counter() - began
            load = f"{load_before} → {load_average()}"
        if during is not None:
            during(database_name, token, routes.pick_teacher(database, n))
    finally:
        handler.setStream(original_stream)
        quiet.close()
        database.client.drop_database(database_name)
        dbmod.close_client()
    return Size(n, pairs, check_ms, seconds, load)


# --- report ---------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def markdown(columns: list[tuple[str, str]], rows: list[list[str]]) -> str:
    """A Markdown table; ``columns`` are ``(title, alignment)`` with alignment ``l`` or ``r``."""
    lines = [
        "| " + " | ".join(title for title, _ in columns) + " |",
        "|" + "|".join("---:" if align == "r" else "---" for _, align in columns) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def headline_table(sizes: list[Size]) -> str:
    columns = [
        ("N", "r"),
        ("route", "l"),
        ("ours p50 / p95 ms", "r"),
        ("floor p50 / p95 ms", "r"),
        ("**ours/floor**", "r"),
        ("cmds ours (guard) / floor", "r"),
        ("DB reply bytes ours / floor", "r"),
        ("same data", "l"),
    ]
    rows = []
    for size in sizes:
        for p in size.pairs:
            failed = f" ⚠ {len(p.ours.failures)} failed" if p.ours.failures else ""
            floor_failed = f" ⚠ floor: {p.floor.failures[0]}" if p.floor.failures else ""
            ours_cmds = f"{max(p.ours.commands, default=0)}"
            guard = f"{max(p.ours.guard_commands, default=0)}"
            rows.append(
                [
                    f"{size.n:,}",
                    p.label,
                    f"{_ms(p.ours.p50)} / {_ms(p.ours.p95)}",
                    f"{_ms(p.floor.p50)} / {_ms(p.floor.p95)}",
                    f"**{p.ratio:.2f}×**",
                    f"{ours_cmds} ({guard}) / {max(p.floor.commands, default=0)}",
                    f"{median_int(p.ours.reply_bytes):,} / {median_int(p.floor.reply_bytes):,}",
                    f"{p.check}{failed}{floor_failed}",
                ]
            )
    return markdown(columns, rows)


def detail_table(sizes: list[Size]) -> str:
    columns = [
        ("N", "r"),
        ("route", "l"),
        ("ours: DB ms / rest ms (p50)", "r"),
        ("floor: DB ms (p50)", "r"),
        ("ours/(floor+session check)", "r"),
        ("response bytes (gzip)", "r"),
        ("slowest commands, ms (ours)", "l"),
        ("commands (ours)", "l"),
        ("commands (floor)", "l"),
    ]
    rows = []
    for size in sizes:
        for p in size.pairs:
            db_ms = statistics.median(p.ours.db_ms) if p.ours.db_ms else float("nan")
            floor_db = statistics.median(p.floor.db_ms) if p.floor.db_ms else float("nan")
            adjusted = p.ours.p50 / (p.floor.p50 + size.session_check_ms)
            rows.append(
                [
                    f"{size.n:,}",
                    p.label,
                    f"{_ms(db_ms)} / {_ms(p.ours.p50 - db_ms)}",
                    _ms(floor_db),
                    f"{adjusted:.2f}×",
                    f"{median_int(p.ours.response_bytes):,} ({p.gzip_bytes:,})",
                    p.ours.slowest(),
                    summary(p.ours.names),
                    summary(p.floor.names),
                ]
            )
    return markdown(columns, rows)


def growth_table(sizes: list[Size]) -> str:
    """How each route grows from the smallest size to the largest, ours and floor."""
    if len(sizes) < 2:
        return ""
    small, large = sizes[0], sizes[-1]
    before_by_route = {p.label.split(" (")[0]: p for p in small.pairs}
    columns = [
        ("route", "l"),
        (f"ours p50 ×({large.n:,}/{small.n:,})", "r"),
        ("floor p50 ×", "r"),
        (f"ours/floor at {small.n:,} → {large.n:,}", "l"),
    ]
    rows = []
    for p in large.pairs:
        before = before_by_route.get(p.label.split(" (")[0])
        if before is None or not before.ours.latency_ms or not p.ours.latency_ms:
            continue
        rows.append(
            [
                p.label.split(" (")[0],
                f"{p.ours.p50 / before.ours.p50:.1f}×",
                f"{p.floor.p50 / before.floor.p50:.1f}×",
                f"{before.ratio:.2f}× → {p.ratio:.2f}×",
            ]
        )
    return markdown(columns, rows)


def machine() -> str:
    try:
        import secantus

        engine = f"SecantusDB {getattr(secantus, '__version__', '?')}"
    except ImportError:
        engine = "MongoDB"
    return (
        f"{platform.platform()}, {os.cpu_count()} CPU(s), Python {platform.python_version()}, "
        f"engine: {engine}"
    )


def report(sizes: list[Size], repeat_note: str) -> str:
    parts = [
        f"Machine: {machine()}",
        f"Date: {time.strftime('%Y-%m-%d %H:%M %Z')}; {repeat_note}",
        "Load average (1/5/15 min) before → after each size: "
        + "; ".join(f"{s.n:,}: {s.load} ({s.seconds:.0f} s)" for s in sizes),
        "Session check alone (raw find_one on sessions, p50): "
        + ", ".join(f"{s.n:,}: {s.session_check_ms:.2f} ms" for s in sizes),
        "",
        headline_table(sizes),
        "",
        detail_table(sizes),
    ]
    growth = growth_table(sizes)
    if growth:
        parts += ["", growth]
    return "\n".join(parts)


def default_repeat(n: int) -> int:
    """Minimum measured rounds per route: fewer at 20k, where the slowest routes take ~30 s."""
    return 15 if n <= 5000 else 5


def rounds_note(repeat: int | None, budget_s: float, warmup: int) -> str:
    least = repeat or "15 (≤ 5k) / 5"
    return (
        f"rounds per route (ours and floor alternately): at least {least}, more while "
        f"{budget_s:.0f} s allow (≤ {MAX_ROUNDS}), after {warmup} warm-up"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--repeat", type=int, default=None, help="default: 15 ≤ 5k, else 7")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument(
        "--budget", type=float, default=20.0, help="seconds per route for extra rounds"
    )
    parser.add_argument("--only", nargs="*", help="routes whose label contains one of these")
    parser.add_argument("--mongo-uri", default=None)
    args = parser.parse_args(argv)
    sizes: list[Size] = []

    def measure(uri: str) -> None:
        for n in args.n:
            print(f"N={n:,}", file=sys.stderr)
            repeat = args.repeat or default_repeat(n)
            sizes.append(run_size(uri, n, repeat, args.warmup, args.budget, args.only))

    if args.mongo_uri:
        measure(args.mongo_uri)
    else:
        with secantus() as uri:
            measure(uri)
    print(report(sizes, rounds_note(args.repeat, args.budget, args.warmup)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
