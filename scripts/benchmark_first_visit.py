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
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(db: Path, home: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = dict(os.environ, CLAIM_ATLAS_DB=str(db), CLAIM_ATLAS_HOME=str(home),
               STREAMLIT_BROWSER_GATHER_USAGE_STATS="false", PYTHONPATH=str(REPO))
    launcher = ["-m", "streamlit", "run", "app.py"]
    proc = subprocess.Popen([sys.executable, *launcher, "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the app did not start")


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
            proc, url = _start(args.db, Path(home))
            try:
                time.sleep(args.wait)
                first.append(_visit(browser, url))
                second.append(_visit(browser, url))
            finally:
                proc.terminate()
                proc.wait(timeout=30)
        browser.close()
    result = {"cold_first_visit_s": round(first[0], 2), "first_visit_s": round(statistics.median(first[1:]), 2),
              "second_visit_s": round(statistics.median(second[1:]), 2),
              "runs": [[round(a, 2), round(b, 2)] for a, b in zip(first, second, strict=True)], "wait_s": args.wait}
    print(json.dumps(result) if args.json else result)


if __name__ == "__main__":
    main()
