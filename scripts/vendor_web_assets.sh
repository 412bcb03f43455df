#!/usr/bin/env bash
# Vendor every JavaScript, CSS, font and image file that the app's maps (folium 0.20 and
# streamlit-folium) load from CDNs, so the map works with no internet (see geo/mapping/assets.py,
# which maps each CDN URL to a file under static/vendor/). Plugins the app does not use (branca
# colormaps' d3, the Timeline plugins' moment and leaflet.timeline...) are not vendored.
#
# Source: the npm registry, through `npm pack` of pinned versions. Only the dist files that are
# used are kept, with each package's licence next to them. Re-running rebuilds static/vendor/
# from scratch and gives the same tree.
#
# Usage: bash scripts/vendor_web_assets.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

command -v npm >/dev/null || { echo "npm is required (apt-get install -y npm)" >&2; exit 1; }

# unpack SPEC -> prints the directory holding the unpacked "package/" contents.
unpack() {
    local spec="$1" dir tgz
    dir="$WORK/$(echo "$spec" | tr '/@' '__')"
    mkdir -p "$dir"
    tgz="$(cd "$dir" && npm pack --silent "$spec" 2>/dev/null | tail -n 1)"
    tar -xzf "$dir/$tgz" -C "$dir"
    echo "$dir/package"
}

# put SRC_DIR TARGET_DIR FILE... : copy FILEs (paths relative to SRC_DIR) keeping their layout.
put() {
    local src="$1" dst="$2"
    shift 2
    local f
    for f in "$@"; do
        install -D -m 0644 "$src/$f" "$dst/$f"
    done
}

rm -rf "$DEST"
mkdir -p "$DEST"

# Leaflet 1.9.4 (folium asks for 1.9.3 from a CDN; 1.9.4 is the bug-fix release of the same API).
p="$(unpack leaflet@1.9.4)"
put "$p" "$DEST/leaflet@1.9.4" LICENSE dist/leaflet.js dist/leaflet.css \
    dist/images/layers.png dist/images/layers-2x.png dist/images/marker-icon.png \
    dist/images/marker-icon-2x.png dist/images/marker-shadow.png

# jQuery 3.7.1: streamlit-folium's frame does not size itself without it.
p="$(unpack jquery@3.7.1)"
put "$p" "$DEST/jquery@3.7.1" LICENSE.txt dist/jquery.min.js

# Bootstrap 5.2.2, the version in folium's default_js/default_css.
p="$(unpack bootstrap@5.2.2)"
put "$p" "$DEST/bootstrap@5.2.2" LICENSE dist/js/bootstrap.bundle.min.js dist/css/bootstrap.min.css

# Glyphicons (folium.Icon's default prefix): folium loads bootstrap-glyphicons.css of Bootstrap
# 3.0.0, which is not on npm. The same @font-face and .glyphicon-* rules are cut out of Bootstrap
# 3.4.1's CSS (lines from the Glyphicons @font-face up to the "* {" rule that follows them).
p="$(unpack bootstrap@3.4.1)"
put "$p" "$DEST/bootstrap@3.4.1" LICENSE \
    dist/fonts/glyphicons-halflings-regular.eot dist/fonts/glyphicons-halflings-regular.svg \
    dist/fonts/glyphicons-halflings-regular.ttf dist/fonts/glyphicons-halflings-regular.woff \
    dist/fonts/glyphicons-halflings-regular.woff2
