#!/usr/bin/env bash
# Regenerate docs/map.png: runs the Map page end-to-end test (tests/e2e/test_map_page.py), which
# ingests the bundled corpus, starts `streamlit run app.py`, opens the Map page in headless
# Chromium with every outside request blocked, clicks a settlement and saves the screenshot.
# Needs Chromium (apt-get install chromium) and the dev requirements (playwright).
# CLAIM_ATLAS_SCREENSHOT=path/to.png writes it elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pytest tests/e2e/test_map_page.py -m e2e -q -p no:cacheprovider "$@"
echo "screenshot: ${CLAIM_ATLAS_SCREENSHOT:-docs/map.png}"
