"""Tests of the evaluation metrics (geo/evaluate.py) on small synthetic articles."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest

from geo.distance import haversine_km
from geo.evaluate import (
    METRIC_KEYS,
    claim_text_overlap,
    distance_to_geometry_km,
    format_report,
    gold_class,
    is_demonym,
    load_gold,
    resolution_by_class,
    score,
)

SEEDS_GOLD = Path("/work/shared/seeds/gold")


def top(start, end, *, lat=10.0, lon=20.0, type="settlement", country="XX", metonymic=False, **kw):
    t = {
        "text": "x" * (end - start),
        "start": start,
        "end": end,
        "name": "Place",
        "country": country,
        "lat": lat,
        "lon": lon,
        "type": type,
        "metonymic": metonymic,
        "not_a_place": False,
    }
    t.update(kw)
    return t


def claim(claimant, text, *, date=None, date_end=None, disputed_by=(), **kw):
    c = {
        "claimant": claimant,
        "text": text,
        "places": [],
        "date": date,
        "disputed_by": list(disputed_by),
        "kind": "statement",
    }
    if date_end is not None:
        c["date_end"] = date_end
    c.update(kw)
    return c


def art(aid="a", toponyms=(), claims=None):
    a = {"id": aid, "toponyms": list(toponyms)}
    if claims is not None:
        a["claims"] = list(claims)
    return a


def gold_article():
    return art(
        "a",
        [
            top(0, 5, lat=40.0, lon=45.0, type="country", country="AM"),
            top(10, 16, lat=40.18, lon=44.51, metonymic=True),
            top(20, 28, lat=39.8, lon=47.1),
            {"text": "Minsk", "start": 40, "end": 45, "not_a_place": True},
        ],
        [
            claim("Armenia", "The ministry said the town was shelled overnight.", date="2020-10-23"),
            claim("Azerbaijan", "Baku denied it all.", date="2020-10-22", disputed_by=["Armenia"]),
        ],
    )


# --------------------------------------------------------------------------- helpers


def test_haversine_one_degree_of_latitude():
    assert haversine_km(0, 0, 1, 0) == pytest.approx(111.2, abs=0.1)
    assert haversine_km(40, 45, 40, 45) == 0.0


def test_line_within_161km_counts_even_if_first_vertex_is_far():
    # A north-south line at lon 20.5 from lat 0 to 30; the gold point (10, 20) is ~55 km away
    # from the line but its first vertex is over 1000 km away.
    line = {"type": "LineString", "coordinates": [[20.5, 0.0], [20.5, 30.0]]}
    assert haversine_km(10, 20, 0, 20.5) > 1000
    d = distance_to_geometry_km(10.0, 20.0, line, 0.0, 20.5)
    assert d == pytest.approx(haversine_km(10, 20, 10, 20.5), abs=0.5)
    assert d < 161
    g = art(toponyms=[top(0, 5, lat=10.0, lon=20.0, type="border")])
    p = art(toponyms=[top(0, 5, lat=0.0, lon=20.5, type="border", geometry=line)])
    m = score({"a": p}, {"a": g})
    assert m["resolution_acc_161km"] == 1.0


def test_polygon_containing_point_gives_zero():
    poly = {"type": "Polygon", "coordinates": [[[19, 9], [21, 9], [21, 11], [19, 11], [19, 9]]]}
    assert distance_to_geometry_km(10.0, 20.0, poly, None, None) == 0.0
    multi = {"type": "MultiPolygon", "coordinates": [poly["coordinates"]]}
    assert distance_to_geometry_km(10.0, 20.0, multi, 50.0, 50.0) == 0.0


def test_distance_falls_back_to_point_and_inf_when_unresolved():
    assert distance_to_geometry_km(10, 20, None, 10, 21) == pytest.approx(haversine_km(10, 20, 10, 21))
    assert math.isinf(distance_to_geometry_km(10, 20, None, None, None))


def test_claim_text_overlap_threshold():
    a = "abcdefghij"  # 10 characters, half is 5
    assert claim_text_overlap(a, "abcde" + "ZZZZZZZZZZ") == 5
    assert claim_text_overlap(a, "abcd" + "ZZZZZZZZZZ") == 0
    assert claim_text_overlap("", a) == 0


# --------------------------------------------------------------------------- score


def test_returns_exactly_the_metric_keys():
    g = {"a": gold_article()}
    assert tuple(score(g, g)) == METRIC_KEYS


def test_perfect_predictions_score_one():
    g = {"a": gold_article()}
    m = score(copy.deepcopy(g), g)
    for key in METRIC_KEYS:
        if key == "resolution_median_error_km":
            assert m[key] == 0.0
        else:
            assert m[key] == 1.0, key


def test_overlap_matching_is_one_to_one():
    g = art(toponyms=[top(0, 10), top(20, 30)])
    # partial overlap matches; a second system mention on the same gold cannot match again
    p = art(toponyms=[top(5, 12), top(8, 9), top(25, 40)])
    m = score({"a": p}, {"a": g})
    assert m["toponym_recall"] == 1.0
    assert m["toponym_precision"] == pytest.approx(2 / 3)
    assert m["toponym_f1"] == pytest.approx(2 * 2 / (3 + 2))


def test_matching_is_maximal_not_just_greedy():
    # system A overlaps gold 1 most but also gold 2; system B overlaps only gold 1.
    # Greedy alone would give A-1 and leave B unmatched; the maximum matching is A-2, B-1.
    g = art(toponyms=[top(0, 10), top(10, 13)])
    p = art(toponyms=[top(2, 12), top(0, 1)])
    m = score({"a": p}, {"a": g})
    assert m["toponym_precision"] == 1.0
    assert m["toponym_recall"] == 1.0


def test_touching_spans_do_not_overlap():
    g = art(toponyms=[top(0, 5)])
    p = art(toponyms=[top(5, 10)])
    m = score({"a": p}, {"a": g})
    assert m["toponym_precision"] == 0.0
    assert m["toponym_recall"] == 0.0


def test_not_a_place_overlap_is_false_positive():
    g = art(toponyms=[top(0, 5), {"text": "Minsk", "start": 10, "end": 15, "not_a_place": True}])
    p = art(toponyms=[top(0, 5), top(10, 15)])
    m = score({"a": p}, {"a": g})
    assert m["toponym_precision"] == 0.5
    assert m["toponym_recall"] == 1.0


def test_uncertain_gold_counts_for_recognition_not_resolution():
    g = art(toponyms=[top(0, 5), top(10, 15, lat=None, lon=None, name=None, uncertain=True)])
    p = art(toponyms=[top(0, 5), top(10, 15, lat=-50.0, lon=100.0)])
    m = score({"a": p}, {"a": g})
    assert m["toponym_recall"] == 1.0
    assert m["resolution_acc_161km"] == 1.0


def test_country_code_rule():
    g = art(toponyms=[top(0, 5, type="country", country="AM", lat=40.0, lon=45.0)])
    far_right = art(toponyms=[top(0, 5, type="country", country="am", lat=-40.0, lon=-45.0)])
    near_wrong = art(toponyms=[top(0, 5, type="country", country="AZ", lat=40.0, lon=45.0)])
    assert score({"a": far_right}, {"a": g})["resolution_acc_161km"] == 1.0
    assert score({"a": near_wrong}, {"a": g})["resolution_acc_161km"] == 0.0
    # countries are excluded from the median error
    assert score({"a": far_right}, {"a": g})["resolution_median_error_km"] is None


def test_unresolved_counts_wrong_and_is_excluded_from_median():
    g = art(toponyms=[top(0, 5, lat=10.0, lon=20.0), top(10, 15, lat=10.0, lon=20.0)])
    p = art(toponyms=[top(0, 5, lat=10.0, lon=21.0), top(10, 15, lat=None, lon=None)])
    m = score({"a": p}, {"a": g})
    assert m["resolution_acc_161km"] == 0.5
    assert m["resolution_median_error_km"] == pytest.approx(haversine_km(10, 20, 10, 21))


def test_gold_spans_dropped_span_counts_wrong():
    g = art(toponyms=[top(0, 5), top(10, 15)])
    p = art(toponyms=[top(0, 5)])
    assert score({"a": p}, {"a": g}, gold_spans=True)["resolution_acc_161km"] == 0.5
    # in the normal mode only matched mentions are resolved
    assert score({"a": p}, {"a": g})["resolution_acc_161km"] == 1.0


def test_median_error():
    g = art(toponyms=[top(i * 10, i * 10 + 5, lat=0.0, lon=0.0) for i in range(3)])
    p = art(
        toponyms=[
            top(0, 5, lat=0.0, lon=0.0),
            top(10, 15, lat=1.0, lon=0.0),
            top(20, 25, lat=5.0, lon=0.0),
        ]
    )
    m = score({"a": p}, {"a": g})
    assert m["resolution_median_error_km"] == pytest.approx(haversine_km(0, 0, 1, 0))
    assert m["resolution_acc_161km"] == pytest.approx(2 / 3)


def test_metonymy_only_on_settlements():
    g = art(
        toponyms=[
            top(0, 5, metonymic=True),
            top(10, 15, metonymic=False),
            top(20, 25, type="country", country="AM", metonymic=True),
        ]
    )
    p = art(
        toponyms=[
            top(0, 5, metonymic=True),
            top(10, 15, metonymic=True),
            top(20, 25, type="country", country="AM", metonymic=False),
        ]
    )
    assert score({"a": p}, {"a": g})["metonymy_accuracy"] == 0.5


def test_claim_matching_threshold_just_above_and_below_half():
    gold_text = "abcdefghijklmnopqrst"  # 20 characters
    g = art(claims=[claim("Armenia", gold_text)])
    above = art(claims=[claim("Armenia", "abcdefghijk" + "-" * 30)])  # 11 shared > 10
    exact = art(claims=[claim("Armenia", "abcdefghij" + "-" * 30)])  # 10 shared == half
    below = art(claims=[claim("Armenia", "abcdefghi" + "-" * 30)])  # 9 shared < 10
    other = art(claims=[claim("Azerbaijan", gold_text)])  # claimant differs
    assert score({"a": above}, {"a": g})["claim_f1"] == 1.0
    assert score({"a": exact}, {"a": g})["claim_f1"] == 1.0
    assert score({"a": below}, {"a": g})["claim_f1"] == 0.0
    assert score({"a": other}, {"a": g})["claim_f1"] == 0.0


def test_joint_statement_claims_match_one_to_one():
    text = "Both ministries said talks would resume."
    g = art(claims=[claim("Armenia", text), claim("Azerbaijan", text)])
    p = art(claims=[claim("Armenia", text), claim("Armenia", text)])
    m = score({"a": p}, {"a": g})
    assert m["claim_precision"] == 0.5
    assert m["claim_recall"] == 0.5


def test_claim_date_exact_and_range():
    text = "Fighting went on for a week, officials said."
    g = art(
        claims=[
            claim("Armenia", text, date="2020-10-01", date_end="2020-10-07"),
            claim("Azerbaijan", text, date="2020-10-05"),
            claim("Russia", text, date=None),
            claim("Iran", text, date="2020-10-05", uncertain=True),
        ]
    )
    p = art(
        claims=[
            claim("Armenia", text, date="2020-10-03"),
            claim("Azerbaijan", text, date="2020-10-04"),
            claim("Russia", text, date="2020-10-04"),
            claim("Iran", text, date="1999-01-01"),
        ]
    )
    m = score({"a": p}, {"a": g})
    assert m["claim_f1"] == 1.0
    assert m["claim_date_accuracy"] == 0.5  # range hit, exact miss; null and uncertain skipped
    p["claims"][0]["date"] = "2020-10-08"
    assert score({"a": p}, {"a": g})["claim_date_accuracy"] == 0.0


def test_dispute_f1():
    g = art(
        claims=[
            claim("Armenia", "The town was shelled.", disputed_by=["Azerbaijan"]),
            claim(
                "Azerbaijan", "We hold the border.", disputed_by=["Armenia", "Nagorno-Karabakh authorities"]
            ),
        ]
    )
    p = art(
        claims=[
            claim("Armenia", "The town was shelled.", disputed_by=["Azerbaijan", "Russia"]),
            claim("Azerbaijan", "We hold the border.", disputed_by=["Armenia"]),
            claim("Turkey", "Unmatched claim.", disputed_by=["Armenia"]),  # not matched: ignored
        ]
    )
    # system pairs 3, gold pairs 3, common 2
    assert score({"a": p}, {"a": g})["claim_dispute_f1"] == pytest.approx(2 * 2 / (3 + 3))


def test_empty_denominators_are_none():
    g = {"a": art(toponyms=[top(0, 5, type="region")], claims=[])}
    p = {"a": art(toponyms=[], claims=[])}
    m = score(p, g)
    assert m["toponym_precision"] is None  # no system mentions
    assert m["toponym_recall"] == 0.0
    assert m["toponym_f1"] == 0.0
    for key in ("resolution_acc_161km", "resolution_median_error_km", "metonymy_accuracy"):
        assert m[key] is None
    for key in ("claim_precision", "claim_recall", "claim_f1", "claim_date_accuracy", "claim_dispute_f1"):
        assert m[key] is None


def test_no_claims_key_anywhere_means_claim_metrics_none():
    g = {"a": gold_article()}
    p = copy.deepcopy(g)
    del p["a"]["claims"]
    m = score(p, g)
    assert m["toponym_f1"] == 1.0
    assert all(m[k] is None for k in METRIC_KEYS if k.startswith("claim_"))


def test_claims_key_but_no_claims_gives_zero_recall():
    g = {"a": gold_article()}
    p = {"a": art(toponyms=gold_article()["toponyms"], claims=[])}
    m = score(p, g)
    assert m["claim_recall"] == 0.0
    assert m["claim_f1"] == 0.0
    assert m["claim_precision"] is None


def test_missing_article_counts_as_empty():
    g = {"a": gold_article(), "b": art("b", [top(0, 5)], [claim("UN", "The UN called for calm.")])}
    p = {"a": copy.deepcopy(gold_article()), "zzz": gold_article()}  # extra ids are ignored
    m = score(p, g)
    n_gold_places = 3 + 1
    assert m["toponym_recall"] == pytest.approx(3 / n_gold_places)
    assert m["toponym_precision"] == 1.0
    assert m["claim_recall"] == pytest.approx(2 / 3)
    assert m["claim_precision"] == 1.0


# --------------------------------------------------------------------------- I/O and report


def test_load_gold_and_broken_file(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(gold_article()), encoding="utf-8")
    assert load_gold(tmp_path) == {"a": gold_article()}
    (tmp_path / "b.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="b.json"):
        load_gold(tmp_path)


def test_load_gold_rejects_mismatched_id_and_empty_folder(tmp_path):
    with pytest.raises(ValueError, match="no"):
        load_gold(tmp_path)
    (tmp_path / "c.json").write_text(json.dumps(art("d")), encoding="utf-8")
    with pytest.raises(ValueError, match="c.json"):
        load_gold(tmp_path)


def test_format_report_aligned_with_null():
    report = format_report({"toponym_f1": 0.5, "claim_f1": None, "articles": 2, "seconds": 1.234})
    lines = report.splitlines()
    assert len(lines) == 4
    assert len({len(line) for line in lines}) == 1  # right-aligned values
    assert "null" in lines[1]
    assert lines[0].split() == ["toponym_f1", "0.5000"]
    assert lines[3].split() == ["seconds", "1.23"]


@pytest.mark.skipif(not SEEDS_GOLD.is_dir(), reason="shared seed gold not available")
def test_seed_gold_scored_against_itself_is_perfect():
    gold = load_gold(SEEDS_GOLD)
    m = score(copy.deepcopy(gold), gold)
    for key in METRIC_KEYS:
        expected = 0.0 if key == "resolution_median_error_km" else 1.0
        assert m[key] == pytest.approx(expected), key
    assert m["metonymy_accuracy"] == 1.0


def test_claim_metrics_are_null_when_gold_has_no_claim_annotations() -> None:
    """A toponym-only benchmark: system claims must not read as precision 0."""
    gold = {"a": {"id": "a", "toponyms": []}}
    predictions = {"a": {"id": "a", "toponyms": [], "claims": [
        {"claimant": "Other", "text": "Officials said so.", "date": None, "disputed_by": []}]}}
    metrics = score(predictions, gold)
    assert metrics["claim_precision"] is None and metrics["claim_f1"] is None


def test_any_claimant_matches_claims_on_text_alone():
    text = "The committee said the vote would take place on Tuesday."
    g = art(claims=[claim("Other", text), claim("Other", "An unrelated statement of some length here.")])
    p = art(claims=[claim("USA", text), claim("Other", "Nothing in common with the gold at all, really.")])
    strict = score({"a": p}, {"a": g})
    loose = score({"a": p}, {"a": g}, any_claimant=True)
    assert strict["claim_recall"] == 0.0
    assert loose["claim_precision"] == 0.5 and loose["claim_recall"] == 0.5
    # one-to-one still: two system claims with the same text match one gold claim once
    twice = art(claims=[claim("USA", text), claim("Russia", text)])
    assert score({"a": twice}, {"a": art(claims=[claim("Other", text)])}, any_claimant=True)["claim_precision"] == 0.5


def test_cli_any_claimant_flag(tmp_path):
    from geo.cli import build_parser

    args = build_parser().parse_args(["evaluate", str(tmp_path), str(tmp_path), "--any-claimant"])
    assert args.any_claimant is True
    assert build_parser().parse_args(["evaluate", str(tmp_path), str(tmp_path)]).any_claimant is False


# --------------------------------------------------------------------------- per class

BY_CLASS_TEXT = "Russian troops left Kherson for the Dnipro near Crimea, Ukraine said; Ukrainians cheered."


def _at(word, **kw):
    start = BY_CLASS_TEXT.index(word)
    t = top(start, start + len(word), **kw)
    t["text"] = word
    return t


def _by_class_gold():
    return art(toponyms=[
        _at("Russian", type="country", country="RU", lat=61.5, lon=105.3),
        _at("Kherson", type="settlement", country="UA", lat=46.64, lon=32.61),
        _at("Dnipro", type="river", country="UA", lat=46.5, lon=32.3),
        _at("Crimea", type="region", country="UA", lat=45.3, lon=34.4),
        _at("Ukraine", type="country", country="UA", lat=49.0, lon=32.0),
        _at("Ukrainians", type="country", country="UA", lat=49.0, lon=32.0),
    ])


def test_gold_class_is_the_gold_type_with_demonyms_apart():
    assert is_demonym("Russian") and is_demonym("Ukrainians") and is_demonym("American’s")
    assert not is_demonym("Kherson") and not is_demonym("Russia") and not is_demonym(None)
    classes = [gold_class(t) for t in _by_class_gold()["toponyms"]]
    assert classes == ["demonym", "settlement", "river", "region", "country", "demonym"]
    assert gold_class({"text": "Somewhere"}) == "untyped"


def test_resolution_by_class_counts_and_accuracies():
    g = _by_class_gold()
    p = copy.deepcopy(g)
    tops = p["toponyms"]
    tops[0]["country"] = "UA"                          # demonym "Russian" -> wrong country
    tops[1].update(lat=46.64, lon=33.61)               # Kherson ~76 km off: right
    tops[2].update(lat=50.45, lon=30.52)               # Dnipro placed at Kyiv (~460 km): wrong
    del tops[3]                                        # Crimea not recognised
    # country: right code, point far away (the country rule ignores the distance); demonym right
    tops[3].update(lat=0.0, lon=0.0)
    by_class = resolution_by_class({"a": p}, {"a": g})
    assert by_class["demonym"]["n"] == 2 and by_class["demonym"]["acc161"] == 0.5
    assert by_class["demonym"]["median_error_km"] is None
    assert by_class["settlement"] == {"n": 1, "acc161": 1.0,
                                      "median_error_km": pytest.approx(haversine_km(46.64, 32.61, 46.64, 33.61))}
    assert by_class["river"]["n"] == 1 and by_class["river"]["acc161"] == 0.0
    assert by_class["country"] == {"n": 1, "acc161": 1.0, "median_error_km": None}
    assert "region" not in by_class                    # unmatched: not scored end to end
    assert list(by_class)[0] == "demonym"              # largest class first
    # the classes add up to the overall metric
    overall = score({"a": p}, {"a": g})["resolution_acc_161km"]
    assert sum(r["n"] * r["acc161"] for r in by_class.values()) / sum(r["n"] for r in by_class.values()) \
        == pytest.approx(overall)


def test_resolution_by_class_with_gold_spans_counts_dropped_spans_wrong():
    g = _by_class_gold()
    g["toponyms"].append(_at("Crimea", type="region", uncertain=True, lat=None, lon=None))  # never scored
    p = copy.deepcopy(g)
    del p["toponyms"][6], p["toponyms"][3]             # the system leaves Crimea unresolved
    by_class = resolution_by_class({"a": p}, {"a": g}, gold_spans=True)
    assert by_class["region"] == {"n": 1, "acc161": 0.0, "median_error_km": None}
    assert by_class["demonym"] == {"n": 2, "acc161": 1.0, "median_error_km": None}
    assert sum(r["n"] for r in by_class.values()) == 6
    assert resolution_by_class({"a": p}, {"a": g})["demonym"]["n"] == 2
    assert "region" not in resolution_by_class({"a": p}, {"a": g})
    # not_a_place gold and articles without predictions
    assert resolution_by_class({}, {"a": art(toponyms=[top(0, 5, not_a_place=True)])}, gold_spans=True) == {}
    assert resolution_by_class({}, {"a": g}, gold_spans=True)["settlement"]["acc161"] == 0.0


def test_format_report_prints_the_class_table():
    report = format_report({"toponym_f1": 0.5, "resolution_by_class": {
        "settlement": {"n": 12, "acc161": 0.75, "median_error_km": 3.25},
        "demonym": {"n": 3, "acc161": 1.0, "median_error_km": None}}})
    lines = report.splitlines()
    assert lines[0].split() == ["toponym_f1", "0.5000"]
    assert lines[1] == "" and lines[2].startswith("resolution_by_class")
    assert lines[3].split() == ["class", "n", "acc_161km", "median_error_km"]
    assert lines[4].split() == ["settlement", "12", "0.7500", "3.2"]
    assert lines[5].split() == ["demonym", "3", "1.0000", "null"]
    assert len({len(line) for line in lines[3:]}) == 1
    assert "no resolved mentions" in format_report({"resolution_by_class": {}})
