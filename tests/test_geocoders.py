"""The online geocoder (geo/gazetteer/geocoders.py) and its use by resolution: names the offline
gazetteer does not know are asked of Nominatim through geopy, rate limited and cached; off by
default. Nominatim is replaced by a fake geopy geocoder: nothing here touches the network."""

from __future__ import annotations

import logging
import multiprocessing
import sqlite3
import time
from pathlib import Path

import geopy.geocoders
import pytest
from geopy.exc import GeocoderUnavailable
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location

import geo.pipeline.workers
from geo.config import Settings
from geo.gazetteer import geocoders
from geo.gazetteer.geocoders import (
    CACHE_FILE,
    FallbackGeocoder,
    GeocodeCache,
    OfflineGazetteer,
    OnlineGeocoder,
    feature_type_of,
    online_geocoder,
)
from geo.gazetteer.index import Gazetteer
from geo.geoparse.resolve import ONLINE_TRUST, ONLINE_TRUST_IN_CONTEXT, resolve_toponyms
from geo.model import PRECISION_NEAR, PRECISION_REGION, PRECISION_SETTLEMENT, Article, Mention
from geo.pipeline.ingest import MIN_ARTICLES_FOR_WORKERS, Pipeline
from geo.store.sqlite import Store
from geo.text.corpus import content_hash

#: Names no gazetteer knows (checked by ``unknown_names``).
TOWN, TOWN_ELSEWHERE, PEAK, NOWHERE = "Zorvashen", "Khachmazdara", "Mount Qertavan", "Brindlemoorvale"


def nominatim_raw(osm_type: str, osm_id: int, name: str, lat: float, lon: float, *, cls: str = "place",
                  typ: str = "village", addresstype: str | None = None, country: str = "az",
                  importance: float = 0.3, half_span: float = 0.01) -> dict:
    """One answer as Nominatim's ``format=json&addressdetails=1`` gives it."""
    addresstype = addresstype or typ
    return {"place_id": 100_000 + osm_id, "licence": "Data © OpenStreetMap contributors, ODbL 1.0.",
            "osm_type": osm_type, "osm_id": osm_id, "lat": str(lat), "lon": str(lon), "class": cls, "type": typ,
            "place_rank": 19, "importance": importance, "addresstype": addresstype, "name": name,
            "display_name": f"{name}, {country.upper()}",
            "address": {addresstype: name, "country_code": country},
            "boundingbox": [str(lat - half_span), str(lat + half_span), str(lon - half_span), str(lon + half_span)]}


ANSWERS: dict[str, list[dict]] = {
    # A village in Azerbaijan, near Tartar, and a hamlet of the same name in the United States.
    TOWN.lower(): [nominatim_raw("node", 1101, TOWN, 40.35, 46.93, importance=0.35),
                   nominatim_raw("node", 1102, TOWN, 44.0, -103.0, typ="hamlet", country="us", importance=0.2)],
    TOWN_ELSEWHERE.lower(): [nominatim_raw("relation", 2201, TOWN_ELSEWHERE, 36.2, 68.1, cls="boundary",
                                           typ="administrative", addresstype="state", country="af",
                                           importance=0.4, half_span=0.8)],
    PEAK.lower(): [nominatim_raw("node", 3301, PEAK, 39.9, 45.9, cls="natural", typ="peak", importance=0.25),
                   nominatim_raw("way", 3302, f"{PEAK} Street", 40.4, 49.9, cls="highway", typ="residential")],
    NOWHERE.lower(): [],
}


