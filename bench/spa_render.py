"""How fast the teachers list's first page renders in the browser with N teachers in the project.

    .venv/bin/python -m bench.spa_render [--n 5000] [--repeat 5]

Starts the local stack exactly as `make run` does (``fetms run`` on free ports, a throw-away data
directory), seeds N teachers into one project (``bench/seed.py``'s realistic shapes, all live),
signs in with Debian's chromium (Playwright) and then, ``--repeat`` times:

- **cold load**: a new page opens ``/teachers`` (the session resumes through the refresh cookie):
  time from navigation start until the first page's rows are in the table (``performance.now()``
  in the page, recorded by a MutationObserver) — HTML, scripts, session renewal, project list,
  the list request and rendering;
- **list request**: that load's ``GET /api/teachers`` as Resource Timing sees it;
- **next page**: from the click on **Next** until page 2's rows are in the table.

Prints the figures and their median; nothing is asserted (see docs/PERFORMANCE.md).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright
from pymongo import MongoClient

from bench.seed import seed
from tests.support.localrun import CHROMIUM, CHROMIUM_ARGS, Stack, local_stack

PAGE_SIZE = 25

# Records when the list's table first holds a full page of rows whose first cell differs from
# `window.__fetmsBefore` (the first row before a page change), in ms since navigation start.
WATCH_ROWS = """
(() => {
  const rows = () => document.querySelectorAll('table[aria-busy="false"] tbody tr');
  const check = () => {
    const found = rows();
    if (window.__fetmsRowsAt === undefined && found.length >= PAGE_SIZE
        && found[0].textContent !== window.__fetmsBefore) {
      window.__fetmsRowsAt = performance.now();
    }
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true, attributes: true});
})();
""".replace("PAGE_SIZE", str(PAGE_SIZE))


def seed_one_project(stack: Stack, n: int) -> str:
    """N live teachers, all in the first project; returns its id."""
    client: MongoClient[dict[str, Any]] = MongoClient(stack.mongo_uri, tz_aware=True)
    try:
        db = client["fetms"]
        world = seed(db, n)
        project = world.project_ids[0]
        db.teachers.update_many({}, {"$set": {"project": project, "isDeleted": False}})
        return str(project)
    finally:
        client.close()


def rows_at(page: Page) -> float:
    page.wait_for_function("() => window.__fetmsRowsAt !== undefined", timeout=120_000)
    return float(page.evaluate("window.__fetmsRowsAt"))


def measure(stack: Stack, project: str, repeat: int) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {"cold load": [], "list request": [], "next page": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            base_url=stack.base, locale="en-US", viewport={"width": 1400, "height": 900}
        )
        context.add_init_script(WATCH_ROWS)
        page = context.new_page()
        page.goto("/login?next=/teachers")
        page.get_by_label("Email").fill("admin@example.com")
        page.get_by_label("Password").fill(stack.password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_label("Project").select_option(project)
        page.get_by_role("table").wait_for()
        page.close()
        for _ in range(repeat):
            page = context.new_page()
            page.goto("/teachers")
            figures["cold load"].append(rows_at(page))
            figures["list request"].append(
                float(
                    page.evaluate(
                        """performance.getEntriesByType("resource")
                           .filter((e) => e.name.includes("/api/teachers?"))
                           .map((e) => e.duration)[0] ?? NaN"""
                    )
                )
            )
            page.evaluate(
                """window.__fetmsBefore = document.querySelector("table tbody tr").textContent;
                   window.__fetmsRowsAt = undefined;"""
            )
            started = float(page.evaluate("performance.now()"))
            page.get_by_role("button", name="Next").click()
            figures["next page"].append(rows_at(page) - started)
            page.close()
        browser.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, local_stack(Path(tmp) / "data") as stack:
        project = seed_one_project(stack, args.n)
        figures = measure(stack, project, args.repeat)
    print(f"Teachers list, first page of {PAGE_SIZE}, {args.n:,} teachers in the project:")
    for name, values in figures.items():
        shown = ", ".join(f"{v:.0f}" for v in values)
        print(f"  {name:13} median {statistics.median(values):7.0f} ms   runs: {shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
