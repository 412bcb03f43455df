"""Library versions, and the gates of the code that reaches into libraries' internals.

In the style of geopandas' ``_compat.py``: the installed version of every library whose private
(or undocumented) internals Claim Atlas touches, parsed once with :mod:`packaging.version`, and
one function per family of such code answering "may it run here?".

Two kinds of families:

* **Speedups** (``geo/nlp/accel/``, the map elements' fast rendering): each gives exactly what
  the library's own code gives, faster, and was checked against it by the parity tests
  (``tests/test_language.py``, ``tests/test_mapview.py``, ``tests/test_accel.py``) on the
  versions in its ``tested`` ranges. One runs only when the switch ``CLAIM_ATLAS_ACCEL`` is on
  (the default) **and** every library it touches is in its tested range; otherwise the
  library's own code runs.
* **Workarounds** of a feature (the offline map assets, the Streamlit page routing): the switch
  does not turn them off (they are not speedups), but outside their tested ranges they stay off
  too and the library's own behaviour is kept.

Outside a tested range, one warning per family and process names the family, the library, the
installed version and the tested one. To widen a range: install the new version, run the
parity tests (``pytest tests/test_language.py tests/test_accel.py tests/test_mapview.py``),
then add the version here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import metadata

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

log = logging.getLogger(__name__)


def _installed(distribution: str) -> Version | None:
    """The installed version of ``distribution``; ``None`` when it is not installed (or its
    version cannot be parsed, which no gate accepts either)."""
    try:
        return Version(metadata.version(distribution))
    except (metadata.PackageNotFoundError, InvalidVersion):
        return None


# Read from the installed distributions' metadata: importing spaCy or Streamlit only to read
# their versions would cost seconds at start-up.
SPACY_VERSION = _installed("spacy")
THINC_VERSION = _installed("thinc")
FOLIUM_VERSION = _installed("folium")
BRANCA_VERSION = _installed("branca")
STREAMLIT_FOLIUM_VERSION = _installed("streamlit-folium")
STREAMLIT_VERSION = _installed("streamlit")

#: Library name -> the module constant above holding its installed version (the gates read the
#: constant when asked, so a test can monkeypatch it).
_VERSION_CONSTANTS = {
    "spacy": "SPACY_VERSION",
    "thinc": "THINC_VERSION",
    "folium": "FOLIUM_VERSION",
    "branca": "BRANCA_VERSION",
    "streamlit_folium": "STREAMLIT_FOLIUM_VERSION",
    "streamlit": "STREAMLIT_VERSION",
}

# The versions the parity tests ran on (requirements.txt pins them).
_SPACY_TESTED = SpecifierSet("==3.8.18")
_THINC_TESTED = SpecifierSet("==8.3.14")
_FOLIUM_TESTED = SpecifierSet("==0.20.0")
_BRANCA_TESTED = SpecifierSet("==0.8.2")
_STREAMLIT_FOLIUM_TESTED = SpecifierSet("==0.27.4")
_STREAMLIT_TESTED = SpecifierSet("==1.67.0")


def installed_version(library: str) -> Version | None:
    """The installed version of ``library`` (a key of :data:`_VERSION_CONSTANTS`)."""
    return globals()[_VERSION_CONSTANTS[library]]


@dataclass(frozen=True)
class Family:
    """Code that touches a library's internals, and the versions it was tested with."""

    name: str
    #: What it touches (for the warning and the reader).
    touches: str
    #: Library -> the versions it was tested with.
    tested: dict[str, SpecifierSet]
    #: True for a speedup (turned off by ``CLAIM_ATLAS_ACCEL=0``); False for a feature's workaround.
    speedup: bool = True


FAST_ATTRIBUTE_RULES = Family(
    "fast attribute rules", "spaCy's AttributeRuler rules (its attrs, indices and matcher patterns)",
    {"spacy": _SPACY_TESTED})
STEPWISE_PARSER = Family(
    "stepwise transition parser",
    "spaCy's parser internals (Parser._ensure_labels_are_added, moves.init_batch, transition_states, "
    "the step model's _class_mask, get_token_ids, state2vec, vec2scores) and thinc's Linear params",
    {"spacy": _SPACY_TESTED, "thinc": _THINC_TESTED})
CACHED_LEMMATIZER = Family(
    "cached lemmatizer", "spaCy's rule Lemmatizer (a rule lemma depends on the word, its part of speech "
    "and its morphology only)", {"spacy": _SPACY_TESTED})
