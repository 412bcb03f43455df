"""The theatre of a view (which war, which countries, where the map opens) and the conflict filter:
made-up places, mentions and claims, the shipped profiles and world layers; no model."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.config import PROJECT_ROOT
from geo.layers.filters import explain_empty, filter_articles, filter_claims, filter_mentions
from geo.layers.reference import (
    THEATRE_ADMIN1,
    THEATRE_COUNTRIES,
    basemap_layer,
    reference_layers,
    theatre_layers,
    world_layers,
)
from geo.layers.theatre import WORLD_VIEW, Theatre, article_conflicts, conflict_article_ids, theatre
from geo.layers.view import ViewState, Vocabulary, parse_view, to_query_params
from geo.mapping.build import build_map
from geo.profiles import load_profiles

REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"


@pytest.fixture(scope="module")
def profiles():
    return tuple(load_profiles(PROJECT_ROOT / "data" / "conflicts"))


def _places(rows: list[tuple[str, str, str, float, float, int]]) -> gpd.GeoDataFrame:
    """Places as geo.layers.place_layer gives them: (key, name, country, lat, lon, mentions)."""
    df = pd.DataFrame(rows, columns=["place_key", "place_name", "country", "lat", "lon", "mention_count"])
    df = df.assign(feature_type="settlement", precision=1, max_confidence=0.9, mean_confidence=0.9, articles=1,
                   mention_ids=[[i] for i in range(len(df))], article_ids=[[1]] * len(df))
    return gpd.GeoDataFrame(df, geometry=[Point(lon, lat) for lat, lon in zip(df["lat"], df["lon"], strict=True)],
                            crs="EPSG:4326")


KARABAKH = _places([("g:1", "Stepanakert", "AZ", 39.82, 46.75, 6), ("g:2", "Yerevan", "AM", 40.18, 44.51, 3),
                    ("g:3", "Washington", "US", 38.9, -77.04, 2)])
SUDAN = _places([("g:4", "Khartoum", "SD", 15.5, 32.53, 4), ("g:5", "El Fasher", "SD", 13.63, 25.35, 2),
                 ("g:6", "Paris", "FR", 48.85, 2.35, 1)])
MALI = _places([("g:9", "Bamako", "ML", 12.65, -8.0, 2)])
GAZA = _places([("g:7", "Khan Younis", "PS", 31.34, 34.31, 3), ("g:8", "Rafah", "PS", 31.29, 34.25, 2)])


def test_the_karabakh_view_draws_the_profiles_own_layers_only(profiles):
    scene = theatre(KARABAKH, pd.DataFrame({"claimant": ["Armenia", "USA"]}), profiles)
    assert scene.profiles == ("karabakh-2020",)
    # The Karabakh profile's own layers draw its countries: nothing comes from the world layers.
    assert scene.countries == () and scene.admin1 == ()
    assert [key for key, _file, _name in scene.layers] == [
        "countries_south_caucasus", "admin1_aze_arm", "nagorno_karabakh_pre2020", "borders_pairwise", "pipelines_gem"]
    assert (scene.center, scene.zoom) == ((40.2, 46.5), 6)


def test_another_war_draws_its_countries_from_the_world_layers(profiles):
    scene = theatre(SUDAN, None, profiles)
    assert scene.profiles == ("sudan",) and scene.names == ("War in Sudan",)
    assert scene.admin1 == ("SD",)  # the core's countries and the states at war: regions too
    assert scene.countries[0] == "SD" and {"TD", "SS", "EG"} <= set(scene.countries)  # neighbours: borders only
    assert "FR" not in scene.countries  # Paris is an outlier, not the theatre
    assert scene.layers == ()  # no Caucasus layers
    assert (scene.center, scene.zoom) == ((14.5, 30.0), 5)


def test_places_of_no_war_draw_their_own_countries(profiles):
    alone = theatre(MALI, None, profiles)
    assert alone.profiles == () and alone.admin1 == ("ML",) and alone.countries == ("ML",)
    assert (alone.center, alone.zoom) == WORLD_VIEW


def test_a_war_applies_through_its_parties_claims(profiles):
    # Places in Mali, but an M23 claim: the DR Congo war applies as well (its states drawn too).
    scene = theatre(MALI, pd.DataFrame({"claimant": ["M23"]}), profiles)
    assert scene.profiles == ("drc-m23",) and scene.admin1 == ("ML", "CD", "RW")


def test_gaza_is_of_the_israel_gaza_lebanon_war(profiles):
    scene = theatre(GAZA, None, profiles)
    assert scene.profiles == ("israel-gaza-lebanon",)
    assert scene.admin1 == ("PS", "IL", "LB") and "JO" in scene.countries and "PS" not in scene.countries[3:]


def test_a_state_claimant_does_not_pull_in_another_war(profiles):
    # Russia speaks in the Karabakh war too: only non-state parties tie claims to a war.
    scene = theatre(KARABAKH, pd.DataFrame({"claimant": ["Russia"]}), profiles)
    assert scene.profiles == ("karabakh-2020",)


def test_an_empty_view_opens_on_the_chosen_conflict_or_the_world(profiles):
    assert theatre(None, None, profiles) == Theatre()
    assert (Theatre().center, Theatre().zoom) == WORLD_VIEW
    chosen = theatre(None, None, profiles, conflicts=("drc-m23",))
    assert chosen.profiles == ("drc-m23",) and (chosen.center, chosen.zoom) == ((-1.7, 29.2), 7)
    assert chosen.admin1 == ("CD", "RW")


def _mentions(rows: list[tuple[int, int, str | None, int]]) -> pd.DataFrame:
    """(mention_id, article_id, country, not_a_place)."""
    df = pd.DataFrame(rows, columns=["mention_id", "article_id", "country", "not_a_place"])
    df["place_key"] = [f"g:{c}" if c else None for c in df["country"]]
    return df.assign(published="2024-03-05", source="Wire", confidence=0.9, text="x", place_name="x")


MENTIONS = _mentions([
    (1, 1, "UA", 0), (2, 1, "UA", 0), (3, 1, "RU", 0), (4, 1, "US", 0),  # Ukraine: 3 of 4 in its states
    (5, 2, "AZ", 0), (6, 2, "AM", 0), (7, 2, "AZ", 0), (8, 2, "RU", 0),  # Karabakh naming Moscow once
    (9, 3, "FR", 0), (10, 3, None, 0), (11, 3, "SD", 1),  # no war's places (Sudan read as not a place)
    (12, 4, "FR", 0),  # a claim of the RSF makes it Sudan's
])
CLAIMS = pd.DataFrame({"claim_id": [1, 2, 3, 4], "article_id": [1, 2, 3, 4],
                       "claimant": ["Ukraine", "Armenia", "Other", "RSF"], "text": ["a", "b", "c", "d"],
                       "source": "Wire", "published": "2024-03-05", "kind": "military"})


def test_articles_belong_to_the_wars_of_their_places_and_parties(profiles):
    found = article_conflicts(MENTIONS, CLAIMS, profiles)
    assert found == {1: ("russia-ukraine",), 2: ("karabakh-2020",), 4: ("sudan",)}
    assert conflict_article_ids(found, ["sudan", "karabakh-2020"]) == {2, 4}
    assert article_conflicts(MENTIONS.iloc[0:0], None, profiles) == {}


def test_the_conflict_filter_keeps_its_articles_mentions_and_claims(profiles):
    view = ViewState(conflicts=("russia-ukraine",))
    ids = conflict_article_ids(article_conflicts(MENTIONS, CLAIMS, profiles), view.conflicts)
    mentions = filter_mentions(MENTIONS, view, conflict_article_ids=ids)
    claims = filter_claims(CLAIMS, view, conflict_article_ids=ids)
    assert mentions["mention_id"].tolist() == [1, 2, 3, 4]
    assert claims["claim_id"].tolist() == [1]
    articles = pd.DataFrame({"id": [1, 2, 3, 4], "source": "Wire", "published": "2024-03-05"})
    assert filter_articles(articles, view, mentions, claims)["id"].tolist() == [1]
    # Other filters still apply on top.
    assert filter_claims(CLAIMS, view.with_changes(claimants=("Russia",)), conflict_article_ids=ids).empty
    assert "conflict(s) russia-ukraine" in explain_empty(view)


def test_the_conflict_filter_is_in_the_link_and_checked(profiles):
    vocab = Vocabulary(conflicts=frozenset(p.id for p in profiles))
    view, notes = parse_view({"conflict": ["sudan", "atlantis", "sudan"]}, vocab)
    assert view.conflicts == ("sudan",) and view.has_filters
    assert notes == ["Ignored the unknown conflict 'atlantis'."]
    assert to_query_params(ViewState(conflicts=("sudan", "drc-m23"), date_from=date(2024, 1, 1))) == {
        "from": "2024-01-01", "conflict": ["sudan", "drc-m23"]}
    assert parse_view(to_query_params(view), vocab) == (view, [])


#: No popup rows (the map's places are given directly).
NO_MENTIONS = pd.DataFrame(columns=["place_key", "article_id", "source", "published", "title", "sentence", "text",
                                    "confidence", "precision", "runner_up_name", "runner_up_confidence", "mention_id",
                                    "not_a_place", "metonymic"])


@pytest.fixture(scope="module")
def world():
    return world_layers(REFERENCE_DIR)


def test_theatre_layers_are_cut_from_the_world_layers(world, profiles):
    layers = theatre_layers(world, theatre(SUDAN, None, profiles))
    assert set(layers) == {THEATRE_COUNTRIES, THEATRE_ADMIN1}
    assert set(layers[THEATRE_ADMIN1]["iso_a2"]) == {"SD"} and len(layers[THEATRE_ADMIN1]) >= 10
    assert {"SD", "TD", "SS"} <= set(layers[THEATRE_COUNTRIES]["iso_a2"])
    assert theatre_layers(world, Theatre()) == {}


def test_the_map_draws_the_theatre_and_opens_on_its_places(world, profiles):
    scene = theatre(SUDAN, None, profiles)
    reference = {"basemap": basemap_layer(REFERENCE_DIR), **theatre_layers(world, scene)}
    mentions = NO_MENTIONS
    html = build_map(SUDAN, mentions, reference, home=(scene.center, scene.zoom)).get_root().render()
    assert "ca-ref-theatre_countries" in html and "ca-ref-theatre_admin1" in html
    assert "Provinces and regions of the theatre" in html and "provinces and regions" in html  # control, legend
    assert "ca-ref-pipelines_gem" not in html and "Nagorno-Karabakh before 2020" not in html
    assert "fitBounds" in html
    # Nothing to frame: the theatre's own view.
    empty = build_map(SUDAN.iloc[0:0], mentions, reference, home=(scene.center, scene.zoom)).get_root().render()
    assert "[14.5, 30.0]" in empty and "fitBounds" not in empty


def test_the_karabakh_map_keeps_its_layers(profiles):
    scene = theatre(KARABAKH, None, profiles)
    shared = reference_layers(REFERENCE_DIR)
    reference = {key: shared[key] for key, _file, _name in scene.layers}
    mentions = NO_MENTIONS
    html = build_map(KARABAKH, mentions, reference).get_root().render()
    order = [html.index(f"ca-ref-{key}") for key in reference]
    assert order == sorted(order)  # drawn in the profile's order
    assert "ca-ref-theatre" not in html
    assert "Nagorno-Karabakh before 2020" in html and "oil" in html
