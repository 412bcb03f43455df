"""geo.app.resources."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import geopandas as gpd
import streamlit as st

from geo.config import get_settings
from geo.layers.reference import (
    BASEMAP_FILE,
    WORLD_ADMIN1_FILE,
    basemap_layer,
    cached_layers,
    profile_layer_files,
    reference_layers,
    theatre_layers,
    world_layers,
)
from geo.layers.theatre import Theatre, theatre
from geo.layers.view import ViewState
from geo.profiles import get_profiles
from geo.store.sqlite import Store

log = logging.getLogger(__name__)


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


def _layer_cache() -> Path:
    return get_settings().home / "cache" / "layers"


@st.cache_resource(show_spinner="Reading the reference layers…")
def _reference(reference_dir: str, mtime: float) -> dict[str, gpd.GeoDataFrame]:
    def build() -> dict[str, gpd.GeoDataFrame]:
        layers = reference_layers(reference_dir)
        layers["basemap"] = basemap_layer(reference_dir)
        return layers

    folder = Path(reference_dir)
    sources = [folder / BASEMAP_FILE, *(folder / file for file, _name in profile_layer_files().values())]
    return cached_layers(_layer_cache(), "reference", sources, build)


def _reference_stamp() -> tuple[str, float]:
    folder = get_settings().reference_dir
    return str(folder), max((p.stat().st_mtime for p in folder.glob("*.geojson")), default=0.0)


def load_reference_layers() -> dict[str, gpd.GeoDataFrame]:
    """Every conflict profile's own layers and the basemap (shared between sessions: do not modify them)."""
    return _reference(*_reference_stamp())


@st.cache_resource(show_spinner="Reading the world layers…")
def _world(reference_dir: str, mtime: float) -> dict[str, gpd.GeoDataFrame]:
    folder = Path(reference_dir)
    return cached_layers(_layer_cache(), "world", [folder / BASEMAP_FILE, folder / WORLD_ADMIN1_FILE],
                         lambda: world_layers(reference_dir))


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
    return scene, theatre_reference(scene)


def theatre_reference(scene: Theatre) -> dict[str, gpd.GeoDataFrame]:
    """The reference layers that draw a theatre, with the basemap (shared between sessions: do not
    modify them)."""
    return _theatre_reference(*_reference_stamp(), scene)


@st.cache_resource(show_spinner="Opening the gazetteer…")
def _gazetteer_for(gazetteer_path: str, reference_dir: str):
    from geo.gazetteer.index import get_gazetteer

    return get_gazetteer(get_settings())


def get_gazetteer():
    """The offline gazetteer (built on first use), without the language model: for lookups and
    corrections (shared between sessions: read only)."""
    s = get_settings()
    return _gazetteer_for(str(s.gazetteer_path), str(s.reference_dir))


# ------------------------------------------------------------------------------------ warm-up
_warm_up_lock = threading.Lock()
_warm_up_started = False


def warm_up() -> None:
    """Load in a background thread, once per process, what the first visits would wait for
    (``CLAIM_ATLAS_WARM_UP``): the reference and world layers (the first map), then the gazetteer
    and the language model (Add articles, corrections). The pages call the same cached loaders:
    one still loading is waited for (Streamlit's cache computes each value once), with its spinner."""
    global _warm_up_started
    mode = get_settings().warm_up
    with _warm_up_lock:
        if _warm_up_started or mode == "off":
            return
        _warm_up_started = True
    threading.Thread(target=_warm, args=(mode,), name="claim-atlas-warm-up", daemon=True).start()


def _warm(mode: str) -> None:
    try:
        stamp = _reference_stamp()
        _reference(*stamp)
        _world(*stamp)
        if mode == "all":
            get_gazetteer()
            get_pipeline()
        log.info("warm-up done (%s)", mode)
    except Exception:  # noqa: BLE001 - the pages load what they need themselves, and report errors
        log.warning("warm-up failed; the pages load what they need when they need it", exc_info=True)
