"""geo.app.data."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.app.resources import _store_for, data_version, theatre_reference
from geo.config import get_settings
from geo.layers.counts import ViewCounts, counts_sentence, view_counts
from geo.layers.filters import claim_filters_active, claims_naming
from geo.layers.filters import filter_claims as view_filter_claims
from geo.layers.filters import filter_mentions as view_filter_mentions
from geo.layers.places import place_layer
from geo.layers.theatre import Theatre, article_conflicts, conflict_article_ids, theatre
from geo.layers.view import (
    ViewState,
    Vocabulary,
    parse_view,
    to_query_params,
)
from geo.layers.viewport import Bounds, aggregate_places, claim_counts, claims_in_view, disputed_counts
from geo.profiles import ConflictProfile, get_profiles
from geo.store.sqlite import Store

# ------------------------------------------------------------------------------------ data
F = TypeVar("F", bound=Callable[..., Any])


def _shallow(value: Any) -> Any:
    """A data frame (or a tuple of them) as a shallow copy: new frame objects over shared data."""
    if isinstance(value, pd.DataFrame):
        return value.copy(deep=False)
    if isinstance(value, tuple):
        return tuple(_shallow(v) for v in value)
    return value


def shared_frames(max_entries: int | None = None) -> Callable[[F], F]:
    """Cache a loader of data frames once per process (``st.cache_resource``) and hand out shallow
    copies. Why not ``st.cache_data``: it unpickles a deep copy on every call, 0.6 s a rerun of the
    Map page at 100,000 places (geometries parsed again from WKB). Under pandas' copy-on-write
    (always on from pandas 3) a shallow copy is as safe to modify as a deep one: a change to it
    copies what it touches and leaves the cached frame as it was (tests/test_shared_frames.py).
    Values inside object cells (lists) are shared: do not modify them in place."""
    def wrap(func: F) -> F:
        cached = st.cache_resource(show_spinner=False, max_entries=max_entries)(func)

        @functools.wraps(func)
        def call(*args: Any, **kwargs: Any) -> Any:
            return _shallow(cached(*args, **kwargs))

        call.clear = cached.clear  # type: ignore[attr-defined]
        return call  # type: ignore[return-value]
    return wrap


#: Loaders keyed by data version keep this many versions (a store being ingested changes version
#: often: the old versions' frames are dropped, not kept for the process's life).
VERSIONS_KEPT = 4


@shared_frames(max_entries=VERSIONS_KEPT)
def _mentions(db_path: str, version: int) -> pd.DataFrame:
    return _store_for(db_path).mentions_df()


def load_mentions(version: int) -> pd.DataFrame:
    """Every mention (``Store.mentions_df()``), cached per data version."""
    return _mentions(str(get_settings().db_path), version)


@shared_frames(max_entries=VERSIONS_KEPT * 4)
def _articles(db_path: str, version: int, with_text: bool) -> pd.DataFrame:
    return _store_for(db_path).articles_df(with_text=with_text)


def load_articles(version: int, with_text: bool = True) -> pd.DataFrame:
    """Every article with its metadata (and text), cached per data version."""
    return _articles(str(get_settings().db_path), version, with_text)


@st.cache_data(show_spinner=False)
def _counts(db_path: str, version: int) -> dict:
    store = _store_for(db_path)
    return {**store.counts(), "date_span": store.date_span()}


def load_counts(version: int) -> dict:
    """``Store.counts()`` plus ``date_span``, cached per data version."""
    return _counts(str(get_settings().db_path), version)


def filter_mentions(mentions: pd.DataFrame, min_confidence: float = 0.0,
                    feature_types: Sequence[str] | None = None) -> pd.DataFrame:
    """Mentions at or above ``min_confidence`` whose place is of one of ``feature_types``
    (``None``: any type). Unresolved mentions have no type and are dropped by a type filter."""
    keep = mentions["confidence"].fillna(0) >= float(min_confidence)
    if feature_types is not None:
        keep &= mentions["feature_type"].isin(list(feature_types))
    return mentions.loc[keep]


@shared_frames(max_entries=VERSIONS_KEPT * 4)
def _places(db_path: str, version: int, min_confidence: float, feature_types: tuple[str, ...] | None):
    mentions = _mentions(db_path, version)
    return place_layer(filter_mentions(mentions, min_confidence, feature_types))


def load_places(version: int, min_confidence: float = 0.0,
                feature_types: Sequence[str] | None = None) -> gpd.GeoDataFrame:
    """The place layer (:func:`geo.layers.place_layer`) of the filtered mentions, cached."""
    types = tuple(sorted(feature_types)) if feature_types is not None else None
    return _places(str(get_settings().db_path), version, float(min_confidence), types)


@shared_frames(max_entries=VERSIONS_KEPT)
def _claims(db_path: str, version: int) -> pd.DataFrame:
    from geo.layers.claims import claim_table

    return claim_table(_store_for(db_path).claims_df())


def load_claims(version: int) -> pd.DataFrame:
    """Every claim (:func:`geo.layers.claim_table` of ``Store.claims_df()``), cached per data version."""
    return _claims(str(get_settings().db_path), version)


def _claim_disputes(store: Store) -> pd.DataFrame | None:
    """The store's dispute links (``claim_id``, ``disputed_by``, ``disputing_claim_id``) when it
    offers them (``Store.claim_disputes_df``); otherwise None and popups name the disputing actors
    only."""
    reader = getattr(store, "claim_disputes_df", None)
    return reader() if callable(reader) else None


@shared_frames(max_entries=VERSIONS_KEPT)
def _claim_layer(db_path: str, version: int) -> gpd.GeoDataFrame:
    from geo.layers.claims import claim_layer

    store = _store_for(db_path)
    return claim_layer(store.claims_df(), store.claim_places_df(), _mentions(db_path, version),
                       _claim_disputes(store))


def load_claim_layer(version: int) -> gpd.GeoDataFrame:
    """The claims as map features (:func:`geo.layers.claim_layer`), cached per data version."""
    return _claim_layer(str(get_settings().db_path), version)


@shared_frames(max_entries=VERSIONS_KEPT)
def _claim_clusters(db_path: str, version: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    store = _store_for(db_path)
    return store.claim_clusters_df(), store.claim_disputes_df()


def load_claim_clusters(version: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``Store.claim_clusters_df()`` and ``Store.claim_disputes_df()``, cached per data version."""
    return _claim_clusters(str(get_settings().db_path), version)


