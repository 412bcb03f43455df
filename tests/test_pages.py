"""The Streamlit app and its pages, run headless with AppTest on a store of the bundled corpus.

The store is filled once per session (tests/conftest.py's shared ``pipeline``); each test points
``CLAIM_ATLAS_DB`` at it. ``streamlit_folium.st_folium`` (the name pages/map.py imports) is
replaced by a fake that keeps the folium map it is given.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import folium
import pytest
from streamlit.testing.v1 import AppTest

from geo.config import PROJECT_ROOT
from geo.corpus import content_hash, read_corpus
from geo.mapview import LAYER_NAMES, feature_properties, map_summary
from geo.model import Article
from geo.store import Store

APP = str(PROJECT_ROOT / "app.py")
TIMEOUT = 120


@pytest.fixture(scope="session")
def corpus_db(tmp_path_factory: pytest.TempPathFactory, pipeline, session_settings) -> Path:
    """A store holding the bundled corpus, ingested once for the whole session."""
    path = tmp_path_factory.mktemp("pages") / "corpus.sqlite"
    articles, errors = read_corpus(session_settings.corpus_dir, session_settings)
    assert articles and not errors
    store = Store(path)
    results = pipeline.ingest(articles, store)
    assert all(r.status == "added" for r in results), results
    store.close()
    return path


@pytest.fixture
def db(corpus_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the corpus store for this test (pages never write, but a test may)."""
    path = tmp_path / "pages.sqlite"
    shutil.copy(corpus_db, path)
    monkeypatch.setenv("CLAIM_ATLAS_DB", str(path))
    return path


class FakeFolium:
    """Stands in for st_folium: records its calls and returns what a click would."""

    def __init__(self, returns: dict | None = None):
        self.calls: list[tuple[folium.Map, dict[str, Any]]] = []
        self.returns = returns or {"last_object_clicked": None}

    def __call__(self, fig: folium.Map, **kwargs: Any) -> dict:
        self.calls.append((fig, kwargs))
        return self.returns

    @property
    def map(self) -> folium.Map:
        assert self.calls, "the page drew no map"
        return self.calls[-1][0]


@pytest.fixture
def fake_folium(monkeypatch: pytest.MonkeyPatch) -> FakeFolium:
    import streamlit_folium

    fake = FakeFolium()
    monkeypatch.setattr(streamlit_folium, "st_folium", fake)
    return fake


