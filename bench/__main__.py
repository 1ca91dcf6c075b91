"""``make bench``: every figure issue 15 asks for, printed as Markdown for docs/PERFORMANCE.md.

1. each route against its engine floor at 2,000 and 20,000 teachers (``bench.measure``);
2. p50 at 1 vs 4 clients against the local API server, on the smaller data set
   (``bench.concurrency``);
3. the cold start of ``import app`` (``bench.coldstart``).

    .venv/bin/python -m bench [--n 2000 20000] [--out report.md] [--quick]

Run by hand on a quiet machine; nothing here is asserted and CI never runs it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench import coldstart, concurrency
from bench.measure import Size, default_repeat, report, rounds_note, run_size, secantus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--repeat", type=int, default=None, help="min rounds per route")
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per route")
    parser.add_argument("--concurrency-seconds", type=float, default=20.0)
    parser.add_argument("--cold-start-runs", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="2,000 teachers, short runs")
    parser.add_argument("--out", type=Path, default=None, help="also write the report here")
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.repeat, args.budget = [2000], 3, 3.0
        args.concurrency_seconds, args.cold_start_runs = 4.0, 3
    sizes: list[Size] = []
    concurrent: list[str] = []

    def during(database: str, token: str, teacher_id: str) -> None:
        print("  concurrency (local API server) …", file=sys.stderr)
        paths = concurrency.paths_for(teacher_id)
        results, load = concurrency.measure(paths, token, args.concurrency_seconds)
        concurrent.append(concurrency.table(results, min(args.n), load))

    with secantus() as uri:
        for n in args.n:
            print(f"N={n:,}", file=sys.stderr)
            repeat = args.repeat or default_repeat(n)
            hook = during if n == min(args.n) else None
            sizes.append(run_size(uri, n, repeat, 1, args.budget, during=hook))
    print("cold start …", file=sys.stderr)
    cold = coldstart.measure(args.cold_start_runs)
    note = rounds_note(args.repeat, args.budget, 1)
    text = "\n\n".join(
        [
            "## Routes against their engine floor (in-process)\n\n" + report(sizes, note),
            "## Concurrency: 1 vs 4 clients (over HTTP)\n\n" + "\n".join(concurrent),
            "## Cold start\n\n" + cold.table(),
        ]
    )
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
