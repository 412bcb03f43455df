"""geo.app.html."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from geo.app.widgets import MAP_URL_PATH, claim_link, place_link
from geo.layers.places import precision_label
from geo.layers.view import (
    ViewState,
)
from geo.mapping.html import escape_text


def _mention_title(m: Any) -> str:
    if bool(m.not_a_place):
        return f"“{m.text}”: not a place here (e.g. part of an organisation's name); not plotted"
    if not isinstance(m.place_key, str) or not m.place_key:
        return f"“{m.text}”: not resolved (no confident match in the gazetteer); not plotted"
    where = ", ".join(x for x in (str(m.feature_type or ""), str(m.country or "")) if x)
    title = (f"Resolved to {m.place_name} ({where}) · confidence {float(m.confidence or 0):.2f} · "
             f"precision: {precision_label(m.precision)}")
    if isinstance(m.runner_up_name, str) and m.runner_up_name:
        title += f" · runner-up: {m.runner_up_name} ({float(m.runner_up_confidence or 0):.2f})"
    if bool(m.metonymic):
        reason = f" ({m.metonymy_reason})" if isinstance(m.metonymy_reason, str) and m.metonymy_reason else ""
        title += f" · metonymic: stands for an actor{reason}; not plotted"
    return title + " · click to see it on the map"


_MARK_STYLE = {
    "place": "background:#fde68a",
    "metonymic": "background:#bfdbfe",
    "unresolved": "background:#e5e7eb;border-bottom:1px dashed #6b7280",
    "not_a_place": "background:#f3f4f6;color:#6b7280",
}


def article_html(text: str, mentions: pd.DataFrame, map_url: str = MAP_URL_PATH,
                 view: ViewState | None = None) -> str:
    """The article text as HTML: every segment escaped, each place name in a ``<mark>`` whose
    ``title`` tells how it was resolved (place, confidence, metonymic / not a place); resolved
    names link to the Map page with that place selected (and the filters of ``view``). Paragraphs
    become ``<p>``."""
    text = str(text or "")
    parts: list[str] = []
    pos = 0
    cols = ["start", "end", "text", "not_a_place", "place_key", "place_name", "feature_type", "country",
            "confidence", "precision", "runner_up_name", "runner_up_confidence", "metonymic", "metonymy_reason"]
    rows = mentions[cols].sort_values(["start", "end"]) if not mentions.empty else mentions.reindex(columns=cols)
    for m in rows.itertuples(index=False):
        start, end = int(m.start), int(m.end)  # type: ignore[arg-type]  # pandas-stubs: itertuples' fields typed as any scalar
        if start < pos or end > len(text) or end <= start:
            continue  # overlapping or out of range: leave the text as it is
        parts.append(escape_text(text[pos:start]))
        if bool(m.not_a_place):
            kind = "not_a_place"
        elif not isinstance(m.place_key, str) or not m.place_key:
            kind = "unresolved"
        else:
            kind = "metonymic" if bool(m.metonymic) else "place"
        mark = (f'<mark class="ca-{kind}" style="{_MARK_STYLE[kind]}" title="{escape_text(_mention_title(m))}">'
                f"{escape_text(text[start:end])}</mark>")
        if kind in ("place", "metonymic"):
            mark = f'<a href="{escape_text(place_link(str(m.place_key), map_url, view))}" target="_self">{mark}</a>'
        parts.append(mark)
        pos = end
    parts.append(escape_text(text[pos:]))
    body = "".join(parts).replace("\r\n", "\n").strip()
    paragraphs = [p.replace("\n", "<br>") for p in body.split("\n\n") if p.strip()]
    return "<div class='ca-article'>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</div>"


def claim_paragraph_html(text: str, start: int, end: int, max_chars: int = 2000) -> str:
    """The paragraph of ``text`` around the claim at ``start``..``end`` (paragraphs are separated
    by blank lines), every segment escaped, the claim in ``<mark class="ca-claim">``. A very long
    paragraph is cut to about ``max_chars`` around the claim."""
    text = str(text or "").replace("\r\n", "\n")
    start, end = max(0, int(start)), min(len(text), int(end))
    if end <= start:
        return "<div class='ca-claim-paragraph'><p><i>(the claim's text is not in the stored article)</i></p></div>"
    lo = text.rfind("\n\n", 0, start)
    lo = 0 if lo < 0 else lo + 2
    hi = text.find("\n\n", end)
    hi = len(text) if hi < 0 else hi
    room = max(0, max_chars - (end - start)) // 2
    head, tail = "", ""
    if start - lo > room:
        lo, head = start - room, "…"
    if hi - end > room:
        hi, tail = end + room, "…"
    parts = [head + escape_text(text[lo:start]),
             f'<mark class="ca-claim" style="background:#fde68a">{escape_text(text[start:end])}</mark>',
             escape_text(text[end:hi]).rstrip() + tail]
    body = "".join(parts).strip().replace("\n", "<br>")
    return f"<div class='ca-claim-paragraph'><p>{body}</p></div>"


def claim_header_html(claim: Any, disputing: Sequence[int] = (), view: ViewState | None = None) -> str:
    """What was said (the claim's full text), who, when, what kind, where from, and who disputes it,
    for one claim (a row of :func:`load_claims`): every value escaped, with the reminder that it is an attributed claim.
    ``disputing``: ids of the claims known to dispute it, linked (``claims?claim=<id>``, with the
    filters of ``view``)."""
    from geo.layers.claims import claim_date_label

    get: Callable[..., Any] = claim.get if isinstance(claim, dict) else (lambda k, d=None: getattr(claim, k, d))
    claimant = escape_text(get("claimant"))
    said = get("claimant_text")
    as_written = f" <small>(as written: “{escape_text(said)}”)</small>" if isinstance(said, str) and said and \
        said != get("claimant") else ""
    when = escape_text(claim_date_label(get("date"), get("date_end"), get("date_precision")))
    stance = " · a denial" if get("stance") == "deny" else ""
    source = escape_text(get("source") or "unknown source")
    published = escape_text(get("published") or "undated")
    url = get("url")
    link = (f' · <a href="{escape_text(url)}" rel="noopener noreferrer">original</a>'
            if isinstance(url, str) and url.startswith(("http://", "https://")) else "")
    text = get("text")
    quote = (f"<blockquote class='ca-claim-text' style='margin:4px 0 8px 0;padding:4px 10px;border-left:3px solid "
             f"#999;white-space:pre-wrap;overflow-wrap:anywhere'>“{escape_text(text)}”</blockquote>"
             if isinstance(text, str) and text else "")
    html = (f"<div class='ca-claim-header'><p style='background:#fff7e6;border-left:3px solid #f0ad4e;"
            f"padding:3px 7px'>A claim attributed to <b>{claimant}</b>, as the source reports it: "
            f"not a verified fact.</p>"
            f"{quote}"
            f"<p><b>{claimant}</b>{as_written}<br>date: {when} · kind: {escape_text(get('kind'))}{stance} · "
            f"claim #{int(get('claim_id'))}<br>source: <b>{source}</b>, {published}: "
            f"<i>{escape_text(get('title'))}</i> (article #{int(get('article_id'))}){link}</p>")
    disputed_by = get("disputed_by") or []
    if isinstance(disputed_by, str):
        disputed_by = [d for d in disputed_by.split("|") if d]
    if disputed_by:
        links = ", ".join(f'<a href="{escape_text(claim_link(i, view))}" target="_self">claim #{int(i)}</a>'
                          for i in disputing)
        html += (f"<p style='color:#b71c1c;font-weight:bold'>Disputed by {escape_text(', '.join(disputed_by))}"
                 f"{': ' + links if links else ''}</p>")
    return html + "</div>"
def corroboration_html(claim_id: int, members: pd.DataFrame, disputing: Sequence[int] = (),
                       view: ViewState | None = None) -> str:
    """"Reported by N sources" for one claim: the distinct sources of its cluster (``members``:
    :func:`geo.layers.claims.cluster_members`), each with its claims and the original article, and
    the claims of other clusters disputing it. Every value escaped (article text is untrusted)."""
    if members is None or members.empty:
        html = "<p class='ca-corroboration'>Reported by 1 source (no other outlet reports this claim).</p>"
    else:
        items = []
        for source, rows in members.groupby("source", sort=True):
            claims = ", ".join(f'<a href="{escape_text(claim_link(int(i), view))}" target="_self">claim #{int(i)}</a>'
                               for i in rows["claim_id"])
            urls = [u for u in rows["url"] if isinstance(u, str) and u.startswith(("http://", "https://"))]
            original = (f' · <a href="{escape_text(urls[0])}" rel="noopener noreferrer">original</a>'
                        if urls else "")
            items.append(f"<li><b>{escape_text(source or 'unknown source')}</b>: {claims}{original}</li>")
        n = members["source"].nunique()
        html = (f"<div class='ca-corroboration'><p>Reported by <b>{n} sources</b> (the same claim in "
                f"{len(members)} claims of different articles):</p><ul>{''.join(items)}</ul></div>")
    if disputing:
        links = ", ".join(f'<a href="{escape_text(claim_link(int(i), view))}" target="_self">claim #{int(i)}</a>'
                          for i in disputing)
        html += f"<p style='color:#b71c1c'>This claim's cluster is disputed by: {links}</p>"
    return html


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&\"'=^%@/;,?])")


_AUTOLINK = re.compile(r"(?i)(www(?=\.)|:|@)")
_ZWSP = "\u200b"


def plain_markdown(text: object) -> str:
    """``text`` for Streamlit's Markdown (st.warning, st.info...) shown literally: every ASCII
    punctuation character backslash-escaped, so link parameters or place names never become
    links, images, HTML, icons, colours or formulas; and a zero-width space before ``:`` and
    after ``www`` and ``@``, which GitHub-flavoured Markdown would otherwise turn into links
    (``http://...``, ``www.x.org``, ``a@b.org``) in spite of the escapes."""
    text = _AUTOLINK.sub(lambda m: _ZWSP + m.group(1) if m.group(1) == ":" else m.group(1) + _ZWSP,
                         str(text).replace(_ZWSP, ""))
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")
