"""Dates (geo/dates.py and the dating of claims in geo/claims.py), on expressions and
sentences written for these tests.

Publication dates used here: Saturday 2020-10-24, Wednesday 2020-10-14, Thursday 2020-10-22,
Friday 2021-03-12.
"""

from __future__ import annotations

from datetime import date

import pytest

from geo.claims.dates import ResolvedDate, resolve_date_expression
from geo.claims.extract import article_focus_date
from geo.model import Article, Claim

SATURDAY = date(2020, 10, 24)
WEDNESDAY = date(2020, 10, 14)
THURSDAY = date(2020, 10, 22)


def resolved(text: str, published: date, *, future: bool = False) -> tuple[str, str | None, str]:
    r = resolve_date_expression(text, published, future=future)
    assert r is not None, f"{text!r} not resolved"
    assert isinstance(r, ResolvedDate)
    return r.iso, r.iso_end, r.precision


# --------------------------------------------------------------------------- relative days


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", "2020-10-24"),
        ("this morning", "2020-10-24"),
        ("yesterday", "2020-10-23"),
        ("Yesterday evening", "2020-10-23"),
        ("overnight", "2020-10-23"),
        ("during the night", "2020-10-23"),
        ("last night", "2020-10-23"),
        ("tomorrow", "2020-10-25"),
        ("three days ago", "2020-10-21"),
        ("two days ago", "2020-10-22"),
        ("5 days ago", "2020-10-19"),
    ],
)
def test_relative_days(text: str, expected: str) -> None:
    assert resolved(text, SATURDAY) == (expected, None, "day")


# --------------------------------------------------------------------------- weekdays


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Friday", "2020-10-23"),
        ("on Friday", "2020-10-23"),
        ("Friday morning", "2020-10-23"),
        ("Monday", "2020-10-19"),
        ("on Sunday", "2020-10-18"),  # the latest Sunday on or before publication, not tomorrow
        ("Saturday", "2020-10-24"),  # the publication weekday is the publication day
        ("last Saturday", "2020-10-17"),  # ... unless "last" says otherwise
        ("last Friday", "2020-10-23"),
        ("next Friday", "2020-10-30"),
    ],
)
def test_weekdays_are_the_latest_on_or_before_publication(text: str, expected: str) -> None:
    assert resolved(text, SATURDAY) == (expected, None, "day")


def test_weekday_on_its_own_day_of_the_week() -> None:
    friday = date(2021, 3, 12)
    assert resolved("Friday", friday) == ("2021-03-12", None, "day")
    assert resolved("last Friday", friday) == ("2021-03-05", None, "day")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Friday", "2020-10-30"), ("on Saturday", "2020-10-31"), ("Sunday", "2020-10-25"),
     ("Monday", "2020-10-26")],
)
def test_future_weekday_is_the_next_one(text: str, expected: str) -> None:
    # the publication weekday itself is next week's when the clause speaks of the future
    assert resolved(text, SATURDAY, future=True) == (expected, None, "day")


# --------------------------------------------------------------------------- weeks, months, weekends


def test_a_week_ago_has_week_precision() -> None:
    assert resolved("a week ago", SATURDAY) == ("2020-10-17", None, "week")
    assert resolved("two weeks ago", SATURDAY) == ("2020-10-10", None, "week")


def test_months_ago_has_month_precision() -> None:
    assert resolved("two months ago", SATURDAY)[2] == "month"


@pytest.mark.parametrize("text", ["earlier this month", "this month"])
def test_earlier_this_month_is_a_range(text: str) -> None:
    assert resolved(text, SATURDAY) == ("2020-10-01", "2020-10-24", "month")


def test_last_month_is_the_whole_previous_month() -> None:
    assert resolved("last month", SATURDAY) == ("2020-09-01", "2020-09-30", "month")
    assert resolved("last month", date(2021, 1, 15)) == ("2020-12-01", "2020-12-31", "month")  # across a year


def test_this_week_and_last_week() -> None:
    assert resolved("this week", SATURDAY) == ("2020-10-19", "2020-10-24", "week")
    assert resolved("last week", SATURDAY) == ("2020-10-12", "2020-10-18", "week")


def test_this_weekend() -> None:
    assert resolved("this weekend", SATURDAY) == ("2020-10-24", "2020-10-25", "day")
    assert resolved("this weekend", date(2020, 10, 26)) == ("2020-10-24", "2020-10-25", "day")  # on Monday
    assert resolved("last weekend", SATURDAY) == ("2020-10-17", "2020-10-18", "day")


def test_future_weekend_is_the_coming_one() -> None:
    assert resolved("this weekend", THURSDAY, future=True) == ("2020-10-24", "2020-10-25", "day")


# --------------------------------------------------------------------------- absolute dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("October 15, 2020", "2020-10-15"),
        ("on October 15, 2020", "2020-10-15"),
        ("15 October 2019", "2019-10-15"),
        ("15 Oct", "2020-10-15"),
        ("Oct. 15", "2020-10-15"),
        ("September 27", "2020-09-27"),  # in an October article: this year's
        ("Sept. 27", "2020-09-27"),
        ("10/15/2020", "2020-10-15"),
    ],
)
def test_explicit_dates(text: str, expected: str) -> None:
    assert resolved(text, SATURDAY) == (expected, None, "day")


def test_date_later_in_the_year_than_publication_is_last_years() -> None:
    assert resolved("December 30", date(2021, 1, 2)) == ("2020-12-30", None, "day")
    assert resolved("November 20", SATURDAY) == ("2019-11-20", None, "day")


