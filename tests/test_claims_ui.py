"""Claims on screen, as pure functions: the claims layer (geo.layers.claim_layer), its map layer
(geo.mapview), the date-range and claim filters, and the escaped claim HTML of geo.app."""

from __future__ import annotations

import time
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from folium_layers import feature_properties, map_summary

from geo import app
from geo.layers.claims import (
    CLAIM_COLUMNS,
    LOCATION_FOCUS,
    LOCATION_NAMED,
    article_focus_places,
    claim_date_label,
    claim_layer,
    claim_place_names,
    claim_table,
    sort_claims,
)
from geo.layers.filters import filter_claims, filter_mentions
from geo.layers.view import ViewState
from geo.mapping.assets import offline_map_html
from geo.mapping.build import build_map
from geo.mapping.claims import claim_offsets
from geo.mapping.elements import ClaimLayer
from geo.mapping.styles import CLAIMANT_COLORS, DISPUTED_COLOR, LAYER_NAMES, claimant_color

IMG = "<img src=x onerror=alert(1)>"
TEMPLATE = "${alert(1)}"
JINJA = "before{{7*7}}after"
HOSTILE = f"Shelling hit the town {IMG} on Friday, {TEMPLATE} `rm` {JINJA} the ministry said."

PLACES = {
    "g:stepanakert": ("Stepanakert", "settlement", "AZ", 39.815, 46.752),
    "g:shusha": ("Shusha", "settlement", "AZ", 39.758, 46.749),
    "g:baku": ("Baku", "settlement", "AZ", 40.377, 49.892),
    "country:AZ": ("Azerbaijan", "country", "AZ", 40.3, 47.7),
    "country:AM": ("Armenia", "country", "AM", 40.2, 44.9),
}


def _mention(mention_id: int, article_id: int, start: int, key: str | None, *, metonymic: int = 0,
             not_a_place: int = 0, published: str = "2020-10-20") -> dict:
    name, ftype, country, lat, lon = PLACES.get(key, (None, None, None, None, None)) if key else (None,) * 5
    return {"mention_id": mention_id, "article_id": article_id, "start": start, "end": start + 5,
            "text": name or "Nowhere", "place_key": key, "place_name": name, "feature_type": ftype,
            "country": country, "lat": lat, "lon": lon, "metonymic": metonymic, "not_a_place": not_a_place,
            "published": published, "confidence": 0.9, "precision": 1, "source": "Agency", "title": "T",
            "sentence": "s"}


@pytest.fixture
def mentions() -> pd.DataFrame:
    return pd.DataFrame([
        # Article 1: Stepanakert twice, Shusha once, Azerbaijan three times, Baku only as an actor.
        _mention(1, 1, 10, "g:stepanakert"),
        _mention(2, 1, 40, "country:AZ"),
        _mention(3, 1, 70, "country:AZ"),
        _mention(4, 1, 100, "country:AZ"),
        _mention(5, 1, 130, "g:stepanakert"),
        _mention(6, 1, 160, "g:baku", metonymic=1),
        _mention(7, 1, 190, "g:shusha"),
        _mention(8, 1, 220, "g:shusha"),
        # Article 2: only a country. Article 3: nothing resolved.
        _mention(9, 2, 10, "country:AM", published="2020-10-24"),
        _mention(10, 3, 10, None, published="2020-10-25"),
    ])


def _claim(claim_id: int, article_id: int, claimant: str, text: str = "They said so.", *, date_: str | None,
           date_end: str | None = None, disputed_by: str | None = None, kind: str = "military",
           published: str = "2020-10-20", source: str = "Agency A") -> dict:
    return {"claim_id": claim_id, "article_id": article_id, "corpus_id": f"a{article_id}", "title": "A title",
            "source": source, "url": "", "published": published, "claimant": claimant,
            "claimant_text": f"the {claimant} ministry", "text": text, "start": 0, "end": len(text),
            "date": date_, "date_end": date_end, "date_precision": "day" if date_ else None, "kind": kind,
            "stance": "assert", "details": "{}", "disputed_by": disputed_by}


