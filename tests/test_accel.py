"""The speedups' gates (geo/_compat.py) and the switch CLAIM_ATLAS_ACCEL: outside the tested
versions, or with the switch off, the libraries' own code runs, with one warning per speedup;
and it gives what the speedups give (the same predictions, the same map page)."""

from __future__ import annotations

import json
import logging
import re

import folium
import pandas as pd
import pytest
import spacy
from packaging.version import Version

from geo import _compat
from geo.config import PROJECT_ROOT, Settings

SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"
UNTESTED = Version("999.0")
FAMILIES = {family.name: family for family in _compat.FAMILIES}
NLP_SPEEDUPS = (_compat.FAST_ATTRIBUTE_RULES, _compat.STEPWISE_PARSER, _compat.CACHED_LEMMATIZER,
                _compat.REMEMBERED_EMBEDDINGS, _compat.NUMPY_MATRIX_OPS)


@pytest.fixture(autouse=True)
def _fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a new process would: no gate has warned yet."""
    monkeypatch.setattr(_compat, "_warned", set())


def _untested(monkeypatch: pytest.MonkeyPatch, library: str) -> None:
    monkeypatch.setattr(_compat, _compat._VERSION_CONSTANTS[library], UNTESTED)


def _gate_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "geo._compat" and r.levelno == logging.WARNING]


# --------------------------------------------------------------------------- the gates
def test_installed_libraries_are_the_tested_versions() -> None:
    """Fails after an upgrade: run the parity tests on the new versions, then widen the ranges
    in geo/_compat.py (until then the speedups are off, see the tests below)."""
    assert {family.name: _compat.untested(family) for family in _compat.FAMILIES} == {
        family.name: [] for family in _compat.FAMILIES}
    assert all(_compat.allowed(family, accel=True) for family in _compat.FAMILIES)


@pytest.mark.parametrize("name", FAMILIES)
def test_a_gate_says_no_outside_its_tested_versions_and_warns_once(
        name: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    family = FAMILIES[name]
    for library in family.tested:
        monkeypatch.undo()
        monkeypatch.setattr(_compat, "_warned", set())
        caplog.clear()
        _untested(monkeypatch, library)
        with caplog.at_level(logging.WARNING, logger="geo._compat"):
            assert [_compat.allowed(family, accel=True) for _ in range(3)] == [False] * 3
        [warning] = _gate_warnings(caplog)  # one, however often asked
        assert family.name in warning and f"{library} 999.0" in warning
        assert str(family.tested[library]) in warning  # the tested versions


def test_the_switch_turns_speedups_off_without_a_warning(monkeypatch: pytest.MonkeyPatch,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("CLAIM_ATLAS_ACCEL", "0")
    assert Settings.from_env().accel is False
    with caplog.at_level(logging.WARNING, logger="geo._compat"):
        for family in _compat.FAMILIES:
            # Speedups follow the switch; a feature's workarounds do not (they are no speedups).
            assert _compat.allowed(family) is (not family.speedup)
        assert _compat.fast_map_render() is False and _compat.stepwise_parser() is False
        _untested(monkeypatch, "spacy")
        assert _compat.stepwise_parser() is False
    assert _gate_warnings(caplog) == []  # off by choice: nothing to warn about
    monkeypatch.setenv("CLAIM_ATLAS_ACCEL", "1")
    assert Settings.from_env().accel is True
    monkeypatch.delenv("CLAIM_ATLAS_ACCEL")
    assert Settings.from_env().accel is True  # on by default


# --------------------------------------------------------------------------- the spaCy pipeline
def _wrapped(nlp) -> dict[str, str]:
    """The pipeline's components that are speedups of ours (name -> class)."""
    return {name: type(c).__name__ for name, c in nlp.pipeline if type(c).__module__.startswith("geo.nlp.accel.")}


def _remembered(nlp) -> int:
    return sum(node.name == "remembered_embedding" for _, c in nlp.pipeline
               if hasattr(getattr(c, "model", None), "walk") for node in c.model.walk())


def _blis(nlp) -> set[bool]:
    return {node.ops.use_blis for _, c in nlp.pipeline if hasattr(getattr(c, "model", None), "walk")
            for node in c.model.walk()}


