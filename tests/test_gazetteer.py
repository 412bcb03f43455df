
"""The offline gazetteer (geo/gazetteer.py): exact, alias, folded and fuzzy lookups, layers,
geometry, and the build's fingerprint. Uses the session's shared index (see conftest.py)."""

from __future__ import annotations

import copy
import dataclasses
import importlib
import json
import marshal
import os
import pickle
import shutil
import threading
from pathlib import Path

import pytest

from geo.config import Settings
from geo.distance import haversine_km
from geo.gazetteer.build import build_gazetteer, source_fingerprint
from geo.gazetteer.index import Gazetteer, importance
from geo.model import Place, defer_geometry
from geo.text.names import normalize_name

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


@pytest.mark.integration  # needs the real index's many places called Paris
def test_country_restriction_is_not_cut_by_the_limit(real_gazetteer: Gazetteer) -> None:
    # Many places are called Paris; the Texan one must be found even with a small limit.
    texan = real_gazetteer.lookup("Paris", country="US", limit=50)
    assert any(abs(c.place.lat - 33.66) < 0.1 and abs(c.place.lon + 95.56) < 0.1 for c in texan)
    assert len(real_gazetteer.lookup("Paris", limit=3)) == 3
    assert real_gazetteer.lookup("Paris")[0].place.country == "FR"


def test_get_by_key(gazetteer: Gazetteer) -> None:
    assert gazetteer.get(KHOJAVEND).name == "Khojavend"
    assert gazetteer.get("country:AZ").feature_type == "country"
    assert gazetteer.get("nope:0") is None


# --------------------------------------------------------------------------- exact lookups: packed index, caches

_KINDS = {0: ("name", 1.0), 1: ("alias", 0.97), 2: ("alternate", 0.9)}


def _joined_lookups(gaz: Gazetteer, names: list[str]) -> dict[str, list[tuple]]:
    """The exact lookups of ``names`` as a join over the names and places tables (their form
    before the packed ``exact`` table), in one scan: norm -> [(key, country, match, name_score)]."""
    norms = sorted({normalize_name(n) for n in names})
    out: dict[str, list[tuple]] = {n: [] for n in norms}
    rows = gaz.conn.execute(
        "SELECT n.norm, p.key, p.country, n.kind FROM names n JOIN places p ON p.id = n.place_id "
        f"WHERE n.norm IN ({','.join('?' * len(norms))}) ORDER BY n.norm, n.kind, n.pop DESC, n.rowid", norms)
    for norm, key, country, kind in rows:
        out[norm].append((key, country, *_KINDS[kind]))
    return out


def _sample_names(gaz: Gazetteer) -> list[str]:
    """About 300 names spread over the index, plus some shared by many places."""
    spread = [r[0] for r in gaz.conn.execute("SELECT norm FROM names WHERE rowid % 2500 = 0")]
    return spread + ["Paris", "Martuni", "Springfield", "Alexandria", "San Jose", "Stepanakert", "US", "Georgia"]


def _snapshot(cands) -> list[tuple]:
    return [(c.place.key, c.match, c.name_score, c.score, c.place.to_dict()) for c in cands]


@pytest.mark.integration  # samples names spread over the real index, and names of many places
def test_lookup_agrees_with_the_names_and_places_tables(real_gazetteer: Gazetteer) -> None:
    gazetteer = real_gazetteer
    names = _sample_names(gazetteer)
    joined = _joined_lookups(gazetteer, names)
    fresh = Gazetteer(gazetteer.path)
    for name in names:
        expected = joined[normalize_name(name)]
        assert expected, name
        cands = fresh.lookup(name)
        assert [(c.place.key, c.match, c.name_score) for c in cands] == [(k, m, s) for k, _, m, s in expected[:50]]
        for c in cands:  # every field of the packed copy equals the places table's
            assert c.place == gazetteer.get(c.place.key), (name, c.place.key)
        for country in sorted({c for _, c, _, _ in expected} | {"FR"}):
            in_country = [(k, m, s) for k, c, m, s in expected if c == country]
            for limit in (50, 3, 1):
                got = fresh.lookup(name, country=country, limit=limit)
                assert [(c.place.key, c.match, c.name_score) for c in got] == in_country[:limit], (name, country)
        for limit in (3, 1):
            got = fresh.lookup(name, limit=limit)
            assert [(c.place.key, c.match, c.name_score) for c in got] == [(k, m, s) for k, _, m, s in expected[:limit]]


def test_places_carry_the_places_table_columns(gazetteer: Gazetteer) -> None:
    # Places are built positionally from rows and packed entries: no field may be swapped.
    cols = "key, name, lat, lon, feature_type, country, population, admin1, source, is_capital"
    fresh = Gazetteer(gazetteer.path)
    for key, name in ((KHOJAVEND, "Khojavend"), ("country:AZ", "Azerbaijan"), (NK_REGION, "Nagorno-Karabakh")):
        row = gazetteer.conn.execute(f"SELECT {cols} FROM places WHERE key=?", (key,)).fetchone()
        looked_up = next(c.place for c in fresh.lookup(name) if c.place.key == key)
        for place in (looked_up, Gazetteer(gazetteer.path).get(key)):
            got = tuple(getattr(place, f) for f in cols.split(", "))
            assert got == (*row[:-1], bool(row[-1])), key
            assert isinstance(place.is_capital, bool)


