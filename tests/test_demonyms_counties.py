"""Issue 16, first part: demonyms given as place spans resolve to their country, a US state's
abbreviation standing alone resolves to the state, and US counties are in the gazetteer as
regions ranked by population. Texts written for these tests; the fixture gazetteer holds three
"Orange County" (California, Florida, New York), Fulton County (Georgia), the states and
countries named here, and a town called Kan."""

from __future__ import annotations

import pytest

from geo.gazetteer.build import US_COUNTIES_SOURCE, is_us_county_name
from geo.gazetteer.index import Gazetteer, importance
from geo.geoparse.resolve import demonym_country, resolve_toponyms
from geo.model import PRECISION_COUNTRY, PRECISION_REGION, Mention


def spans(text: str, *names: str) -> list[Mention]:
    """Mentions for the first occurrence of each name, as given spans (``--gold-spans``)."""
    out = []
    for name in names:
        start = text.index(name)
        out.append(Mention(start=start, end=start + len(name), text=name, method="gold",
                           sentence_end=len(text)))
    return out


def resolved(text: str, gazetteer: Gazetteer, *names: str) -> dict[str, Mention]:
    mentions = resolve_toponyms(text, spans(text, *names), gazetteer)
    return {m.text: m for m in mentions}


# --------------------------------------------------------------------------- demonyms


@pytest.mark.parametrize(("word", "code"), [
    ("Russian", "RU"), ("Russians", "RU"), ("Azerbaijani", "AZ"), ("Azeris", "AZ"),
    ("American", "US"), ("Americans", "US"), ("American's", "US"), ("Chinese", "CN"),
    ("Iraqis", "IQ"),  # a plural the table does not list
    ("Texas", None), ("Russia", None), ("Moscow", None), ("", None),
])
def test_demonym_country(word: str, code: str | None) -> None:
    assert demonym_country(word) == code


def test_demonym_spans_resolve_to_their_country(gazetteer: Gazetteer) -> None:
    text = ("The Russian delegation met Azerbaijani officials in Baku, while two Americans "
            "and a Chinese engineer waited in Moscow.")
    got = resolved(text, gazetteer, "Russian", "Azerbaijani", "Americans", "Chinese", "Moscow")
    for name, key in (("Russian", "country:RU"), ("Azerbaijani", "country:AZ"), ("Americans", "country:US"),
                      ("Chinese", "country:CN")):
        m = got[name]
        assert m.place is not None and m.place.key == key, (name, m.place)
        assert m.precision == PRECISION_COUNTRY
        assert m.confidence >= 0.5
    moscow = got["Moscow"].place
    assert moscow is not None and moscow.feature_type == "settlement" and moscow.country == "RU"


def test_a_demonym_is_not_taken_for_a_look_alike_place(gazetteer: Gazetteer) -> None:
    """"Russian" is close in spelling to "Russia" and to towns: the span is the country by its
    demonym (an alias match), never a fuzzy look-alike."""
    m = resolved("A Russian official spoke.", gazetteer, "Russian")["Russian"]
    assert m.place is not None and m.place.key == "country:RU"
    assert all(c.match != "fuzzy" for c in m.candidates)
    assert m.candidates[0].match == "alias"


def test_demonyms_are_still_not_recognised_as_places(gazetteer: Gazetteer) -> None:
    """Resolution of given spans changes nothing in recognition: with no span given, nothing is
    resolved (the seeds' convention: "Russian forces" names no place)."""
    assert resolve_toponyms("Russian forces advanced.", [], gazetteer) == []


# --------------------------------------------------------------------------- state abbreviations


@pytest.mark.parametrize(("abbr", "key"), [("Kan.", "admin1:US-KS"), ("Ky.", "admin1:US-KY"),
                                           ("Calif.", "admin1:US-CA")])
def test_a_state_abbreviation_alone_is_the_state(gazetteer: Gazetteer, abbr: str, key: str) -> None:
    text = f"Storms crossed {abbr} overnight and schools closed."
    m = resolved(text, gazetteer, abbr)[abbr]
    assert m.place is not None and m.place.key == key
    assert m.precision == PRECISION_REGION


def test_a_town_spelled_like_an_abbreviation_without_its_dot_is_still_the_town(gazetteer: Gazetteer) -> None:
    m = resolved("Farmers near Kan harvested rice.", gazetteer, "Kan")["Kan"]
    assert m.place is not None and m.place.feature_type == "settlement"


# --------------------------------------------------------------------------- US counties


def test_us_counties_are_regions_with_their_state(gazetteer: Gazetteer) -> None:
    found = gazetteer.lookup("Orange County")
    assert [c.place.admin1 for c in found] == ["CA", "FL", "NY"]  # ordered by population
    for c in found:
        p = c.place
        assert c.match == "name" and p.feature_type == "region" and p.country == "US"
        assert p.source == US_COUNTIES_SOURCE and p.key.startswith("admin2:US-")
        assert p.population > 0
    fulton = gazetteer.lookup("Fulton County")[0].place
    assert fulton.admin1 == "GA" and abs(fulton.lat - 33.8) < 0.5 and abs(fulton.lon + 84.5) < 0.5


def test_county_importance_grows_with_population(gazetteer: Gazetteer) -> None:
    ca, fl, ny = (c.place for c in gazetteer.lookup("Orange County"))
    assert 0.6 <= importance(ny) < importance(fl) < importance(ca) <= 0.9


def test_a_county_is_resolved_by_its_state_named_after_it(gazetteer: Gazetteer) -> None:
    text = "Deputies in Orange County, N.Y., closed the road."
    m = resolve_toponyms(text, [Mention(start=12, end=25, text="Orange County", method="gold",
                                        cue_container="N.Y.", sentence_end=len(text))], gazetteer)[0]
    assert m.place is not None and m.place.key == "admin2:US-36071"
    assert m.precision == PRECISION_REGION


def test_a_bare_county_name_prefers_the_most_populous(gazetteer: Gazetteer) -> None:
    m = resolved("Voters in Orange County backed the measure.", gazetteer, "Orange County")["Orange County"]
    assert m.place is not None and m.place.key == "admin2:US-06059"


@pytest.mark.parametrize(("name", "kept"), [
    ("Orange County", True), ("Orleans Parish", True), ("Juneau City and Borough", True),
    ("Baltimore city", False), ("District of Columbia", False), ("", False),
])
def test_which_county_equivalents_are_kept(name: str, kept: bool) -> None:
    assert is_us_county_name(name) is kept


@pytest.mark.integration
def test_real_gazetteer_holds_the_counties_and_parishes(real_gazetteer: Gazetteer) -> None:
    for name, state in (("Orleans Parish", "LA"), ("Miami-Dade County", "FL"), ("Los Angeles County", "CA")):
        found = [c.place for c in real_gazetteer.lookup(name) if c.place.source == US_COUNTIES_SOURCE]
        assert [p.admin1 for p in found] == [state], name
    assert len(real_gazetteer.places_of_type("region", "US")) > 3000
