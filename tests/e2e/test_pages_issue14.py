"""Claims, Timeline, Overview, counts and page addresses in a real browser (issue 14, points 4, 5, 6,
7 and 10): `streamlit run app.py` on the bundled corpus (the Timeline's test on a copy with one
claim moved to 2009), every request leaving localhost blocked.

Each test saves screenshots of the view it checks at 1366×768 and 1920×1080: into test-results/ by
default, into docs/screenshots/ when ``CLAIM_ATLAS_SCREENSHOTS`` names it (scripts/screenshot.sh).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from gestures import brush_across

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("CLAIM_ATLAS_SCREENSHOTS", REPO_ROOT / "test-results"))
SIZES = ((1366, 768), (1920, 1080))
TITLES = {"overview": "Claim Atlas", "map": "Map", "sources": "Sources", "claims": "Claims",
          "timeline": "Timeline", "places": "Places", "add": "Add articles"}
NOT_FOUND = "does not seem to exist"
ROW_HEIGHT = 72  # pages/claims.py's ROW_HEIGHT
HEADER_HEIGHT = 36  # the table's header row


def _settled(page: Any, title: str) -> None:
    """Wait for the page's title, then for the script run to end (no running indicator)."""
    page.locator("h1", has_text=title).first.wait_for(state="visible", timeout=90_000)
    page.wait_for_timeout(500)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=150_000)
    page.wait_for_timeout(500)


def _shoot(page: Any, name: str, locator: Any = None) -> list[Path]:
    """Screenshots of the viewport at each of SIZES (``locator`` scrolled to the top first), saved
    as small palette PNGs."""
    from PIL import Image

    SHOTS.mkdir(parents=True, exist_ok=True)
    paths = []
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(1200)
        if locator is not None:
            locator.evaluate("el => el.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(600)
        path = SHOTS / f"{name}-{width}x{height}.png"
        page.screenshot(path=str(path))
        with Image.open(path) as image:
            image.convert("RGB").quantize(colors=128).save(path, optimize=True)
        paths.append(path)
    return paths


def _store_claims(db: Path):
    from geo.layers.claims import claim_table
    from geo.store.sqlite import Store

    store = Store(db)
    try:
        return claim_table(store.claims_df())
    finally:
        store.close()


def _click_row(page: Any, row: int) -> None:
    """Select a row of the Claims table: its selection box, at the left of the row."""
    box = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + HEADER_HEIGHT + ROW_HEIGHT * row + ROW_HEIGHT / 2)


def test_the_claims_table_shows_claims_in_full_sorted(streamlit_server: Any, browser_page: Any,
                                                      corpus_store: Path) -> None:
    """Point 4: rows three lines high (claims wrap), a sort control, and a selected row's full
    sentence, source, date, claimant, places and disputes in the panel below the table."""
    from geo.layers.claims import sort_claims

    url = streamlit_server("app.py", extra_env={"CLAIM_ATLAS_DB": str(corpus_store)})
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 1400})
    page.goto(f"{url}/claims", wait_until="domcontentloaded")
    _settled(page, "Claims")
    table = page.locator('[data-testid="stDataFrame"]').first
    table.wait_for(state="visible", timeout=30_000)
    # A reader is told that long claims are cut in the row and where to read them whole.
    assert page.get_by_text("Claims longer than three lines are cut in the row: select a row").count() == 1
    claims = _store_claims(corpus_store)

    for order in ("Date, newest first", "Claimant"):
        if order != "Date, newest first":
            page.locator('[data-testid="stSelectbox"]', has_text="Sort by").click()
            page.get_by_role("option", name=order).click()
            _settled(page, "Claims")
        expected = sort_claims(claims, order).iloc[0]
        _click_row(page, 0)
        page.wait_for_url(re.compile(rf"[?&]claim={int(expected['claim_id'])}\b"), timeout=30_000)
        panel = page.locator("blockquote.ca-claim-text")
        panel.wait_for(state="visible", timeout=30_000)
        assert panel.inner_text() == f"“{expected['text']}”"  # the whole sentence, not 25 characters
        header = page.locator(".ca-claim-header").inner_text()
        assert expected["claimant"] in header and str(expected["source"]) in header
        assert str(expected["date_label"]) in header
        assert page.get_by_text(re.compile(r"^(Places named in the claim|Location): ")).count() == 1
        if expected["disputed"]:
            assert "Disputed by" in header

    longest = claims.loc[claims["text"].str.len().idxmax()]
    page.goto(f"{url}/claims?claim={int(longest['claim_id'])}", wait_until="domcontentloaded")
    _settled(page, "Claims")
    page.locator("blockquote.ca-claim-text").wait_for(state="visible", timeout=30_000)
    assert page.locator("blockquote.ca-claim-text").inner_text() == f"“{longest['text']}”"
    _shoot(page, "claims-table", page.locator('[data-testid="stSelectbox"]', has_text="Sort by"))
    _shoot(page, "claims-detail", page.locator("h3", has_text=f"Claim #{int(longest['claim_id'])}"))
    assert page.outside_requests == []


