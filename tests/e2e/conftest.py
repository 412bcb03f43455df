"""End-to-end harness: a real `streamlit run` server and a headless Chromium that may not go online.

Fixtures:

* ``chromium_path``: the system Chromium (Debian's ``chromium`` package; ``.ci/run`` installs it).
  Missing: the tests skip on a developer machine and fail in CI (``CI=true``).
* ``streamlit_server``: a factory; ``base_url = streamlit_server("tests/e2e/apps/x.py")`` starts
  the script on a free port with ``CLAIM_ATLAS_HOME`` in a temporary folder and waits for
  ``/_stcore/health``. Servers are stopped (whole process group) at teardown; their log is printed
  when the test failed.
* ``browser_page``: a Playwright page whose context aborts and records every request that leaves
  127.0.0.1/localhost (iframes included), in ``page.outside_requests``; ``new_browser_page()``
  makes more such pages, each in a fresh context.
* ``corpus_store``: the bundled corpus ingested with the CLI, once per session.

Every test in this folder is marked ``e2e``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent
RESULTS_DIR = REPO_ROOT / "test-results"
HEALTH_TIMEOUT_S = 120.0
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.hookimpl(tryfirst=True)  # before -m filtering, so `-m "not e2e"` sees the mark
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so fixtures can tell at teardown if the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    return any(getattr(getattr(request.node, f"rep_{w}", None), "failed", False) for w in ("setup", "call"))


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of the Chromium to drive (override with CHROMIUM_PATH)."""
    path = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    if Path(path).is_file() and os.access(path, os.X_OK):
        return path
    message = (
        f"Chromium not found at {path}: install it with "
        "`apt-get update && apt-get install -y --no-install-recommends chromium` (as .ci/run does)"
    )
    if _in_ci():
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class _Server:
    script: Path
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass


def _wait_healthy(server: _Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"streamlit exited with code {server.process.returncode} before answering:\n{server.log()}"
            )
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"streamlit did not answer /_stcore/health within {timeout:.0f}s:\n{server.log()}")


@pytest.fixture
def streamlit_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., str]]:
    """Factory: start ``streamlit run <script>`` (path relative to the repo root) and return its URL.

    Note Streamlit serves ``static/`` from the script's own folder (tests/e2e/apps/static is a
    symlink to the repo's static/), and reads .streamlit/config.toml from the repo root (cwd).
    """
    servers: list[_Server] = []

    def start(script: str | os.PathLike[str], extra_env: dict[str, str] | None = None) -> str:
        script_path = Path(script)
        if not script_path.is_absolute():
            script_path = REPO_ROOT / script_path
        port = _free_port()
        home = tmp_path / f"claim_atlas_home_{len(servers)}"
        home.mkdir()
        env = dict(os.environ)
        env.update(
            CLAIM_ATLAS_HOME=str(home),
            PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
            STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
            # the layers, not the language model: a server per test, most never adding an article
            CLAIM_ATLAS_WARM_UP="layers",
        )
        env.update(extra_env or {})
        log_path = tmp_path / f"streamlit_{len(servers)}.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "streamlit",
                    "run",
                    str(script_path),
                    "--server.port",
                    str(port),
                    "--server.address",
                    "127.0.0.1",
                    "--server.headless",
                    "true",
                ],
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group, stopped as a whole
            )
        server = _Server(script_path, f"http://127.0.0.1:{port}", process, log_path)
        servers.append(server)
        _wait_healthy(server, HEALTH_TIMEOUT_S)
        return server.url

    yield start

    failed = _failed(request)
    for server in servers:
        server.stop()
        if failed:
            print(f"\n----- streamlit log ({server.script.name}, {server.url}) -----\n{server.log()}")


@pytest.fixture(scope="session")
def _browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class OutsideRequest:
    """A request the harness refused because it left the machine."""

    url: str
    resource_type: str
    frame_url: str


def _guarded_page(browser: Any) -> Any:
    """A page in a new context whose requests leaving localhost are aborted and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside: list[OutsideRequest] = []

    def guard(route: Any) -> None:
        req = route.request
        parts = urlsplit(req.url)
        if parts.scheme in {"http", "https", "ws", "wss"} and (parts.hostname or "") not in LOCAL_HOSTS:
            try:
                frame_url = req.frame.url
            except Exception:  # service workers have no frame
                frame_url = ""
            outside.append(OutsideRequest(req.url, req.resource_type, frame_url))
            route.abort("blockedbyclient")
        else:
            route.continue_()

    context.route("**/*", guard)
    page = context.new_page()
    page.outside_requests = outside
    page.console_errors = []
    page.bad_responses = []
    page.on("response", lambda r: r.status >= 400 and page.bad_responses.append(f"{r.status} {r.url}"))
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("pageerror", lambda exc: page.console_errors.append(f"pageerror: {exc}"))
    return page


def _report(request: pytest.FixtureRequest, pages: list[Any]) -> None:
    if not _failed(request):
        return
    RESULTS_DIR.mkdir(exist_ok=True)
    for i, page in enumerate(pages):
        suffix = f"-{i}" if i else ""
        try:
            page.screenshot(path=str(RESULTS_DIR / f"{request.node.name}{suffix}-failure.png"), full_page=True)
        except Exception as exc:  # the page may be gone
            print(f"no failure screenshot: {exc}")
        print(f"\noutside requests: {page.outside_requests}\nconsole errors: {page.console_errors}")
        print(f"bad responses: {page.bad_responses}")


@pytest.fixture
def browser_page(_browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh page; requests to hosts other than localhost are aborted and kept in
    ``page.outside_requests`` (a list of :class:`OutsideRequest`). Routing is on the context, so
    requests of iframes (streamlit-folium's map) are caught too. Console errors are kept in
    ``page.console_errors``, HTTP responses >= 400 in ``page.bad_responses``."""
    page = _guarded_page(_browser)
    yield page
    _report(request, [page])
    page.context.close()


@pytest.fixture
def new_browser_page(_browser: Any, request: pytest.FixtureRequest) -> Iterator[Callable[[], Any]]:
    """Factory of pages like ``browser_page``, each in its own fresh context (no cookies, no
    storage, no session): e.g. to open a link as someone else would."""
    pages: list[Any] = []

    def make() -> Any:
        page = _guarded_page(_browser)
        pages.append(page)
        return page

    yield make
    _report(request, pages)
    for page in pages:
        page.context.close()


@pytest.fixture(scope="session")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled corpus ingested with the CLI, as a user would before starting the app; once per
    session (the pages under test only read it)."""
    db = tmp_path_factory.mktemp("server_home") / "claim_atlas.sqlite"
    done = subprocess.run(
        [sys.executable, "-m", "geo", "ingest", "data/articles", "--db", str(db), "-q"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return db


@pytest.fixture(scope="session")
def results_dir() -> Path:
    """Where tests put screenshots and other artefacts (git-ignored)."""
    RESULTS_DIR.mkdir(exist_ok=True)
    return RESULTS_DIR
