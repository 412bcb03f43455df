#!/usr/bin/env python
"""``python scripts/serve.py [streamlit options]``: ``streamlit run app.py``, and as soon as its
server runs, in a background thread of the same process, the app's modules imported and its
warm-up started (``geo.app.warm_up``: layers, gazetteer, language model), so the first visitor
finds them loaded or loading. ``streamlit run`` alone imports and loads nothing until a first
visitor's session runs app.py, and that visitor waits for all of it. ``make run`` and the Docker
image start the app so.

Streamlit has no hook that runs at server start: its command line entry point
(``streamlit.web.cli.main``, what the ``streamlit`` command runs) is called here with the
arguments of ``streamlit run app.py ...``, and the thread waits until the server answers its health
check (so the app's modules and caches are made under the running server, as app.py's would be).
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
log = logging.getLogger("claim_atlas.serve")


def _health_url() -> str:
    from streamlit import config

    address = config.get_option("server.address") or "127.0.0.1"
    host = "127.0.0.1" if address in ("0.0.0.0", "::", "") else address
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"http://{host}:{config.get_option('server.port')}/{base + '/' if base else ''}_stcore/health"


def _warm_when_serving(timeout: float = 300.0) -> None:
    """Once the server answers its health check (started through and through: importing the app's
    modules before registers streamlit-folium's component too early, and the map never shows)."""
    from streamlit.runtime import Runtime

    deadline = time.monotonic() + timeout
    while not Runtime.exists():
        if time.monotonic() > deadline:
            return
        time.sleep(0.05)
    url = _health_url()
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            log.warning("the server did not answer %s: no warm-up", url)
            return
        time.sleep(0.1)
    try:
        sys.path.insert(0, str(REPO))
        app = importlib.import_module("geo.app")  # what app.py's first run imports: seconds
        app.warm_up()
    except Exception:  # noqa: BLE001 - the app itself reports a bad setting or store on its page
        log.warning("warm-up not started; the app loads what it needs on its first run", exc_info=True)


def main(argv: list[str] | None = None) -> None:
    from streamlit.web import cli

    threading.Thread(target=_warm_when_serving, name="claim-atlas-serve-warm-up", daemon=True).start()
    sys.argv = ["streamlit", "run", str(REPO / "app.py"), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