@pytest.fixture
def claims() -> pd.DataFrame:
    return pd.DataFrame([
        _claim(1, 1, "Armenia", HOSTILE, date_="2020-10-19", disputed_by="Azerbaijan|Russia"),
        _claim(2, 1, "Azerbaijan", "Baku said it repelled an attack.", date_="2020-10-20", kind="territorial"),
        _claim(3, 2, "Armenia", "Yerevan said the talks failed.", date_=None, published="2020-10-24",
               kind="diplomatic", source="Agency B"),
        _claim(4, 3, "Other", "Analysts say nothing.", date_="2020-10-25", kind="statement", source="Agency B"),
        _claim(5, 1, "USA", "Washington said both towns were shelled.", date_="2020-10-12",
               date_end="2020-10-18"),
    ])


@pytest.fixture
def claim_places() -> pd.DataFrame:
    return pd.DataFrame({"claim_id": [1, 1, 2, 5, 5, 5], "mention_id": [7, 8, 6, 1, 5, 7]})


# ------------------------------------------------------------------------------------ claim_layer
def test_claim_layer_places_and_fallbacks(claims, claim_places, mentions):
    layer = claim_layer(claims, claim_places, mentions)
    assert isinstance(layer, gpd.GeoDataFrame) and layer.crs == "EPSG:4326"
    assert list(layer.columns) == CLAIM_COLUMNS
    spots = {(int(r.claim_id), r.place_key): (r.location, bool(r.approximate)) for r in layer.itertuples()}
    # Claim 1 names Shusha twice: one point there.
    assert spots[(1, "g:shusha")] == (LOCATION_NAMED, False)
    assert len(layer.loc[layer["claim_id"] == 1]) == 1
    # Claim 2 names Baku only as an actor ("Baku said"): drawn at its article's focus, the most
    # mentioned place that is not a country (Stepanakert, tied with Shusha but named first).
    assert spots[(2, "g:stepanakert")] == (LOCATION_FOCUS, True)
    assert (2, "g:baku") not in spots
    # Claim 3's article names only a country: the country is its focus.
    assert spots[(3, "country:AM")] == (LOCATION_FOCUS, True)
    # Claim 4's article has no resolved place: not drawn.
    assert 4 not in set(layer["claim_id"])
    # Claim 5 names Stepanakert twice and Shusha: two points.
    assert sorted(layer.loc[layer["claim_id"] == 5, "place_key"]) == ["g:shusha", "g:stepanakert"]
    point = layer.loc[(layer["claim_id"] == 5) & (layer["place_key"] == "g:shusha"), "geometry"].iloc[0]
    assert (round(point.x, 3), round(point.y, 3)) == (46.749, 39.758)


def test_claim_layer_disputes(claims, claim_places, mentions):
    layer = claim_layer(claims, claim_places, mentions)
    first = layer.loc[layer["claim_id"] == 1].iloc[0]
    assert bool(first["disputed"]) and first["disputed_by"] == ["Azerbaijan", "Russia"]
    assert first["disputing_claim_ids"] == []
    assert not layer.loc[layer["claim_id"] == 2, "disputed"].iloc[0]
    disputes = pd.DataFrame({"claim_id": [1, 1, 2], "disputed_by": ["Azerbaijan", "Russia", "Armenia"],
                             "disputing_claim_id": [2, None, 1]})
    linked = claim_layer(claims, claim_places, mentions, disputes)
    assert linked.loc[linked["claim_id"] == 1, "disputing_claim_ids"].iloc[0] == [2]
    second = linked.loc[linked["claim_id"] == 2].iloc[0]
    assert bool(second["disputed"]) and second["disputed_by"] == ["Armenia"]
    assert second["disputing_claim_ids"] == [1]