def _axis_years(chart: Any) -> set[int]:
    """The years the chart's date axis labels name (labels such as ``23 Oct 2020``)."""
    labels = chart.locator("svg .role-axis-label text").evaluate_all("els => els.map(e => e.textContent || '')")
    return {int(y) for label in labels for y in re.findall(r"\b(\d{4})\b", label)}


def test_one_old_claim_does_not_squeeze_the_timeline(streamlit_server: Any, browser_page: Any, corpus_store: Path,
                                                     tmp_path: Path) -> None:
    """Point 5: with one claim dated 2009 among claims of October 2020, the axis spans October 2020,
    the 2009 claim is noted and listed, the whole period is one click away, and a brushed range
    fills the axis."""
    db = tmp_path / "with_2009.sqlite"
    shutil.copy(corpus_store, db)
    with sqlite3.connect(db) as conn:
        old_id = conn.execute("SELECT MIN(id) FROM claims WHERE date IS NOT NULL").fetchone()[0]
        conn.execute("UPDATE claims SET date = '2009-03-02', date_end = NULL WHERE id = ?", (old_id,))
    url = streamlit_server("app.py", extra_env={"CLAIM_ATLAS_DB": str(db)})
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 1200})
    page.goto(f"{url}/timeline", wait_until="domcontentloaded")
    _settled(page, "Timeline")
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.locator("svg .role-axis-label text").first.wait_for(state="attached", timeout=30_000)
    assert _axis_years(chart) == {2020}
    page.get_by_text("1 claim is dated outside the axis").wait_for(state="visible", timeout=30_000)
    page.get_by_text("Claims outside the axis (1)").click()  # listed, with a link to it
    outside = page.locator('[data-testid="stExpander"]', has_text="Claims outside the axis")
    outside.locator('[data-testid="stDataFrame"]').wait_for(state="visible", timeout=30_000)
    _shoot(page, "timeline-fit", page.locator('[data-testid="stRadio"]', has_text="Group by"))

    page.get_by_text("Whole period", exact=True).click()
    _settled(page, "Timeline")
    page.wait_for_function("() => [...document.querySelectorAll('.role-axis-label text')]"
                           ".some(t => /20(09|1\\d)/.test(t.textContent))", timeout=30_000)
    assert min(_axis_years(chart)) <= 2010
    assert page.get_by_text("dated outside the axis").count() == 0
    page.get_by_text("Fit the claims", exact=True).click()
    _settled(page, "Timeline")

    # Brush a part of the axis: the axis then spans the range (and a margin), not the whole period.
    brush_across(page, chart)
    page.wait_for_url(re.compile(r"[?&]from=\d{4}-\d\d-\d\d.*&to=\d{4}-\d\d-\d\d"), timeout=30_000)
    page.get_by_text("The axis shows the picked date range").wait_for(state="visible", timeout=30_000)
    _settled(page, "Timeline")
    assert _axis_years(chart) == {2020}
    _shoot(page, "timeline-range", page.locator('[data-testid="stRadio"]', has_text="Group by"))
    assert page.outside_requests == []


