"""Exports of a (filtered) view: GeoJSON, CSV, GeoPackage and a standalone offline HTML map.

Pure functions (no Streamlit). They take the DataFrames the caller shows, so the caller's filters
apply to what is exported, and return bytes ready for ``st.download_button``:

* :func:`places_frame`: one feature per place mentioned as a place (:func:`geo.layers.place_layer`:
  points, lines, areas), with its mention and article ids;
* :func:`mentions_frame`: one feature per mention, a point at its place (no geometry when it is not
  resolved), with its source sentence, confidence, precision and flags;
* :func:`claims_frame`: one feature per claim, the points of the places it is about (a MultiPoint,
  no geometry when it names no place of the view), with its claimant, stance and date;
* :func:`export_geojson`, :func:`export_csv` (one layer each), :func:`export_gpkg` (layers
  ``places``, ``mentions`` and, when there are claims, ``claims``), :func:`export_html` (the map of
  the Map page, every script and stylesheet inlined: it opens offline, from a file).

Coordinates are WGS 84 longitude/latitude (EPSG:4326). Article text is untrusted: the HTML map
escapes it (geo.mapview), and CSV cells that a spreadsheet would read as a formula (starting with
``=``, ``+``, ``-``, ``@``, tab or carriage return) are prefixed with ``'`` unless
``spreadsheet_safe=False``.

>>> data = export_gpkg(store.mentions_df(), store.claims_df(), store.claim_places_df())  # doctest: +SKIP
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint, Point

from geo.layers.places import place_layer, plottable_mentions, precision_label

CRS = "EPSG:4326"
LAYERS = ("places", "mentions", "claims")
MIME = {
    "geojson": "application/geo+json",
    "csv": "text/csv",
    "gpkg": "application/geopackage+sqlite3",
    "html": "text/html",
}

#: Columns of a mention left out of exports: the place's geometry text (the places layer carries
#: it) and the resolver's candidate list (JSON, long).
_MENTION_DROP = ("geometry", "candidates")
_FLAG_COLUMNS = ("metonymic", "not_a_place")
_FORMULA_START = re.compile(r"^[=+\-@\t\r]")


# ------------------------------------------------------------------------------------ frames
def _scalar(value: object) -> object:
    """Lists, tuples, sets, dicts and arrays as JSON text (file formats hold scalars only)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list | tuple | set | dict):
        return json.dumps(sorted(value) if isinstance(value, set) else value, ensure_ascii=False, default=str)
    return value


_Frame = TypeVar("_Frame", bound=pd.DataFrame)


def _flatten(df: _Frame) -> _Frame:
    """Columns holding lists or dicts turned into JSON text; other columns unchanged."""
    out = df.copy()
    for col in out.columns:
        if col == "geometry" and isinstance(out, gpd.GeoDataFrame):
            continue
        if out[col].dtype == object and out[col].map(lambda v: isinstance(v, list | tuple | set | dict | np.ndarray)).any():
            out[col] = out[col].map(_scalar)
    return out


