"""Statements that run over several sentences: which sentences without a reporting verb of
their own continue someone's statement.

News quotes a speaker introduced once ("The ministry's spokesman said:") for one or more
sentences or paragraphs, and puts the attribution after a quotation ("“... . ...,” he
added."). Each sentence of such a statement is a claim of that speaker (EVALUATION.md counts
them so). Which sentences continue a statement is told from the quotation marks and colons
alone, so this works on any article, whatever the parse of its quotes.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

_OPENING = "“«„"
_CLOSING = "”»"
_STRAIGHT = '"'


@dataclass(frozen=True)
class SentenceQuotes:
    """Where a sentence stands with respect to quotation marks (within its paragraph)."""

    start: int
    end: int
    paragraph: int
    starts_inside: bool  # a quotation opened before the sentence is still open at its start
    ends_inside: bool  # a quotation is open at the sentence's end
    opens: bool  # the sentence starts with an opening quotation mark
    intro: bool  # the sentence ends with a colon outside quotes: "X said:" introduces what follows
    has_words: bool  # not a lone quotation mark or dash left over by the sentence splitter
    quote_closes_at_end: bool  # the sentence ends with a closing quotation mark


def quote_states(text: str, bounds: list[tuple[int, int]]) -> list[SentenceQuotes]:
    """The quotation state of each sentence (``bounds``: character spans in text order).

    Quotation marks are followed through each paragraph (a line break starts a new one, and a
    paragraph continuing a quote opens it again, as typesetting does); straight quotes toggle.
    """
    out: list[SentenceQuotes] = []
    depth = 0
    pos = 0
    paragraph = 0
    for start, end in bounds:
        # paragraphs between the last position and this sentence's start
        gap = text[pos:start]
        if "\n" in gap:
            paragraph += gap.count("\n\n") or 1
            depth = 0
        else:
            depth = _advance(gap, depth)
        starts_inside = depth > 0
        body = text[start:end]
        depth = _advance(body, depth)
        stripped = body.strip()
        out.append(SentenceQuotes(start=start, end=end, paragraph=paragraph, starts_inside=starts_inside,
                                  ends_inside=depth > 0, opens=stripped[:1] in _OPENING + _STRAIGHT,
                                  intro=stripped.endswith(":") and depth == 0,
                                  has_words=any(ch.isalnum() for ch in body),
                                  quote_closes_at_end=stripped[-1:] in _CLOSING + _STRAIGHT
                                  or stripped[-2:-1] in _CLOSING + _STRAIGHT))
        if "\n" in body:
            paragraph += 1
            depth = 0
        pos = end
    return out


def _advance(segment: str, depth: int) -> int:
    for ch in segment:
        if ch in _OPENING:
            depth += 1
        elif ch in _CLOSING:
            depth = max(0, depth - 1)
        elif ch == _STRAIGHT:
            depth = 0 if depth else 1
        elif ch == "\n":
            depth = 0
    return depth


def continued_statements(states: list[SentenceQuotes], has_claims: list[bool]) -> dict[int, int]:
    """For each sentence without claims of its own that continues a statement, the index of the
    sentence whose speakers it continues.

    * after an introduction ending in a colon, the rest of its paragraph, or, when the
      introduction ends its own, the next paragraph and the quoted paragraphs right after it;
    * a paragraph that is one quotation, right after a paragraph ending with a quoted statement.
    * while a quotation opened in a claim's sentence stays open;
    * before a claim's sentence that closes a quotation ("“... .” / “...,” he said."), the
      sentences of that quotation;
    """
    n = len(states)
    source: dict[int, int] = {}

    def take(j: int, i: int) -> None:
        if not has_claims[j] and j not in source and states[j].has_words:
            source[j] = i

    for i, st in enumerate(states):
        if not has_claims[i]:
            continue
        if st.intro:
            same = [j for j in range(i + 1, n) if states[j].paragraph == st.paragraph]
            if same:
                targets = same
            else:  # the next paragraph, and the quoted paragraphs right after it
                targets = []
                para = None
                for j in range(i + 1, n):
                    if states[j].paragraph != para:
                        if para is not None and not states[j].opens:
                            break
                        para = states[j].paragraph
                    targets.append(j)
            for j in targets:
                if has_claims[j]:
                    break
                take(j, i)
        if st.ends_inside:
            for j in range(i + 1, n):
                if states[j].paragraph != st.paragraph or not states[j].starts_inside or has_claims[j]:
                    break
                take(j, i)
        if st.starts_inside:
            for j in range(i - 1, -1, -1):
                if states[j].paragraph != st.paragraph or has_claims[j]:
                    break
                take(j, i)
                if states[j].opens and not states[j].starts_inside:
                    break
    # a paragraph that is one quotation, right after a paragraph that ends with a quoted
    # statement, continues it: a new speaker would be introduced
    for i, st in enumerate(states):
        if i == 0 or i in source or has_claims[i] or not st.opens or st.starts_inside:
            continue
        prev = i - 1
        if states[prev].paragraph == st.paragraph:
            continue
        para_rows = [j for j in range(i, n) if states[j].paragraph == st.paragraph]
        if any(has_claims[j] for j in para_rows) or states[para_rows[-1]].ends_inside:
            continue
        origin = prev if has_claims[prev] else source.get(prev)
        if origin is None:
            continue
        prev_quoted = states[prev].opens or states[prev].starts_inside or any(
            states[k].opens for k in range(prev, -1, -1) if states[k].paragraph == states[prev].paragraph)
        if prev_quoted and states[para_rows[-1]].quote_closes_at_end:
            for j in para_rows:
                take(j, origin)
    return source


_QUOTE_OR_BREAK = re.compile("[" + re.escape("".join(sorted(set(_OPENING) | set(_CLOSING) | {_STRAIGHT, "\n"}))) + "]")


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Character spans inside quotation marks, in text order (quotes end at a line break, as
    in :func:`quote_states`). A reporting verb in one is the speaker's own words, not a new
    attribution: "“Nobody should expect us to give up,” he said."
    """
    spans: list[tuple[int, int]] = []
    depth, start = 0, 0
    for found in _QUOTE_OR_BREAK.finditer(text):  # only the marks and line breaks, not every character
        i, ch = found.start(), found.group()
        if ch in _OPENING or (ch == _STRAIGHT and depth == 0):
            if depth == 0:
                start = i + 1
            depth += 1
        elif ch in _CLOSING or ch == _STRAIGHT:
            if depth:
                depth -= 1
                if depth == 0:
                    spans.append((start, i))
        elif ch == "\n" and depth:
            spans.append((start, i))
            depth = 0
    if depth:
        spans.append((start, len(text)))
    return spans