@pytest.mark.parametrize(("text", "future", "expected"), [("October 25", False, "2020-10-25"),
                                                          ("October 30", True, "2020-10-30")])
def test_date_just_after_publication_keeps_the_year(text: str, future: bool, expected: str) -> None:
    assert resolved(text, SATURDAY, future=future)[0] == expected


@pytest.mark.parametrize(
    "text",
    ["1994", "in 1994", "the 1990s", "2020", "October", "banana", "", "   ", "the", "recent days",
     "the past week", "soon", "a long time ago", "Fridays", "Friday the"],
)
def test_unresolvable_expressions_are_none(text: str) -> None:
    assert resolve_date_expression(text, SATURDAY) is None


# --------------------------------------------------------------------------- focus date


@pytest.mark.integration
def test_article_focus_date_is_the_most_frequent_recent_day(nlp) -> None:
    doc = nlp("Shelling resumed on Monday near the border. Two villages were hit on Monday night. "
              "On Tuesday the ministry counted the damage. The war began on September 27.")
    focus = article_focus_date(doc, WEDNESDAY)
    assert (focus.iso, focus.precision) == ("2020-10-12", "day")


@pytest.mark.integration
def test_article_focus_date_ignores_days_older_than_three_days(nlp) -> None:
    doc = nlp("The ceasefire was signed on October 1. It was broken on Thursday, October 8.")
    focus = article_focus_date(doc, WEDNESDAY)
    assert focus.iso == "2020-10-14"
    assert focus.text == "(publication date)"


@pytest.mark.integration
def test_article_focus_date_without_dates_or_publication(nlp) -> None:
    doc = nlp("The ministry said the situation was calm.")
    assert article_focus_date(doc, WEDNESDAY).iso == "2020-10-14"
    assert article_focus_date(doc, None) is None


# --------------------------------------------------------------------------- claim dates in context


@pytest.fixture(scope="module")
def claims_of(pipeline):
    def run(text: str, published: str = "2020-10-14") -> list[Claim]:
        return pipeline.analyze(Article(id="t", text=text, published=published)).claims

    return run


def claim_date(claims: list[Claim]) -> tuple[str | None, str | None, str | None]:
    assert claims, "no claim"
    c = claims[-1]
    return c.date, c.date_end, c.date_precision


@pytest.mark.integration
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Azerbaijan said Armenian forces shelled Tartar on Friday.", "2020-10-09"),
        ("Armenia said yesterday that Azerbaijani forces shelled Martuni.", "2020-10-13"),
        ("Armenia said Azerbaijani forces shelled Martuni overnight.", "2020-10-13"),
        ("Armenia said Azerbaijani forces shelled Martuni during the night.", "2020-10-13"),
        ("Azerbaijan said three days ago that its forces had captured Hadrut.", "2020-10-11"),
        ("Armenia said the town was shelled on September 27.", "2020-09-27"),
        ("Kyiv said Russian missiles hit Kharkiv last night.", "2020-10-13"),
    ],
)
def test_claim_date_from_its_sentence(claims_of, text: str, expected: str) -> None:
    assert claim_date(claims_of(text)) == (expected, None, "day")


@pytest.mark.integration
@pytest.mark.parametrize(
    "text",
    [
        "Russia said the foreign ministers will meet in Moscow on Friday.",
        "The foreign ministers will meet in Moscow on Friday, Russia said.",
    ],
)
def test_future_claim_takes_the_next_weekday(claims_of, text: str) -> None:
    assert claim_date(claims_of(text)) == ("2020-10-16", None, "day")


@pytest.mark.integration
def test_claim_date_range(claims_of) -> None:
    claims = claims_of("Azerbaijan said its forces captured Hadrut earlier this month.")
    assert claim_date(claims) == ("2020-10-01", "2020-10-14", "month")


@pytest.mark.integration
@pytest.mark.parametrize(
    "context",
    [
        "Heavy fighting was reported on Monday in the south.",
        "Heavy fighting was reported on Monday. Shelling continued on Monday night.",
    ],
)
def test_undated_claim_takes_the_article_focus_date(claims_of, context: str) -> None:
    claims = claims_of(context + " Armenia said Azerbaijani forces shelled Martuni.")
    assert claim_date(claims) == ("2020-10-12", None, "day")


@pytest.mark.integration
@pytest.mark.parametrize(
    "text",
    [
        "Armenia said Azerbaijani forces shelled Martuni.",
        # a date older than three days is not the article's focus
        "The ceasefire was signed on October 1. Armenia said Azerbaijani forces shelled Martuni.",
    ],
)
def test_undated_claim_takes_the_publication_date(claims_of, text: str) -> None:
    assert claim_date(claims_of(text)) == ("2020-10-14", None, "day")


@pytest.mark.integration
@pytest.mark.parametrize(
    "text",
    [
        "Armenia said the clashes a month ago had killed 40 soldiers.",
        "Armenia said the clashes of a month ago had killed 40 soldiers.",
        "The agreement signed in 1994 is no longer valid, Armenia said.",
    ],
)
def test_date_inside_a_noun_phrase_does_not_date_the_claim(claims_of, text: str) -> None:
    assert claim_date(claims_of(text)) == ("2020-10-14", None, "day")


@pytest.mark.integration
def test_date_in_a_reduced_relative_clause_does_not_date_the_claim(claims_of) -> None:
    claims = claims_of("Armenia said the agreement signed on September 27 had collapsed.")
    assert claim_date(claims) == ("2020-10-14", None, "day")