def _points(lat: pd.Series, lon: pd.Series) -> gpd.GeoSeries:
    lat_v = pd.to_numeric(lat, errors="coerce").to_numpy(dtype=float)
    lon_v = pd.to_numeric(lon, errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(lat_v) & np.isfinite(lon_v)
    geoms = np.full(len(lat_v), None, dtype=object)
    if ok.any():
        geoms[ok] = shapely.points(lon_v[ok], lat_v[ok])
    return gpd.GeoSeries(geoms, crs=CRS)


def places_frame(mentions: pd.DataFrame) -> gpd.GeoDataFrame:
    """The places of the view (:func:`geo.layers.place_layer`), id lists as JSON text."""
    return _flatten(place_layer(mentions)).reset_index(drop=True)


def mentions_frame(mentions: pd.DataFrame) -> gpd.GeoDataFrame:
    """Every mention of the view, one row each, a point at its place (None when unresolved).

    ``metonymic``/``not_a_place`` become booleans, ``precision_label`` is added and ``plotted`` says
    whether the map draws it (resolved, a place, not metonymic).
    """
    df = mentions.drop(columns=[c for c in _MENTION_DROP if c in mentions.columns]).reset_index(drop=True)
    for col in _FLAG_COLUMNS:
        if col in df.columns:
            df[col] = df[col].fillna(0).astype(int).astype(bool)
    if "precision" in df.columns:
        df["precision_label"] = [precision_label(p) for p in df["precision"]]
    if not mentions.empty and {"place_key", "not_a_place", "metonymic"} <= set(mentions.columns):
        plotted = set(plottable_mentions(mentions).index)
        df["plotted"] = [i in plotted for i in mentions.index]
    else:
        df["plotted"] = pd.Series(False, index=df.index, dtype=bool)
    lat = df["lat"] if "lat" in df.columns else pd.Series(np.nan, index=df.index)
    lon = df["lon"] if "lon" in df.columns else pd.Series(np.nan, index=df.index)
    geometry = _points(lat, lon)
    geometry.index = df.index
    return gpd.GeoDataFrame(_flatten(df), geometry=geometry, crs=CRS)


def claims_frame(claims: pd.DataFrame, claim_places: pd.DataFrame | None, mentions: pd.DataFrame) -> gpd.GeoDataFrame:
    """Every claim of the view, with the places it is about.

    ``claim_places`` links claims to mentions (``Store.claim_places_df()``); a claim's geometry is
    the MultiPoint of the places of its linked mentions found in ``mentions`` (the view) with
    coordinates, None when there is none. Adds ``mention_ids`` and ``place_keys`` (JSON lists).
    """
    df = claims.reset_index(drop=True).copy()
    links = claim_places if claim_places is not None else pd.DataFrame(columns=["claim_id", "mention_id"])
    located = mentions.loc[:, [c for c in ("mention_id", "place_key", "lat", "lon") if c in mentions.columns]]
    if {"lat", "lon", "place_key"} <= set(located.columns):
        located = located.dropna(subset=["lat", "lon", "place_key"])
    else:
        located = located.iloc[0:0]
    # pandas-stubs types itertuples' fields as any scalar (NaT, Interval...), whatever the column
    by_mention = {int(r.mention_id): (str(r.place_key), float(r.lon), float(r.lat))  # type: ignore[arg-type]
                  for r in located.itertuples(index=False)}
    mention_ids: dict[int, list[int]] = {}
    for r in links.itertuples(index=False):
        mention_ids.setdefault(int(r.claim_id), []).append(int(r.mention_id))  # type: ignore[arg-type]  # as above
    ids_col: list[str] = []
    keys_col: list[str] = []
    geoms: list[MultiPoint | None] = []
    claim_ids = df["claim_id"] if "claim_id" in df.columns else pd.Series(-1, index=df.index)
    for claim_id in claim_ids:
        mids = sorted(mention_ids.get(int(claim_id), []))
        places = {by_mention[m][0]: by_mention[m][1:] for m in mids if m in by_mention}
        ids_col.append(json.dumps(mids))
        keys_col.append(json.dumps(sorted(places)))
        geoms.append(MultiPoint([Point(xy) for _k, xy in sorted(places.items())]) if places else None)
    df["mention_ids"] = ids_col
    df["place_keys"] = keys_col
    # geopandas' stubs leave out the missing geometries (None) that GeoSeries takes
    geometry = gpd.GeoSeries(geoms, index=df.index, crs=CRS)  # type: ignore[arg-type]
    return gpd.GeoDataFrame(_flatten(df), geometry=geometry, crs=CRS)


def _layer(layer: str, mentions: pd.DataFrame, claims: pd.DataFrame | None,
           claim_places: pd.DataFrame | None) -> gpd.GeoDataFrame:
    if layer == "places":
        return places_frame(mentions)
    if layer == "mentions":
        return mentions_frame(mentions)
    if layer == "claims":
        if claims is None:
            raise ValueError("the claims layer needs the claims")
        return claims_frame(claims, claim_places, mentions)
    raise ValueError(f"unknown layer {layer!r}: one of {', '.join(LAYERS)}")


# ------------------------------------------------------------------------------------ formats
def export_geojson(mentions: pd.DataFrame, layer: str = "places", *, claims: pd.DataFrame | None = None,
                   claim_places: pd.DataFrame | None = None) -> bytes:
    """One layer of the view as a GeoJSON FeatureCollection (UTF-8)."""
    gdf = _layer(layer, mentions, claims, claim_places)
    return gdf.to_json(na="null", drop_id=True, ensure_ascii=False).encode("utf-8")


def _spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_string_dtype(out[col]) or out[col].dtype == object:
            out[col] = out[col].map(lambda v: "'" + v if isinstance(v, str) and _FORMULA_START.match(v) else v)
    return out


def export_csv(mentions: pd.DataFrame, layer: str = "mentions", *, claims: pd.DataFrame | None = None,
               claim_places: pd.DataFrame | None = None, spreadsheet_safe: bool = True) -> bytes:
    """One layer of the view as CSV (UTF-8). Mentions and places keep ``lat``/``lon``; places whose
    geometry is a line or an area also get it as ``wkt``; claims get their points as ``wkt``."""
    gdf = _layer(layer, mentions, claims, claim_places)
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    if layer != "mentions":
        df["wkt"] = [g.wkt if g is not None and not g.is_empty else "" for g in gdf.geometry]
    if spreadsheet_safe:
        df = _spreadsheet_safe(df)
    return df.to_csv(index=False).encode("utf-8")


def export_gpkg(mentions: pd.DataFrame, claims: pd.DataFrame | None = None,
                claim_places: pd.DataFrame | None = None) -> bytes:
    """The view as a GeoPackage with layers ``places``, ``mentions`` and (when ``claims`` holds any)
    ``claims``. An empty view still gives a valid file with an empty ``mentions`` layer."""
    layers = {"places": places_frame(mentions), "mentions": mentions_frame(mentions)}
    if claims is not None and not claims.empty:
        layers["claims"] = claims_frame(claims, claim_places, mentions)
    kinds = {"places": None, "mentions": "Point", "claims": "MultiPoint"}
    with tempfile.TemporaryDirectory(prefix="claim-atlas-export-") as tmp:
        path = Path(tmp) / "claim_atlas.gpkg"
        written = 0
        for name, gdf in layers.items():
            if gdf.empty and not (name == "mentions" and written == 0):
                continue
            kind = kinds[name]
            if kind is None:  # places mix points, lines and areas
                kind = "Unknown" if gdf.geometry.geom_type.nunique() > 1 else gdf.geometry.geom_type.iloc[0]
            gdf.to_file(path, layer=name, driver="GPKG", engine="pyogrio", geometry_type=kind)
            written += 1
        return path.read_bytes()


def export_html(mentions: pd.DataFrame, reference: Mapping[str, gpd.GeoDataFrame] | None = None, *,
                selected_place: str | None = None, title: str = "Claim Atlas map") -> bytes:
    """The Map page's map of the view as one standalone HTML file that works offline.

    ``reference`` is the reference layers plus ``"basemap"`` (the app's ``load_theatre``); by
    default, those of the mentions' theatre (:func:`geo.layers.theatre.theatre`), read from
    ``CLAIM_ATLAS_REFERENCE_DIR``. The basemap is always the shipped
    country layer (no tile server), and every script and stylesheet is inlined
    (:func:`geo.webassets.offline_map_html`).
    """
    from html import escape

    from geo.mapping.assets import offline_map_html
    from geo.mapping.build import build_map

    places = place_layer(mentions)
    if reference is None:  # the theatre of these mentions (geo.layers.theatre)
        from geo.config import get_settings
        from geo.layers.reference import basemap_layer, reference_layers, theatre_layers, world_layers
        from geo.layers.theatre import theatre
        from geo.profiles import get_profiles

        folder = get_settings().reference_dir
        scene = theatre(places, None, get_profiles())
        own = reference_layers(folder, {key: (file, name) for key, file, name in scene.layers})
        reference = {"basemap": basemap_layer(folder), **theatre_layers(world_layers(folder), scene), **own}
    m = build_map(places, mentions, reference, tiles="none", selected_place=selected_place)
    html = offline_map_html(m)
    head = f"<title>{escape(title)}</title><meta name=\"generator\" content=\"Claim Atlas\">"
    html = re.sub(r"<head>", lambda _m: "<head>" + head, html, count=1, flags=re.I)
    return html.encode("utf-8")