class FakeNominatim(Geocoder):
    """A geopy geocoder answering from ``ANSWERS`` as Nominatim would; counts its calls."""

    calls: list[tuple[str, float]] = []  # (query, time.monotonic()) of every call in this process
    error: Exception | None = None  # raised by every call when set

    def __init__(self, *, user_agent: str | None = None, timeout=DEFAULT_SENTINEL, **kwargs):
        super().__init__(user_agent=user_agent, timeout=timeout, **kwargs)
        self.user_agent = user_agent

    def geocode(self, query, *, exactly_one=True, timeout=DEFAULT_SENTINEL, limit=None, addressdetails=False,
                language=False, **kwargs):
        type(self).calls.append((query, time.monotonic()))
        if type(self).error is not None:
            raise type(self).error
        assert addressdetails and language == "en"  # what place_from_nominatim reads
        raws = ANSWERS.get(query.lower(), [])[:limit]
        found = [Location(r["display_name"], (float(r["lat"]), float(r["lon"])), r) for r in raws]
        return found if not exactly_one else (found[0] if found else None)


@pytest.fixture(autouse=True)
def fake_nominatim(monkeypatch: pytest.MonkeyPatch) -> type[FakeNominatim]:
    """Nominatim is the fake in every test here (and in the worker processes forked from them)."""
    monkeypatch.setattr(FakeNominatim, "calls", [])
    monkeypatch.setattr(FakeNominatim, "error", None)
    monkeypatch.setattr(geopy.geocoders, "Nominatim", FakeNominatim)
    return FakeNominatim


@pytest.fixture(autouse=True)
def unknown_names(request: pytest.FixtureRequest) -> None:
    """The made-up names must be unknown to whichever gazetteer the test uses (the fixture or the real one)."""
    for fixture in ("gazetteer", "real_gazetteer"):
        if fixture in request.fixturenames:
            gazetteer = request.getfixturevalue(fixture)
            for name in (TOWN, TOWN_ELSEWHERE, PEAK, NOWHERE):
                assert gazetteer.candidates(name, limit=60) == [], f"the {fixture} knows {name!r}: pick another"


def fast_online(tmp_path: Path, **kwargs) -> OnlineGeocoder:
    """An online geocoder over the fake with short delays (the real ones are tested apart)."""
    options = {"min_delay_seconds": 0.0, "error_wait_seconds": 0.0, **kwargs}
    return OnlineGeocoder(FakeNominatim(user_agent="claim-atlas-test"), GeocodeCache(tmp_path / CACHE_FILE), **options)


def mentions_of(text: str, *names: str) -> list[Mention]:
    out = []
    for name in names:
        start = text.index(name)
        out.append(Mention(start=start, end=start + len(name), text=name, method="ner", ner_label="GPE"))
    return out


def by_text(mentions: list[Mention], text: str) -> Mention:
    return next(m for m in mentions if m.text == text)


IN_CONTEXT = f"Shelling hit {TOWN} overnight, Azerbaijan's defence ministry said in Baku."
NO_CONTEXT = f"Shelling hit {TOWN} overnight, the ministry said."


# --------------------------------------------------------------------------- answers used by resolution


def test_an_online_answer_resolves_with_its_source_precision_and_confidence(gazetteer: Gazetteer,
                                                                            tmp_path: Path) -> None:
    online = fast_online(tmp_path)
    mentions = resolve_toponyms(IN_CONTEXT, mentions_of(IN_CONTEXT, TOWN, "Azerbaijan", "Baku"), gazetteer,
                                online=online)
    town = by_text(mentions, TOWN)
    assert town.place is not None
    assert town.place.key == "nominatim:N1101" and town.place.source == "nominatim"  # the Azerbaijani one
    assert (town.place.country, town.place.feature_type) == ("AZ", "settlement")
    assert town.precision == PRECISION_SETTLEMENT
    # The article is about Azerbaijan and names Baku: full support, and a clear margin over the
    # American hamlet: the confidence is the trusted name match, still below an offline exact name.
    assert town.confidence == ONLINE_TRUST_IN_CONTEXT
    assert town.runner_up is not None and town.runner_up.key == "nominatim:N1102"
    assert [c.match for c in town.candidates] == ["online", "online"]
    baku = by_text(mentions, "Baku")
    assert baku.place is not None and baku.place.source != "nominatim"
    # Only the unknown name was asked.
    assert [q for q, _ in FakeNominatim.calls] == [TOWN]