@shared_frames(max_entries=VERSIONS_KEPT)
def _claim_places(db_path: str, version: int) -> pd.DataFrame:
    return _store_for(db_path).claim_places_df()


def load_claim_places(version: int) -> pd.DataFrame:
    """``Store.claim_places_df()`` (claim_id, mention_id), cached per data version."""
    return _claim_places(str(get_settings().db_path), version)


@st.cache_data(show_spinner=False)
def _vocabulary(db_path: str, version: int) -> Vocabulary:
    mentions, claims = _mentions(db_path, version), _claims(db_path, version)
    articles = _articles(db_path, version, False)
    sources = set(articles["source"].dropna().astype(str)) | set(claims["source"].dropna().astype(str))
    return Vocabulary(
        sources=frozenset(s for s in sources if s),
        conflicts=frozenset(p.id for p in get_profiles()),
        claimants=frozenset(c for c in claims["claimant"].dropna().astype(str) if c),
        place_keys=frozenset(k for k in mentions["place_key"].dropna().astype(str) if k),
        claim_ids=frozenset(int(c) for c in claims["claim_id"]),
    )


def vocabulary() -> Vocabulary:
    """What the store holds (sources, claimants, place keys, claim ids): what links are checked
    against and what the filters offer. Cached per data version."""
    return _vocabulary(str(get_settings().db_path), data_version())


def view_key(view: ViewState) -> str:
    """The filters of ``view`` as a short stable text (a cache key)."""
    return json.dumps(to_query_params(view.filters()), sort_keys=True)


@st.cache_data(show_spinner=False)
def _memberships(db_path: str, version: int, profiles_key: int,
                 _profiles: tuple[ConflictProfile, ...]) -> dict[int, tuple[str, ...]]:
    return article_conflicts(_mentions(db_path, version), _claims(db_path, version), _profiles)


def conflict_memberships(version: int) -> dict[int, tuple[str, ...]]:
    """The conflicts each article belongs to (:func:`geo.layers.theatre.article_conflicts` under the
    profiles in force), cached per data version and profiles."""
    profiles = get_profiles()
    return _memberships(str(get_settings().db_path), version, hash(profiles), profiles)


