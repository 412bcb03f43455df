"""Claims on the map: one marker per (claim, place), spread around shared places, coloured
by claimant, with the claim's escaped text and source in its popup.
"""

from __future__ import annotations

import math
from collections import defaultdict

import folium
import folium.plugins
import geopandas as gpd
import numpy as np

from geo.mapping.elements import ClaimKey, ClaimLayer, ClaimLegend, ClaimSupport, ViewClaims
from geo.mapping.features import _bounds_of, _layer_data, _rows
from geo.mapping.html import escape_text
from geo.mapping.styles import (
    CLAIMANT_COLORS,
    DISPUTED_COLOR,
    LAYER_NAMES,
    _claim_style,
    _StyleTable,
    claimant_color,
)

#: Claims at one spot are fanned out around it (pixels; see claim_offsets).
CLAIM_SPREAD_PX = 8.0
CLAIM_INNER = 2.7
#: A claim's text in a popup is cut to this many characters (the Claims page shows it all).
MAX_CLAIM_CHARS = 700


def claim_offsets(lat: np.ndarray, lon: np.ndarray) -> list[list[float]]:
    """Pixel offsets fanning out the claims drawn at the same spot: the i-th claim at a spot sits
    on a sunflower spiral (radius ``CLAIM_SPREAD_PX * sqrt(i + CLAIM_INNER)``) around it, so they
    neither hide each other nor the place's own marker, at any zoom."""
    seen: dict[tuple[float, float], int] = defaultdict(int)
    out = []
    golden = math.pi * (3 - math.sqrt(5))
    for y, x in zip(np.round(np.asarray(lat, dtype=float), 5), np.round(np.asarray(lon, dtype=float), 5),
                    strict=True):
        i = seen[(y, x)]
        seen[(y, x)] += 1
        r = CLAIM_SPREAD_PX * math.sqrt(i + CLAIM_INNER)
        out.append([round(r * math.cos(i * golden), 1), round(r * math.sin(i * golden), 1)])
    return out


def claim_legend_html(claimants: list[str]) -> str:
    """The claims legend: each claimant's colour (names escaped), then what rings and dashes mean
    (its box is styled by ``.ca-claim-legend .ca-legend-box``, static/claim-atlas/map.css)."""
    items = " ".join(f"<span style='color:{claimant_color(c)}'>&#9679;</span>&nbsp;{escape_text(c)}"
                     for c in claimants)
    return (
        "<div class='ca-legend-box'><b>Claims</b> (attributed, not verified), by "
        f"claimant:<br>{items}<br>"
        f"<span style='color:{DISPUTED_COLOR};font-weight:bold'>&#9711;</span> red ring: disputed<br>"
        "<span style='color:#444'>&#9676;</span> pale, dashed: the claim names no place; drawn at its article's "
        "focus place (approximate)</div>"
    )


_CLAIM_COLS = ["claim_id", "article_id", "claimant", "claimant_text", "text", "date", "date_end", "date_precision",
               "kind", "stance", "disputed", "disputed_by", "disputing_claim_ids", "source", "title", "published",
               "place_key", "place_name", "feature_type", "approximate", "lat", "lon", "n_sources", "cluster_sources"]


def sources_line(n_sources: object, sources: object) -> str:
    """"Reported by N sources: A, B" for a claim that other outlets report too (escaped), else ""."""
    try:
        n = int(n_sources)  # type: ignore[call-overload]  # a pandas cell: int, float, str or NA
    except (TypeError, ValueError):
        return ""
    if n < 2:
        return ""
    names = [s for s in str(sources or "").split("|") if s]
    return f"Reported by {n} sources: " + ", ".join(escape_text(s) for s in names)