def test_without_context_an_online_answer_is_trusted_less(gazetteer: Gazetteer, tmp_path: Path) -> None:
    online = fast_online(tmp_path)
    (town,) = resolve_toponyms(NO_CONTEXT, mentions_of(NO_CONTEXT, TOWN), gazetteer, online=online)
    # Nothing to choose between the two: Nominatim's importance decides, the margin is small.
    assert town.place.key == "nominatim:N1101"
    assert town.confidence < ONLINE_TRUST
    assert town.confidence >= 0.3  # still above the default minimum
    with_context = resolve_toponyms(IN_CONTEXT, mentions_of(IN_CONTEXT, TOWN, "Azerbaijan"), gazetteer,
                                    online=online)
    assert by_text(with_context, TOWN).confidence > town.confidence


def test_a_lone_exact_online_answer_has_the_bare_trust_as_confidence(gazetteer: Gazetteer, tmp_path: Path) -> None:
    text = f"Troops were moved to {TOWN_ELSEWHERE} last week."
    (m,) = resolve_toponyms(text, mentions_of(text, TOWN_ELSEWHERE), gazetteer, online=fast_online(tmp_path))
    assert m.place.key == "nominatim:R2201"
    assert (m.place.feature_type, m.precision) == ("region", PRECISION_REGION)  # addresstype "state"
    assert m.confidence == ONLINE_TRUST  # the same name, no runner-up, no context


def test_features_streets_and_misses(gazetteer: Gazetteer, tmp_path: Path) -> None:
    text = f"Fighting near {PEAK} and in {NOWHERE} was reported."
    peak, nowhere = resolve_toponyms(text, mentions_of(text, PEAK, NOWHERE), gazetteer, online=fast_online(tmp_path))
    assert peak.place.key == "nominatim:N3301"  # the street of the same name is no place news means
    assert (peak.place.feature_type, peak.precision) == ("other", PRECISION_NEAR)
    assert [c.place.key for c in peak.candidates] == ["nominatim:N3301"]
    assert nowhere.place is None and nowhere.confidence == 0.0 and nowhere.candidates == []


def test_feature_type_from_class_type_and_bounding_box() -> None:
    assert feature_type_of(nominatim_raw("relation", 1, "X", 40, 45, cls="boundary", typ="administrative",
                                         addresstype="country")) == "country"
    assert feature_type_of(nominatim_raw("relation", 1, "X", 40, 45, cls="boundary", typ="administrative",
                                         addresstype="city", half_span=0.3)) == "settlement"
    assert feature_type_of(nominatim_raw("node", 1, "X", 40, 45, typ="province")) == "region"
    lake = nominatim_raw("relation", 1, "X", 40, 45, cls="natural", typ="water", addresstype="water", half_span=0.3)
    assert feature_type_of(lake) == "region"  # some 60 km across
    pond = nominatim_raw("way", 1, "X", 40, 45, cls="natural", typ="water", addresstype="water", half_span=0.01)
    assert feature_type_of(pond) == "other"
    assert feature_type_of({"class": "natural", "type": "peak"}) == "other"  # no bounding box


def test_offline_candidates_are_never_asked_online(gazetteer: Gazetteer, tmp_path: Path) -> None:
    text = "Officials in Ganja and Martoni said the border with Iran was calm."
    mentions = mentions_of(text, "Ganja", "Martoni")
    resolve_toponyms(text, mentions, gazetteer, online=fast_online(tmp_path))
    assert FakeNominatim.calls == []  # Martoni: a fuzzy match offline is a candidate
    assert all(m.place is not None and m.place.source != "nominatim" for m in mentions)


