"""Shared fixtures of the test suite.

The expensive resources are loaded once per session and shared by every test:

* ``gazetteer``: the small fixture gazetteer (a few hundred real places around the South
  Caucasus and some elsewhere, ``tests/fixtures/gazetteer.sql``), built in a temporary folder
  in well under a second: what unit tests use.
* ``real_gazetteer``: the developer's gazetteer index (``var/gazetteer.sqlite``, or wherever
  ``CLAIM_ATLAS_GAZETTEER`` / ``CLAIM_ATLAS_HOME`` pointed when the session started). It is
  built there on first use (about 30 s, once) and never rebuilt per test.
* ``nlp``: the spaCy pipeline.
* ``pipeline``: a :class:`geo.pipeline.Pipeline` holding the model and the real gazetteer.

A test that requests the model or the real gazetteer (``REAL_RESOURCES``, directly or through
another fixture) must be marked ``integration``: collection fails otherwise, so that the fast
unit selection (``-m "not integration and not e2e"``) stays fast. A unit test that opens the
full gazetteer another way (``get_gazetteer(settings)``, the CLI) fails when it does.

Everything a test writes goes to its own temporary folder: an autouse fixture points
``CLAIM_ATLAS_HOME`` and ``CLAIM_ATLAS_DB`` there (keeping ``CLAIM_ATLAS_GAZETTEER`` on the
shared index), and refuses to open a :class:`geo.store.sqlite.Store` on the repository's own
``var/claim_atlas.sqlite``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import geo.store.sqlite
from geo.config import PROJECT_ROOT, Settings

REPO_ROOT = PROJECT_ROOT
BUNDLED_CORPUS = REPO_ROOT / "data" / "articles"

#: The settings in force when the session started (before any test changed the environment).
_SESSION_SETTINGS = Settings.from_env()
#: The one gazetteer index every test shares.
GAZETTEER_PATH = _SESSION_SETTINGS.gazetteer_path
#: Stores tests must never write to: the repository's default one and the developer's own.
_PROTECTED_DBS = {
    (REPO_ROOT / "var" / "claim_atlas.sqlite").resolve(),
    _SESSION_SETTINGS.db_path.expanduser().resolve(),
}

_original_store_init = geo.store.sqlite.Store.__init__


def _guarded_store_init(self, path, *args, **kwargs):
    if Path(path).expanduser().resolve() in _PROTECTED_DBS:
        raise RuntimeError(f"a test tried to open the developer's store {path}: use the `store` fixture "
                           "or a path under tmp_path")
    _original_store_init(self, path, *args, **kwargs)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Per-test CLAIM_ATLAS_HOME and CLAIM_ATLAS_DB in tmp_path; the shared gazetteer stays."""
    home = tmp_path / "claim_atlas_home"
    home.mkdir()
    monkeypatch.setenv("CLAIM_ATLAS_HOME", str(home))
    monkeypatch.setenv("CLAIM_ATLAS_DB", str(home / "claim_atlas.sqlite"))
    monkeypatch.setenv("CLAIM_ATLAS_GAZETTEER", str(GAZETTEER_PATH))
    monkeypatch.setenv("CLAIM_ATLAS_WARM_UP", "off")  # no background loading in test processes
    monkeypatch.setattr(geo.store.sqlite.Store, "__init__", _guarded_store_init)
    yield home


