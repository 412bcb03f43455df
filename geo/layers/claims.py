"""The claim layer: each claim placed at the places it names (or, failing that, at its
article's focus place, marked approximate), and the claim table the pages list.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from geo.layers.places import plottable_mentions

# ------------------------------------------------------------------------------------ claims
CLAIM_COLUMNS = [
    "claim_id", "article_id", "claimant", "claimant_text", "text", "start", "end", "date", "date_end",
    "date_precision", "kind", "stance", "disputed", "disputed_by", "disputing_claim_ids", "source", "title",
    "published", "url", "place_key", "place_name", "feature_type", "country", "location", "approximate",
    "lat", "lon", "n_sources", "cluster_sources", "geometry",
]
#: ``location`` of a claim drawn at a place it names, and of one drawn at its article's focus place.
LOCATION_NAMED = "named in the claim"
LOCATION_FOCUS = "article focus (approximate)"

_FOCUS_COLUMNS = ["article_id", "place_key", "place_name", "feature_type", "country", "lat", "lon"]


def _split_actors(value: object) -> list[str]:
    """``Store.claims_df()``'s ``disputed_by`` ("A|B", or NULL) as a list; lists pass through."""
    if isinstance(value, list | tuple):
        return [str(v) for v in value if str(v)]
    if not isinstance(value, str) or not value:
        return []
    return [v for v in dict.fromkeys(value.split("|")) if v]


def article_focus_places(mentions: pd.DataFrame) -> pd.DataFrame:
    """Per article, the place a claim naming no place is drawn at: its most mentioned plottable
    place that is not a country (ties: the first named), else its most mentioned country. Articles
    with no plottable place have no row."""
    m = plottable_mentions(mentions)
    if m.empty:
        return pd.DataFrame(columns=_FOCUS_COLUMNS)
    m = m.assign(_country=(m["feature_type"] == "country").astype(int))
    stats = (m.groupby(["article_id", "place_key"], sort=False)
             .agg(n=("mention_id", "size"), first=("start", "min"), _country=("_country", "max"))
             .reset_index())
    stats = stats.sort_values(["article_id", "_country", "n", "first"], ascending=[True, True, False, True],
                              kind="stable")
    best = stats.drop_duplicates("article_id")[["article_id", "place_key"]]
    info = m.drop_duplicates("place_key")[["place_key", "place_name", "feature_type", "country", "lat", "lon"]]
    return best.merge(info, on="place_key", how="left").reset_index(drop=True)[_FOCUS_COLUMNS]


def _empty_claims() -> gpd.GeoDataFrame:
    df = pd.DataFrame({c: pd.Series(dtype="object") for c in CLAIM_COLUMNS if c != "geometry"})
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")