mkdir -p "$DEST/bootstrap@3.4.1/dist/css"
{
    echo "/* Glyphicons Halflings rules of Bootstrap v3.4.1 (MIT, see ../../LICENSE), cut out by"
    echo "   scripts/vendor_web_assets.sh to stand in for bootstrap-glyphicons.css. */"
    awk '
        /^@font-face \{/ { held = $0; getline; if ($0 ~ /Glyphicons Halflings/) { on = 1; print held } }
        on && /^\* \{/ { exit }
        on { print }
    ' "$p/dist/css/bootstrap.css"
} > "$DEST/bootstrap@3.4.1/dist/css/bootstrap-glyphicons.css"
grep -q '\.glyphicon-menu-up:before' "$DEST/bootstrap@3.4.1/dist/css/bootstrap-glyphicons.css" \
    || { echo "glyphicons extraction failed" >&2; exit 1; }

# Font Awesome Free 6.2.0, the version in folium's default_css.
p="$(unpack @fortawesome/fontawesome-free@6.2.0)"
put "$p" "$DEST/fontawesome-free@6.2.0" LICENSE.txt css/all.min.css \
    webfonts/fa-brands-400.ttf webfonts/fa-brands-400.woff2 \
    webfonts/fa-regular-400.ttf webfonts/fa-regular-400.woff2 \
    webfonts/fa-solid-900.ttf webfonts/fa-solid-900.woff2 \
    webfonts/fa-v4compatibility.ttf webfonts/fa-v4compatibility.woff2

# Leaflet.awesome-markers 2.0.2 (lvoogdt), published on npm as drmonty-leaflet-awesome-markers.
p="$(unpack drmonty-leaflet-awesome-markers@2.0.2)"
put "$p" "$DEST/leaflet.awesome-markers@2.0.2" js/leaflet.awesome-markers.js \
    css/leaflet.awesome-markers.css \
    css/images/markers-soft.png css/images/markers-soft@2x.png \
    css/images/markers-shadow.png css/images/markers-shadow@2x.png
# The npm shim ships no licence file; its package.json names upstream's MIT licence, whose text is:
cat > "$DEST/leaflet.awesome-markers@2.0.2/LICENSE" <<'EOF'
Leaflet.awesome-markers 2.0.2, https://github.com/lvoogdt/Leaflet.awesome-markers
(npm: drmonty-leaflet-awesome-markers@2.0.2; package.json "licenses": MIT)

Copyright (C) 2013 L. Voogdt

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the "Software"), to deal in the Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
EOF

# folium's leaflet.awesome.rotate.min.css (folium.Icon(angle=N) adds class fa-rotate-N) is not
# packaged anywhere; it is one rotate rule per degree, generated here.
mkdir -p "$DEST/folium-rotate"
{
    echo "/* Rotation classes used by folium.Icon(angle=N); generated by scripts/vendor_web_assets.sh. */"
    for n in $(seq 1 360); do
        printf '.fa-rotate-%d{-ms-transform:rotate(%ddeg);-webkit-transform:rotate(%ddeg);transform:rotate(%ddeg)}\n' \
            "$n" "$n" "$n" "$n"
    done
} > "$DEST/folium-rotate/leaflet.awesome.rotate.min.css"

# Leaflet guesses its default marker-image folder from leaflet.css, but streamlit-folium runs the
# map before the CSS it injects applies, and Leaflet's fallback then drops a "/" (404 on
# ".../distmarker-icon.png"). geo/mapping/assets.py loads this right after leaflet.js to set the folder.
mkdir -p "$DEST/claim-atlas"
cat > "$DEST/claim-atlas/leaflet-icon-path.js" <<'JS'
/* Loaded right after leaflet.js by geo/mapping/assets.py: point Leaflet's default marker icon at the
   vendored images, relative to this script's own URL (a no-op when the script is inlined). */
(function () {
  var src = document.currentScript && document.currentScript.src;
  if (window.L && src) {
    L.Icon.Default.imagePath = new URL("../leaflet@1.9.4/dist/images/", src).href;
  }
})();
JS

# Leaflet.markercluster 1.5.3 (folium's MarkerCluster and FastMarkerCluster ask for 1.1.0).
p="$(unpack leaflet.markercluster@1.5.3)"
put "$p" "$DEST/leaflet.markercluster@1.5.3" MIT-LICENCE.txt dist/leaflet.markercluster.js \
    dist/MarkerCluster.css dist/MarkerCluster.Default.css

# Drop the source-map comments: the .map files are not vendored, and a browser with developer
# tools open would otherwise ask the server for them.
find "$DEST" -name '*.js' -o -name '*.css' | while read -r f; do
    sed -i -E 's@^(//|/\*)# sourceMappingURL=[^ ]*( \*/)?$@@' "$f"
done

cat > "$DEST/README.md" <<'EOF'
# Vendored web assets

Generated by `scripts/vendor_web_assets.sh` (do not edit by hand; re-run the script). Every
JavaScript, CSS, font and image that the app's maps (folium and streamlit-folium) would load from
a CDN, taken from the npm registry at pinned versions, so the map works with no internet.
`geo/mapping/assets.py` maps each CDN URL to a file here; Streamlit serves this folder at
`/app/static/vendor/` (`server.enableStaticServing = true`). Each package's licence sits in its
folder. Plugins the maps do not use (a branca colormap's d3, the Timeline plugins' moment and
leaflet.timeline) are not here: add them to the script before using one.

Not from npm as such: `bootstrap@3.4.1/dist/css/bootstrap-glyphicons.css` (the Glyphicons rules of
Bootstrap 3.4.1's CSS), `folium-rotate/leaflet.awesome.rotate.min.css` (generated rotate rules)
and `claim-atlas/leaflet-icon-path.js` (sets Leaflet's default marker-image folder, see the script).
EOF

du -sh "$DEST"