REMEMBERED_EMBEDDINGS = Family(
    "remembered embeddings", "the layer structure of spaCy's MultiHashEmbed in thinc models",
    {"spacy": _SPACY_TESTED, "thinc": _THINC_TESTED})
NUMPY_MATRIX_OPS = Family(
    "numpy matrix products", "thinc's NumpyOps(use_blis=False), set as every model node's ops",
    {"thinc": _THINC_TESTED})
FAST_MAP_RENDER = Family(
    "fast map rendering", "folium's and branca's element rendering (Element._parent, _children, "
    "_template.module; re-implements MacroElement/JSCSSMixin/Layer.render)",
    {"folium": _FOLIUM_TESTED, "branca": _BRANCA_TESTED})
OFFLINE_STREAMLIT_FOLIUM_LINKS = Family(
    "offline links of streamlit-folium", "streamlit_folium._component_func (wrapped: the d3 CDN links "
    "st_folium adds for colormaps are swapped for the vendored files)",
    {"streamlit_folium": _STREAMLIT_FOLIUM_TESTED}, speedup=False)
STREAMLIT_PAGE_ROUTING = Family(
    "Streamlit page routing", "streamlit.runtime.pages_manager.PagesManager.uses_pages_directory",
    {"streamlit": _STREAMLIT_TESTED}, speedup=False)
STREAMLIT_PAGE_LINK_FALLBACK = Family(
    "Streamlit page-link fallback", "streamlit.errors.StreamlitAPIException (undocumented module)",
    {"streamlit": _STREAMLIT_TESTED}, speedup=False)

#: Every family, for the README and the tests.
FAMILIES = (FAST_ATTRIBUTE_RULES, STEPWISE_PARSER, CACHED_LEMMATIZER, REMEMBERED_EMBEDDINGS, NUMPY_MATRIX_OPS,
            FAST_MAP_RENDER, OFFLINE_STREAMLIT_FOLIUM_LINKS, STREAMLIT_PAGE_ROUTING,
            STREAMLIT_PAGE_LINK_FALLBACK)

#: Families already warned about in this process (one warning each).
_warned: set[str] = set()


def untested(family: Family) -> list[str]:
    """The libraries of ``family`` installed outside its tested range, as readable notes."""
    notes = []
    for library, tested in family.tested.items():
        version = installed_version(library)
        if version is None or version not in tested:
            notes.append(f"{library} {version or 'not installed'} (tested: {tested})")
    return notes


def allowed(family: Family, accel: bool | None = None) -> bool:
    """May ``family`` run? A speedup needs the switch on (``accel``; by default
    ``Settings.accel``, from ``CLAIM_ATLAS_ACCEL``); every family needs its libraries in their
    tested ranges (else one warning per process, and the library's own code runs)."""
    if family.speedup:
        if accel is None:
            from geo.config import get_settings

            accel = get_settings().accel
        if not accel:
            return False
    notes = untested(family)
    if notes and family.name not in _warned:
        _warned.add(family.name)
        what = "speedup" if family.speedup else "workaround"
        log.warning("%s %r is off, the library's own code runs instead: it touches %s and was tested "
                    "only with %s, but here %s is installed", what, family.name, family.touches,
                    ", ".join(f"{lib} {spec}" for lib, spec in family.tested.items()), "; ".join(notes))
    return not notes


# One function per family: "may this run here?"
def fast_attribute_rules(accel: bool | None = None) -> bool:
    return allowed(FAST_ATTRIBUTE_RULES, accel)


def stepwise_parser(accel: bool | None = None) -> bool:
    return allowed(STEPWISE_PARSER, accel)


def cached_lemmatizer(accel: bool | None = None) -> bool:
    return allowed(CACHED_LEMMATIZER, accel)


def remembered_embeddings(accel: bool | None = None) -> bool:
    return allowed(REMEMBERED_EMBEDDINGS, accel)


def numpy_matrix_ops(accel: bool | None = None) -> bool:
    return allowed(NUMPY_MATRIX_OPS, accel)


def fast_map_render(accel: bool | None = None) -> bool:
    return allowed(FAST_MAP_RENDER, accel)


def offline_streamlit_folium_links() -> bool:
    return allowed(OFFLINE_STREAMLIT_FOLIUM_LINKS)


def streamlit_page_routing() -> bool:
    return allowed(STREAMLIT_PAGE_ROUTING)


def streamlit_page_link_fallback() -> bool:
    return allowed(STREAMLIT_PAGE_LINK_FALLBACK)
