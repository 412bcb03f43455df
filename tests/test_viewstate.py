"""Shared links: every parameter of a view round-trips; hostile ones fall back with a note."""

from __future__ import annotations

from datetime import date

import pytest

from geo.viewstate import MAX_LIST_ITEMS, ViewState, Vocabulary, parse_view, to_query_params

VOCAB = Vocabulary(sources=frozenset({"AFP", "Reuters"}), claimants=frozenset({"Armenia", "Azerbaijan"}),
                   place_keys=frozenset({"geonames:146969", "country:AZ"}), claim_ids=frozenset({1, 2, 3}))


class Params(dict):
    """Like st.query_params: repeated keys through get_all."""

    def get_all(self, key):
        value = self.get(key, [])
        return value if isinstance(value, list) else [value]


def test_full_view_round_trips() -> None:
    view = ViewState(date_from=date(2020, 10, 1), date_to=date(2020, 10, 24), sources=("AFP", "Reuters"),
                     claimants=("Armenia",), kinds=("military", "casualties"), disputed_only=True,
                     place_search="Martuni", min_confidence=0.45, place="geonames:146969", claim=2,
                     lat=39.79496, lon=47.1117, zoom=9)
    parsed, notes = parse_view(Params(to_query_params(view)), VOCAB)
    assert notes == []
    assert parsed == view


def test_default_view_encodes_to_nothing() -> None:
    assert to_query_params(ViewState()) == {}
    assert parse_view(Params(), VOCAB) == (ViewState(), [])


@pytest.mark.parametrize(("params", "fragment"), [
    ({"from": "2020-13-45"}, "not a date"),
    ({"to": "yesterday"}, "not a date"),
    ({"from": "0001-01-01"}, "not a date"),
    ({"from": "2020-10-24", "to": "2020-10-01"}, "ends before it starts"),
    ({"source": ["Nowhere News"]}, "unknown source"),
    ({"claimant": "<script>alert(1)</script>"}, "unknown claimant"),
    ({"kind": "gossip"}, "unknown kind"),
    ({"disputed": "maybe"}, "expected 1 or 0"),
    ({"conf": "1e308"}, "from 0 to 1"),
    ({"conf": "nan"}, "from 0 to 1"),
    ({"conf": "-0.5"}, "from 0 to 1"),
    ({"place": "geonames:999"}, "no such place"),
    ({"place": "<img src=x onerror=alert(1)>"}, "no such place"),
    ({"claim": "99999999999999999999"}, "no such claim"),
    ({"claim": "${alert(1)}"}, "no such claim"),
    ({"lat": "91", "lon": "10"}, "latitude must be"),
    ({"lat": "inf", "lon": "10"}, "latitude must be"),
    ({"zoom": "99"}, "whole number from 1 to 18"),
])
def test_hostile_or_invalid_parameters_fall_back_with_a_note(params, fragment) -> None:
    view, notes = parse_view(Params(params), VOCAB)
    assert view == ViewState()
    assert any(fragment in n for n in notes), notes


def test_valid_parts_survive_beside_invalid_ones() -> None:
    view, notes = parse_view(Params({"source": ["AFP", "Fake"], "conf": "0.5", "zoom": "x"}), VOCAB)
    assert view.sources == ("AFP",) and view.min_confidence == 0.5 and view.zoom is None
    assert len(notes) == 2


def test_huge_values_are_refused_without_error() -> None:
    view, notes = parse_view(Params({"source": ["A" * 100_000], "q": "x" * 5000,
                                     "claimant": ["Armenia"] * (MAX_LIST_ITEMS + 5)}), VOCAB)
    assert view.sources == () and len(view.place_search) == 100 and view.claimants == ()
    assert any("too long" in n for n in notes) and any("Shortened" in n for n in notes)


def test_control_characters_are_stripped_and_notes_stay_short() -> None:
    view, notes = parse_view(Params({"q": "Mar\x00tuni\n", "source": "x" * 150}), VOCAB)
    assert view.place_search == "Martuni"
    assert all(len(n) < 120 for n in notes)


def test_unchecked_vocabulary_accepts_any_wellformed_value() -> None:
    view, notes = parse_view(Params({"source": "Anything", "place": "geonames:1"}), Vocabulary())
    assert view.sources == ("Anything",) and view.place == "geonames:1" and notes == []