def inside(spans: list[tuple[int, int]], starts: list[int], pos: int) -> bool:
    """Whether ``pos`` lies in one of ``spans`` (``starts``: their start offsets, for bisect)."""
    i = bisect_right(starts, pos) - 1
    return i >= 0 and spans[i][0] <= pos < spans[i][1]


#: A quotation signed after a dash: "“...” ― Esther Tapia", "“...” — the ministry's spokesman".
_SIGNED = re.compile(r"[”\"]\s*[―—–]\s*(?P<name>[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|of|the|de|al)){0,5})")


def signed_quotes(text: str) -> list[tuple[int, int, int, int]]:
    """Quotations signed with a dash and a name after them: (quote start, quote end, name start,
    name end) for each, the quote's span running back to its opening mark in the same line."""
    out = []
    for m in _SIGNED.finditer(text):
        close = m.start()
        line_start = text.rfind("\n", 0, close) + 1
        opening = max(text.rfind("“", line_start, close), text.rfind('"', line_start, close))
        if opening < 0 and text.startswith(("”", "„"), line_start) and line_start < close:
            opening = line_start  # a line opened with the wrong quotation glyph ("”Mr. X ...” ― Name")
        if opening < 0:
            continue
        out.append((opening, close + 1, m.start("name"), m.end("name")))
    return out
