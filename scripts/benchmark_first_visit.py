#!/usr/bin/env python
"""Seconds from navigation to the Map page's claims drawn, on a freshly started app (the first
visit of the first reader) and on a second visit in a new browser context; medians of ``--repeat``
restarts of the server on one ``CLAIM_ATLAS_HOME`` (its caches kept, as a restarted app keeps
them). ``cold_first_visit_s`` is the very first start's first visit, on an empty home (a fresh
install). Needs Chromium (``CHROMIUM_PATH``, default /usr/bin/chromium) and playwright.

    python scripts/benchmark_first_visit.py --db STORE [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmark_map import running_app  # the same server start and stop as the map benchmark's


def _visit(browser, url: str) -> float:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    start = time.monotonic()
    page.goto(f"{url}/map", wait_until="domcontentloaded")
    page.frame_locator('iframe[title*="st_folium"]').locator("path.ca-claim").first.wait_for(
        state="attached", timeout=180_000)
    took = time.monotonic() - start
    context.close()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--wait", type=float, default=0.0,
                        help="seconds between the server's start and the first visit (the warm-up's time)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    first, second = [], []
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as home:
        browser = pw.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
                                     args=["--no-sandbox"])
        for _ in range(args.repeat + 1):  # the first on an empty home: cold
            with running_app(args.db, Path(home)) as url:
                time.sleep(args.wait)
                first.append(_visit(browser, url))
                second.append(_visit(browser, url))
        browser.close()
    result = {"cold_first_visit_s": round(first[0], 2), "first_visit_s": round(statistics.median(first[1:]), 2),
              "second_visit_s": round(statistics.median(second[1:]), 2),
              "runs": [[round(a, 2), round(b, 2)] for a, b in zip(first, second, strict=True)], "wait_s": args.wait}
    print(json.dumps(result) if args.json else result)


if __name__ == "__main__":
    main()