def _cut(text: str, limit: int = MAX_CLAIM_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def claim_parts(claims: gpd.GeoDataFrame) -> tuple[str, list[dict], list[dict], dict[int, list], dict[int, str]]:
    """The claims layer's data: script-safe JSON of its features, their properties, the style
    table, and the (escaped) claim and article tables the popups read."""
    from geo.layers.claims import claim_date_label

    table = _StyleTable()
    props: list[dict] = []
    claim_rows: dict[int, list] = {}
    articles: dict[int, str] = {}
    offsets = claim_offsets(claims["lat"].to_numpy(), claims["lon"].to_numpy())
    for row, offset in zip(_rows(claims, _CLAIM_COLS), offsets, strict=True):
        cid = int(row.claim_id)
        article_id = int(row.article_id)
        disputed, approximate = bool(row.disputed), bool(row.approximate)
        claimant = escape_text(row.claimant)
        if cid not in claim_rows:
            claim_rows[cid] = [
                claimant, escape_text(row.claimant_text if row.claimant_text != row.claimant else ""),
                escape_text(claim_date_label(row.date, row.date_end, row.date_precision)), escape_text(row.kind),
                escape_text(row.stance), escape_text(_cut(str(row.text or ""))),
                escape_text(", ".join(row.disputed_by or [])), [int(i) for i in (row.disputing_claim_ids or [])],
                article_id, claimant_color(row.claimant), sources_line(row.n_sources, row.cluster_sources),
            ]
        if article_id not in articles:
            published = escape_text(row.published) if isinstance(row.published, str) else "undated"
            articles[article_id] = (f"<b>{escape_text(row.source) or 'unknown source'}</b>, {published}: "
                                    f"<i>{escape_text(row.title)}</i>")
        place = f"{escape_text(row.place_name)} ({escape_text(row.feature_type)})"
        tip = f"{claimant}: {escape_text(row.kind)} claim, {claim_rows[cid][2]}"
        if disputed:
            tip += f"; disputed by {claim_rows[cid][6]}"
        if approximate:
            tip += "; location approximate (article focus)"
        props.append({
            "claim_id": cid,
            "claimant": claimant,
            "place_key": escape_text(row.place_key),
            "disputed": int(disputed),
            "approximate": int(approximate),
            "s": table.add(_claim_style(str(row.claimant), disputed, approximate)),
            "o": offset,
            "pl": place,
            "ap": int(approximate),
            "tip": tip,
        })
    return _layer_data(claims.geometry.to_numpy(), props), props, table.styles, claim_rows, articles


def _claimant_order(claims: gpd.GeoDataFrame) -> list[str]:
    present = [str(c) for c in claims["claimant"].dropna().unique()]  # vectorised: a store may hold 100,000
    return [c for c in CLAIMANT_COLORS if c in present] + sorted(c for c in present if c not in CLAIMANT_COLORS)


def view_claims(claims: gpd.GeoDataFrame) -> ViewClaims:
    """The claims of one view (rows of :func:`geo.layers.claim_layer`, a few hundred at most) as one
    element for the Map page's swapped data layer (:func:`geo.mapping.build.view_layer`): drawn
    and with popups as :func:`add_claims` draws them."""
    data_json, props, styles, claim_rows, articles = claim_parts(claims)
    return ViewClaims(data_json, props, styles, claim_rows, articles)


def add_claim_key(m: folium.Map, claims: gpd.GeoDataFrame) -> ClaimKey | None:
    """The claims' legend on ``m`` for every claimant of ``claims`` (all the claims of the view's
    filters, drawn or counted), when there are claims."""
    if claims is None or claims.empty:
        return None
    key = ClaimKey(claim_legend_html(_claimant_order(claims)))
    key.add_to(m)
    return key


def add_claims(m: folium.Map, claims: gpd.GeoDataFrame, show: bool = True, legend: bool = True) -> ClaimLayer | None:
    """Put the claims layer (:func:`geo.layers.claim_layer`), its popups and (optionally) its legend on ``m``."""
    if claims is None or claims.empty:
        return None
    data_json, props, styles, claim_rows, articles = claim_parts(claims)
    ClaimSupport(claim_rows, articles).add_to(m)
    layer = ClaimLayer(data_json, props, styles, _bounds_of(claims), name=LAYER_NAMES["claims"], show=show,
                       className="ca-claims")
    layer.add_to(m)
    if not legend:
        return layer
    ClaimLegend(claim_legend_html(_claimant_order(claims)), layer).add_to(m)
    return layer