def test_claim_layer_follows_corrected_mentions(claims, claim_places, mentions):
    """A mention later marked metonymic (a correction) no longer places its claim."""
    corrected = mentions.copy()
    corrected.loc[corrected["mention_id"].isin([7, 8]), "metonymic"] = 1
    layer = claim_layer(claims, claim_places, corrected)
    assert layer.loc[layer["claim_id"] == 1, "location"].tolist() == [LOCATION_FOCUS]


def test_claim_layer_empty_inputs(mentions):
    empty = claim_layer(pd.DataFrame(), pd.DataFrame(columns=["claim_id", "mention_id"]), mentions)
    assert empty.empty and list(empty.columns) == CLAIM_COLUMNS
    one = pd.DataFrame([_claim(9, 1, "Armenia", date_="2020-10-20")])
    layer = claim_layer(one, pd.DataFrame(columns=["claim_id", "mention_id"]), mentions)
    assert layer["location"].tolist() == [LOCATION_FOCUS]
    assert claim_layer(one, pd.DataFrame(columns=["claim_id", "mention_id"]), mentions.iloc[0:0]).empty


def test_article_focus_places(mentions):
    focus = article_focus_places(mentions).set_index("article_id")["place_key"].to_dict()
    assert focus == {1: "g:stepanakert", 2: "country:AM"}


# ------------------------------------------------------------------------------------ filters
def test_claims_in_range(claims):
    ids = lambda df: sorted(df["claim_id"].tolist())  # noqa: E731
    d = date.fromisoformat
    in_range = lambda lo, hi: filter_claims(claims, ViewState(date_from=lo, date_to=hi))  # noqa: E731
    assert ids(in_range(d("2020-10-19"), d("2020-10-20"))) == [1, 2]
    # A dated range (claim 5: 12-18 October) overlaps; an undated claim counts at its article's date.
    assert ids(in_range(date(2020, 10, 15), date(2020, 10, 15))) == [5]
    assert ids(in_range(d("2020-10-24"), d("2020-10-24"))) == [3]
    assert ids(in_range(d("2020-10-21"), None)) == [3, 4]
    assert ids(in_range(None, d("2020-10-12"))) == [5]
    assert len(in_range(None, None)) == len(claims)


def test_mentions_in_range(mentions):
    in_range = lambda lo, hi: filter_mentions(mentions, ViewState(date_from=lo, date_to=hi))  # noqa: E731
    assert sorted(in_range(date(2020, 10, 24), date(2020, 10, 30))["mention_id"]) == [9, 10]
    assert len(in_range(None, date(2020, 10, 20))) == 8


def test_filter_claims_on_table_and_layer(claims, claim_places, mentions):
    table = claim_table(claims)
    assert table["disputed"].tolist() == [True, False, False, False, False]
    assert table["date_label"].tolist()[2:] == ["undated", "2020-10-25", "2020-10-12 – 2020-10-18"]
    assert filter_claims(table, ViewState(claimants=("Armenia",)))["claim_id"].tolist() == [1, 3]
    assert filter_claims(table, ViewState(kinds=("diplomatic", "statement")))["claim_id"].tolist() == [3, 4]
    assert filter_claims(table, ViewState(sources=("Agency B",), claimants=("Other",)))["claim_id"].tolist() == [4]
    assert filter_claims(table, ViewState(disputed_only=True))["claim_id"].tolist() == [1]
    assert filter_claims(claims, ViewState(disputed_only=True))["claim_id"].tolist() == [1]  # the store's layout
    layer = claim_layer(claims, claim_places, mentions)
    assert set(filter_claims(layer, ViewState(disputed_only=True))["claim_id"]) == {1}
    assert len(filter_claims(table, ViewState())) == len(table)


def test_claim_date_label():
    assert claim_date_label("2020-10-23") == "2020-10-23"
    assert claim_date_label("2020-10-19", "2020-10-25", "week") == "2020-10-19 – 2020-10-25 (week)"
    assert claim_date_label(None) == "undated"


