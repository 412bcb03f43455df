"""The Streamlit app and its pages, run headless with AppTest on a store of the bundled corpus.

The store is filled once per session (tests/conftest.py's shared ``pipeline``); each test points
``CLAIM_ATLAS_DB`` at it. ``streamlit_folium.st_folium`` (the name pages/map.py imports) is
replaced by a fake that keeps the folium map it is given.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import folium
import pytest
from folium_layers import feature_properties, map_summary
from streamlit.testing.v1 import AppTest

from geo.config import PROJECT_ROOT
from geo.mapping.assets import offline_map_html
from geo.mapping.styles import LAYER_NAMES
from geo.model import Article
from geo.store.sqlite import Store
from geo.text.corpus import content_hash

APP = str(PROJECT_ROOT / "app.py")
TIMEOUT = 120


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


def open_link(page: str, query: dict) -> AppTest:
    """Open ``page`` through a link carrying ``query``, as a browser does: a new session whose first
    run is that page (the page's file name is its URL path, so AppTest finds it before any run)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def link_params(at: AppTest) -> dict[str, list[str]]:
    """The view's query parameters as the sidebar's link holds them. In a browser the address bar
    holds the same (tests/e2e/test_shared_links.py); under AppTest the filters' parameters are not
    written when a widget changes, since Streamlit's frontend writes a bound widget's parameter."""
    return parse_qs(urlsplit(at.sidebar.code[0].value).query)


def html_of(at: AppTest) -> str:
    return "\n".join(h.value for h in at.get("html"))


@pytest.mark.integration
def test_overview_is_the_default_page(db):
    at = run_app()
    assert at.title[0].value == "Claim Atlas"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Articles"] == "2"
    assert metrics["Sources"] == "2"
    assert (metrics["First published"], metrics["Last published"]) == ("2020-10-20", "2020-10-24")
    assert int(metrics["Places on the map"]) > 5
    assert int(metrics["Resolved places"]) >= int(metrics["Places on the map"])
    assert int(metrics["Place names"]) >= int(metrics["Resolved places"])
    assert metrics["Place names resolved"].endswith("%")
    assert "Metonymic place names" in metrics and "Unresolved names" in metrics
    top = at.dataframe[0].value
    assert {"place_name", "mention_count"} <= set(top.columns)
    assert "Nagorno-Karabakh" in set(top["place_name"])
    links = [p.value for p in at.get("page_link")]
    assert any("Map" in label for label in links) and any("Sources" in label for label in links)
    sidebar = " ".join(m.value for m in at.sidebar.markdown) + " ".join(c.value for c in at.sidebar.caption)
    assert "Claim Atlas" in sidebar
    assert "never as fact" in sidebar


@pytest.mark.integration
def test_map_page_draws_the_map(db, fake_folium):
    at = run_app("pages/map.py")
    assert at.title[0].value == "Map"
    fig, kwargs = fake_folium.calls[-1]
    assert kwargs["key"] == "map"
    assert kwargs["height"] == 650
    assert kwargs["returned_objects"] == ["last_object_clicked", "center", "zoom"]
    layers = map_summary(fig)
    for key in ("countries_south_caucasus", "nagorno_karabakh_pre2020", "borders_pairwise", "pipelines_gem",
                "basemap", "points", "areas"):
        assert LAYER_NAMES[key] in layers, (key, layers)
    settlements = {p["place_key"] for p in feature_properties(fig, LAYER_NAMES["points"])}
    assert "geonames:146969" in settlements  # Martouni -> Khojavend
    assert "geonames:587084" not in settlements  # "Baku" is only used metonymically in the corpus
    assert "Click a place" in at.info[0].value
    assert [s.label for s in at.sidebar.slider] == ["Minimum confidence"]
    assert [m.label for m in at.sidebar.multiselect] == ["Sources", "Conflict", "Claimants", "Claim kind"]
    labels = [d.label for d in at.get("download_button")]
    assert {"GeoJSON (places)", "CSV (mentions)", "GeoPackage", "HTML map (offline)", "CSV (claims)"} <= set(labels)


@pytest.mark.integration
def test_map_conflict_filter_chooses_the_theatre(db, fake_folium):
    """The bundled corpus is about the Karabakh war: its layers, its caption. Filtered to another war
    it holds nothing, and the map draws that war's countries instead (from the world layers)."""
    at = run_app("pages/map.py")
    assert any("Theatre: Nagorno-Karabakh war (2020)" in c.value for c in at.caption)
    at.multiselect(key="conflict").set_value(["karabakh-2020"]).run()
    assert not at.exception
    kept = sum(len(feature_properties(fake_folium.map, LAYER_NAMES[k])) for k in ("points", "lines", "areas"))
    assert kept > 0  # both articles are of this war
    at.multiselect(key="conflict").set_value(["sudan"]).run()
    assert not at.exception
    assert any("Theatre: War in Sudan" in c.value for c in at.caption)
    layers = map_summary(fake_folium.map)
    assert LAYER_NAMES["theatre_countries"] in layers and LAYER_NAMES["pipelines_gem"] not in layers
    assert sum(len(feature_properties(fake_folium.map, LAYER_NAMES[k])) for k in ("points", "lines", "areas")) == 0


@pytest.mark.integration
def test_map_filters_change_the_map(db, fake_folium):
    at = run_app("pages/map.py")
    before = sum(len(feature_properties(fake_folium.map, LAYER_NAMES[k])) for k in ("points", "lines", "areas"))
    at.slider(key="conf").set_value(0.95).run()
    assert not at.exception
    after = sum(len(feature_properties(fake_folium.map, LAYER_NAMES[k])) for k in ("points", "lines", "areas"))
    assert 0 < after < before
    assert link_params(at)["conf"] == ["0.95"]


@pytest.mark.integration
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


@pytest.mark.integration
def test_clicking_a_place_lists_its_mentions(db, fake_folium):
    fake_folium.returns = {"last_object_clicked": {"lat": 39.79496, "lng": 47.1117}}
    at = run_app("pages/map.py")
    assert at.query_params["place"] in ("geonames:146969", ["geonames:146969"])
    assert len(at.dataframe[0].value) == 2


@pytest.mark.integration
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


@pytest.mark.integration
@pytest.mark.parametrize("page", ["pages/overview.py", "pages/map.py", "pages/sources.py"])
def test_each_page_runs_on_its_own(db, fake_folium, page):
    at = AppTest.from_file(str(PROJECT_ROOT / page), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title


@pytest.mark.integration
def test_first_run_ingests_the_corpus(tmp_path, monkeypatch, pipeline):
    """An empty store: app.py reads the corpus with a progress report, then shows the data."""
    import geo.app

    monkeypatch.setenv("CLAIM_ATLAS_DB", str(tmp_path / "first_run.sqlite"))
    monkeypatch.setattr(geo.app, "get_pipeline", lambda: pipeline)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert Store(tmp_path / "first_run.sqlite").counts()["articles"] == 2
    at.run()
    assert {m.label: m.value for m in at.metric}["Articles"] == "2"


def _serve_only(articles: list[Article], path: Path, pipeline, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store holding just these articles, the one the app under test reads."""
    pipeline.ingest(articles, Store(path))
    monkeypatch.setenv("CLAIM_ATLAS_DB", str(path))
    return path


@pytest.mark.integration
def test_untrusted_article_text_is_shown_inert(tmp_path, monkeypatch, pipeline, fake_folium):
    evil_text = ("Shelling hit Stepanakert <img src=x onerror=alert(1)> on Tuesday, ${alert(1)} the ministry "
                 "said. `rm -rf` {{ 7919 * 7907 }} Azerbaijan denied it.\n\nFighting near Shusha continued.")
    article = Article(id="evil", text=evil_text, source="Agency <b>`x`</b>", title="<script>alert(1)</script>",
                      published="2020-10-25", content_hash=content_hash(evil_text))
    _serve_only([article], tmp_path / "evil.sqlite", pipeline, monkeypatch)
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


# ------------------------------------------------------------------------------------ claims, timeline
def _claims_of(db: Path):
    store = Store(db)
    try:
        return store.claims_df(), store.claim_places_df(), store.mentions_df()
    finally:
        store.close()


def _claim_id(db: Path, fragment: str, claimant: str | None = None) -> int:
    claims = _claims_of(db)[0]
    rows = claims.loc[claims["text"].str.contains(fragment, regex=False)]
    if claimant:
        rows = rows.loc[rows["claimant"] == claimant]
    assert len(rows), fragment
    return int(rows["claim_id"].iloc[0])


@pytest.mark.integration
def test_claims_page_lists_claims(db, fake_folium):
    at = run_app("pages/claims.py")
    assert at.title[0].value == "Claims"
    table = at.dataframe[0].value
    assert len(table) == len(_claims_of(db)[0]) > 20
    assert {"claim_id", "date_label", "claimant", "kind", "disputed", "source", "text"} <= set(table.columns)
    assert int(table["disputed"].sum()) >= 2
    assert [m.label for m in at.sidebar.multiselect] == ["Sources", "Conflict", "Claimants", "Claim kind"]
    assert at.sidebar.toggle[0].label == "Disputed claims only"
    assert "Select a claim" in at.info[0].value
    assert not fake_folium.calls  # no claim selected: no map
    assert "never as fact" in " ".join(c.value for c in at.caption)


@pytest.mark.integration
def test_claims_page_filters(db, fake_folium):
    at = run_app("pages/claims.py")
    total = len(at.dataframe[0].value)
    at.multiselect(key="claimant").set_value(["Armenia"]).run()
    assert set(at.dataframe[0].value["claimant"]) == {"Armenia"}
    at.multiselect(key="claimant").set_value([]).run()
    at.toggle(key="disputed").set_value(True).run()
    disputed = at.dataframe[0].value
    assert 0 < len(disputed) < total and disputed["disputed"].all()
    assert at.text[0].value == f"{len(disputed)} of {total} claims match the filters"
    assert link_params(at)["disputed"] == ["true"] and "claimant" not in link_params(at)


@pytest.mark.integration
def test_query_param_selects_a_claim(db, fake_folium):
    claim_id = _claim_id(db, "Martoni was bombed", "Armenia")
    at = run_app("pages/claims.py", query={"claim": str(claim_id)})
    assert not at.info  # a claim is selected
    assert at.subheader[0].value == f"Claim #{claim_id}"
    html = html_of(at)
    assert "A claim attributed to <b>Armenia</b>" in html and "not a verified fact" in html
    assert "the Armenian Ministry of Defense" in html  # the speaker as written
    assert "Disputed by Azerbaijan" in html
    assert '<mark class="ca-claim"' in html and "Martoni was bombed again" in html
    assert any("Khojavend" in t.value for t in at.text)  # its places
    fig, kwargs = fake_folium.calls[-1]
    assert kwargs["key"] == f"claim_map_{claim_id}" and kwargs["returned_objects"] == []
    props = feature_properties(fig, LAYER_NAMES["claims"])
    assert {p["claim_id"] for p in props} == {claim_id}
    assert "geonames:146969" in {p["place_key"] for p in props} and all(p["disputed"] for p in props)


@pytest.mark.integration
def test_claim_without_places_is_shown_at_its_articles_focus(db, fake_folium):
    claim_id = _claim_id(db, "Yerevan says 772 Armenian soldiers")
    at = run_app("pages/claims.py", query={"claim": str(claim_id)})
    assert any("article focus (approximate): Nagorno-Karabakh" in t.value for t in at.text)
    props = feature_properties(fake_folium.map, LAYER_NAMES["claims"])
    assert [(p["place_key"], p["approximate"]) for p in props] == [("ref:breakaway:B38", 1)]


@pytest.mark.integration
def test_unknown_claim_in_query_param(db, fake_folium):
    at = open_link("pages/claims.py", {"claim": "999999"})
    assert "no such claim" in at.warning[0].value and "999999" in at.warning[0].value
    assert "Select a claim" in at.info[0].value and "claim" not in at.query_params
    at = run_app("pages/claims.py", query={"claim": "<script>"})
    assert "Select a claim" in at.info[0].value


@pytest.mark.integration
def test_map_page_draws_claims(db, fake_folium):
    from geo.layers.claims import claim_layer

    at = run_app("pages/map.py")
    layers = map_summary(fake_folium.map)
    assert layers[LAYER_NAMES["claims"]] == "ClaimLayer"
    props = feature_properties(fake_folium.map, LAYER_NAMES["claims"])
    assert len(props) == len(claim_layer(*_claims_of(db)))
    assert any(p["disputed"] for p in props) and any(p["approximate"] for p in props)
    assert any(p["place_key"] == "geonames:146969" for p in props)  # Martoni (Khojavend)
    assert any("claims drawn at" in c.value for c in at.caption)
    page = fake_folium.map.get_root().render()
    assert "ca-claim-legend" in page
    # The claim popup's note is in static/claim-atlas/map.js, which the standalone page inlines.
    assert "not a verified fact" in offline_map_html(fake_folium.map)


@pytest.mark.integration
def test_date_range_in_url_filters_map_and_claims(db, fake_folium):
    claims = _claims_of(db)[0]
    on_23rd = set(claims.loc[claims["date"] == "2020-10-23", "claim_id"])
    assert 0 < len(on_23rd) < len(claims)
    at = run_app("pages/map.py", query={"from": "2020-10-23", "to": "2020-10-23"})
    assert at.date_input(key="from").value == date(2020, 10, 23)
    assert at.date_input(key="to").value == date(2020, 10, 23)
    props = feature_properties(fake_folium.map, LAYER_NAMES["claims"])
    assert props and {p["claim_id"] for p in props} == on_23rd
    at = run_app("pages/claims.py", query={"from": "2020-10-23", "to": "2020-10-23"})
    assert set(at.dataframe[0].value["claim_id"]) == on_23rd
    at.button(key="flt_reset").click().run()
    assert len(at.dataframe[0].value) == len(claims)
    assert "from" not in at.query_params and at.date_input(key="from").value is None


@pytest.mark.integration
def test_timeline_page(db):
    at = run_app("pages/timeline.py")
    assert at.title[0].value == "Timeline"
    assert at.radio[0].options == ["Claimant", "Source"]
    assert len(at.get("vega_lite_chart")) == 2
    summary = at.dataframe[0].value
    assert {"Armenia", "Azerbaijan", "USA"} <= set(summary["group"])
    at.radio[0].set_value("Source").run()
    assert not at.exception
    assert set(at.dataframe[0].value["group"]) == {"The Guardian (Nigeria)", "Al Jazeera (Arabic; machine translation)"}


@pytest.mark.integration
def test_timeline_range_is_shared_with_map_and_claims(db, fake_folium):
    claims = _claims_of(db)[0]
    at = run_app("pages/timeline.py")
    day = date(2020, 10, 20)
    at.date_input(key="from").set_value(day).run()
    at.date_input(key="to").set_value(day).run()
    assert not at.exception
    assert link_params(at)["from"] == ["2020-10-20"] and link_params(at)["to"] == ["2020-10-20"]
    assert "Date filter: 2020-10-20 – 2020-10-20" in at.info[0].value
    expected = set(claims.loc[claims["date"] == "2020-10-20", "claim_id"])
    at.switch_page("pages/claims.py").run()
    assert set(at.dataframe[0].value["claim_id"]) == expected
    at.switch_page("pages/map.py").run()
    assert {p["claim_id"] for p in feature_properties(fake_folium.map, LAYER_NAMES["claims"])} <= expected
    at.switch_page("pages/timeline.py").run()
    at.button(key="timeline_clear").click().run()
    assert "from" not in at.query_params and at.date_input(key="from").value is None
    assert "from" not in link_params(at)
    assert not at.info


@pytest.mark.integration
@pytest.mark.parametrize("page", ["pages/claims.py", "pages/timeline.py"])
def test_claim_pages_run_on_their_own(db, fake_folium, page):
    at = AppTest.from_file(str(PROJECT_ROOT / page), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title


@pytest.mark.integration
def test_untrusted_claim_text_is_shown_inert(tmp_path, monkeypatch, pipeline, fake_folium):
    evil_text = ("The Armenian Defence Ministry said Azerbaijani forces shelled Stepanakert on Tuesday "
                 "<img src=x onerror=alert(1)> ${alert(1)} before{{7*7}}after `rm`.\n\n"
                 "Azerbaijan denied this.")
    article = Article(id="evil-claims", text=evil_text, source="Agency <b>x</b>", title="<script>alert(1)</script>",
                      published="2020-10-25", content_hash=content_hash(evil_text))
    path = _serve_only([article], tmp_path / "evil_claims.sqlite", pipeline, monkeypatch)
    claims = Store(path).claims_df()
    assert len(claims) and claims["text"].str.contains("{{7*7}}", regex=False).any()
    claim_id = int(claims.loc[claims["text"].str.contains("{{7*7}}", regex=False), "claim_id"].iloc[0])
    at = run_app("pages/claims.py", query={"claim": str(claim_id)})
    html = html_of(at)
    for raw in ("<img src=x", "${alert(1)}", "<script>alert(1)</script>", "{{7*7}}", "`rm`", "<b>x</b>"):
        assert raw not in html, raw
    assert "before49after" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    at.switch_page("pages/map.py").run()
    assert not at.exception
    page = fake_folium.map.get_root().render()
    assert feature_properties(fake_folium.map, LAYER_NAMES["claims"])
    for raw in ("<img src=x", "${alert(1)}", "<script>alert(1)</script>", "{{7*7}}", "`rm`"):
        assert raw not in page, raw
    assert "before49after" not in page


# ------------------------------------------------------------------------------------ shared filters, links
GUARDIAN = "The Guardian (Nigeria)"
AL_JAZEERA = "Al Jazeera (Arabic; machine translation)"  # its two disputed claims are the corpus's
DATA_PAGES = ["pages/map.py", "pages/sources.py", "pages/claims.py", "pages/timeline.py", "pages/places.py"]
HOSTILE = {"from": "2020-13-45", "source": "<script>alert(1)</script>", "conf": "1e308", "zoom": "999",
           "place": "<img src=x>", "claim": "${alert(1)}", "kind": "![x](http://example.com/x.png)"}


def texts(at: AppTest) -> str:
    return "\n".join(t.value for t in at.text) + "\n" + "\n".join(c.value for c in at.caption)


def widget_values(at: AppTest) -> dict:
    return {
        "from": at.date_input(key="from").value, "to": at.date_input(key="to").value,
        "source": at.multiselect(key="source").value, "claimant": at.multiselect(key="claimant").value,
        "kind": at.multiselect(key="kind").value, "disputed": at.toggle(key="disputed").value,
        "q": at.text_input(key="q").value, "conf": at.slider(key="conf").value,
    }


DEFAULTS = {"from": None, "to": None, "source": [], "claimant": [], "kind": [], "disputed": False, "q": "",
            "conf": 0.0}


@pytest.mark.integration
@pytest.mark.parametrize("page", DATA_PAGES)
def test_a_shared_filter_changes_the_counts_and_the_link(db, fake_folium, page):
    at = run_app(page)
    assert widget_values(at) == DEFAULTS
    assert "match the filters" not in texts(at)
    assert not [k for k in at.query_params if k in ("source", "conf")]
    at.multiselect(key="source").set_value([GUARDIAN]).run()
    at.slider(key="conf").set_value(0.5).run()
    assert not at.exception, [e.value for e in at.exception]
    assert link_params(at)["source"] == [GUARDIAN] and link_params(at)["conf"] == ["0.5"]
    summary = texts(at)
    assert "match the filters" in summary
    counts = [(int(a), int(b)) for a, b in re.findall(r"(\d+) of (\d+) (?:place names|claims|articles)", summary)]
    assert counts and all(a <= b for a, b in counts) and any(a < b for a, b in counts), summary
    link = at.sidebar.code[0].value
    assert link.startswith(page.split("/")[1].removesuffix(".py")) and "conf=0.5" in link
    assert "source=The%20Guardian%20%28Nigeria%29" in link


@pytest.mark.integration
@pytest.mark.parametrize("page", DATA_PAGES)
def test_a_link_restores_the_filters(db, fake_folium, page):
    query = {"from": "2020-10-19", "to": "2020-10-24", "source": [GUARDIAN], "claimant": ["Armenia", "Azerbaijan"],
             "kind": ["military"], "disputed": "1", "q": "a", "conf": "0.45"}
    at = open_link(page, query)
    assert widget_values(at) == {"from": date(2020, 10, 19), "to": date(2020, 10, 24), "source": [GUARDIAN],
                                 "claimant": ["Armenia", "Azerbaijan"], "kind": ["military"], "disputed": True,
                                 "q": "a", "conf": 0.45}
    assert not at.warning
    assert at.query_params["claimant"] == ["Armenia", "Azerbaijan"]


@pytest.mark.integration
@pytest.mark.parametrize("page", [*DATA_PAGES, "pages/overview.py"])
def test_hostile_link_warns_and_falls_back(db, fake_folium, page):
    at = open_link(page, HOSTILE)
    assert widget_values(at) == DEFAULTS
    warning = at.warning[0].value
    for fragment in ("not a date", "unknown source", "from 0 to 1", "whole number from 1 to 18", "no such place",
                     "no such claim", "unknown kind"):
        assert fragment in warning, (fragment, warning)
    # Every character Markdown would act on is backslash-escaped: the values show as plain text.
    assert not re.search(r"(?<!\\)[<>$\[\]()`!:]", warning.split("\n", 1)[1]), warning
    assert not [k for k in HOSTILE if k in at.query_params]  # the link now holds the defaults
    if page == "pages/map.py":
        fig, kwargs = fake_folium.calls[-1]
        assert fig.options["zoom"] != 999 and "center" not in kwargs or kwargs.get("center") is None


@pytest.mark.integration
def test_odd_but_valid_values_are_kept(db, fake_folium):
    at = open_link("pages/map.py", {"conf": "0.123", "q": "  Martuni  ", "from": "2020-10-20"})
    assert at.slider(key="conf").value == pytest.approx(0.123)
    assert at.date_input(key="from").value == date(2020, 10, 20) and at.date_input(key="to").value is None
    assert not at.warning


@pytest.mark.integration
def test_filter_widgets_are_bound_to_their_parameters(db, fake_folium):
    """Streamlit writes the filters to the URL: each sidebar widget is bound to its parameter."""
    at = run_app("pages/claims.py")
    widgets = [at.date_input(key="from"), at.date_input(key="to"), at.multiselect(key="source"),
               at.multiselect(key="claimant"), at.multiselect(key="kind"), at.toggle(key="disputed"),
               at.text_input(key="q"), at.slider(key="conf")]
    assert [w.proto.query_param_key for w in widgets] == ["from", "to", "source", "claimant", "kind", "disputed",
                                                          "q", "conf"]


@pytest.mark.integration
def test_link_values_follow_the_documented_rules_where_streamlit_reads_otherwise(db, fake_folium):
    """Streamlit's binding alone would apply a reversed range and the known values of an over-long
    list, and drop ``disputed=yes``: the README's rules apply instead, with a note, and the URL is
    rewritten to the view applied."""
    query = {"from": "2020-10-24", "to": "2020-10-01", "disputed": "yes", "claimant": ["Armenia"] * 51,
             "source": [AL_JAZEERA, "Nowhere News", AL_JAZEERA], "q": "\ta\x00 ", "conf": "0.5"}
    at = open_link("pages/claims.py", query)
    assert widget_values(at) == {**DEFAULTS, "disputed": True, "source": [AL_JAZEERA], "conf": 0.5,
                                 "q": "a"}
    warning = at.warning[0].value.replace("\\", "")
    for fragment in ("ends before it starts", "more than 50 values", "unknown source 'Nowhere News'"):
        assert fragment in warning, (fragment, warning)
    assert "not a date" not in warning and len(at.warning) == 1
    assert {k: at.query_params[k] for k in ("disputed", "source", "conf")} == {
        "disputed": "true", "source": AL_JAZEERA, "conf": "0.5"}
    assert not {"from", "to", "claimant"} & set(at.query_params)
    assert link_params(at) == {"source": [AL_JAZEERA], "disputed": ["true"], "q": ["a"],
                               "conf": ["0.5"]}
    # The filters apply as the link says: disputed claims of that source only.
    table = at.dataframe[0].value
    assert len(table) and table["disputed"].all() and set(table["source"]) == {AL_JAZEERA}
    # The note stays while those filters do; a change of filter retires it.
    at.run()
    assert len(at.warning) == 1
    at.toggle(key="disputed").set_value(False).run()
    assert not at.warning


@pytest.mark.integration
@pytest.mark.parametrize("query", [
    {"from": ["", "2020-02-30", "2020/10/20", "x" * 300], "to": "\x00", "conf": ["nan", "0.5"], "kind": [""] * 60},
    {"source": ["%00", "\u202e", "A" * 100_000], "claimant": "", "disputed": "", "q": "", "conf": "-inf"},
    {"from": "9999-12-31", "to": "1899-12-31", "disputed": ["true", "maybe"], "conf": "0x1p-1", "q": "\x00" * 200},
    {"zoom": "", "lat": "nan", "lon": "1e400", "place": "", "claim": "-1", "kind": "military\n"},
])
def test_odd_link_values_never_raise(db, fake_folium, query):
    at = open_link("pages/map.py", query)  # open_link asserts no exception
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert widget_values(at)["from"] is None and widget_values(at)["conf"] in (0.0, 0.5)
    assert not [k for k in ("from", "to", "claimant", "lat", "lon", "zoom", "place", "claim")
                if k in at.query_params]


@pytest.mark.integration
def test_a_changed_url_in_a_session_is_checked_too(db, fake_folium):
    """The browser's Back button can bring back a URL within a session: it is validated as a link."""
    at = run_app("pages/map.py")
    at.multiselect(key="source").set_value([GUARDIAN]).run()
    at.query_params.update({"from": "2020-10-24", "to": "2020-10-01", "source": "Nowhere News", "disputed": "1"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert widget_values(at) == {**DEFAULTS, "disputed": True}
    warning = at.warning[0].value.replace("\\", "")
    assert "ends before it starts" in warning and "unknown source" in warning
    assert at.query_params["disputed"] == "true" and not {"from", "to", "source"} & set(at.query_params)


@pytest.mark.integration
def test_an_empty_view_explains_itself_and_resets(db, fake_folium):
    at = run_app("pages/map.py")
    at.text_input(key="q").set_value("no such place anywhere").run()
    note = next(i.value for i in at.info if "Nothing matches" in i.value)
    assert "no such place anywhere" in note.replace("\\", "")
    assert link_params(at)["q"] == ["no such place anywhere"]
    at.button(key="map_reset_filters").click().run()
    assert widget_values(at) == DEFAULTS and "q" not in at.query_params and "q" not in link_params(at)
    assert not any("Nothing matches" in i.value for i in at.info)


@pytest.mark.integration
def test_filters_follow_the_reader_between_pages(db, fake_folium):
    """In a browser, moving to another page clears the query: the session's view stands and the new
    page writes it back, also after a page without filters (Add articles)."""
    at = run_app("pages/map.py")
    at.multiselect(key="claimant").set_value(["Armenia"]).run()
    for page in ("pages/add_articles.py", "pages/claims.py", "pages/timeline.py"):
        at.query_params.clear()
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        if page != "pages/add_articles.py":
            assert at.multiselect(key="claimant").value == ["Armenia"]
            assert at.query_params["claimant"] in ("Armenia", ["Armenia"])
    at.switch_page("pages/claims.py").run()
    assert set(at.dataframe[0].value["claimant"]) == {"Armenia"}


@pytest.mark.integration
def test_overview_says_its_figures_are_global(db):
    at = run_app()
    assert any("whole atlas" in c.value for c in at.caption)
    at.multiselect(key="source").set_value([GUARDIAN]).run()
    info = at.info[0].value
    assert "whole atlas" in info and "match the filters" in info
    assert {m.label: m.value for m in at.metric}["Articles"] == "2"  # still global


@pytest.mark.integration
def test_map_view_goes_to_the_link_and_comes_back(db, fake_folium):
    at = run_app("pages/map.py")
    first = fake_folium.map
    assert "lat" not in at.query_params  # the browser has not reported a view yet
    # The reader pans: the browser reports the centre (longitude unwrapped) and zoom.
    fake_folium.returns = {"last_object_clicked": None, "center": {"lat": 40.123456, "lng": 406.5}, "zoom": 9}
    at.run()
    assert (at.query_params["lat"], at.query_params["lon"], at.query_params["zoom"]) in (
        ("40.12346", "46.50000", "9"), (["40.12346"], ["46.50000"], ["9"]))
    assert "lat=40.12346&lon=46.50000&zoom=9" in at.sidebar.code[0].value
    # Panning does not redraw the map (it would jump back): the map object stays the same.
    assert fake_folium.map.location == first.location
    same = [re.sub(r"_[0-9a-f]{32}", "", m.get_root().render()) for m in (fake_folium.map, first)]
    assert same[0] == same[1]  # element ids aside (streamlit-folium ignores them too)
    # A filter change redraws it, where the reader left it.
    at.slider(key="conf").set_value(0.3).run()
    assert fake_folium.map.location == [40.12346, 46.5] and fake_folium.map.options["zoom"] == 9
    # The link opens the map there.
    fake_folium.returns = {"last_object_clicked": None}
    at = open_link("pages/map.py", {"lat": "41.5", "lon": "45.25", "zoom": "7", "place": "geonames:146969"})
    assert fake_folium.map.location == [41.5, 45.25] and fake_folium.map.options["zoom"] == 7
    assert at.dataframe[0].value["text"].tolist()  # the place's mentions are listed
    assert not at.warning


@pytest.mark.integration
def test_places_page_shares_the_selected_place(db, fake_folium):
    at = run_app("pages/places.py")
    at.selectbox(key="places_place").set_value("geonames:146969").run()
    assert at.query_params["place"] in ("geonames:146969", ["geonames:146969"])
    at.query_params.clear()
    at.switch_page("pages/map.py").run()
    assert set(at.dataframe[0].value["text"]) == {"Martouni", "Martoni"}


def test_plain_markdown_shows_any_text_literally():
    from geo.app.html import plain_markdown

    hostile = "<img src=x> ![x](http://example.com/x.png) [a](javascript:alert(1)) $x^2$ :red[hi] www.evil.org a@b.org"
    shown = plain_markdown(hostile)
    assert not re.search(r"(?<!\\)[<>$\[\]()!:@]", shown.replace("\u200b", ""))
    for linkish in ("http:", "javascript:", "www.", "@b"):
        assert linkish not in shown.replace("\\", "")  # a zero-width space breaks every autolink
    assert shown.replace("\u200b", "").replace("\\", "") == hostile


@pytest.mark.integration
def test_links_inside_pages_keep_the_filters(db, fake_folium):
    """Links in article text and claim headers open a new session: they carry the filters."""
    al_jazeera = "Al Jazeera (Arabic; machine translation)"
    at = open_link("pages/sources.py", {"source": [al_jazeera], "conf": "0.5"})
    html = html_of(at)
    assert ('href="map?source=Al%20Jazeera%20%28Arabic%3B%20machine%20translation%29&amp;conf=0.5'
            '&amp;place=geonames%3A146969"') in html
    from geo.app.html import claim_header_html
    from geo.layers.view import ViewState

    claim = {"claimant": "Armenia", "claim_id": 7, "article_id": 1, "kind": "military", "disputed_by": ["Azerbaijan"]}
    header = claim_header_html(claim, [8], ViewState(disputed_only=True, place="x", lat=1.0, lon=2.0, zoom=3))
    assert 'href="claims?disputed=true&amp;claim=8"' in header  # filters kept; selection and map view not


@pytest.mark.integration
def test_other_parameters_stay_in_the_url(db):
    """The view rewrites its own parameters only: the Sources page's ?article= stays."""
    article_id = int(Store(db).articles_df()["id"].iloc[0])
    at = open_link("pages/sources.py", {"article": str(article_id)})
    at.toggle(key="disputed").set_value(True).run()
    assert at.query_params["article"] in (str(article_id), [str(article_id)])
    assert link_params(at)["disputed"] == ["true"]
    assert at.text[0].value.startswith("1 of 2 articles")


@pytest.mark.integration
def test_first_run_reports_internal_errors_as_such(tmp_path, monkeypatch, pipeline):
    """An internal error on first run is shown as one (with where the tracebacks are), not as
    rejected articles; the articles that could be stored are."""
    import geo.app

    real = pipeline.analyze

    def broken(article, doc=None):
        if article.id == "000":
            raise KeyError("a private attribute spaCy removed")
        return real(article, doc)

    monkeypatch.setattr(pipeline, "analyze", broken)
    monkeypatch.setenv("CLAIM_ATLAS_DB", str(tmp_path / "first_run.sqlite"))
    monkeypatch.setattr(geo.app.first_run, "get_pipeline", lambda: pipeline)  # the name first_run calls
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    errors = " ".join(e.value for e in at.error)
    assert "1 articles failed with an internal error (not a problem with the articles)" in errors
    assert "log of the Streamlit server" in errors
    assert any("failed" in t.value and "KeyError" in t.value for t in at.text)
    assert Store(tmp_path / "first_run.sqlite").counts()["articles"] == 1


@pytest.mark.integration
@pytest.mark.parametrize("page", sorted(p.name for p in (PROJECT_ROOT / "pages").glob("*.py")))
def test_every_page_renders_with_out_of_range_dates_in_the_store(db, fake_folium, page):
    """Issue 14, point 11: dates ingest now rejects (9999-12-31, year 1) written straight into a store
    must not break a page (the Timeline raised OverflowError), nor a link asking for such a range."""
    import sqlite3

    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE articles SET published = '9999-12-31' WHERE id = (SELECT MIN(id) FROM articles)")
        ids = [r[0] for r in conn.execute("SELECT id FROM claims WHERE date IS NOT NULL ORDER BY id LIMIT 3")]
        assert len(ids) == 3
        conn.execute("UPDATE claims SET date = '9999-12-31', date_end = '9999-12-31' WHERE id = ?", (ids[0],))
        conn.execute("UPDATE claims SET date = '0001-01-01' WHERE id = ?", (ids[1],))
        conn.execute("UPDATE claims SET date = '2020-10-20', date_end = '9999-12-31' WHERE id = ?", (ids[2],))
    conn.close()
    for query in ({}, {"to": "9999-12-31"}, {"from": "0001-01-01", "to": "9999-12-31"}):
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        for k, v in query.items():
            at.query_params[k] = v
        at.switch_page(f"pages/{page}").run()
        assert not at.exception, (page, query, [e.value for e in at.exception])
