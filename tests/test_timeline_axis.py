"""geo.layers.timeline: the Timeline's axis fits where the claims are (issue 14, point 5)."""

from __future__ import annotations

from datetime import date, timedelta

from geo.layers.timeline import Domain, core_span, fit_domain


def _days(start: date, n: int, step: int = 1) -> list[date]:
    return [start + timedelta(days=i * step) for i in range(n)]


AUTUMN_2020 = _days(date(2020, 9, 27), 40)


def test_one_old_claim_does_not_stretch_the_axis():
    days = [date(2009, 3, 2), *AUTUMN_2020]
    assert core_span(days) == (date(2020, 9, 27), date(2020, 11, 5))
    assert fit_domain(days) == Domain(date(2020, 9, 27), date(2020, 11, 5), outside=1)


def test_outliers_on_both_sides_and_at_several_distances_are_left_out():
    days = [date(2009, 3, 2), date(2019, 12, 1), *AUTUMN_2020, date(2024, 1, 1)]
    assert core_span(days) == (date(2020, 9, 27), date(2020, 11, 5))
    assert fit_domain(days).outside == 3


def test_a_lull_inside_a_long_war_does_not_split_it():
    """Two years of claims with a three-month quiet spell: one span."""
    days = _days(date(2022, 2, 24), 200, step=2) + _days(date(2023, 3, 1), 150, step=2)
    assert core_span(days) == (date(2022, 2, 24), days[-1])


def test_the_whole_period_on_demand():
    days = [date(2009, 3, 2), *AUTUMN_2020]
    assert fit_domain(days, whole=True) == Domain(date(2009, 3, 2), date(2020, 11, 5), outside=0)


def test_a_picked_range_fills_the_axis_with_a_margin():
    days = [date(2009, 3, 2), *AUTUMN_2020]
    domain = fit_domain(days, date(2020, 10, 1), date(2020, 10, 21))
    assert domain == Domain(date(2020, 9, 29), date(2020, 10, 23), outside=1 + 2 + 13)  # 2009; 27-28 Sep; 24 Oct-5 Nov
    one_day = fit_domain(days, date(2020, 10, 1), date(2020, 10, 1))
    assert (one_day.first, one_day.last) == (date(2020, 9, 30), date(2020, 10, 2))
    open_end = fit_domain(days, date(2020, 11, 1), None)
    assert open_end.first < date(2020, 11, 1) and open_end.last > date(2020, 11, 5)


def test_equal_spans_keep_the_later_and_one_date_is_a_span():
    days = _days(date(2015, 1, 1), 5) + _days(date(2020, 1, 1), 5)
    assert core_span(days) == (date(2020, 1, 1), date(2020, 1, 5))
    assert core_span([date(2020, 1, 1)]) == (date(2020, 1, 1), date(2020, 1, 1))
    assert core_span([]) is None and fit_domain([]) is None