def test_a_name_with_a_container_is_asked_whole_and_compared_by_its_head(gazetteer: Gazetteer,
                                                                         tmp_path: Path) -> None:
    ANSWERS[f"{TOWN.lower()}, azerbaijan"] = ANSWERS[TOWN.lower()][:1]
    try:
        text = f"Reports from {TOWN}, Azerbaijan said the village was shelled."
        (m,) = resolve_toponyms(text, mentions_of(text, f"{TOWN}, Azerbaijan"), gazetteer,
                                online=fast_online(tmp_path))
    finally:
        del ANSWERS[f"{TOWN.lower()}, azerbaijan"]
    assert [q for q, _ in FakeNominatim.calls] == [f"{TOWN}, Azerbaijan"]
    assert m.place.key == "nominatim:N1101" and m.cue_container == "Azerbaijan"
    assert m.confidence == ONLINE_TRUST_IN_CONTEXT  # the name matched; in the country named


# --------------------------------------------------------------------------- the cache


def test_answers_and_misses_are_cached_and_asked_once(gazetteer: Gazetteer, tmp_path: Path) -> None:
    text = f"Shelling hit {TOWN} and {NOWHERE}."
    first = resolve_toponyms(text, mentions_of(text, TOWN, NOWHERE), gazetteer, online=fast_online(tmp_path))
    assert sorted(q for q, _ in FakeNominatim.calls) == sorted([TOWN, NOWHERE])
    again = resolve_toponyms(text, mentions_of(text, TOWN, NOWHERE), gazetteer, online=fast_online(tmp_path))
    shouted = resolve_toponyms(text.upper(), mentions_of(text.upper(), TOWN.upper()), gazetteer,
                               online=fast_online(tmp_path))
    assert len(FakeNominatim.calls) == 2  # another run (a new geocoder on the same file) asked nothing
    assert [(m.place and m.place.key, m.confidence) for m in again] == \
        [(m.place and m.place.key, m.confidence) for m in first]
    assert shouted[0].place.key == first[0].place.key
    cache = GeocodeCache(tmp_path / CACHE_FILE)
    assert cache.get(NOWHERE.lower()) == []  # a miss is an answer too
    assert cache.get(TOWN.lower())[0]["osm_id"] == 1101


def test_the_cache_is_made_on_first_use(tmp_path: Path) -> None:
    online = fast_online(tmp_path)
    assert not (tmp_path / CACHE_FILE).exists()
    online.answers(TOWN)
    assert (tmp_path / CACHE_FILE).exists()


# --------------------------------------------------------------------------- the rate limiter


@pytest.mark.integration  # builds the offline geocoder over the configured (full) gazetteer
def test_the_settings_build_nominatim_behind_a_one_second_rate_limiter(settings: Settings) -> None:
    online = online_geocoder(settings.with_overrides(online_geocoder="nominatim",
                                                     nominatim_user_agent="claim-atlas-test"))
    assert isinstance(online.geocoder, FakeNominatim)  # geopy.geocoders.Nominatim, here the fake
    assert online.geocoder.user_agent == "claim-atlas-test"
    assert online.geocoder.timeout == geocoders.REQUEST_TIMEOUT_SECONDS
    assert isinstance(online.rate_limited, RateLimiter)
    assert online.rate_limited.min_delay_seconds == 1.0
    assert online.rate_limited.max_retries == 1 and online.rate_limited.swallow_exceptions is False
    assert online.rate_limited.func == online._request  # every request goes through it
    assert online.cache.path == settings.home / CACHE_FILE
    assert isinstance(build_geocoder_for(settings), FallbackGeocoder)


def build_geocoder_for(settings: Settings):
    return geocoders.build_geocoder(settings.with_overrides(online_geocoder="nominatim"))


def test_requests_are_a_second_apart_even_from_two_processes(tmp_path: Path) -> None:
    """Two geocoders on one cache file stand for two worker processes: each has its own rate
    limiter, and the request slots reserved in the shared file keep them a second apart too."""
    one = OnlineGeocoder(FakeNominatim(), GeocodeCache(tmp_path / CACHE_FILE))
    other = OnlineGeocoder(FakeNominatim(), GeocodeCache(tmp_path / CACHE_FILE))
    one.answers(TOWN)
    other.answers(NOWHERE)
    one.answers(PEAK)
    times = [t for _, t in FakeNominatim.calls]
    assert len(times) == 3
    assert all(b - a >= 0.99 for a, b in zip(times, times[1:], strict=False)), times