def test_fresh_and_warm_instances_return_the_same(gazetteer: Gazetteer) -> None:
    names = _sample_names(gazetteer)[:120] + ["Nagorno-Karabakh", "Azerbaijan", "Qwzxplk", ""]
    fresh = Gazetteer(gazetteer.path)
    first = [_snapshot(fresh.lookup(n, limit=10)) for n in names]
    second = [_snapshot(fresh.lookup(n, limit=10)) for n in names]  # from the cache
    third = [_snapshot(fresh.lookup(n, limit=10)) for n in names]
    warm = [_snapshot(gazetteer.lookup(n, limit=10)) for n in names]
    assert first == second == third == warm


def test_repeated_lookups_give_equal_places_and_new_candidates(gazetteer: Gazetteer) -> None:
    fresh = Gazetteer(gazetteer.path)
    first, second, third = (fresh.lookup("Martuni") for _ in range(3))  # from the index, then the cache
    assert [c.place for c in first] == [c.place for c in second] == [c.place for c in third]
    # Candidates are new each time: ranking one (its score) leaves later lookups alone.
    second[0].score = 0.5
    assert third[0].score == 0.0 and fresh.lookup("Martuni")[0].score == 0.0
    # A place already in the place cache (here through get) is the one handed out.
    khojavend = fresh.get(KHOJAVEND)
    assert any(c.place is khojavend for c in fresh.lookup("Martuni"))


def test_exact_table_holds_every_name_once_per_place(gazetteer: Gazetteer) -> None:
    total = 0
    for (packed,) in gazetteer.conn.execute("SELECT places FROM exact"):
        ids = [e[0] for e in marshal.loads(packed)]
        assert len(ids) == len(set(ids))  # lookups rely on it: no place twice under one name
        total += len(ids)
    assert total == gazetteer.conn.execute("SELECT COUNT(*) FROM names").fetchone()[0]


def test_lookup_from_another_thread(gazetteer: Gazetteer) -> None:
    fresh = Gazetteer(gazetteer.path)
    here = _snapshot(fresh.lookup("Stepanakert"))
    there: list = []
    worker = threading.Thread(target=lambda: there.append(_snapshot(fresh.lookup("Stepanakert"))))
    worker.start()
    worker.join()
    assert there == [here]


def test_fingerprint_covers_the_marshal_format(monkeypatch: pytest.MonkeyPatch) -> None:
    before = source_fingerprint(Settings())
    monkeypatch.setattr(marshal, "version", marshal.version + 1)
    assert source_fingerprint(Settings()) != before


# --------------------------------------------------------------------------- geometry parsed on first read


def test_looked_up_geometry_is_the_stored_one(gazetteer: Gazetteer) -> None:
    fresh = Gazetteer(gazetteer.path)
    nk = fresh.lookup("Nagorno-Karabakh")[0].place
    stored = fresh.conn.execute("SELECT g.geojson FROM geometries g JOIN places p ON p.id = g.place_id "
                                "WHERE p.key = ?", (NK_REGION,)).fetchone()[0]
    assert nk.geometry == json.loads(stored)
    assert nk.geometry is nk.geometry  # parsed once
    assert fresh.get(NK_REGION) is nk  # places with a geometry are shared at once
    assert fresh.lookup("Khojavend")[0].place.geometry is None


def test_deferred_geometry_behaves_like_a_parsed_one() -> None:
    geometry = {"type": "Polygon", "coordinates": [[[46.0, 39.0], [47.0, 39.0], [47.0, 40.0], [46.0, 39.0]]]}
    parsed = Place(key="ref:x", name="X", lat=39.5, lon=46.5, feature_type="region", geometry=geometry)

    def deferred() -> Place:
        return defer_geometry(Place(key="ref:x", name="X", lat=39.5, lon=46.5, feature_type="region"),
                              json.dumps(geometry))

    assert deferred() == parsed and parsed == deferred()
    assert repr(deferred()) == repr(parsed)
    assert deferred().to_dict() == parsed.to_dict()
    assert pickle.loads(pickle.dumps(deferred())) == parsed
    assert copy.deepcopy(deferred()) == parsed
    assert dataclasses.replace(deferred(), name="Y").geometry == geometry
    replaced = deferred()
    replaced.geometry = None
    assert replaced.geometry is None
    assert Place(key="k", name="n", lat=0.0, lon=0.0).geometry is None


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
    geocoders = importlib.import_module("geo.gazetteer.geocoders")
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


