"""geo.layers.counts: one definition per count, shared by every page (issue 14, point 6)."""

from __future__ import annotations

import pandas as pd
import pytest
from synthetic_data import synthetic_mentions
from test_layers import mention

from geo.layers.counts import LABELS, ViewCounts, counts_sentence, view_counts
from geo.layers.places import place_layer, review_table, reviewable_mentions


@pytest.fixture
def mentions() -> pd.DataFrame:
    """Made-up mentions with every kind a count tells apart."""
    return pd.DataFrame([
        mention(1),  # Baku, drawn
        mention(2, article_id=2),  # Baku again: one place, two names
        mention(3, metonymic=1),  # "Baku said": a resolved name, not drawn; Baku is drawn anyway
        mention(4, text="Yerevan", place_key="geonames:616052", place_name="Yerevan", lat=40.18, lon=44.51,
                metonymic=1),  # only metonymic: resolved, not on the map
        mention(5, text="Minsk Group", place_key=None, place_name=None, feature_type=None, not_a_place=1),
        mention(6, text="Xyzzy", place_key=None, place_name=None, feature_type=None, lat=None, lon=None),
        mention(7, text="XYZZY", place_key=None, place_name=None, feature_type=None, lat=None, lon=None),
        mention(8, text="Ganja", place_key="geonames:587057", place_name="Ganja", lat=40.68, lon=46.36),
    ])


def test_each_count_has_its_own_definition(mentions):
    counts = view_counts(mentions, pd.DataFrame({"claim_id": [1, 2, 3]}))
    assert counts == ViewCounts(place_names=7, resolved_names=5, resolved_places=3, mapped_places=2,
                                metonymic_names=2, unresolved_names=1, claims=3)
    assert counts.resolved_share == pytest.approx(5 / 7)


def test_the_counts_agree_with_what_the_pages_draw_and_list(mentions):
    """The Map draws one feature per place on the map; the Places table lists one row per resolved
    place and per unresolved name: the counts are those numbers, not others."""
    counts = view_counts(mentions)
    assert len(place_layer(mentions)) == counts.mapped_places
    assert len(review_table(reviewable_mentions(mentions, True), set())) == \
        counts.resolved_places + counts.unresolved_names
    assert len(review_table(reviewable_mentions(mentions, False), set())) == counts.resolved_places
    assert len(reviewable_mentions(mentions, True)) == counts.place_names


def test_counts_of_a_larger_store_agree_with_the_layers():
    many = synthetic_mentions(300, mentions_per_place=3, seed=4)
    counts = view_counts(many)
    assert counts.mapped_places == len(place_layer(many))
    assert counts.place_names == len(reviewable_mentions(many, True))


def test_no_mention_counts_nothing(mentions):
    assert view_counts(mentions.iloc[0:0]) == ViewCounts()
    assert view_counts(None, None) == ViewCounts()


def test_the_shared_sentence_names_each_count_by_its_label(mentions):
    total = view_counts(mentions, pd.DataFrame({"claim_id": [1, 2, 3]}))
    shown = view_counts(mentions.loc[mentions["mention_id"] <= 2], pd.DataFrame({"claim_id": [1]}))
    assert counts_sentence(total, total, filtered=False) == \
        "7 place names, 3 resolved places, 2 places on the map, 3 claims (no filter)."
    sentence = counts_sentence(shown, total, filtered=True)
    assert sentence == ("2 of 7 place names, 1 of 3 resolved places, 1 of 2 places on the map, 1 of 3 claims "
                        "match the filters.")
    assert all(LABELS[f] in sentence for f in ("place_names", "resolved_places", "mapped_places", "claims"))
