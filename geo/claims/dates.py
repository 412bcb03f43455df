"""Resolving the dates of claims against an article's publication date.

News text dates events relative to publication: "on Friday", "yesterday", "overnight",
"a week ago", "earlier this month". dateparser handles absolute dates well ("October 15,
2020", "15 Oct") but reads bare weekdays as the *next* one and knows no news conventions,
so relative expressions are resolved by the rules here, and absolute ones by dateparser.

Every result carries a precision code (after ACLED's time_precision): ``day``, ``week``
or ``month``, and a range (``start``..``end``) where the text gives one.

>>> resolve_date_expression("on Friday", date(2020, 10, 24))
ResolvedDate(start=datetime.date(2020, 10, 23), end=None, precision='day', text='on Friday')
>>> resolve_date_expression("Friday", date(2020, 10, 20), future=True).start
datetime.date(2020, 10, 23)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "several": 3, "few": 3, "a few": 3}
_AGO = re.compile(r"\b(a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d+|a few|few|several)\s+"
                  r"(day|days|week|weeks|month|months)\s+ago\b", re.I)


_LEADING_WORD = re.compile(r"^(on|by|from|until|of|the)\s+")
#: "Friday", "last Friday", "Friday morning"... one pattern per weekday, compiled once.
_WEEKDAY_PHRASES = [(name, re.compile(rf"(last |this |next |early |late )?{name}( morning| evening| night| afternoon)?"))
                    for name in WEEKDAYS]
_YEAR = re.compile(r"\b(19|20)\d\d\b")
_MONTH = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\b")
_NUMERIC_DATE = re.compile(r"\b\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{1,4})?\b")


@dataclass(frozen=True)
class ResolvedDate:
    """A resolved date or range with its precision."""

    start: date
    end: date | None = None
    precision: str = "day"  # "day", "week", "month"
    text: str = ""

    @property
    def iso(self) -> str:
        return self.start.isoformat()

    @property
    def iso_end(self) -> str | None:
        return self.end.isoformat() if self.end else None


def _latest_weekday(name: str, published: date, future: bool) -> date:
    target = WEEKDAYS.index(name)
    if future:
        delta = (target - published.weekday()) % 7 or 7
        return published + timedelta(days=delta)
    delta = (published.weekday() - target) % 7
    return published - timedelta(days=delta)


_MONTHS = {m: i for i, ms in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for m in ms}
_MONTH_DAY = re.compile(r"^(?P<m>[a-z]+)\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<y>\d{4}))?$")
_DAY_MONTH = re.compile(r"^(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m>[a-z]+)\.?(?:,?\s+(?P<y>\d{4}))?$")
_ISO = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})$")


def _fast_absolute(t: str, published: date) -> date | None:
    """"October 15, 2020", "15 Oct", "2020-10-15" without dateparser (it costs ~20 ms a call)."""
    for pattern in (_MONTH_DAY, _DAY_MONTH, _ISO):
        m = pattern.match(t)
        if not m:
            continue
        month = int(m.group("m")) if m.group("m").isdigit() else _MONTHS.get(m.group("m"))
        if not month:
            return None
        year = int(m.group("y")) if m.group("y") else published.year
        try:
            return date(year, month, int(m.group("d")))
        except ValueError:
            return None
    return None


@lru_cache(maxsize=4096)
def _dateparser_parse(text: str, published: date):
    import dateparser

    return dateparser.parse(
        text, languages=["en"],
        settings={"RELATIVE_BASE": _as_datetime(published), "PREFER_DATES_FROM": "past",
                  "REQUIRE_PARTS": ["day", "month"], "RETURN_AS_TIMEZONE_AWARE": False})


def _as_datetime(d: date):
    from datetime import datetime

    return datetime(d.year, d.month, d.day, 12)


def resolve_date_expression(text: str, published: date, *, future: bool = False) -> ResolvedDate | None:
    """Resolve one date expression (a spaCy DATE/TIME entity or a phrase) or return None.

    ``future`` says the clause speaks of what will happen ("will meet on Friday"): a
    bare weekday is then the next one, not the last one.
    """
    t = " ".join(text.lower().replace("’", "'").split())
    t = _LEADING_WORD.sub("", t)
    if not t:
        return None
    if t in {"today", "this morning", "this afternoon", "this evening", "tonight", "now"}:
        return ResolvedDate(published, precision="day", text=text)
    if t in {"yesterday", "last night", "overnight", "during the night", "the night", "night",
             "yesterday morning", "yesterday evening", "yesterday afternoon"}:
        return ResolvedDate(published - timedelta(days=1), precision="day", text=text)
    if t in {"tomorrow"}:
        return ResolvedDate(published + timedelta(days=1), precision="day", text=text)
    for name, phrase in _WEEKDAY_PHRASES:
        if phrase.fullmatch(t):
            fut = future or t.startswith("next ")
            day = _latest_weekday(name, published, fut)
            if t.startswith("last ") and day == published:
                day -= timedelta(days=7)
            return ResolvedDate(day, precision="day", text=text)
    m = _AGO.search(t)
    if m:
        word = m.group(1).lower()
        n = int(word) if word.isdigit() else _NUMBER_WORDS.get(word, 1)
        unit = m.group(2).rstrip("s")
        if unit == "day":
            return ResolvedDate(published - timedelta(days=n), precision="day", text=text)
        if unit == "week":
            return ResolvedDate(published - timedelta(days=7 * n), precision="week", text=text)
        return ResolvedDate(published - timedelta(days=30 * n), precision="month", text=text)
    if t in {"this week", "earlier this week"}:
        monday = published - timedelta(days=published.weekday())
        return ResolvedDate(monday, min(published, monday + timedelta(days=6)) if not future else
                            monday + timedelta(days=6), precision="week", text=text)
    if t in {"last week"}:
        monday = published - timedelta(days=published.weekday() + 7)
        return ResolvedDate(monday, monday + timedelta(days=6), precision="week", text=text)
    if t in {"next week"} or (future and t == "this week"):
        monday = published - timedelta(days=published.weekday()) + timedelta(days=7 if t == "next week" else 0)
        return ResolvedDate(monday, monday + timedelta(days=6), precision="week", text=text)
    if t in {"this weekend", "the weekend", "last weekend", "next weekend"}:
        sat = _latest_weekday("saturday", published, future or t == "next weekend")
        if t == "last weekend" and sat > published - timedelta(days=2):
            sat -= timedelta(days=7)
        return ResolvedDate(sat, sat + timedelta(days=1), precision="day", text=text)
    if t in {"earlier this month", "this month"}:
        return ResolvedDate(published.replace(day=1), published, precision="month", text=text)
    if t in {"last month"}:
        first = (published.replace(day=1) - timedelta(days=1)).replace(day=1)
        end = published.replace(day=1) - timedelta(days=1)
        return ResolvedDate(first, end, precision="month", text=text)
    # Absolute dates: dateparser, only when a day and a month are given.
    if _MONTH.search(t) or _NUMERIC_DATE.search(t):
        d = _fast_absolute(t, published)
        if d is None:
            parsed = _dateparser_parse(t, published)
            d = parsed.date() if parsed is not None else None
        if d is not None:
            if not _YEAR.search(t) and d > published + timedelta(days=2) and not future:
                d = d.replace(year=d.year - 1)  # "September 27" in an October article: this year's
            return ResolvedDate(d, precision="day", text=text)
    return None
