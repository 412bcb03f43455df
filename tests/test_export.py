"""Exports of a view (geo/export.py): read back with geopandas / pandas, they match the view."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from synthetic_data import synthetic_mentions

from geo.layers.places import place_layer, plottable_mentions
from geo.mapping import export
from geo.store.sqlite import Store


@pytest.fixture
def data(corpus_db: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    store = Store(corpus_db)
    try:
        return store.mentions_df(), store.claims_df(), store.claim_places_df()
    finally:
        store.close()


def views(mentions: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The full view and two filtered ones, as the pages make them."""
    return {
        "all": mentions,
        "confident": mentions.loc[mentions["confidence"].fillna(0) >= 0.8],
        "settlements": mentions.loc[mentions["feature_type"] == "settlement"],
    }


def read_gpkg(data: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "view.gpkg"
    path.write_bytes(data)
    return path


def assert_places_match(read: gpd.GeoDataFrame, view: pd.DataFrame) -> None:
    expected = place_layer(view)
    assert len(read) == len(expected)
    assert list(read["place_key"]) == list(expected["place_key"])
    assert list(read["mention_count"]) == list(expected["mention_count"])
    assert [json.loads(v) for v in read["mention_ids"]] == [list(v) for v in expected["mention_ids"]]
    for got, want in zip(read.geometry, expected.geometry, strict=True):
        assert got.geom_type.replace("Multi", "") == want.geom_type.replace("Multi", "")
        assert got.equals_exact(want, 1e-9) or got.symmetric_difference(want).area < 1e-9
    points = expected.geometry.geom_type == "Point"
    assert np.allclose(read.loc[points.to_numpy(), "lat"], expected.loc[points, "lat"])


def assert_mentions_match(read: pd.DataFrame, view: pd.DataFrame, geometry: bool = True) -> None:
    assert len(read) == len(view)
    assert list(read["mention_id"]) == list(view["mention_id"])
    assert np.allclose(read["lat"].astype(float), view["lat"].astype(float), equal_nan=True)
    assert np.allclose(read["lon"].astype(float), view["lon"].astype(float), equal_nan=True)
    if geometry:
        resolved = view["lat"].notna().to_numpy()
        geoms = read.geometry.to_numpy()
        assert all(g is None or g.is_empty for g in geoms[~resolved])
        assert np.allclose([g.x for g in geoms[resolved]], view.loc[resolved, "lon"].astype(float))
        assert np.allclose([g.y for g in geoms[resolved]], view.loc[resolved, "lat"].astype(float))
    plotted = set(plottable_mentions(view)["mention_id"])
    assert {int(i) for i in read.loc[read["plotted"].astype(bool), "mention_id"]} == plotted


# --------------------------------------------------------------------------- GeoJSON


@pytest.mark.integration
@pytest.mark.parametrize("name", ["all", "confident", "settlements"])
def test_geojson_places_and_mentions_match_the_view(data, name):
    mentions, _claims, _links = data
    view = views(mentions)[name]
    places = gpd.read_file(io.BytesIO(export.export_geojson(view, "places")))
    assert places.crs is None or places.crs.to_epsg() == 4326
    assert_places_match(places, view)
    read = gpd.read_file(io.BytesIO(export.export_geojson(view, "mentions")))
    assert_mentions_match(read, view)
    assert "candidates" not in read.columns


@pytest.mark.integration
def test_geojson_claims_have_the_points_of_their_places(data):
    mentions, claims, links = data
    assert not claims.empty, "the bundled corpus has claims"
    read = gpd.read_file(io.BytesIO(export.export_geojson(mentions, "claims", claims=claims, claim_places=links)))
    assert list(read["claim_id"]) == list(claims["claim_id"])
    coords = mentions.dropna(subset=["lat"]).set_index("mention_id")
    for row in read.itertuples(index=False):
        mids = [m for m in links.loc[links["claim_id"] == row.claim_id, "mention_id"] if m in coords.index]
        if not mids:
            assert row.geometry is None or row.geometry.is_empty
            continue
        want = {(round(float(coords.loc[m, "lon"]), 6), round(float(coords.loc[m, "lat"]), 6)) for m in mids}
        got = {(round(p.x, 6), round(p.y, 6)) for p in row.geometry.geoms}
        assert got == want
        assert sorted(json.loads(row.mention_ids)) == sorted(links.loc[links["claim_id"] == row.claim_id,
                                                                       "mention_id"])


@pytest.mark.integration
def test_unknown_layer_is_refused(data):
    with pytest.raises(ValueError, match="unknown layer"):
        export.export_geojson(data[0], "rivers")
    with pytest.raises(ValueError, match="needs the claims"):
        export.export_geojson(data[0], "claims")


# --------------------------------------------------------------------------- CSV


@pytest.mark.integration
@pytest.mark.parametrize("name", ["all", "confident"])
def test_csv_mentions_match_the_view(data, name):
    view = views(data[0])[name]
    read = pd.read_csv(io.BytesIO(export.export_csv(view)))
    assert_mentions_match(read, view, geometry=False)
    assert set(read["sentence"].dropna()) <= set(view["sentence"].dropna()) | {
        "'" + s for s in view["sentence"].dropna()}


@pytest.mark.integration
def test_csv_places_and_claims(data):
    mentions, claims, links = data
    places = pd.read_csv(io.BytesIO(export.export_csv(mentions, "places")))
    assert list(places["place_key"]) == list(place_layer(mentions)["place_key"])
    assert places["wkt"].str.match(r"^(POINT|LINESTRING|MULTILINESTRING|POLYGON|MULTIPOLYGON)").all()
    read = pd.read_csv(io.BytesIO(export.export_csv(mentions, "claims", claims=claims, claim_places=links)))
    assert list(read["claim_id"]) == list(claims["claim_id"])
    assert list(read["claimant"]) == list(claims["claimant"])


def test_csv_neutralises_spreadsheet_formulas():
    view = synthetic_mentions(3)
    view.loc[0, "sentence"] = '=HYPERLINK("http://evil.example","click")'
    view.loc[1, "source"] = "@SUM(A1:A9)"
    read = pd.read_csv(io.BytesIO(export.export_csv(view)))
    assert read.loc[0, "sentence"] == '\'=HYPERLINK("http://evil.example","click")'
    assert read.loc[1, "source"] == "'@SUM(A1:A9)"
    raw = pd.read_csv(io.BytesIO(export.export_csv(view, spreadsheet_safe=False)))
    assert raw.loc[0, "sentence"].startswith("=HYPERLINK")
    assert np.allclose(read["lat"], view["lat"])  # numbers are left alone


# --------------------------------------------------------------------------- GeoPackage


@pytest.mark.integration
@pytest.mark.parametrize("name", ["all", "settlements"])
def test_geopackage_layers_match_the_view(data, tmp_path, name):
    mentions, claims, links = data
    view = views(mentions)[name]
    view_claims = claims.loc[claims["article_id"].isin(set(view["article_id"]))]
    path = read_gpkg(export.export_gpkg(view, view_claims, links), tmp_path)
    assert [str(n) for n in pyogrio.list_layers(path)[:, 0]] == ["places", "mentions", "claims"]
    assert_places_match(gpd.read_file(path, layer="places"), view)
    assert_mentions_match(gpd.read_file(path, layer="mentions"), view)
    read = gpd.read_file(path, layer="claims")
    assert list(read["claim_id"]) == list(view_claims["claim_id"])
    assert gpd.read_file(path, layer="mentions").crs.to_epsg() == 4326


@pytest.mark.integration
def test_geopackage_without_claims_has_no_claims_layer(data, tmp_path):
    path = read_gpkg(export.export_gpkg(data[0]), tmp_path)
    assert [str(n) for n in pyogrio.list_layers(path)[:, 0]] == ["places", "mentions"]


@pytest.mark.integration
def test_geopackage_of_an_empty_view_is_valid(data, tmp_path):
    empty = data[0].iloc[0:0]
    path = read_gpkg(export.export_gpkg(empty, data[1].iloc[0:0]), tmp_path)
    assert [str(n) for n in pyogrio.list_layers(path)[:, 0]] == ["mentions"]
    assert gpd.read_file(path, layer="mentions").empty


def test_exports_scale_to_many_places(tmp_path):
    view = synthetic_mentions(400, mentions_per_place=3)
    path = read_gpkg(export.export_gpkg(view), tmp_path)
    assert len(gpd.read_file(path, layer="places")) == 400
    assert len(gpd.read_file(path, layer="mentions")) == 1200
    assert len(gpd.read_file(io.BytesIO(export.export_geojson(view, "places")))) == 400


# --------------------------------------------------------------------------- HTML


_OUTSIDE = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)


@pytest.mark.integration
def test_html_map_is_standalone_and_offline(data):
    mentions = data[0]
    html = export.export_html(views(mentions)["confident"]).decode("utf-8")
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "<title>Claim Atlas map</title>" in html
    assert not _OUTSIDE.search(html), _OUTSIDE.search(html).group(0)
    assert "/app/static" not in html  # nothing to fetch from the app either
    assert "L.map(" in html and "Nagorno-Karabakh" in html


def test_html_map_escapes_hostile_text():
    view = synthetic_mentions(2)
    view.loc[0, "sentence"] = "Shelling <script>alert(1)</script> hit {{ 7919 * 7907 }} and ${alert(2)}."
    view.loc[0, "title"] = "<img src=x onerror=alert(3)>"
    html = export.export_html(view, {}).decode("utf-8")
    for raw in ("<script>alert(1)</script>", "<img src=x", "${alert(2)}", "{{ 7919"):
        assert raw not in html
    assert "62615633" not in html
    assert not _OUTSIDE.search(html)