@shared_frames(max_entries=64)
def _view_data(db_path: str, version: int, key: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    view, _ = parse_view(json.loads(key), Vocabulary())
    mentions, claims = _mentions(db_path, version), _claims(db_path, version)
    links = _claim_places(db_path, version)
    in_conflicts = None
    if view.conflicts:
        profiles = get_profiles()
        in_conflicts = conflict_article_ids(_memberships(db_path, version, hash(profiles), profiles), view.conflicts)
    named = claims_naming(links, mentions, view.place_search) if view.place_search else None
    claims = view_filter_claims(claims, view, named, in_conflicts)
    claim_mentions = None
    if claim_filters_active(view):
        claim_mentions = set(links.loc[links["claim_id"].isin(set(claims["claim_id"])), "mention_id"].astype(int))
    return view_filter_mentions(mentions, view, claim_mentions, in_conflicts), claims


def view_data(version: int, view: ViewState) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The mentions and the claims (rows of :func:`load_claims`) of the view's filters, cached.
    Claim filters (claimant, kind, disputed) keep the place names of the matching claims only;
    the place search keeps the claims whose text or places match it."""
    if not view.has_filters:
        return load_mentions(version), load_claims(version)
    return _view_data(str(get_settings().db_path), version, view_key(view))


@shared_frames(max_entries=64)
def _view_places(db_path: str, version: int, key: str) -> gpd.GeoDataFrame:
    return place_layer(_view_data(db_path, version, key)[0])


def load_view_places(version: int, view: ViewState) -> gpd.GeoDataFrame:
    """The place layer (:func:`geo.layers.place_layer`) of the view's mentions, cached."""
    if not view.has_filters:
        return load_places(version)
    return _view_places(str(get_settings().db_path), version, view_key(view))


def _places_of(db_path: str, version: int, key: str, filtered: bool) -> gpd.GeoDataFrame:
    return _view_places(db_path, version, key) if filtered else _places(db_path, version, 0.0, None)


@shared_frames(max_entries=16)
def _view_claim_layer(db_path: str, version: int, key: str, filtered: bool) -> gpd.GeoDataFrame:
    claims = _claim_layer(db_path, version)
    if filtered and not claims.empty:
        claims = claims.loc[claims["claim_id"].isin(set(_view_data(db_path, version, key)[1]["claim_id"]))]
    return claims


def load_view_claim_layer(version: int, view: ViewState) -> gpd.GeoDataFrame:
    """The claim layer (:func:`load_claim_layer`) of the claims of the view's filters, cached."""
    return _view_claim_layer(str(get_settings().db_path), version, view_key(view), view.has_filters)


@st.cache_resource(show_spinner=False, max_entries=64)
def _view_claim_counts(db_path: str, version: int, key: str, filtered: bool) -> tuple[pd.Series, pd.Series]:
    claims = _view_claim_layer(db_path, version, key, filtered)
    return claim_counts(claims), disputed_counts(claims)


@shared_frames(max_entries=64)
def _view_features(db_path: str, version: int, key: str, filtered: bool, zoom: float,
                   bounds: Bounds) -> tuple[pd.DataFrame, pd.DataFrame]:
    places = _places_of(db_path, version, key, filtered)
    claims, disputed = _view_claim_counts(db_path, version, key, filtered)
    features = aggregate_places(places, zoom, bounds, claims=claims, disputed=disputed)
    return features, claims_in_view(_view_claim_layer(db_path, version, key, filtered), zoom, bounds)


def load_view_features(version: int, view: ViewState, zoom: float,
                       bounds: Bounds) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The Map page's data layer for a store of many places, cached per view, zoom and bounds (a
    new visit to the same link, or a return to a view, computes nothing): the compact features of
    the view's places (:func:`geo.layers.viewport.aggregate_places`, with their claims counted)
    and the claims drawn one by one in it (:func:`geo.layers.viewport.claims_in_view`)."""
    return _view_features(str(get_settings().db_path), version, view_key(view), view.has_filters,
                          float(zoom), bounds)


@st.cache_resource(show_spinner=False, max_entries=64)
def _view_theatre(db_path: str, version: int, key: str, filtered: bool, profiles_key: int,
                  _profiles: tuple[ConflictProfile, ...]) -> Theatre:
    view, _ = parse_view(json.loads(key), Vocabulary())
    claims = _view_data(db_path, version, key)[1] if filtered else _claims(db_path, version)
    return theatre(_places_of(db_path, version, key, filtered), claims, _profiles, view.conflicts)


def load_view_theatre(version: int, view: ViewState) -> tuple[Theatre, dict[str, gpd.GeoDataFrame]]:
    """:func:`geo.app.resources.load_theatre` of the view's places and claims, cached per view (the
    theatre is a pass over every place: 0.2 s at 100,000)."""
    profiles = get_profiles()
    scene = _view_theatre(str(get_settings().db_path), version, view_key(view), view.has_filters,
                          hash(profiles), profiles)
    return scene, theatre_reference(scene)


@st.cache_data(show_spinner=False)
def _total_counts(db_path: str, version: int) -> ViewCounts:
    return view_counts(_mentions(db_path, version), _claims(db_path, version))


def load_total_counts(version: int) -> ViewCounts:
    """The counts of the whole atlas (:func:`geo.layers.counts.view_counts`), cached per data version."""
    return _total_counts(str(get_settings().db_path), version)


def load_view_counts(version: int, view: ViewState) -> ViewCounts:
    """The counts of the view's filters (:func:`view_data`'s mentions and claims): what every page
    counts, with the same definitions (geo.layers.counts)."""
    if not view.has_filters:
        return load_total_counts(version)
    mentions, claims = view_data(version, view)
    return view_counts(mentions, claims)


def match_counts(version: int, view: ViewState, mentions: pd.DataFrame | None = None,
                 claims: pd.DataFrame | None = None) -> str:
    """The sentence every page shows (:func:`geo.layers.counts.counts_sentence`): ``12 of 71 place
    names, 10 of 50 resolved places, 9 of 45 places on the map, 9 of 36 claims match the filters``.
    ``mentions`` and ``claims``: the view's (:func:`view_data`), when the page has them already."""
    total = load_total_counts(version)
    if not view.has_filters:
        return counts_sentence(total, total, filtered=False)
    shown = view_counts(mentions, claims) if mentions is not None and claims is not None \
        else load_view_counts(version, view)
    return counts_sentence(shown, total, filtered=True)