def _counts_sentence(page: Any) -> str:
    return page.locator('[data-testid="stText"], [data-testid="stAlert"]',
                        has_text=re.compile(r"places on the map.*match the filters")).first.inner_text()


def test_every_page_counts_the_same_way(streamlit_server: Any, browser_page: Any, corpus_store: Path) -> None:
    """Point 6: with the same filter, the Overview, Map, Sources and Places pages give the same
    place names, resolved places, places on the map and claims, computed as geo.layers.counts does."""
    from geo.layers.counts import counts_sentence, view_counts
    from geo.layers.filters import filter_claims, filter_mentions
    from geo.layers.view import ViewState
    from geo.store.sqlite import Store

    store = Store(corpus_store)
    try:
        mentions, claims = store.mentions_df(), _store_claims(corpus_store)
        source = str(store.articles_df()["source"].iloc[0])
    finally:
        store.close()
    view = ViewState(sources=(source,))
    expected = counts_sentence(view_counts(filter_mentions(mentions, view), filter_claims(claims, view)),
                               view_counts(mentions, claims), filtered=True)
    url = streamlit_server("app.py", extra_env={"CLAIM_ATLAS_DB": str(corpus_store)})
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 1000})
    from urllib.parse import quote

    seen = {}
    for path in ("overview", "map", "sources", "places"):
        page.goto(f"{url}/{path}?source={quote(source)}", wait_until="domcontentloaded")
        _settled(page, TITLES[path])
        sentence = _counts_sentence(page)
        seen[path] = re.search(r"\d+ of \d+ place names.*match the filters\.", sentence).group(0)
        if path == "overview":
            _shoot(page, "overview-counts", page.locator("h1").first)
            _settled(page, TITLES[path])
    assert set(seen.values()) == {expected}, seen
    assert page.outside_requests == []


def test_the_overview_figures_are_not_cut(streamlit_server: Any, browser_page: Any, corpus_store: Path) -> None:
    """Point 7: no figure of the Overview (the dates included) is cut, at common widths."""
    url = streamlit_server("app.py", extra_env={"CLAIM_ATLAS_DB": str(corpus_store)})
    page = browser_page
    page.goto(f"{url}/overview", wait_until="domcontentloaded")
    _settled(page, "Claim Atlas")
    values = page.locator('[data-testid="stMetricValue"]')
    first = page.locator('[data-testid="stMetric"]', has_text="First published")
    first.first.wait_for(state="visible", timeout=60_000)  # drawn once the loaders answered
    assert first.count() == 1
    for width, height in ((1024, 768), *SIZES):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(800)
        cut = values.evaluate_all("els => els.filter(e => e.scrollWidth > e.clientWidth + 1)"
                                  ".map(e => e.innerText)")
        assert cut == [], (width, cut)
        assert values.count() >= 10
    _shoot(page, "overview", None)


def test_every_page_opens_at_its_address(streamlit_server: Any, browser_page: Any, corpus_store: Path) -> None:
    """Point 10: each page's address opens that page (no "page does not seem to exist"); the root
    opens the Overview at /overview, keeping the link's parameters. Served as `make run` serves it
    (serve.py), no request fails and the console shows no error: Streamlit's frontend no longer
    probes ``/<page>/_stcore/health`` (geo/serving.py)."""
    url = streamlit_server("serve.py", extra_env={"CLAIM_ATLAS_DB": str(corpus_store)})
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    for path, title in TITLES.items():
        page.goto(f"{url}/{path}", wait_until="domcontentloaded")
        _settled(page, title)
        assert urlsplit(page.url).path == f"/{path}"
        assert page.get_by_text(NOT_FOUND).count() == 0, path
    page.goto(f"{url}/?conf=0.5", wait_until="domcontentloaded")
    _settled(page, "Claim Atlas")
    page.wait_for_url(re.compile(r"/overview\?.*conf=0\.5"), timeout=30_000)
    assert page.get_by_text(NOT_FOUND).count() == 0
    assert page.outside_requests == []
    assert page.bad_responses == [] and page.console_errors == [], (page.bad_responses, page.console_errors)
