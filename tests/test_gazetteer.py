"""The offline gazetteer (geo/gazetteer.py): exact, alias, folded and fuzzy lookups, layers,
geometry, and the build's fingerprint. Uses the session's shared index (see conftest.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from geo.config import Settings
from geo.gazetteer import Gazetteer, build_gazetteer, importance, source_fingerprint
from geo.resolve import haversine_km

KHOJAVEND = "geonames:146969"  # Xocavənd / Martuni (Karabakh)
KHANKENDI = "geonames:146970"  # Stepanakert
MARTUNI_AM = "geonames:616438"  # Martuni, Gegharkunik province, Armenia
NK_REGION = "ref:breakaway:B38"


def keys(cands) -> list[str]:
    return [c.place.key for c in cands]


def keys_of(places) -> list[str]:
    return [p.key for p in places]


# --------------------------------------------------------------------------- exact lookups


def test_lookup_by_primary_name(gazetteer: Gazetteer) -> None:
    cands = gazetteer.lookup("Khojavend")
    assert cands[0].place.key == KHOJAVEND
    assert cands[0].match == "name"
    assert cands[0].name_score == 1.0
    assert cands[0].place.feature_type == "settlement"
    assert cands[0].place.country == "AZ"


def test_lookup_by_local_spelling_with_diacritics(gazetteer: Gazetteer) -> None:
    cands = gazetteer.lookup("Xocavənd")
    assert KHOJAVEND in keys(cands)
    # The folded spelling finds the same place.
    assert KHOJAVEND in keys(gazetteer.lookup("Xocavend"))
    assert KHOJAVEND in keys(gazetteer.lookup("XOCAVƏND"))


def test_lookup_by_alternate_name(gazetteer: Gazetteer) -> None:
    cands = gazetteer.lookup("Stepanakert")
    by_key = {c.place.key: c for c in cands}
    assert KHANKENDI in by_key
    assert by_key[KHANKENDI].place.name == "Khankendi"
    assert by_key[KHANKENDI].match == "alternate"
    assert by_key[KHANKENDI].name_score < 1.0


def test_lookup_martouni_is_an_alternate_of_khojavend(gazetteer: Gazetteer) -> None:
    cands = gazetteer.lookup("Martouni")
    assert cands[0].place.key == KHOJAVEND
    assert cands[0].match == "alternate"


@pytest.mark.parametrize("name", ["Nagorno Karabakh", "Nagorno-Karabakh", "Nagorno–Karabakh", "nagorno karabakh"])
def test_nagorno_karabakh_spellings_find_the_region_polygon(gazetteer: Gazetteer, name: str) -> None:
    cands = gazetteer.lookup(name)
    assert cands, name
    nk = cands[0].place
    assert nk.key == NK_REGION
    assert nk.feature_type == "region"
    assert nk.geometry is not None
    assert nk.geometry["type"] in ("Polygon", "MultiPolygon")
    # Its representative point lies in Karabakh.
    assert 39.0 < nk.lat < 40.5 and 46.0 < nk.lon < 47.5


@pytest.mark.parametrize("name", ["US", "U.S.", "USA", "United States", "America"])
def test_us_aliases_include_the_country(gazetteer: Gazetteer, name: str) -> None:
    cands = gazetteer.lookup(name)
    by_key = {c.place.key: c for c in cands}
    assert "country:US" in by_key, name
    assert by_key["country:US"].place.feature_type == "country"
    assert by_key["country:US"].match in ("name", "alias")


def test_results_are_ordered_by_match_kind(gazetteer: Gazetteer) -> None:
    order = {"name": 0, "alias": 1, "alternate": 2}
    for name in ("Martuni", "Stepanakert", "America", "Paris"):
        ranks = [order[c.match] for c in gazetteer.lookup(name)]
        assert ranks == sorted(ranks), name


@pytest.mark.parametrize("name", ["Qwzxplk", "Zzyzzyvax", "", "   ", "Երևան"])
def test_unknown_names_give_nothing(gazetteer: Gazetteer, name: str) -> None:
    assert gazetteer.lookup(name) == []
    assert gazetteer.candidates(name) == []
    assert not gazetteer.has_name(name)


def test_has_name(gazetteer: Gazetteer) -> None:
    assert gazetteer.has_name("Yerevan")
    assert gazetteer.has_name("Nagorno–Karabakh")
    assert not gazetteer.has_name("Qwzxplk")


def test_country_restriction(gazetteer: Gazetteer) -> None:
    everywhere = keys(gazetteer.lookup("Martuni"))
    assert MARTUNI_AM in everywhere and KHOJAVEND in everywhere
    assert all(c.place.country == "AM" for c in gazetteer.lookup("Martuni", country="AM"))
    assert MARTUNI_AM in keys(gazetteer.lookup("Martuni", country="AM"))
    assert keys(gazetteer.lookup("Martuni", country="AZ")) == [KHOJAVEND]
    assert gazetteer.lookup("Martuni", country="FR") == []


def test_country_restriction_is_not_cut_by_the_limit(gazetteer: Gazetteer) -> None:
    # Many places are called Paris; the Texan one must be found even with a small limit.
    texan = gazetteer.lookup("Paris", country="US", limit=50)
    assert any(abs(c.place.lat - 33.66) < 0.1 and abs(c.place.lon + 95.56) < 0.1 for c in texan)
    assert len(gazetteer.lookup("Paris", limit=3)) == 3
    assert gazetteer.lookup("Paris")[0].place.country == "FR"


def test_get_by_key(gazetteer: Gazetteer) -> None:
    assert gazetteer.get(KHOJAVEND).name == "Khojavend"
    assert gazetteer.get("country:AZ").feature_type == "country"
    assert gazetteer.get("nope:0") is None


# --------------------------------------------------------------------------- fuzzy


@pytest.mark.parametrize("name", ["Martoni", "Martouni"])
def test_fuzzy_finds_khojavend_for_transliterations(gazetteer: Gazetteer, name: str) -> None:
    cands = gazetteer.fuzzy(name)
    assert KHOJAVEND in keys(cands)
    for c in cands:
        assert c.match == "fuzzy"
        assert 0 < c.name_score < 1.0  # a fuzzy match never outranks an exact one
    # candidates() = exact + fuzzy: Martoni has no exact entry, fuzzy supplies Khojavend first.
    assert gazetteer.candidates("Martoni")[0].place.key == KHOJAVEND


def test_fuzzy_with_country_restriction(gazetteer: Gazetteer) -> None:
    assert keys(gazetteer.fuzzy("Martoni", country="AZ")) == [KHOJAVEND]


def test_fuzzy_ignores_short_and_unknown_names(gazetteer: Gazetteer) -> None:
    assert gazetteer.fuzzy("Abc") == []
    assert gazetteer.fuzzy("Qwzxplk") == []


def test_fuzzy_scores_are_sorted(gazetteer: Gazetteer) -> None:
    scores = [c.name_score for c in gazetteer.fuzzy("Martouni")]
    assert scores == sorted(scores, reverse=True)


# --------------------------------------------------------------------------- layers


def test_azerbaijan_iran_border_is_a_line(gazetteer: Gazetteer) -> None:
    border = gazetteer.get("ref:border:AZ-IR")
    assert border is not None
    assert border.feature_type == "border"
    assert border.geometry["type"] in ("LineString", "MultiLineString")
    # It runs along the Aras, south of Karabakh and Nakhchivan.
    assert 38.3 < border.lat < 39.8 and 44.5 < border.lon < 48.9
    assert "ref:border:AZ-IR" in keys(gazetteer.lookup("Azerbaijan-Iran border"))
    assert "ref:border:AZ-IR" in keys(gazetteer.lookup("Iran–Azerbaijan border"))


def test_armenia_azerbaijan_border_exists(gazetteer: Gazetteer) -> None:
    border = gazetteer.get("ref:border:AM-AZ")
    assert border is not None and border.geometry["type"] in ("LineString", "MultiLineString")


def test_pipelines_are_lines(gazetteer: Gazetteer) -> None:
    pipelines = gazetteer.places_of_type("pipeline")
    assert {"ref:pipeline:BTC", "ref:pipeline:SCP"} <= set(keys_of(pipelines))
    for p in pipelines:
        assert p.geometry["type"] in ("LineString", "MultiLineString"), p.key
    btc = gazetteer.get("ref:pipeline:BTC")
    assert "ref:pipeline:BTC" in keys(gazetteer.lookup(btc.name))


def test_places_of_type_with_country(gazetteer: Gazetteer) -> None:
    regions = gazetteer.places_of_type("region", "AM")
    assert regions and all(p.country == "AM" and p.feature_type == "region" for p in regions)


def test_contains(gazetteer: Gazetteer) -> None:
    nk = gazetteer.get(NK_REGION)
    khojavend = gazetteer.get(KHOJAVEND)
    martuni_am = gazetteer.get(MARTUNI_AM)
    assert gazetteer.contains(nk, khojavend)
    assert not gazetteer.contains(nk, martuni_am)
    # A point is not an area: nothing lies inside it.
    assert not gazetteer.contains(khojavend, khojavend)
    # A line is not an area either.
    assert not gazetteer.contains(gazetteer.get("ref:border:AZ-IR"), khojavend)
    # Countries contain their cities.
    assert gazetteer.contains(gazetteer.get("country:AM"), martuni_am)


def test_shape_of_point_and_polygon(gazetteer: Gazetteer) -> None:
    nk = gazetteer.shape(gazetteer.get(NK_REGION))
    assert nk.geom_type in ("Polygon", "MultiPolygon")
    pt = gazetteer.shape(gazetteer.get(KHOJAVEND))
    assert pt.geom_type == "Point"
    assert (pt.x, pt.y) == pytest.approx((47.1117, 39.795), abs=0.01)


def test_importance_prior(gazetteer: Gazetteer) -> None:
    country = gazetteer.get("country:AZ")
    baku = gazetteer.lookup("Baku")[0].place
    khojavend = gazetteer.get(KHOJAVEND)
    assert importance(country) == 1.0
    assert baku.is_capital
    assert importance(baku) > importance(khojavend)
    for p in (country, baku, khojavend, gazetteer.get("ref:border:AZ-IR")):
        assert 0.0 <= importance(p) <= 1.0


# --------------------------------------------------------------------------- geopy interface


def test_geopy_offline_geocoder(gazetteer: Gazetteer) -> None:
    geocoders = pytest.importorskip("geo.geocoders")
    from geopy.geocoders.base import Geocoder
    from geopy.location import Location

    geocoder = geocoders.OfflineGazetteer(gazetteer)
    assert isinstance(geocoder, Geocoder)
    loc = geocoder.geocode("Stepanakert")
    assert isinstance(loc, Location)
    assert haversine_km(loc.latitude, loc.longitude, 39.8153, 46.7519) < 10
    assert geocoder.geocode("Qwzxplk") is None
    assert geocoder.geocode("Qwzxplk", exactly_one=False) == []
    many = geocoder.geocode("Martuni", exactly_one=False)
    assert isinstance(many, list) and len(many) >= 2
    only_az = geocoder.geocode("Martuni", exactly_one=False, country_codes="az")
    assert only_az and all(loc.raw["country"] == "AZ" for loc in only_az)
    # Fuzzy fallback for a spelling the index lacks.
    assert geocoder.geocode("Martoni").raw["key"] == KHOJAVEND


# --------------------------------------------------------------------------- building


def test_build_is_a_no_op_when_sources_are_unchanged(session_settings: Settings) -> None:
    path = build_gazetteer(session_settings)  # may build if the sources changed since the last run
    before = path.stat().st_mtime_ns
    again = build_gazetteer(session_settings)
    assert again == path
    assert path.stat().st_mtime_ns == before


def _small_reference_copy(tmp_path: Path) -> Path:
    src = Path(Settings().reference_dir)
    ref = tmp_path / "reference"
    ref.mkdir()
    for name in ("border_aze_irn.geojson", "breakaway_areas_caucasus.geojson"):
        shutil.copy2(src / name, ref / name)
    return ref


def test_source_fingerprint_changes_when_a_reference_file_changes(tmp_path: Path) -> None:
    ref = _small_reference_copy(tmp_path)
    s = Settings(reference_dir=ref, gazetteer_path=tmp_path / "gaz.sqlite")
    first = source_fingerprint(s)
    assert source_fingerprint(s) == first  # deterministic
    assert first != source_fingerprint(Settings())  # a different set of sources
    target = ref / "border_aze_irn.geojson"
    st = target.stat()
    with open(target, "a", encoding="utf-8") as fh:
        fh.write("\n")
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    assert source_fingerprint(s) != first


def test_source_fingerprint_changes_when_a_reference_file_is_added(tmp_path: Path) -> None:
    ref = _small_reference_copy(tmp_path)
    s = Settings(reference_dir=ref, gazetteer_path=tmp_path / "gaz.sqlite")
    first = source_fingerprint(s)
    (ref / "extra.geojson").write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    assert source_fingerprint(s) != first