@pytest.fixture(autouse=True)
def _real_gazetteer_only_in_integration(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A unit test that opens the full gazetteer some other way (``get_gazetteer(settings)``,
    ``Gazetteer.open``, ``Gazetteer(path)``) fails at once, naming the fixture to use instead."""
    if request.node.get_closest_marker("integration") or request.node.get_closest_marker("e2e"):
        return
    import geo.gazetteer.index as index

    real = GAZETTEER_PATH.expanduser().resolve()

    def refuse(path) -> None:
        if path is not None and Path(path).expanduser().resolve() == real:
            raise RuntimeError(f"a unit test opened the full gazetteer {path}: use the `gazetteer` fixture "
                               "(the fixture gazetteer) or mark the test integration and use `real_gazetteer`")

    original_init, original_build = index.Gazetteer.__init__, index.build_gazetteer

    def guarded_init(self, path, *args, **kwargs):
        refuse(path)
        original_init(self, path, *args, **kwargs)

    def guarded_build(settings=None, *args, **kwargs):
        refuse((settings or Settings.from_env()).gazetteer_path)
        return original_build(settings, *args, **kwargs)

    monkeypatch.setattr(index.Gazetteer, "__init__", guarded_init)
    monkeypatch.setattr(index, "build_gazetteer", guarded_build)


@pytest.fixture
def settings(_isolated_home: Path) -> Settings:
    """Settings read from the (isolated) environment: store in tmp, shared gazetteer."""
    s = Settings.from_env()
    assert s.db_path.is_relative_to(_isolated_home)
    assert s.gazetteer_path == GAZETTEER_PATH
    return s


@pytest.fixture(scope="session")
def session_settings() -> Settings:
    """The settings of the shared resources (model name, gazetteer path, min confidence)."""
    return _SESSION_SETTINGS.with_overrides(gazetteer_path=GAZETTEER_PATH)


@pytest.fixture(scope="session")
def gazetteer(tmp_path_factory: pytest.TempPathFactory, session_settings: Settings):
    """The small fixture gazetteer (tests/fixtures/gazetteer.sql), for unit tests."""
    from fixture_gazetteer import build_fixture_gazetteer

    from geo.gazetteer.build import source_fingerprint
    from geo.gazetteer.index import Gazetteer

    path = build_fixture_gazetteer(tmp_path_factory.mktemp("fixture_gazetteer") / "gazetteer.sqlite",
                                   source_fingerprint(session_settings))
    return Gazetteer(path)


@pytest.fixture(scope="session")
def real_gazetteer(session_settings: Settings):
    """The full gazetteer index (built on first use), for integration tests."""
    from geo.gazetteer.index import get_gazetteer

    return get_gazetteer(session_settings)


@pytest.fixture(scope="session")
def nlp(session_settings: Settings):
    from geo.nlp.load import load_nlp

    return load_nlp(session_settings.spacy_model)


@pytest.fixture(scope="session")
def pipeline(session_settings: Settings, nlp, real_gazetteer):
    from geo.pipeline.ingest import Pipeline

    return Pipeline(session_settings, nlp=nlp, gazetteer=real_gazetteer)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[geo.store.sqlite.Store]:
    s = geo.store.sqlite.Store(tmp_path / "store.sqlite")
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def bundled_corpus() -> Path:
    assert (BUNDLED_CORPUS / "manifest.csv").exists(), "the bundled corpus data/articles/ is missing"
    return BUNDLED_CORPUS


@pytest.fixture(scope="session")
def corpus_db(tmp_path_factory: pytest.TempPathFactory, pipeline, session_settings: Settings) -> Path:
    """A store holding the bundled corpus, ingested once per session (copy it before writing)."""
    from geo.text.corpus import read_corpus

    path = tmp_path_factory.mktemp("corpus") / "corpus.sqlite"
    articles, errors = read_corpus(session_settings.corpus_dir, session_settings)
    assert articles and not errors
    store = geo.store.sqlite.Store(path)
    results = pipeline.ingest(articles, store)
    assert all(r.status == "added" for r in results), results
    store.close()
    return path


@pytest.fixture
def db(corpus_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the corpus store, the one the app under test reads (pages never write, but a
    test may)."""
    import shutil

    path = tmp_path / "app.sqlite"
    shutil.copy(corpus_db, path)
    monkeypatch.setenv("CLAIM_ATLAS_DB", str(path))
    return path


#: Fixtures that load the spaCy model or the full gazetteer: only ``integration`` tests may use them.
REAL_RESOURCES = frozenset({"nlp", "pipeline", "real_gazetteer", "corpus_db", "db"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Fail the run when a test not marked ``integration`` requests the model or the real gazetteer."""
    offenders = []
    for item in items:
        used = REAL_RESOURCES.intersection(getattr(item, "fixturenames", ()))
        if used and item.get_closest_marker("integration") is None and item.get_closest_marker("e2e") is None:
            offenders.append(f"  {item.nodeid}: uses {', '.join(sorted(used))} but is not marked integration")
        if "nlp" in used and "gazetteer" in getattr(item, "fixturenames", ()):
            offenders.append(f"  {item.nodeid}: runs the model over the fixture gazetteer (use real_gazetteer)")
    if offenders:
        raise pytest.UsageError("tests using the spaCy model or the real gazetteer must be marked "
                                "@pytest.mark.integration, and predictions need the real gazetteer:\n"
                                + "\n".join(offenders))


def pytest_report_header(config: pytest.Config) -> str:
    return f"claim-atlas real gazetteer: {GAZETTEER_PATH} (shared); stores in per-test tmp dirs; pid {os.getpid()}"
