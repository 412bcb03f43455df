#!/usr/bin/env python
"""Cost of the Map page: server time, bytes sent and time to draw in Chromium, on the bundled corpus
and on synthetic stores (as many claims as places).

``--json`` (issue 13's "Done when") prints one JSON object on stdout, progress on stderr::

    {"runs": [{"store": "bundled corpus", "places": N, "claims": N, "server_s": x, "sent_bytes": n,
               "browser_s": x}, ...]}

for the bundled corpus and each of ``--sizes`` (default 10,000 and 100,000 places), each figure
the median of ``--repeat`` warm runs (after one untimed first load):

* ``server_s``: the whole Map page run headless with AppTest (app.py, navigation, cached loaders,
  filters, map, st_folium), a rerun after the first load, at the view the page opens on;
* ``sent_bytes``: what that run's st_folium call hands to its component (the map script, header,
  html, asset links and the view's data layer, as JSON);
* ``browser_s``: ``streamlit run app.py`` on the store and headless Chromium (playwright, every
  request leaving localhost aborted) loading the Map page: seconds from navigation until the
  map's features (places, clusters or claims) are in the map's SVG; null when Chromium or
  playwright is missing (``--no-browser`` skips it).

Synthetic stores: tests/synthetic_data.write_synthetic_store, one settlement per mention and one
claim per place (dated, attributed, every fifth disputed). Without ``--json`` the older detailed
tables are printed as well (see below). ``--sizes 1000000 --repeat 1`` measures a million places
once (slow: not in the normal run).

Detailed tables (without ``--json``), each the median of ``--repeat`` warm runs:

* ``build``: ``place_layer``, the view's theatre and its reference layers (as the Map page takes
  them), ``build_map`` and what ``st_folium`` does with the map on the server (render the page,
  render the map, generate the Leaflet script it sends to the browser);
* ``sent``: the bytes ``st_folium`` hands to its component on a render (the arguments of
  ``streamlit_folium._component_func``: the map script, header, html and asset links, as JSON),
  with the reference layers loaded from static files (``layer_files``, as the app does) and, for
  comparison, inlined in the script (as the standalone export does, and the app did before);
* ``page``: as ``server_s`` above, and the bytes its st_folium call sent;
* ``view``: the Map page's path for a store of many places (more than
  ``geo.layers.viewport.FEW_PLACES``): the map without places plus one data layer of compact
  features for the view (``aggregate_places`` + ``view_layer``, given to st_folium as
  ``feature_group_to_add``), at the theatre's zoom over the whole synthetic area (clusters) and
  zoomed in (zoom 11, individual places); seconds from ``place_layer`` on, and bytes sent.

    python scripts/benchmark_map.py [--json] [--sizes 10000 100000] [--repeat 5] [--db STORE]
                                    [--no-page] [--no-browser]

Without ``--db`` the bundled corpus is ingested into a temporary store first (loads spaCy).
Targets (issue 13): bundled corpus at most 0.3 MB sent per render; 10,000 places and claims at most
0.5 s server time and 1 MB; 100,000 at most 2 s, 3 MB and drawn within 3 s of navigation.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def synthetic_store(path: Path, n_places: int, per_article: int = 10) -> None:
    """A store of ``n_places`` distinct settlements, ``per_article`` per synthetic article, and as
    many claims (tests/synthetic_data.py)."""
    sys.path.insert(0, str(REPO / "tests"))
    from synthetic_data import write_synthetic_store

    write_synthetic_store(path, n_places, per_article=per_article, claims=True)


def corpus_store(path: Path) -> None:
    from geo.config import get_settings
    from geo.pipeline.ingest import Pipeline
    from geo.store.sqlite import Store
    from geo.text.corpus import read_corpus

    settings = get_settings()
    articles, _errors = read_corpus(settings.corpus_dir, settings)
    store = Store(path)
    Pipeline(settings).ingest(articles, store)
    store.close()


def sent_bytes(kwargs: dict) -> int:
    """Bytes of the arguments st_folium sends its component (JSON, as Streamlit serialises them)."""
    return len(json.dumps({k: v for k, v in kwargs.items() if k != "on_change"}, default=str).encode("utf-8"))


class _Capture:
    """Stands in for (or wraps) ``streamlit_folium._component_func``, keeping the size of each call."""

    def __init__(self, inner=None):
        self.inner, self.sizes = inner, []

    def __call__(self, *args, **kwargs):
        self.sizes.append(sent_bytes(kwargs))
        return self.inner(*args, **kwargs) if self.inner is not None else None


def time_build(db: Path, repeat: int) -> tuple[float, dict]:
    import streamlit_folium

    from geo.layers.places import place_layer
    from geo.layers.reference import basemap_layer, reference_layers, theatre_layers, world_layers
    from geo.layers.theatre import theatre
    from geo.mapping.build import build_map
    from geo.mapping.reference import LayerFiles
    from geo.profiles import get_profiles
    from geo.store.sqlite import Store

    store = Store(db)
    mentions = store.mentions_df()
    folder = REPO / "data" / "reference"
    shared = reference_layers(folder)
    basemap, world = basemap_layer(folder), world_layers(folder)
    theatres: dict = {}  # the app caches the reference layers per theatre (geo.app.resources)
    info: dict = {}
    files = LayerFiles(Path(tempfile.mkdtemp(prefix="claim-atlas-layers-")))

    def once(layer_files) -> float:
        capture = _Capture()
        saved, streamlit_folium._component_func = streamlit_folium._component_func, capture
        try:
            started = time.perf_counter()
            places = place_layer(mentions)
            scene = theatre(places, None, get_profiles())
            if scene not in theatres:
                own = {key: shared[key] for key, _file, _name in scene.layers if key in shared}
                theatres[scene] = {"basemap": basemap, **theatre_layers(world, scene), **own}
            m = build_map(places, mentions, theatres[scene], home=(scene.center, scene.zoom),
                          layer_files=layer_files)
            streamlit_folium.st_folium(m, key="map", height=650, use_container_width=True,
                                       returned_objects=["last_object_clicked", "center", "zoom"])
            elapsed = time.perf_counter() - started
        finally:
            streamlit_folium._component_func = saved
        script = streamlit_folium._get_map_string(m)
        info.update(places=len(places), mentions=len(mentions), script_mb=round(len(script) / 1e6, 3))
        info["sent_mb" if layer_files is not None else "inline_mb"] = round(capture.sizes[-1] / 1e6, 3)
        return elapsed

    once(None)  # the reference layers inlined, as the export does (and the app did before)
    once(files)  # first load: imports, serialisation, the layer files written
    return statistics.median(once(files) for _ in range(repeat)), info


def time_view(db: Path, repeat: int) -> dict:
    """The Map page's path for many places (see the module's docstring): seconds and bytes sent at the
    theatre's zoom (whole area: clusters) and at zoom 11 (a small view: places)."""
    import streamlit_folium

    from geo.layers.places import place_layer
    from geo.layers.reference import basemap_layer, reference_layers, theatre_layers, world_layers
    from geo.layers.theatre import theatre
    from geo.layers.viewport import aggregate_places, bounds_around, claim_counts
    from geo.mapping.build import build_map, view_layer
    from geo.mapping.reference import LayerFiles
    from geo.profiles import get_profiles
    from geo.store.sqlite import Store

    store = Store(db)
    mentions = store.mentions_df()
    folder = REPO / "data" / "reference"
    shared = reference_layers(folder)
    basemap, world = basemap_layer(folder), world_layers(folder)
    files = LayerFiles(Path(tempfile.mkdtemp(prefix="claim-atlas-layers-")))
    out: dict = {}

    def once(zoom_in: bool) -> float:
        capture = _Capture()
        saved, streamlit_folium._component_func = streamlit_folium._component_func, capture
        try:
            started = time.perf_counter()
            places = place_layer(mentions)
            scene = theatre(places, None, get_profiles())
            own = {key: shared[key] for key, _file, _name in scene.layers if key in shared}
            reference = {"basemap": basemap, **theatre_layers(world, scene), **own}
            (lat, lon), zoom = ((40.75, 46.75), 11) if zoom_in else (scene.center, scene.zoom)
            features = aggregate_places(places, zoom, bounds_around(lat, lon, zoom), claims=claim_counts(None))
            m = build_map(places.iloc[:0], mentions, reference, center=(lat, lon), zoom=zoom,
                          home=(scene.center, scene.zoom), layer_files=files)
            streamlit_folium.st_folium(m, key="map", height=650, use_container_width=True,
                                       feature_group_to_add=view_layer(features),
                                       returned_objects=["last_object_clicked", "center", "zoom", "bounds"])
            elapsed = time.perf_counter() - started
        finally:
            streamlit_folium._component_func = saved
        tag = "in" if zoom_in else "out"
        out.update({f"{tag}_features": len(features), f"{tag}_clusters": int((features["kind"] == "cluster").sum()),
                    f"{tag}_mb": round(capture.sizes[-1] / 1e6, 3), f"{tag}_zoom": zoom})
        return elapsed

    for zoom_in in (False, True):
        once(zoom_in)  # first load
        out[f"{'in' if zoom_in else 'out'}_s"] = statistics.median(once(zoom_in) for _ in range(repeat))
    start = time.perf_counter()
    place_layer(mentions)
    out["place_layer_s"] = time.perf_counter() - start
    store.close()
    return out