@pytest.mark.integration
def test_accel_off_loads_spacys_own_pipeline(session_settings: Settings, nlp) -> None:
    from geo.nlp.load import load_nlp

    stock = load_nlp(session_settings.spacy_model, accel=False)
    reference = spacy.load(session_settings.spacy_model)
    expected = list(reference.pipe_names)
    expected.insert(expected.index("parser"), "paragraph_boundaries")  # a feature, not a speedup
    assert stock.pipe_names == expected
    assert _wrapped(stock) == {}
    assert _remembered(stock) == 0 and _blis(stock) == {True}  # thinc's default ops
    # The default (switch on) is the accelerated one.
    assert _wrapped(nlp) == {"fast_attribute_ruler": "FastAttributeRuler", "parser": "StepwiseTransitionParser",
                             "lemmatizer": "CachedLemmatizer", "ner": "StepwiseTransitionParser"}
    assert _remembered(nlp) == 2 and _blis(nlp) == {False}


@pytest.mark.integration
@pytest.mark.parametrize("library", ["spacy", "thinc"])
def test_outside_the_tested_versions_spacys_own_code_runs(
        library: str, session_settings: Settings, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    from geo.nlp.load import _load_nlp

    _untested(monkeypatch, library)
    with caplog.at_level(logging.WARNING, logger="geo._compat"):
        nlp = _load_nlp.__wrapped__(session_settings.spacy_model, True)  # past the per-process cache
    touching = [f for f in NLP_SPEEDUPS if library in f.tested]
    warnings = _gate_warnings(caplog)
    assert len(warnings) == len(touching) and all(any(f.name in w for w in warnings) for f in touching)
    wrapped = _wrapped(nlp)
    if library == "spacy":  # only numpy's products (thinc alone) stay
        assert wrapped == {} and _remembered(nlp) == 0 and _blis(nlp) == {False}
    else:  # the speedups touching spaCy alone stay
        assert wrapped == {"fast_attribute_ruler": "FastAttributeRuler", "lemmatizer": "CachedLemmatizer"}
        assert _remembered(nlp) == 0 and _blis(nlp) == {True}


@pytest.mark.integration
@pytest.mark.skipif(not (SEEDS / "manifest.csv").is_file(), reason=f"no seed articles in {SEEDS}")
def test_accel_off_predicts_the_same_on_the_seed_articles(session_settings: Settings, nlp, real_gazetteer) -> None:
    from geo.nlp.load import load_nlp
    from geo.pipeline.ingest import Pipeline
    from geo.pipeline.predictions import article_prediction
    from geo.text.corpus import read_corpus

    articles, errors = read_corpus(SEEDS, session_settings)
    assert len(articles) == 2 and not errors
    predictions = {}
    for accel in (True, False):
        settings = session_settings.with_overrides(accel=accel)
        pipeline = Pipeline(settings, nlp=load_nlp(settings.spacy_model, accel), gazetteer=real_gazetteer)
        assert bool(_wrapped(pipeline.nlp)) is accel
        docs = pipeline.parse([a.text for a in articles])  # in batches, as ingest parses
        predictions[accel] = [json.dumps(article_prediction(a, pipeline.analyze(a, doc)), sort_keys=True)
                              for a, doc in zip(articles, docs, strict=True)]
    assert sum(len(json.loads(p)["toponyms"]) for p in predictions[True]) > 10
    assert predictions[False] == predictions[True]


# --------------------------------------------------------------------------- the map
def _claims(mentions: pd.DataFrame) -> pd.DataFrame:
    """A claims layer on some of the synthetic places: disputed ones, and one naming no place."""
    from geo.layers.claims import claim_layer

    rows, links = [], []
    for i, row in enumerate(mentions.head(40).itertuples(), start=1):
        rows.append({"claim_id": i, "article_id": int(row.article_id), "corpus_id": f"a{row.article_id}",
                     "title": "A <b>title</b> {{ 7*7 }}", "source": "Agency", "url": "",
                     "published": "2020-10-20", "claimant": ["Armenia", "Azerbaijan", "Some body"][i % 3],
                     "claimant_text": "the ministry", "text": f"Claim {i} `x` ${{y}}.", "start": 0, "end": 9,
                     "date": "2020-10-20", "date_end": None, "date_precision": "day", "kind": "military",
                     "stance": "assert", "details": "{}", "disputed_by": "Armenia" if i % 4 == 0 else None})
        if i % 10:
            links.append({"claim_id": i, "mention_id": int(row.mention_id)})
    return claim_layer(pd.DataFrame(rows), pd.DataFrame(links), mentions)


def _page(monkeypatch: pytest.MonkeyPatch, accel: str, build) -> str:
    monkeypatch.setenv("CLAIM_ATLAS_ACCEL", accel)
    return re.sub(r"_[0-9a-f]{32}", "", build().get_root().render())  # element ids aside


def test_fast_map_rendering_gives_foliums_own_page(monkeypatch: pytest.MonkeyPatch) -> None:
    from synthetic_data import synthetic_mentions

    from geo.layers.places import place_layer
    from geo.layers.reference import basemap_layer, reference_layers
    from geo.mapping.build import CLUSTER_THRESHOLD, build_map
    from geo.mapping.elements import ClaimLayer, ClusteredPlaceLayer, PlaceLayer

    folder = PROJECT_ROOT / "data" / "reference"
    reference = {**reference_layers(folder), "basemap": basemap_layer(folder)}
    mentions = synthetic_mentions(CLUSTER_THRESHOLD + 50)
    places, claims = place_layer(mentions), _claims(mentions)

    def build() -> folium.Map:
        m = build_map(places, mentions, reference, claims=claims)
        kinds = {type(c) for c in m._children.values()}
        assert {PlaceLayer, ClusteredPlaceLayer, ClaimLayer} <= kinds
        return m

    fast, stock = _page(monkeypatch, "1", build), _page(monkeypatch, "0", build)
    assert fast == stock
    assert "claimAtlas.claimLayer(" in fast and "L.markerClusterGroup(" in fast
    assert "62615633" not in fast and "{{ 7*7 }}" not in fast  # never evaluated, in neither


def test_outside_the_tested_versions_foliums_own_rendering_runs(monkeypatch: pytest.MonkeyPatch,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    from geo.mapping.elements import Legend, _RawScript

    def scripts(library: str | None) -> list[type]:
        monkeypatch.undo()
        monkeypatch.setattr(_compat, "_warned", set())
        if library:
            _untested(monkeypatch, library)
        m = folium.Map(tiles=None)
        Legend("<b>legend</b>").add_to(m)
        m.get_root().render()
        return [type(child) for child in m.get_root().script._children.values()]

    assert _RawScript in scripts(None)
    for library in ("folium", "branca"):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="geo._compat"):
            assert _RawScript not in scripts(library)
        [warning] = _gate_warnings(caplog)
        assert "fast map rendering" in warning and f"{library} 999.0" in warning


def test_offline_assets_stay_on_with_accel_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Serving every asset locally is a feature, not a speedup: the switch leaves it on."""
    from synthetic_data import synthetic_mentions

    from geo.layers.places import place_layer
    from geo.mapping.assets import OWN_ASSET_PREFIX, offline_map_html
    from geo.mapping.build import build_map

    monkeypatch.setenv("CLAIM_ATLAS_ACCEL", "0")
    mentions = synthetic_mentions(5)
    m = build_map(place_layer(mentions), mentions, {})
    page = m.get_root().render()
    urls = re.findall(r"""<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)\"""", page)
    assert urls and all(u.startswith(("/app/static/vendor/", OWN_ASSET_PREFIX + "/")) for u in urls), urls
    assert f"{OWN_ASSET_PREFIX}/map.js" in urls and f"{OWN_ASSET_PREFIX}/map.css" in urls
    standalone = offline_map_html(m)
    assert "/app/static" not in standalone and "C.geojsonLayer = function" in standalone


def test_offline_asset_patches_stay_off_outside_their_tested_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit_folium

    from geo.app.folium_links import restore_frame_links, use_offline_frame_links
    from geo.mapping import assets

    restore_frame_links()
    assets.restore_cdn_assets()
    stock_component = streamlit_folium._component_func
    try:
        _untested(monkeypatch, "streamlit_folium")
        assets.use_offline_assets()
        use_offline_frame_links()
        assert streamlit_folium._component_func is stock_component
        assert all(url.startswith(assets.LOCAL_ASSET_PREFIX) for _, url in folium.Map.default_js)  # the rest is on
        monkeypatch.undo()
        use_offline_frame_links()
        assert streamlit_folium._component_func is not stock_component
    finally:
        restore_frame_links()
        assets.restore_cdn_assets()
        use_offline_frame_links()


def test_streamlit_page_routing_workaround_stays_off_outside_its_tested_versions(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.runtime.pages_manager import PagesManager

    from geo.app.first_run import require_app_entrypoint

    monkeypatch.setattr(PagesManager, "uses_pages_directory", True, raising=False)
    _untested(monkeypatch, "streamlit")
    require_app_entrypoint()
    assert PagesManager.uses_pages_directory is True  # Streamlit's own behaviour, untouched


def test_compat_reads_the_installed_versions() -> None:
    assert Version(spacy.__version__) == _compat.SPACY_VERSION
    assert Version(folium.__version__) == _compat.FOLIUM_VERSION
    assert _compat.installed_version("streamlit_folium") == _compat.STREAMLIT_FOLIUM_VERSION
    assert _compat._installed("no-such-distribution-here") is None