# --------------------------------------------------------------------------- off by default, failures


@pytest.mark.integration
def test_off_by_default_nothing_is_asked_nor_cached(settings: Settings, nlp, real_gazetteer: Gazetteer,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().online_geocoder == "off" and settings.online_geocoder == "off"
    assert online_geocoder(settings) is None
    assert isinstance(geocoders.build_geocoder(settings), OfflineGazetteer)

    def no_network(*args, **kwargs):
        raise AssertionError("Nominatim was made with the online geocoder off")

    monkeypatch.setattr(geopy.geocoders, "Nominatim", no_network)
    pipeline = Pipeline(settings, nlp=nlp, gazetteer=real_gazetteer)
    assert pipeline.online is None
    text = f"Officials in {TOWN} said on Monday that houses near Ganja had been damaged."
    analysis = pipeline.analyze(Article(id="a", text=text))
    town = by_text(analysis.mentions, TOWN)  # recognised (spaCy's entity), not resolved
    assert town.place is None and town.candidates == []
    assert not (settings.home / CACHE_FILE).exists()
    assert not any(settings.home.iterdir())


def test_a_failing_service_leaves_names_unresolved_with_one_warning(gazetteer: Gazetteer, tmp_path: Path,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    FakeNominatim.error = GeocoderUnavailable("Service not available")
    online = fast_online(tmp_path)
    text = f"Shelling hit {TOWN}, {PEAK} and {TOWN_ELSEWHERE}, officials in Baku said."
    with caplog.at_level(logging.WARNING):
        mentions = resolve_toponyms(text, mentions_of(text, TOWN, PEAK, TOWN_ELSEWHERE, "Baku"), gazetteer,
                                    online=online)
    assert [m.place is None for m in mentions] == [True, True, True, False]
    ours = [r for r in caplog.records if r.name == geocoders.__name__]
    assert len(ours) == 1 and ours[0].levelno == logging.WARNING
    assert "GeocoderUnavailable" in ours[0].getMessage() and "unresolved" in ours[0].getMessage()
    assert len(FakeNominatim.calls) == 2  # the first name and its one retry; then paused
    assert GeocodeCache(tmp_path / CACHE_FILE).get(TOWN.lower()) is None  # a failure is not a miss
    # Once the pause is over and the service is back, the name is asked again.
    FakeNominatim.error = None
    online._paused_until = 0.0
    (town,) = resolve_toponyms(text, mentions_of(text, TOWN), gazetteer, online=online)
    assert town.place is not None and town.place.key == "nominatim:N1101"


def test_an_internal_error_is_logged_with_its_traceback_and_not_raised(gazetteer: Gazetteer, tmp_path: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    FakeNominatim.error = KeyError("a bug")
    text = f"Shelling hit {TOWN}."
    with caplog.at_level(logging.WARNING):
        (town,) = resolve_toponyms(text, mentions_of(text, TOWN), gazetteer, online=fast_online(tmp_path))
    assert town.place is None
    (record,) = [r for r in caplog.records if r.name == geocoders.__name__]
    assert record.exc_info and "internal error KeyError" in record.getMessage()
    assert len(FakeNominatim.calls) == 1  # not a service error: not retried


def test_an_unreadable_cache_degrades_too(gazetteer: Gazetteer, tmp_path: Path,
                                          caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / CACHE_FILE).write_bytes(b"this is not a database" * 100)
    text = f"Shelling hit {TOWN}."
    with caplog.at_level(logging.WARNING):
        (town,) = resolve_toponyms(text, mentions_of(text, TOWN), gazetteer, online=fast_online(tmp_path))
    assert town.place is None and FakeNominatim.calls == []  # nothing asked that could not be cached
    assert any(r.name == geocoders.__name__ and r.exc_info and sqlite3.DatabaseError in
               (r.exc_info[0], *r.exc_info[0].__mro__) for r in caplog.records)


# --------------------------------------------------------------------------- the pipeline and its workers


def _articles(n: int) -> list[Article]:
    out = []
    for i in range(n):
        name = (TOWN, TOWN_ELSEWHERE)[i % 2]
        text = (f"Officials in {name} said on Monday that {i + 2} houses near Ganja had been damaged.\n\n"
                f"The ministry in Baku said Azerbaijan would respond.\n")
        out.append(Article(id=f"g{i:02d}", text=text, source="test", published="2020-10-05", file=f"g{i:02d}.txt",
                           content_hash=content_hash(text)))
    return out


def _stored(store: Store) -> list[tuple]:
    return [tuple(r) for r in store.conn.execute(
        "SELECT a.corpus_id, m.start, m.text, p.key, p.source, m.confidence, m.precision FROM mentions m "
        "JOIN articles a ON a.id = m.article_id LEFT JOIN places p ON p.id = m.place_id ORDER BY 1, 2")]


@pytest.mark.integration
def test_the_pipeline_stores_online_places_with_their_source(settings: Settings, nlp, real_gazetteer: Gazetteer,
                                                             store: Store) -> None:
    on = settings.with_overrides(online_geocoder="nominatim")
    pipeline = Pipeline(on, nlp=nlp, gazetteer=real_gazetteer)
    results = pipeline.ingest(_articles(2), store)
    assert [r.status for r in results] == ["added", "added"]
    rows = [r for r in _stored(store) if r[2] in (TOWN, TOWN_ELSEWHERE)]
    assert {(r[2], r[3], r[4]) for r in rows} == {(TOWN, "nominatim:N1101", "nominatim"),
                                                  (TOWN_ELSEWHERE, "nominatim:R2201", "nominatim")}
    assert store.conn.execute("SELECT source FROM places WHERE key='nominatim:N1101'").fetchone()[0] == "nominatim"
    assert (on.home / CACHE_FILE).exists()


@pytest.mark.integration
def test_a_failing_service_rejects_no_article(settings: Settings, nlp, real_gazetteer: Gazetteer, store: Store) -> None:
    FakeNominatim.error = GeocoderUnavailable("unreachable")
    pipeline = Pipeline(settings.with_overrides(online_geocoder="nominatim"), nlp=nlp, gazetteer=real_gazetteer)
    pipeline.online.rate_limited.error_wait_seconds = 0.0  # no 2 s wait before the retry here
    results = pipeline.ingest(_articles(3), store)
    assert [r.status for r in results] == ["added"] * 3
    assert all(r[3] is None for r in _stored(store) if r[2] in (TOWN, TOWN_ELSEWHERE))


@pytest.mark.integration
def test_worker_processes_share_the_cache(settings: Settings, nlp, real_gazetteer: Gazetteer, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Each worker makes its own online geocoder (forked, they inherit the fake); the cache file
    is shared, so what the workers asked is not asked again in this process."""
    monkeypatch.setattr(geo.pipeline.workers, "_worker_context", lambda: multiprocessing.get_context("fork"))
    on = settings.with_overrides(online_geocoder="nominatim")
    articles = _articles(MIN_ARTICLES_FOR_WORKERS)
    in_workers = Store(tmp_path / "workers.sqlite")
    results = Pipeline(on.with_overrides(workers=2)).ingest(articles, in_workers)
    assert [r.status for r in results] == ["added"] * len(articles)
    assert FakeNominatim.calls == []  # asked in the workers, not here
    cache = GeocodeCache(on.home / CACHE_FILE)
    assert cache.get(TOWN.lower()) and cache.get(TOWN_ELSEWHERE.lower())
    in_process = Store(tmp_path / "here.sqlite")
    Pipeline(on.with_overrides(workers=1), nlp=nlp, gazetteer=real_gazetteer).ingest(articles, in_process)
    assert FakeNominatim.calls == []  # every answer came from the workers' cache
    assert _stored(in_workers) == _stored(in_process)
    assert {r[3] for r in _stored(in_process) if r[2] == TOWN} == {"nominatim:N1101"}