def time_page(db: Path, repeat: int) -> tuple[float, int]:
    """The Map page rerun with AppTest: the median seconds of ``repeat`` warm runs, and the bytes
    its last st_folium call sent."""
    import streamlit_folium
    from streamlit.testing.v1 import AppTest

    os.environ["CLAIM_ATLAS_DB"] = str(db)
    capture = _Capture(streamlit_folium._component_func)
    streamlit_folium._component_func = capture  # geo.app.folium_links wraps it in turn
    try:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=900)
        at.run()
        at.switch_page("pages/map.py").run()  # first load: fills the caches
        assert not at.exception, [e.value for e in at.exception]
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - started)
            assert not at.exception, [e.value for e in at.exception]
    finally:
        streamlit_folium._component_func = capture.inner
    return statistics.median(times), capture.sizes[-1]


#: What the browser waits for: a place, cluster or claim drawn in the map's SVG (either path).
DRAWN = "path.ca-place, path.ca-compact, path.ca-claim"
MAP_FRAME = 'iframe[title*="st_folium"]'
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_app(db: Path, home: Path, timeout_s: float = 120.0) -> Iterator[str]:
    """``streamlit run app.py`` on store ``db`` with ``CLAIM_ATLAS_HOME=home`` (its log in it), in
    its own process group; yields its URL once it answers its health check, and stops the whole
    group after (scripts/benchmark_first_visit.py starts its servers so too)."""
    import signal
    import subprocess
    import urllib.request

    port = _free_port()
    env = {**os.environ, "CLAIM_ATLAS_HOME": str(home), "CLAIM_ATLAS_DB": str(db),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    log = (home / "streamlit.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.port",
                               str(port), "--server.address", "127.0.0.1", "--server.headless", "true"],
                              cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read().decode().strip() == "ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("streamlit did not start: " + (home / "streamlit.log").read_text(errors="replace"))
            time.sleep(0.25)
        yield url
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def time_browser(db: Path, repeat: int, timeout_s: float = 180.0) -> float | None:
    """Seconds from navigation to the Map page until its features are drawn in headless Chromium
    (median of ``repeat`` loads after a first one that fills the server's caches); every request
    leaving localhost is aborted. None when playwright or Chromium is missing."""
    chromium = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not (Path(chromium).is_file() and os.access(chromium, os.X_OK)):
        return None
    home = Path(tempfile.mkdtemp(prefix="claim-atlas-bench-home-"))
    with running_app(db, home) as url:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"])
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            outside: list[str] = []

            def guard(route) -> None:
                from urllib.parse import urlsplit

                parts = urlsplit(route.request.url)
                if parts.scheme in {"http", "https", "ws", "wss"} and (parts.hostname or "") not in LOCAL_HOSTS:
                    outside.append(route.request.url)
                    route.abort("blockedbyclient")
                else:
                    route.continue_()

            context.route("**/*", guard)
            page = context.new_page()

            def once() -> float:
                started = time.perf_counter()
                page.goto(f"{url}/map", wait_until="commit")
                page.frame_locator(MAP_FRAME).locator(DRAWN).first.wait_for(state="attached",
                                                                              timeout=timeout_s * 1000)
                return time.perf_counter() - started

            once()  # first load: the server's caches, the browser's static files
            times = [once() for _ in range(repeat)]
            browser.close()
        if outside:
            print(f"requests outside localhost (aborted): {outside[:5]}", file=sys.stderr)
        return statistics.median(times)


def store_size(db: Path) -> tuple[int, int]:
    """(places on the map, claims) of a store: the place layer's rows, the stored claims."""
    from geo.layers.places import place_layer
    from geo.store.sqlite import Store

    store = Store(db)
    try:
        return len(place_layer(store.mentions_df())), int(store.counts()["claims"])
    finally:
        store.close()


def measure(label: str, db: Path, repeat: int, browser: bool) -> dict:
    """One row of the ``--json`` report (see the module's docstring)."""
    places, claims = store_size(db)
    server_s, sent = time_page(db, repeat)
    print(f"{label}: server {server_s:.3f} s, sent {sent} bytes", file=sys.stderr, flush=True)
    browser_s = None
    if browser:
        try:
            browser_s = time_browser(db, repeat)
        except Exception as exc:  # a timeout or a crash: reported, the other figures kept
            print(f"{label}: browser timing failed: {exc}", file=sys.stderr)
    print(f"{label}: browser {browser_s} s", file=sys.stderr, flush=True)
    return {"store": label, "places": places, "claims": claims, "server_s": round(server_s, 3),
            "sent_bytes": int(sent), "browser_s": round(browser_s, 3) if browser_s is not None else None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", "--places", dest="sizes", type=int, nargs="+", default=[10_000, 100_000],
                        help="synthetic stores of these many places (and claims)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", help="a store of the bundled corpus (default: ingest it into a temp store)")
    parser.add_argument("--json", action="store_true", help="print only the JSON report (progress on stderr)")
    parser.add_argument("--no-page", action="store_true", help="skip the AppTest runs of the whole page (tables)")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timing (browser_s null)")
    parser.add_argument("--no-bundled", action="store_true", help="synthetic stores only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stores: list[tuple[str, Path, float]] = []
        seed = Path(args.db) if args.db else Path(tmp) / "seed.sqlite"
        if not args.no_bundled:
            if not args.db:
                corpus_store(seed)
            stores.append(("bundled corpus", seed, 1.0))
        for n in args.sizes:
            synthetic = Path(tmp) / f"synthetic{n}.sqlite"
            started = time.perf_counter()
            synthetic_store(synthetic, n)
            print(f"synthetic store of {n} places and {n} claims written in {time.perf_counter() - started:.1f} s",
                  file=sys.stderr, flush=True)
            stores.append((f"{n} places", synthetic, 3.0))
        if args.json:
            runs = [measure(label, db, args.repeat, not args.no_browser) for label, db, _target in stores]
            print(json.dumps({"runs": runs}))
            return 0
        rows = []
        for label, db, target in stores:
            build, info = time_build(db, args.repeat)
            page, page_bytes = time_page(db, args.repeat) if not args.no_page else (float("nan"), 0)
            page_mb = page_bytes / 1e6 if not args.no_page else float("nan")
            view = time_view(db, args.repeat) if db != seed else None
            rows.append((label, info, build, page, page_mb, target, view))
            print(label, json.dumps({"build_s": round(build, 3), "page_s": round(page, 3), **info,
                                     "page_mb": round(page_mb, 3), "view": view}, default=str), flush=True)
    print(f"\n{'store':<16} {'places':>7} {'mentions':>8} {'inline MB':>9} {'sent MB':>8} {'page MB':>8} "
          f"{'build s':>8} {'page s':>7} {'target':>7}")
    for label, info, build, page, page_mb, target, _view in rows:
        ok = "ok" if not page >= target else "SLOW"
        print(f"{label:<16} {info['places']:>7} {info['mentions']:>8} {info['inline_mb']:>9} {info['sent_mb']:>8} "
              f"{page_mb:>8.3f} {build:>8.3f} {page:>7.3f} {f'< {target:g} s':>7} {ok}")
    print("inline MB: sent per render with the reference layers inlined (the export; the app before); "
          "sent MB: with them as static files; both with every place in the map (the page's path for at most "
          "500 places); page MB: what the Map page's st_folium sent")
    print(f"\n{'store':<16} {'zoomed out: features':>20} {'clusters':>8} {'MB':>6} {'s':>6} "
          f"{'zoomed in: features':>20} {'MB':>6} {'s':>6} {'place_layer s':>13}")
    for label, _info, *_rest, view in rows:
        if view:
            print(f"{label:<16} {view['out_features']:>20} {view['out_clusters']:>8} {view['out_mb']:>6.3f} "
                  f"{view['out_s']:>6.3f} {view['in_features']:>20} {view['in_mb']:>6.3f} {view['in_s']:>6.3f} "
                  f"{view['place_layer_s']:>13.3f}")
    print("the page's path for more than 500 places: the map without places plus one data layer of the view's "
          "compact features (seconds include place_layer)")
    return 0 if all(not page >= target for *_r, page, _mb, target, _v in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