# ------------------------------------------------------------------------------------ map layer
def _claims_map(layer: gpd.GeoDataFrame, **kwargs):
    from geo.layers.places import place_layer

    empty = pd.DataFrame(columns=["mention_id", "place_key"])
    return build_map(place_layer(empty), empty, {}, claims=layer, **kwargs)


def test_claims_are_one_layer_with_legend(claims, claim_places, mentions):
    layer = claim_layer(claims, claim_places, mentions)
    m = _claims_map(layer)
    assert map_summary(m) == {LAYER_NAMES["claims"]: "ClaimLayer"}
    props = feature_properties(m, LAYER_NAMES["claims"])
    assert len(props) == len(layer) == 5
    by_spot = {(p["claim_id"], p["place_key"]): p for p in props}
    assert by_spot[(1, "g:shusha")]["disputed"] == 1
    assert by_spot[(2, "g:stepanakert")]["approximate"] == 1
    html = m.get_root().render()
    # The popup builder is static/claim-atlas/map.js: the page loads it, the standalone page inlines it.
    assert "/app/static/claim-atlas/map.js" in html
    page = offline_map_html(m)
    assert "location: article focus (approximate)" in page
    assert "not a verified fact" in page
    assert "ca-claim-legend" in html and LAYER_NAMES["claims"] in html  # legend and layer control
    styles = next(c for c in m._children.values() if isinstance(c, ClaimLayer)).styles_json
    assert DISPUTED_COLOR in styles and "ca-claim-disputed" in styles and "ca-claim-approx" in styles
    # Claims at one spot fan out: no two share an offset there.
    at_shusha = [tuple(p["o"]) for p in props if p["place_key"] == "g:shusha"]
    assert len(at_shusha) == 2 and len(set(at_shusha)) == 2
    assert _claims_map(layer, legends=False).get_root().render().count("ca-claim-legend") == 0


def test_hostile_claim_text_is_inert_on_the_map(claims, claim_places, mentions):
    hostile = claims.copy()
    hostile["claimant_text"] = f"spokesman {IMG} {TEMPLATE} {JINJA}"
    hostile["title"] = f"<script>alert(1)</script> {JINJA}"
    hostile["source"] = f"Agency {IMG}"
    hostile.loc[1, "claimant"] = f"<b>{JINJA}</b>"  # a claimant outside the registry
    hostile.loc[1, "disputed_by"] = f"{IMG}|{JINJA}"
    layer = claim_layer(hostile, claim_places, mentions)
    html = _claims_map(layer).get_root().render()
    for raw in (IMG, TEMPLATE, "<script>alert(1)</script>", "`rm`", "{{7*7}}", "<b>before"):
        assert raw not in html, raw
    assert "before49after" not in html  # the template was not evaluated
    # Escaped, then JSON-encoded for the script (& as \u0026): shown as text by the browser.
    for shown in ("&lt;img src=x onerror=alert(1)&gt;", "&#36;&#123;alert(1)&#125;", "before&#123;&#123;7*7&#125;&#125;after"):
        assert shown.replace("&", "\\u0026") in html, shown


def test_claimant_colours_are_stable():
    assert claimant_color("Armenia") == CLAIMANT_COLORS["Armenia"]
    assert claimant_color("Some new body") == claimant_color("Some new body")
    assert DISPUTED_COLOR not in CLAIMANT_COLORS.values()


def test_claim_offsets_fan_out_per_spot():
    offsets = claim_offsets(np.array([40.0, 40.0, 40.0, 41.0]), np.array([46.0, 46.0, 46.0, 47.0]))
    assert offsets[0] == offsets[3]  # first at each spot: same slot
    assert len({tuple(o) for o in offsets[:3]}) == 3
    assert all(12 < np.hypot(*o) < 40 for o in offsets)  # around the place's own marker, not on it


