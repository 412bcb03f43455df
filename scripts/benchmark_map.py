#!/usr/bin/env python
"""Server-side cost of the Map page, on the bundled corpus and on a synthetic store of 10,000 places.

Measures, each the median of ``--repeat`` warm runs (after one untimed first load):

* ``build``: ``place_layer``, the view's theatre and its reference layers (as the Map page takes
  them), ``build_map`` and what ``st_folium`` does with the map on the server (render the page,
  render the map, generate the Leaflet script it sends to the browser);
* ``sent``: the bytes ``st_folium`` hands to its component on a render (the arguments of
  ``streamlit_folium._component_func``: the map script, header, html and asset links, as JSON),
  with the reference layers loaded from static files (``layer_files``, as the app does) and, for
  comparison, inlined in the script (as the standalone export does, and the app did before);
* ``page``: the whole Map page run headless with AppTest (app.py, navigation, cached loaders,
  filters, map, st_folium), as a rerun after the first load, and the bytes its st_folium call sent;
* ``view``: the Map page's path for a store of many places (more than
  ``geo.layers.viewport.FEW_PLACES``): the map without places plus one data layer of compact
  features for the view (``aggregate_places`` + ``view_layer``, given to st_folium as
  ``feature_group_to_add``), at the theatre's zoom over the whole synthetic area (clusters) and
  zoomed in (zoom 11, individual places); seconds from ``place_layer`` on, and bytes sent.

    python scripts/benchmark_map.py [--places 10000 [100000 ...]] [--repeat 5] [--db STORE] [--no-page]

Without ``--db`` the bundled corpus is ingested into a temporary store first (loads spaCy).
Targets: under 1 s on the bundled corpus, under 3 s with 10,000 places; at most 0.3 MB sent per
render on the bundled corpus.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def synthetic_store(path: Path, n_places: int, per_article: int = 10) -> None:
    """A store of ``n_places`` distinct settlements, ``per_article`` per synthetic article."""
    import numpy as np

    from geo.model import Article, ArticleAnalysis, Mention, Place
    from geo.store.sqlite import Store
    from geo.text.corpus import content_hash

    rng = np.random.default_rng(0)
    store = Store(path)
    for a in range(0, n_places, per_article):
        names = [f"Place{i}" for i in range(a, min(a + per_article, n_places))]
        text = " ".join(f"Shelling was reported near {n} on Tuesday, the ministry said." for n in names)
        article = Article(id=f"syn{a}", text=text, source=f"Agency {a % 7}", title=f"Synthetic report {a}",
                          published=f"2020-10-{1 + a % 28:02d}", content_hash=content_hash(text))
        mentions, pos = [], 0
        for i, name in zip(range(a, a + len(names)), names, strict=True):
            start = text.index(name, pos)
            sentence_start = text.rfind("Shelling", 0, start)
            place = Place(key=f"synthetic:{i}", name=name, lat=float(rng.uniform(38.0, 43.5)),
                          lon=float(rng.uniform(43.0, 50.5)), country="AZ")
            mentions.append(Mention(start=start, end=start + len(name), text=name, sentence_start=sentence_start,
                                    sentence_end=text.index(".", start) + 1, method="synthetic", place=place,
                                    confidence=float(rng.uniform(0.3, 1.0)), precision=1))
            pos = start + len(name)
        store.save_article(article, ArticleAnalysis(mentions=mentions))
    store.close()


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


def time_page(db: Path, repeat: int) -> tuple[float, float]:
    import streamlit_folium
    from streamlit.testing.v1 import AppTest

    os.environ["CLAIM_ATLAS_DB"] = str(db)
    capture = _Capture(streamlit_folium._component_func)
    streamlit_folium._component_func = capture  # geo.app.folium_links wraps it in turn
    try:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=600)
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
    return statistics.median(times), capture.sizes[-1] / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--places", type=int, nargs="+", default=[10_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", help="a store of the bundled corpus (default: ingest it into a temp store)")
    parser.add_argument("--no-page", action="store_true", help="skip the AppTest runs of the whole page")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        seed = Path(args.db) if args.db else Path(tmp) / "seed.sqlite"
        if not args.db:
            corpus_store(seed)
        stores = [("bundled corpus", seed, 1.0)]
        for n in args.places:
            synthetic = Path(tmp) / f"synthetic{n}.sqlite"
            started = time.perf_counter()
            synthetic_store(synthetic, n)
            print(f"synthetic store of {n} places written in {time.perf_counter() - started:.1f} s")
            stores.append((f"{n} places", synthetic, 3.0))
        rows = []
        for label, db, target in stores:
            build, info = time_build(db, args.repeat)
            page, page_mb = time_page(db, args.repeat) if not args.no_page else (float("nan"), float("nan"))
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
