"""geo.app.resources."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import streamlit as st

from geo.config import get_settings
from geo.layers.reference import basemap_layer, reference_layers
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


def load_reference_layers() -> dict[str, gpd.GeoDataFrame]:
    """Reference layers and the basemap (shared between sessions: do not modify them)."""
    folder = get_settings().reference_dir
    mtime = max((p.stat().st_mtime for p in folder.glob("*.geojson")), default=0.0)
    return _reference(str(folder), mtime)


@st.cache_resource(show_spinner="Opening the gazetteer…")
def _gazetteer_for(gazetteer_path: str, reference_dir: str):
    from geo.gazetteer.index import get_gazetteer

    return get_gazetteer(get_settings())


def get_gazetteer():
    """The offline gazetteer (built on first use), without the language model: for lookups and
    corrections (shared between sessions: read only)."""
    s = get_settings()
    return _gazetteer_for(str(s.gazetteer_path), str(s.reference_dir))
