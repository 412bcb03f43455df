"""Shared links: every parameter of a view round-trips; hostile ones fall back with a note."""

from __future__ import annotations

import re
from datetime import date

import pytest

from geo.layers.view import MAX_LIST_ITEMS, ViewState, Vocabulary, parse_view, to_query_params

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
    ({"disputed": "maybe"}, "expected true or false"),
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


# --------------------------------------------------------------------------- filtering

import pandas as pd  # noqa: E402

from geo.layers.filters import claims_naming, explain_empty, filter_claims, filter_mentions  # noqa: E402


def _mentions() -> pd.DataFrame:
    return pd.DataFrame({
        "mention_id": [1, 2, 3, 4],
        "published": ["2020-10-20", "2020-10-24", "2020-10-24", None],
        "source": ["AFP", "Reuters", "AFP", "AFP"],
        "confidence": [0.9, 0.4, 0.95, 0.8],
        "text": ["Martouni", "Baku", "Martoni", "Yerevan"],
        "place_name": ["Khojavend", "Baku", "Khojavend", "Yerevan"],
    })


def _claims() -> pd.DataFrame:
    return pd.DataFrame({
        "claim_id": [1, 2, 3],
        "date": ["2020-10-23", None, "2020-10-19"],
        "published": ["2020-10-24", "2020-10-20", "2020-10-20"],
        "source": ["AFP", "Reuters", "AFP"],
        "claimant": ["Armenia", "Azerbaijan", "Armenia"],
        "kind": ["military", "casualties", "statement"],
        "disputed_by": ["Azerbaijan", None, ""],
        "text": ["Martoni was bombed", "63 civilian casualties", "talks"],
    })


def test_filter_mentions_by_date_source_confidence_and_search() -> None:
    view = ViewState(date_from=date(2020, 10, 21), sources=("AFP",), min_confidence=0.5, place_search="khoja")
    assert filter_mentions(_mentions(), view)["mention_id"].tolist() == [3]


def test_undated_rows_drop_out_only_when_a_date_filter_is_set() -> None:
    assert len(filter_mentions(_mentions(), ViewState())) == 4
    assert 4 not in filter_mentions(_mentions(), ViewState(date_to=date(2030, 1, 1)))["mention_id"].tolist()


def test_claim_filters_restrict_mentions_to_the_matching_claims_places() -> None:
    view = ViewState(claimants=("Armenia",))
    assert filter_mentions(_mentions(), view, claim_mention_ids={1, 3})["mention_id"].tolist() == [1, 3]


def test_filter_claims() -> None:
    claims = _claims()
    assert filter_claims(claims, ViewState(disputed_only=True))["claim_id"].tolist() == [1]
    assert filter_claims(claims, ViewState(claimants=("Armenia",), kinds=("military",)))["claim_id"].tolist() == [1]
    # The claim's own date counts, else its article's publication date.
    in_range = ViewState(date_from=date(2020, 10, 20), date_to=date(2020, 10, 23))
    assert filter_claims(claims, in_range)["claim_id"].tolist() == [1, 2]


def test_empty_result_explains_itself() -> None:
    text = explain_empty(ViewState(claimants=("Armenia",), min_confidence=0.9))
    assert "claimant(s) Armenia" in text and "confidence at least 0.9" in text and "Reset filters" in text
    assert "no matching data" in explain_empty(ViewState())


def test_filters_leave_out_selection_and_map_view() -> None:
    view = ViewState(sources=("AFP",), place="geonames:146969", claim=2, lat=40.0, lon=47.0, zoom=8)
    assert view.filters() == ViewState(sources=("AFP",))
    assert view.has_filters and not ViewState(place="x", zoom=3).has_filters


def test_claim_date_spans_overlap_the_range() -> None:
    claims = _claims().assign(date_end=[None, None, "2020-10-25"])  # claim 3: a week from the 19th
    view = ViewState(date_from=date(2020, 10, 24), date_to=date(2020, 10, 24))
    assert filter_claims(claims, view)["claim_id"].tolist() == [3]
    assert filter_claims(claims, ViewState(date_to=date(2020, 10, 19)))["claim_id"].tolist() == [3]


def test_disputed_only_reads_flags_lists_and_store_text() -> None:
    claims = _claims()
    as_lists = claims.assign(disputed_by=[["Azerbaijan"], [], []])
    flagged = claims.assign(disputed=[False, True, False])
    assert filter_claims(as_lists, ViewState(disputed_only=True))["claim_id"].tolist() == [1]
    assert filter_claims(flagged, ViewState(disputed_only=True))["claim_id"].tolist() == [2]


def test_place_search_finds_claims_by_the_places_they_name() -> None:
    claims = _claims()
    links = pd.DataFrame({"claim_id": [2, 3], "mention_id": [1, 2]})
    ids = claims_naming(links, _mentions(), "khojavend")  # mention 1: "Martouni" -> Khojavend
    assert ids == {2}
    view = ViewState(place_search="khojavend")
    assert filter_claims(claims, view).empty
    assert filter_claims(claims, view, place_claim_ids=ids)["claim_id"].tolist() == [2]
    layer = claims.assign(place_name=["Khojavend", "Baku", "Baku"])  # map features carry their place
    assert filter_claims(layer, view)["claim_id"].tolist() == [1]
    assert claims_naming(links, _mentions(), "") == set()