def claim_layer(claims: pd.DataFrame, claim_places: pd.DataFrame, mentions: pd.DataFrame,
                disputes: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Claims as map features: one point per claim and place (EPSG:4326).

    ``claims`` is ``Store.claims_df()``, ``claim_places`` ``Store.claim_places_df()`` and
    ``mentions`` ``Store.mentions_df()``. A claim is drawn at each place it names (its linked
    mentions that are resolved, real places and not metonymic; a place named twice counts once),
    ``location`` :data:`LOCATION_NAMED`. A claim naming no such place is drawn once at its
    article's focus place (:func:`article_focus_places`), ``location`` :data:`LOCATION_FOCUS` and
    ``approximate`` true; with no place in its article at all it is left out.

    ``disputed_by`` is a list of actors, ``disputed`` whether it is empty. ``disputes`` (optional:
    ``claim_id``, ``disputed_by``, ``disputing_claim_id``, as in the ``claim_disputes`` table) adds
    the disputing claims known to the store in ``disputing_claim_ids``.
    """
    if claims is None or claims.empty:
        return _empty_claims()
    base = claims.copy()
    base["disputed_by"] = [_split_actors(v) for v in base["disputed_by"]] if "disputed_by" in base else [[]] * len(base)
    links: dict[int, list[int]] = {}
    if disputes is not None and not disputes.empty:
        known = disputes.dropna(subset=["disputing_claim_id"])
        for cid, other in zip(known["claim_id"].astype(int), known["disputing_claim_id"].astype(int), strict=True):
            links.setdefault(cid, []).append(other)
        extra = disputes.groupby("claim_id")["disputed_by"].agg(list).to_dict()
        base["disputed_by"] = [list(dict.fromkeys(a + [str(x) for x in extra.get(int(c), [])]))
                               for a, c in zip(base["disputed_by"], base["claim_id"], strict=True)]
    base["disputing_claim_ids"] = [sorted(set(links.get(int(c), []))) for c in base["claim_id"]]
    base["disputed"] = [bool(a) for a in base["disputed_by"]]

    place_cols = ["mention_id", "place_key", "place_name", "feature_type", "country", "lat", "lon"]
    plottable = plottable_mentions(mentions)
    named = pd.DataFrame(columns=["claim_id", *place_cols[1:]])
    if claim_places is not None and not claim_places.empty and not plottable.empty:
        named = (claim_places[["claim_id", "mention_id"]]
                 .merge(plottable[place_cols], on="mention_id", how="inner")
                 .sort_values(["claim_id", "mention_id"], kind="stable")
                 .drop_duplicates(["claim_id", "place_key"])
                 .drop(columns="mention_id"))
    named = named.assign(location=LOCATION_NAMED, approximate=False)
    unplaced = base.loc[~base["claim_id"].isin(set(named["claim_id"])), ["claim_id", "article_id"]]
    focus = unplaced.merge(article_focus_places(mentions), on="article_id", how="inner").drop(columns="article_id")
    focus = focus.assign(location=LOCATION_FOCUS, approximate=True)
    located = pd.concat([named, focus], ignore_index=True) if not focus.empty else named
    if located.empty:
        return _empty_claims()
    df = base.drop(columns=[c for c in ("place_key", "lat", "lon") if c in base]).merge(located, on="claim_id")
    df["approximate"] = df["approximate"].astype(bool)
    df["feature_type"] = df["feature_type"].fillna("other")
    df["country"] = df["country"].fillna("")
    df = df.sort_values(["date", "published", "claim_id", "approximate"], kind="stable", na_position="last")
    geoms = shapely.points(df["lon"].astype(float).to_numpy(), df["lat"].astype(float).to_numpy())
    gdf = gpd.GeoDataFrame(df.reset_index(drop=True), geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"),
                           crs="EPSG:4326")
    for c in CLAIM_COLUMNS:
        if c not in gdf:
            gdf[c] = None
    return gdf[CLAIM_COLUMNS]


def claim_date_label(date: object, date_end: object = None, precision: object = None) -> str:
    """A claim's date as shown: ``2020-10-23``, ``2020-10-19 – 2020-10-25 (week)``, or ``undated``."""
    if not isinstance(date, str) or not date:
        return "undated"
    label = date
    if isinstance(date_end, str) and date_end and date_end != date:
        label += f" – {date_end}"
    if isinstance(precision, str) and precision and precision != "day":
        label += f" ({precision})"
    return label


def claim_table(claims: pd.DataFrame) -> pd.DataFrame:
    """``Store.claims_df()`` as the Claims page lists it: one row per claim, with ``date_label``,
    ``disputed`` and ``disputed_by`` (a list)."""
    if claims is None or claims.empty:
        cols = ["claim_id", "date_label", "claimant", "claimant_text", "kind", "stance", "disputed", "disputed_by",
                "source", "title", "published", "text", "article_id", "date", "date_end", "start", "end", "n_sources",
                "cluster_id"]
        return pd.DataFrame(columns=cols)
    df = claims.copy()
    df["disputed_by"] = [_split_actors(v) for v in df["disputed_by"]]
    df["disputed"] = [bool(v) for v in df["disputed_by"]]
    df["date_label"] = [claim_date_label(d, e, p) for d, e, p in
                        zip(df["date"], df["date_end"], df["date_precision"], strict=True)]
    return df.reset_index(drop=True)


def cluster_members(claim_id: int, clusters: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``clusters`` (``Store.claim_clusters_df``: cluster_id, claim_id, source, url...)
    of the cluster holding ``claim_id``; empty when the claim is in none (its source alone reports it)."""
    if clusters is None or clusters.empty:
        return pd.DataFrame(columns=["cluster_id", "claim_id", "article_id", "source", "url", "title"])
    mine = clusters.loc[clusters["claim_id"] == claim_id, "cluster_id"]
    if mine.empty:
        return clusters.iloc[0:0]
    return clusters[clusters["cluster_id"] == mine.iloc[0]]


def cluster_disputing(claim_id: int, clusters: pd.DataFrame, disputes: pd.DataFrame | None) -> list[int]:
    """Disputes at the cluster level: the claims disputing any member of ``claim_id``'s cluster
    (``disputes``: ``Store.claim_disputes_df``, its ``disputing_claim_id``), with every member of
    their own clusters; the claim's cluster itself left out. Sorted ids."""
    members = cluster_members(claim_id, clusters)
    own = set(members["claim_id"].astype(int)) | {int(claim_id)}
    if disputes is None or disputes.empty:
        return []
    linked = disputes.loc[disputes["claim_id"].isin(own), "disputing_claim_id"].dropna().astype(int)
    out: set[int] = set()
    for other in set(linked):
        theirs = cluster_members(other, clusters)
        out |= set(theirs["claim_id"].astype(int)) | {other}
    return sorted(out - own)


def claim_place_names(layer: pd.DataFrame) -> dict[int, str]:
    """The places each claim of :func:`claim_layer` is drawn at, as one text per claim id
    (``Stepanakert, Shusha``; ``Baku (approximate)`` when the claim names none and is drawn at its
    article's focus place). Claims not on the map have no entry."""
    if layer is None or layer.empty:
        return {}
    names: dict[int, list[str]] = {}
    for cid, name, approximate in zip(layer["claim_id"].astype(int), layer["place_name"], layer["approximate"],
                                      strict=True):
        label = f"{name} (approximate)" if bool(approximate) else str(name)
        if label not in names.setdefault(cid, []):
            names[cid].append(label)
    return {cid: ", ".join(labels) for cid, labels in names.items()}


#: How the Claims page can order its rows: label -> (columns, ascending), ties broken by claim id.
CLAIM_ORDERS: dict[str, tuple[list[str], list[bool]]] = {
    "Date, newest first": (["date", "published"], [False, False]),
    "Date, oldest first": (["date", "published"], [True, True]),
    "Claimant": (["claimant", "date"], [True, True]),
    "Source": (["source", "date"], [True, True]),
    "Reported by most sources": (["n_sources", "date"], [False, False]),
    "Disputed first": (["disputed", "date"], [False, False]),
}


def sort_claims(claims: pd.DataFrame, order: str) -> pd.DataFrame:
    """Rows of :func:`claim_table` in one of :data:`CLAIM_ORDERS` (unknown: as given); undated
    claims last; renumbered from 0 (the table's selection is by position)."""
    if claims.empty or order not in CLAIM_ORDERS:
        return claims.reset_index(drop=True)
    columns, ascending = CLAIM_ORDERS[order]
    columns = [c for c in columns if c in claims]
    flags = [a for c, a in zip(CLAIM_ORDERS[order][0], ascending, strict=True) if c in claims]
    return claims.sort_values([*columns, "claim_id"], ascending=[*flags, True], kind="stable",
                              na_position="last").reset_index(drop=True)
