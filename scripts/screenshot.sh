#!/usr/bin/env bash
# Regenerate docs/map.png, timeline.png, claims.png, filters.png and docs/screenshots/<profile>.png:
# runs the Map page, shared-link and theatre end-to-end tests (tests/e2e/test_map_page.py,
# test_shared_links.py, test_theatres.py), which ingest
# the bundled corpus, start `streamlit run app.py`, open the pages in headless Chromium with
# every outside request blocked and save the screenshots. (A plain test run saves them into
# test-results/ instead, leaving the repository clean.)
# Needs Chromium (apt-get install chromium) and the dev requirements (playwright).
# CLAIM_ATLAS_SCREENSHOT=path/to.png (and CLAIM_ATLAS_FILTERS_SCREENSHOT) write them elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
export CLAIM_ATLAS_SCREENSHOT="${CLAIM_ATLAS_SCREENSHOT:-$PWD/docs/map.png}"
export CLAIM_ATLAS_FILTERS_SCREENSHOT="${CLAIM_ATLAS_FILTERS_SCREENSHOT:-$PWD/docs/filters.png}"
export CLAIM_ATLAS_THEATRE_SCREENSHOTS="${CLAIM_ATLAS_THEATRE_SCREENSHOTS:-$PWD/docs/screenshots}"
# the views of issue 14 at 1366x768 and 1920x1080 (tests/e2e/test_map_readable.py, ...)
export CLAIM_ATLAS_SCREENSHOTS="${CLAIM_ATLAS_SCREENSHOTS:-$PWD/docs/screenshots}"
python -m pytest tests/e2e/test_map_page.py tests/e2e/test_shared_links.py tests/e2e/test_theatres.py \
  tests/e2e/test_map_readable.py tests/e2e/test_pages_issue14.py tests/e2e/test_add_articles_page.py -m e2e -q \
  -p no:cacheprovider "$@"
echo "screenshots: $CLAIM_ATLAS_SCREENSHOT (with timeline.png, claims.png), $CLAIM_ATLAS_FILTERS_SCREENSHOT" \
  "and $CLAIM_ATLAS_THEATRE_SCREENSHOTS/<profile>.png, $CLAIM_ATLAS_SCREENSHOTS/map-<width>x<height>.png"
