"""geo.app.resources."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import streamlit as st

from geo.config import get_settings
from geo.layers.reference import basemap_layer, reference_layers, theatre_layers, world_layers
from geo.layers.theatre import Theatre, theatre
from geo.layers.view import ViewState
from geo.profiles import get_profiles
from geo.store.sqlite import Store


# ------------------------------------------------------------------------------------ resources
@st.cache_resource(show_spinner=False)
def _store_for(db_path: str) -> Store:
    return Store(Path(db_path))


def get_store() -> Store:
    """The store of the configured database (``CLAIM_ATLAS_DB``), one per process."""
    return _store_for(str(get_settings().db_path))


@st.cache_resource(show_spinner="Loading the language model and the gazetteer…")
def _pipeline_for(spacy_model: str, gazetteer_path: str, min_confidence: float):
    from geo.pipeline.ingest import Pipeline

    return Pipeline(get_settings())


def get_pipeline():
    """The ingestion pipeline (spaCy model + gazetteer), loaded once per process."""
    s = get_settings()
    return _pipeline_for(s.spacy_model, str(s.gazetteer_path), s.min_confidence)


def data_version() -> int:
    """The store's data version: the cache key of every loader below."""
    return get_store().data_version()


@st.cache_resource(show_spinner="Reading the reference layers…")
def _reference(reference_dir: str, mtime: float) -> dict[str, gpd.GeoDataFrame]:
    layers = reference_layers(reference_dir)
    layers["basemap"] = basemap_layer(reference_dir)
    return layers


def _reference_stamp() -> tuple[str, float]:
    folder = get_settings().reference_dir
    return str(folder), max((p.stat().st_mtime for p in folder.glob("*.geojson")), default=0.0)


def load_reference_layers() -> dict[str, gpd.GeoDataFrame]:
    """Every conflict profile's own layers and the basemap (shared between sessions: do not modify them)."""
    return _reference(*_reference_stamp())


@st.cache_resource(show_spinner="Reading the world layers…")
def _world(reference_dir: str, mtime: float) -> dict[str, gpd.GeoDataFrame]:
    return world_layers(reference_dir)


@st.cache_resource(show_spinner=False, max_entries=32)
def _theatre_reference(reference_dir: str, mtime: float, scene: Theatre) -> dict[str, gpd.GeoDataFrame]:
    # Cached per theatre, so each layer stays one object and is serialised once (geo.mapping.reference).
    shared = _reference(reference_dir, mtime)
    own = {key: shared[key] for key, _file, _name in scene.layers if key in shared}
    return {"basemap": shared["basemap"], **theatre_layers(_world(reference_dir, mtime), scene), **own}


def load_theatre(places: gpd.GeoDataFrame, claims, view: ViewState) -> tuple[Theatre, dict[str, gpd.GeoDataFrame]]:
    """The theatre of a view (:func:`geo.layers.theatre.theatre`: its places, its claims, the
    conflicts it is filtered to, under the profiles in force) and the reference layers that draw
    it, with the basemap (shared between sessions: do not modify them)."""
    scene = theatre(places, claims, get_profiles(), view.conflicts)
    return scene, _theatre_reference(*_reference_stamp(), scene)


@st.cache_resource(show_spinner="Opening the gazetteer…")
def _gazetteer_for(gazetteer_path: str, reference_dir: str):
    from geo.gazetteer.index import get_gazetteer

    return get_gazetteer(get_settings())


def get_gazetteer():
    """The offline gazetteer (built on first use), without the language model: for lookups and
    corrections (shared between sessions: read only)."""
    s = get_settings()
    return _gazetteer_for(str(s.gazetteer_path), str(s.reference_dir))