def test_source_fingerprint_ignores_a_new_mtime_with_the_same_content(tmp_path: Path) -> None:
    """A fresh checkout (or a second worktree) gives the files new mtimes: no rebuild for that."""
    ref = _small_reference_copy(tmp_path)
    s = Settings(reference_dir=ref, gazetteer_path=tmp_path / "gaz.sqlite")
    first = source_fingerprint(s)
    target = ref / "border_aze_irn.geojson"
    st = target.stat()
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 86_400_000_000_000))
    assert source_fingerprint(s) == first
    target.write_bytes(target.read_bytes().replace(b"{", b"{ ", 1))  # same size class, new content
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))  # and the old mtime
    assert source_fingerprint(s) != first


def test_source_fingerprint_changes_when_a_reference_file_is_added(tmp_path: Path) -> None:
    ref = _small_reference_copy(tmp_path)
    s = Settings(reference_dir=ref, gazetteer_path=tmp_path / "gaz.sqlite")
    first = source_fingerprint(s)
    (ref / "extra.geojson").write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    assert source_fingerprint(s) != first


def test_concurrent_builds_build_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build lock: processes (here threads, each with its own lock file handle) that find the
    index missing at the same time wait for the first builder and find its index built."""
    import threading
    import time

    import geo.gazetteer.build as build

    builds: list[int] = []

    def slow_build(conn, settings) -> None:  # the real one takes half a minute
        builds.append(threading.get_ident())
        time.sleep(0.3)
        conn.executescript(build._SCHEMA)

    monkeypatch.setattr(build, "_build", slow_build)
    s = Settings(reference_dir=_small_reference_copy(tmp_path), gazetteer_path=tmp_path / "gaz.sqlite")
    start = threading.Barrier(3)
    paths: list[Path] = []

    def builder() -> None:
        start.wait()
        paths.append(build_gazetteer(s))

    threads = [threading.Thread(target=builder) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1 and paths == [s.gazetteer_path] * 3
    assert build._stored_fingerprint(s.gazetteer_path) == source_fingerprint(s)


# --------------------------------------------------------------------------- memo


def test_the_memo_is_bounded_and_keeps_the_names_in_use(gazetteer: Gazetteer, monkeypatch: pytest.MonkeyPatch) -> None:
    from geo.gazetteer.memo import GazetteerMemo

    monkeypatch.setattr(GazetteerMemo, "MAX_ENTRIES", 3)
    memo = GazetteerMemo(gazetteer)  # a memo of its own, not the shared one
    names = ["Baku", "Ganja", "Qwzxplk", "Tartar", "Shusha"]
    for name in names:
        assert memo.has_name(name) == gazetteer.has_name(name)
        assert memo.has_name("Baku")  # used again at every step: never the one dropped
    assert len(memo._has_name) == 3 and set(memo._has_name) == {"Baku", "Tartar", "Shusha"}


def test_the_memo_answers_right_from_many_threads(gazetteer: Gazetteer, monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from geo.gazetteer.memo import GazetteerMemo

    monkeypatch.setattr(GazetteerMemo, "MAX_ENTRIES", 8)  # small: entries are dropped all the time
    memo = GazetteerMemo(gazetteer)
    names = ["Baku", "Ganja", "Qwzxplk", "Tartar", "Shusha", "Yerevan", "Martuni", "Goris", "Kapan", "Barda"] * 20
    expected = {n: [c.place.key for c in gazetteer.lookup(n, limit=5)] for n in set(names)}
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda n: (n, [c.place.key for c in memo.lookup(n, limit=5)]), names))
    assert all(keys == expected[n] for n, keys in got)
    assert len(memo._lookup) <= 8


# --------------------------------------------------------------------------- regions of several admin-1 units


def test_every_region_of_regions_csv_is_made_of_shipped_admin1_units() -> None:
    from shapely.geometry import shape

    from geo.config import PROJECT_ROOT
    from geo.gazetteer.build import _read_geojson, load_regions, region_members, union_of

    regions = {r.key: r for r in load_regions()}
    assert {"darfur", "kordofan", "kivu", "donbas"} <= set(regions)
    admin1 = _read_geojson(PROJECT_ROOT / "data" / "reference" / "world_admin1.geojson")
    for region in regions.values():
        members = region_members(region, admin1)
        assert len(members) == len(region.members) >= 2
        area = shape(union_of([m["geometry"] for m in members]))
        assert area.is_valid and area.geom_type == "Polygon"  # neighbours: one piece, no slivers between
        assert abs(area.area - sum(shape(m["geometry"]).area for m in members)) < 0.01 * area.area
    assert len(region_members(regions["darfur"], admin1)) == 5  # Sudan's five Darfur states


def test_a_region_member_the_admin1_layer_lacks_fails_the_build(tmp_path: Path) -> None:
    from geo.gazetteer.build import RegionsError, load_regions, region_members

    path = tmp_path / "regions.csv"
    path.write_text("key,name,aliases,country,members,note\nx,X,,SD,North Darfur|Nowhere State,\n", encoding="utf-8")
    [region] = load_regions(path)
    unit = {"type": "Feature", "properties": {"iso_a2": "SD", "name": "North Darfur", "name_en": "North Darfur"},
            "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}
    with pytest.raises(RegionsError, match="Nowhere State"):
        region_members(region, [unit])