def test_many_claims_build_fast():
    rng = np.random.default_rng(1)
    n = 5000
    mentions = pd.DataFrame({
        "mention_id": np.arange(1, n + 1), "article_id": rng.integers(1, 400, n), "start": 0,
        "place_key": [f"p:{i}" for i in rng.integers(0, 800, n)], "place_name": "P", "feature_type": "settlement",
        "country": "AZ", "lat": rng.uniform(38, 43, n), "lon": rng.uniform(43, 50, n), "metonymic": 0,
        "not_a_place": 0, "published": "2020-10-20",
    })
    claims = pd.DataFrame([_claim(i, int(mentions["article_id"][i - 1]), ["Armenia", "Azerbaijan", "USA"][i % 3],
                                  date_="2020-10-20", disputed_by="Armenia" if i % 7 == 0 else None)
                           for i in range(1, n + 1)])
    claim_places = pd.DataFrame({"claim_id": np.arange(1, n + 1), "mention_id": np.arange(1, n + 1)})
    t0 = time.perf_counter()
    layer = claim_layer(claims, claim_places, mentions)
    html = _claims_map(layer).get_root().render()
    elapsed = time.perf_counter() - t0
    assert len(layer) == n and html.count('"claim_id"') == n
    assert elapsed < 5, elapsed  # about 0.3 s here


# ------------------------------------------------------------------------------------ claim HTML
def test_claim_paragraph_html_escapes_and_marks():
    text = f"Headline\n\nIntro {IMG} before.\n\nFirst. {HOSTILE} After it.\n\nNext paragraph."
    start = text.index(HOSTILE)
    html = app.claim_paragraph_html(text, start, start + len(HOSTILE))
    assert "Headline" not in html and "Next paragraph" not in html and "Intro" not in html
    assert "First. <mark" in html and "</mark> After it." in html
    for raw in (IMG, TEMPLATE, "{{7*7}}", "`rm`"):
        assert raw not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    long = "x " * 3000 + "CLAIM" + " y" * 3000
    cut = app.claim_paragraph_html(long, long.index("CLAIM"), long.index("CLAIM") + 5, max_chars=200)
    assert cut.count("…") == 2 and '<mark class="ca-claim"' in cut and len(cut) < 600


def test_claim_header_html_escapes(claims):
    row = claim_table(claims).iloc[0].to_dict()
    row["title"] = f"<script>alert(1)</script>{JINJA}"
    row["url"] = "javascript:alert(1)"
    html = app.claim_header_html(row, disputing=[7])
    assert "<script>" not in html and "{{7*7}}" not in html and "javascript:" not in html
    assert "Disputed by Azerbaijan, Russia" in html and 'href="claims?claim=7"' in html
    assert "not a verified fact" in html and "the Armenia ministry" in html
    # The claim's whole sentence (hostile text escaped) heads the panel.
    assert "<blockquote class='ca-claim-text'" in html and app.escape_text(HOSTILE) in html


def test_claims_sort_orders_and_places(claims, claim_places, mentions):
    table = claim_table(claims)
    assert list(sort_claims(table, "Date, newest first")["claim_id"]) == [4, 2, 1, 5, 3]  # undated last
    assert list(sort_claims(table, "Date, oldest first")["claim_id"]) == [5, 1, 2, 4, 3]
    assert list(sort_claims(table, "Claimant")["claim_id"]) == [1, 3, 2, 4, 5]
    assert list(sort_claims(table, "Disputed first")["claim_id"])[0] == 1
    assert list(sort_claims(table, "no such order")["claim_id"]) == [1, 2, 3, 4, 5]
    places = claim_place_names(claim_layer(claims, claim_places, mentions))
    assert places[5] in ("Stepanakert, Shusha", "Shusha, Stepanakert")
    assert places[2].endswith("(approximate)") and 4 not in places