def run_app(page: str | None = None, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def html_of(at: AppTest) -> str:
    return "\n".join(h.value for h in at.get("html"))


def test_overview_is_the_default_page(db):
    at = run_app()
    assert at.title[0].value == "Claim Atlas"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Articles"] == "2"
    assert metrics["Sources"] == "2"
    assert metrics["Published"] == "2020-10-20 → 2020-10-24"
    assert int(metrics["Places"]) > 5
    assert metrics["Place names resolved"].endswith("%")
    assert "Metonymic" in metrics
    top = at.dataframe[0].value
    assert {"place_name", "mention_count"} <= set(top.columns)
    assert "Nagorno-Karabakh" in set(top["place_name"])
    links = [p.value for p in at.get("page_link")]
    assert any("Map" in label for label in links) and any("Sources" in label for label in links)
    sidebar = " ".join(m.value for m in at.sidebar.markdown) + " ".join(c.value for c in at.sidebar.caption)
    assert "Claim Atlas" in sidebar
    assert "never as fact" in sidebar


def test_map_page_draws_the_map(db, fake_folium):
    at = run_app("pages/map.py")
    assert at.title[0].value == "Map"
    fig, kwargs = fake_folium.calls[-1]
    assert kwargs["key"] == "map"
    assert kwargs["height"] == 650
    assert kwargs["returned_objects"] == ["last_object_clicked"]
    layers = map_summary(fig)
    for key in ("countries_south_caucasus", "nagorno_karabakh_pre2020", "borders_pairwise", "pipelines_gem",
                "basemap", "points", "areas"):
        assert LAYER_NAMES[key] in layers, (key, layers)
    settlements = {p["place_key"] for p in feature_properties(fig, LAYER_NAMES["points"])}
    assert "geonames:146969" in settlements  # Martouni -> Khojavend
    assert "geonames:587084" not in settlements  # "Baku" is only used metonymically in the corpus
    assert "Click a place" in at.info[0].value
    assert [s.label for s in at.sidebar.slider] == ["Minimum confidence"]
    assert at.sidebar.multiselect[0].label == "Feature types"


def test_map_filters_change_the_map(db, fake_folium):
    at = run_app("pages/map.py")
    before = sum(len(feature_properties(fake_folium.map, LAYER_NAMES[k])) for k in ("points", "lines", "areas"))
    at.sidebar.multiselect[0].set_value(["settlement"]).run()
    assert not at.exception
    layers = map_summary(fake_folium.map)
    assert LAYER_NAMES["points"] in layers and LAYER_NAMES["areas"] not in layers
    at.sidebar.slider[0].set_value(0.99).run()
    after = sum(len(feature_properties(fake_folium.map, LAYER_NAMES[k])) for k in ("points", "lines", "areas"))
    assert after < before


def test_query_param_selects_a_place(db, fake_folium):
    at = run_app("pages/map.py", query={"place": "geonames:146969"})
    table = at.dataframe[0].value
    assert len(table) == 2
    assert set(table["text"]) == {"Martouni", "Martoni"}
    assert all("Martoni" in s or "Martouni" in s for s in table["sentence"])
    assert any("Khojavend" in t.value for t in at.text)
    selected = next(p for p in feature_properties(fake_folium.map, LAYER_NAMES["points"])
                    if p["place_key"] == "geonames:146969")
    assert selected["mention_ids"]


def test_clicking_a_place_lists_its_mentions(db, fake_folium):
    fake_folium.returns = {"last_object_clicked": {"lat": 39.79496, "lng": 47.1117}}
    at = run_app("pages/map.py")
    assert at.query_params["place"] in ("geonames:146969", ["geonames:146969"])
    assert len(at.dataframe[0].value) == 2


def test_sources_page_highlights_places_with_links(db):
    at = run_app("pages/sources.py")
    assert at.title[0].value == "Sources"
    html = html_of(at)
    assert "Armenia, Azerbaijan foreign ministers to meet Pompeo on Karabakh" in html
    assert '<mark class="ca-place"' in html
    assert 'href="map?place=geonames%3A146969"' in html  # Martouni, to the map page
    assert '<mark class="ca-metonymic"' in html  # "Baku said"
    assert '<mark class="ca-not_a_place"' in html  # Minsk Group
    assert "metonymic" in html and "confidence" in html


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/map.py", "pages/sources.py"])
def test_each_page_runs_on_its_own(db, fake_folium, page):
    at = AppTest.from_file(str(PROJECT_ROOT / page), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title


def test_first_run_ingests_the_corpus(tmp_path, monkeypatch, pipeline):
    """An empty store: app.py reads the corpus with a progress report, then shows the data."""
    import geo.ui

    monkeypatch.setenv("CLAIM_ATLAS_DB", str(tmp_path / "first_run.sqlite"))
    monkeypatch.setattr(geo.ui, "get_pipeline", lambda: pipeline)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert Store(tmp_path / "first_run.sqlite").counts()["articles"] == 2
    at.run()
    assert {m.label: m.value for m in at.metric}["Articles"] == "2"


def test_untrusted_article_text_is_shown_inert(tmp_path, monkeypatch, pipeline, fake_folium):
    evil_text = ("Shelling hit Stepanakert <img src=x onerror=alert(1)> on Tuesday, ${alert(1)} the ministry "
                 "said. `rm -rf` {{ 7919 * 7907 }} Azerbaijan denied it.\n\nFighting near Shusha continued.")
    article = Article(id="evil", text=evil_text, source="Agency <b>`x`</b>", title="<script>alert(1)</script>",
                      published="2020-10-25", content_hash=content_hash(evil_text))
    path = tmp_path / "evil.sqlite"
    pipeline.ingest([article], Store(path))
    monkeypatch.setenv("CLAIM_ATLAS_DB", str(path))
    at = run_app("pages/sources.py")
    html = html_of(at)
    for raw in ("<img src=x", "${alert(1)}", "<script>alert(1)</script>", "`rm -rf`", "<b>`x`</b>", "{{ 7919"):
        assert raw not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "62615633" not in html
    at.switch_page("pages/map.py").run()
    assert not at.exception
    page = fake_folium.map.get_root().render()
    for raw in ("<img src=x", "${alert(1)}", "<script>alert(1)</script>", "`rm -rf`"):
        assert raw not in page
    assert "62615633" not in page