def test_filter_articles_keeps_the_sources_pages_rule() -> None:
    from geo.layers.filters import filter_articles

    articles = pd.DataFrame({"id": [1, 2, 3, 4], "published": ["2020-10-20", "2020-10-24T08:00", None, "2020-10-22"],
                             "source": ["AFP", "AFP", "AFP", "Reuters"]})
    mentions = pd.DataFrame({"article_id": [2, 4]})
    claims = pd.DataFrame({"article_id": [1, 4]})
    ids = lambda view: filter_articles(articles, view, mentions, claims)["id"].tolist()  # noqa: E731
    assert ids(ViewState()) == [1, 2, 3, 4]
    assert ids(ViewState(date_from=date(2020, 10, 21))) == [2, 4]  # undated: out once a date filter is set
    assert ids(ViewState(date_to=date(2020, 10, 22), sources=("AFP",))) == [1]
    assert ids(ViewState(min_confidence=0.5)) == [2, 4]  # holding a matching place name
    assert ids(ViewState(claimants=("Armenia",))) == [1, 4]  # holding a matching claim
    assert ids(ViewState(place_search="x", disputed_only=True)) == [4]


def test_reported_map_view_is_put_in_the_views_terms() -> None:
    from geo.layers.view import reported_map_view

    assert reported_map_view({"lat": 40.123456, "lng": 406.5}, 9) == (40.12346, 46.5, 9)
    assert reported_map_view({"lat": 95.0, "lng": -190.0}, 30.4) == (90.0, 170.0, 18)
    assert reported_map_view({"lat": 0, "lng": 0}, 0.2) == (0.0, 0.0, 1)
    for centre, zoom in (({"lat": 40}, 5), ({"lat": None, "lng": 1}, 5), ({"lat": 1, "lng": 1}, None), (None, 3),
                         ({"lat": "x", "lng": 1}, 5), ({"lat": float("nan"), "lng": 1}, 5), ({"lat": 1, "lng": 1}, "inf")):
        assert reported_map_view(centre, zoom) is None, (centre, zoom)


# --------------------------------------------------------------------------- hostile links (issue 14, point 17)

def _hostile_values(seed: int, n: int = 200) -> list[str]:
    """Generated hostile values: huge runs of markup or accents, escapes, control characters,
    numbers and dates almost right, mixed at random."""
    import random

    rng = random.Random(seed)
    atoms = ["<", "é", "%", "%E0%A4%A", "\x00", "\n", "1e308", "2020-10-01", "-", "9", " ", "&amp;", "${x}",
             "\u202e", "\ud800", "🇦🇲", "geonames:1", "\\", "'", '"']
    return ["".join(rng.choice(atoms) * rng.choice([1, 3, 40, 2000]) for _ in range(rng.randint(1, 6)))
            for _ in range(n)]


@pytest.mark.parametrize("key", ["from", "to", "source", "conflict", "claimant", "kind", "disputed", "q", "conf",
                                 "min_sources", "place", "claim", "lat", "lon", "zoom"])
def test_generated_hostile_values_fall_back_with_short_notes_and_never_raise(key: str) -> None:
    for i, value in enumerate(_hostile_values(seed=len(key))):
        repeats = 1 + i % 3  # once, or repeated
        view, notes = parse_view(Params({key: [value] * repeats}), VOCAB)
        assert all(len(n) < 160 for n in notes), notes
        if not re.sub(r"[\x00-\x1f\x7f]", "", value).strip():
            continue  # nothing left: as if the parameter were absent
        if repeats > 1:
            assert any("repeats" in n for n in notes) or key in ("source", "conflict", "claimant", "kind"), notes
        assert len(view.place_search) <= 100
        if view == ViewState() and key != "q":
            assert notes, (key, value[:50])


def test_huge_values_cost_their_cut_not_their_length() -> None:
    """Every value is cut before it is read: 10 MB of '<' in each parameter is refused like 201."""
    huge = "<" * 10_000_000
    view, notes = parse_view(Params({k: [huge, huge] for k in ("from", "claim", "source", "q", "place", "lat")}),
                             VOCAB)
    assert view.date_from is None and view.claim is None and view.sources == () and view.place is None
    assert view.place_search == "<" * 100
    assert any("too long" in n for n in notes) and any("repeats of 'claim'" in n for n in notes)


def test_unknown_parameters_are_named_then_counted() -> None:
    from geo.layers.view import MAX_NAMED_UNKNOWN, unknown_param_notes

    assert unknown_param_notes(["from", "claim", "article", "embed"]) == []
    keys = ["<" * 5000] + [f"x{i}" for i in range(20)]
    notes = unknown_param_notes(keys)
    assert len(notes) == MAX_NAMED_UNKNOWN + 1 and notes[-1] == "Ignored 16 more unknown parameters."
    assert all(len(n) < 100 for n in notes)
