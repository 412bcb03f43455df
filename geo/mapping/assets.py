"""Serve every map asset from the app itself, so the map works with no internet.

folium and streamlit-folium load Leaflet, jQuery, Bootstrap, Font Awesome, awesome-markers and
markercluster from public CDNs. Claim Atlas must work offline (and must not leak its readers'
visits to CDNs), so ``scripts/vendor_web_assets.sh`` copies those files into ``static/vendor/``
and this module points folium at them:

* :func:`use_offline_assets` rewrites folium's class-level ``default_js``/``default_css`` lists
  (and the links streamlit-folium sends its frame) to ``/app/static/vendor/...``, which
  Streamlit serves with ``server.enableStaticServing = true``.
* :func:`offline_map_html` gives a standalone HTML export with every asset inlined, so the file
  opens from disk with no server and no internet.
* :func:`missing_assets` lists vendored files that are referenced but absent (startup check, test).

The project's own script and stylesheet (``static/claim-atlas/map.js``, ``map.css``: the map's
layers, popups and legends) are served and inlined the same way; the map elements load them
through :data:`OWN_JS` and :data:`OWN_CSS`.

Serving every asset locally is a feature, not a speedup: ``CLAIM_ATLAS_ACCEL=0`` leaves it on.
The links streamlit-folium sends its frame are rewritten by the app layer
(``geo.app.folium_links``, the only code that touches Streamlit), with :func:`localize_url`.

Tiles are not covered: build maps with ``tiles=None`` (or a local tile layer) to stay offline.
Only what the app's maps use is vendored: a layer that needs more (a branca colormap's d3, the
Timeline plugins' moment and leaflet.timeline, Fullscreen...) is refused by
:func:`offline_map_html` and logged by the live map; vendor its files first.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import folium
import folium.plugins
from folium.elements import JSCSSMixin

from geo.config import PROJECT_ROOT

log = logging.getLogger(__name__)

REPO_ROOT = PROJECT_ROOT
STATIC_DIR = REPO_ROOT / "static"
VENDOR_DIR = STATIC_DIR / "vendor"

OWN_DIR = STATIC_DIR / "claim-atlas"

# Streamlit serves ./static at /app/static when server.enableStaticServing is true.
LOCAL_ASSET_PREFIX = "/app/static/vendor"
#: Where the project's own map script and stylesheet are served.
OWN_ASSET_PREFIX = "/app/static/claim-atlas"
#: The project's own map script and stylesheet, as folium ``default_js``/``default_css`` entries.
OWN_JS: list[tuple[str, str]] = [("claim_atlas_map_js", f"{OWN_ASSET_PREFIX}/map.js")]
OWN_CSS: list[tuple[str, str]] = [("claim_atlas_map_css", f"{OWN_ASSET_PREFIX}/map.css")]

# Every CDN URL folium 0.20 / streamlit-folium 0.27 load for the classes we vendor,
# mapped to the file under static/vendor/ that replaces it (versions chosen in
# scripts/vendor_web_assets.sh: a bug-fix-newer Leaflet and markercluster are used on purpose).
_LEAFLET = "leaflet@1.9.4/dist"
_JQUERY = "jquery@3.7.1/dist/jquery.min.js"
_CLUSTER = "leaflet.markercluster@1.5.3/dist"
_AWESOME = "leaflet.awesome-markers@2.0.2"
# Our own one-liner, loaded after leaflet.js (see scripts/vendor_web_assets.sh for why).
_ICON_PATH_SHIM = "claim-atlas/leaflet-icon-path.js"
_ICON_PATH_SHIM_NAME = "leaflet_icon_path"
CDN_TO_VENDOR: dict[str, str] = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": f"{_LEAFLET}/leaflet.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": f"{_LEAFLET}/leaflet.css",
    "https://code.jquery.com/jquery-3.7.1.min.js": _JQUERY,
    "https://cdnjs.cloudflare.com/ajax/libs/jquery/3.7.1/jquery.min.js": _JQUERY,
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": "bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": "bootstrap@5.2.2/dist/css/bootstrap.min.css",
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": "bootstrap@3.4.1/dist/css/bootstrap-glyphicons.css",
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": "fontawesome-free@6.2.0/css/all.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js": f"{_AWESOME}/js/leaflet.awesome-markers.js",
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css": f"{_AWESOME}/css/leaflet.awesome-markers.css",
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css": "folium-rotate/leaflet.awesome.rotate.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js": f"{_CLUSTER}/leaflet.markercluster.js",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css": f"{_CLUSTER}/MarkerCluster.css",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css": f"{_CLUSTER}/MarkerCluster.Default.css",
}

# Classes whose every CDN asset must be vendored: use_offline_assets() refuses to run otherwise,
# so a folium upgrade that changes or adds one of their URLs fails loudly. Other folium plugins are
# rewritten where a URL is known and otherwise left on their CDN (see unmapped_cdn_urls()).
# Classes without their own lists (FastMarkerCluster, GeoJson, Marker, Icon, LayerControl...)
# inherit or rely on these.
REQUIRED_CLASSES: tuple[type, ...] = (
    folium.Map,
    folium.plugins.MarkerCluster,
    folium.plugins.FastMarkerCluster,
)

#: The d3 link branca's ColorMap.render adds to the page header, under the name "d3".

_MIME = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".eot": "application/vnd.ms-fontobject",
}

_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")
_FONT_SRC = re.compile(r"src\s*:[^;}]*;?")
_SCRIPT_TAG = re.compile(r"""<script\b[^>]*?\bsrc=(["'])([^"']+)\1[^>]*>\s*</script\s*>""", re.I)
_LINK_TAG = re.compile(r"""<link\b[^>]*?\bhref=(["'])([^"']+)\1[^>]*?/?>""", re.I)

# Saved originals, so patching is idempotent and reversible (restore_cdn_assets).
_original_lists: dict[type, dict[str, list[tuple[str, str]]]] = {}
_active_prefix: str = LOCAL_ASSET_PREFIX


class OfflineAssetError(RuntimeError):
    """A map needs a CDN file that is not vendored under static/vendor/."""


def _is_external(url: str) -> bool:
    return url.startswith(("http://", "https://", "//"))


def _vendor_rel(url: str, prefixes: Iterable[str] = ()) -> str | None:
    """Path under static/vendor/ that serves ``url`` (a known CDN URL or a local vendor URL)."""
    if url in CDN_TO_VENDOR:
        return CDN_TO_VENDOR[url]
    for prefix in {*prefixes, _active_prefix, LOCAL_ASSET_PREFIX}:
        head = prefix.rstrip("/") + "/"
        if url.startswith(head):
            return url[len(head) :]
    return None


def _asset_file(url: str) -> tuple[str, Path] | None:
    """The local file serving ``url`` (a known CDN URL, a vendored or one of our own local URLs),
    with its name for the export's comments; ``None`` when there is none."""
    rel = _vendor_rel(url)
    if rel is not None:
        return rel, VENDOR_DIR / rel
    head = OWN_ASSET_PREFIX + "/"
    if url.startswith(head):
        rel = _normalize(url[len(head):])
        return f"claim-atlas/{rel}", OWN_DIR / rel
    return None


def _localize(url: str, prefix: str) -> str | None:
    """Local URL for ``url`` under ``prefix``; ``None`` if it is an external URL we do not have."""
    rel = _vendor_rel(url, (prefix,))
    if rel is not None:
        return f"{prefix.rstrip('/')}/{rel}"
    return None if _is_external(url) else url


def _asset_classes() -> list[type]:
    """Every loaded folium class that declares its own default_js/default_css (Map included)."""
    found: list[type] = []
    stack: list[type] = [JSCSSMixin]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if ("default_js" in vars(cls) or "default_css" in vars(cls)) and cls is not JSCSSMixin:
            found.append(cls)
    return sorted(set(found), key=lambda c: (c.__module__, c.__qualname__))


def _lists(cls: type) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    for attr in ("default_js", "default_css"):
        if attr in vars(cls):
            yield attr, list(vars(cls)[attr])


def unmapped_cdn_urls(classes: Iterable[type] | None = None) -> list[str]:
    """External asset URLs of ``classes`` (default: all folium classes) that have no vendored file.

    Entries read ``"module.Class.default_js: URL"``; useful to see what an unvendored plugin needs.
    """
    owners = list(classes) if classes is not None else _asset_classes()
    out: list[str] = []
    for cls in owners:
        # Look the lists up through the MRO so subclasses (FastMarkerCluster) are checked too.
        for attr in ("default_js", "default_css"):
            for _name, url in getattr(cls, attr, []):
                if _is_external(url) and _vendor_rel(url) is None:
                    out.append(f"{cls.__module__}.{cls.__qualname__}.{attr}: {url}")
    return out


def use_offline_assets(prefix: str = LOCAL_ASSET_PREFIX) -> None:
    """Point folium (and the links streamlit-folium sends its frame) at the vendored files.

    Idempotent; calling it again with another ``prefix`` moves the links there. Raises
    :class:`OfflineAssetError`, changing nothing, if a class in :data:`REQUIRED_CLASSES` loads a
    CDN URL that is not vendored (typically after a folium upgrade).
    """
    global _active_prefix
    unmapped = unmapped_cdn_urls(REQUIRED_CLASSES)
    if unmapped:
        raise OfflineAssetError(
            "These CDN assets are not vendored; add them to scripts/vendor_web_assets.sh and "
            "geo/mapping/assets.CDN_TO_VENDOR:\n  " + "\n  ".join(unmapped)
        )
    for cls in _asset_classes():
        saved = _original_lists.setdefault(cls, {})
        for attr, pairs in _lists(cls):
            saved.setdefault(attr, pairs)
            rewritten = [(name, _localize(url, prefix) or url) for name, url in pairs]
            if cls is folium.Map and attr == "default_js":
                rewritten = _with_icon_path_shim(rewritten, prefix)
            setattr(cls, attr, rewritten)
    _active_prefix = prefix


def _with_icon_path_shim(pairs: list[tuple[str, str]], prefix: str) -> list[tuple[str, str]]:
    """Put the icon-path shim right after Leaflet (once), so default markers find their images."""
    out = [(name, url) for name, url in pairs if name != _ICON_PATH_SHIM_NAME]
    at = next((i + 1 for i, (name, _url) in enumerate(out) if name == "leaflet"), len(out))
    out.insert(at, (_ICON_PATH_SHIM_NAME, f"{prefix.rstrip('/')}/{_ICON_PATH_SHIM}"))
    return out


def restore_cdn_assets() -> None:
    """Undo :func:`use_offline_assets` (for tests that need folium's own defaults back)."""
    global _active_prefix
    for cls, saved in _original_lists.items():
        for attr, pairs in saved.items():
            setattr(cls, attr, list(pairs))
    _original_lists.clear()
    _active_prefix = LOCAL_ASSET_PREFIX


def localize_url(url: str) -> str | None:
    """The vendored copy of a CDN ``url`` under the prefix in force, or None if it is not vendored
    (the app layer rewrites the links streamlit-folium sends its frame with it)."""
    return _localize(url, _active_prefix)


def _referenced_files() -> set[str]:
    """Vendored files the CDN map points at, plus the fonts/images their CSS points at."""
    refs = {*CDN_TO_VENDOR.values(), _ICON_PATH_SHIM}
    for rel in list(refs):
        path = VENDOR_DIR / rel
        if path.suffix == ".css" and path.is_file():
            for target in _css_targets(path.read_text(encoding="utf-8")):
                refs.add((Path(rel).parent / target).as_posix())
    return {_normalize(r) for r in refs}


def _css_targets(css: str) -> Iterator[str]:
    for match in _CSS_URL.finditer(css):
        target = match.group(2).strip()
        if target.startswith(("data:", "#")) or _is_external(target):
            continue
        yield re.split(r"[?#]", target, maxsplit=1)[0]


def _normalize(rel: str) -> str:
    parts: list[str] = []
    for part in rel.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def missing_assets() -> list[str]:
    """Referenced vendored files and our own map files absent on disk, as paths relative to
    static/vendor/ (empty = ok)."""
    missing = [rel for rel in _referenced_files() if not (VENDOR_DIR / rel).is_file()]
    for _name, url in [*OWN_JS, *OWN_CSS]:
        found = _asset_file(url)
        if found is None or not found[1].is_file():
            missing.append("../" + (found[0] if found else url))
    return sorted(missing)


def _data_uri(path: Path) -> str:
    mime = _MIME.get(path.suffix.lower(), "application/octet-stream")
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _inline_css(path: Path) -> str:
    """The CSS file with its fonts/images embedded as data: URIs (only woff2 fonts where offered)."""
    css = path.read_text(encoding="utf-8")

    def keep_woff2(block: re.Match[str]) -> str:
        text = block.group(0)
        woff2 = [u for _q, u in _CSS_URL.findall(text) if u.split("?")[0].endswith(".woff2")]
        if not woff2:
            return text
        text = _FONT_SRC.sub("", text)
        return text.replace("{", f'{{src:url({woff2[0]}) format("woff2");', 1)

    css = _FONT_FACE.sub(keep_woff2, css)

    def embed(match: re.Match[str]) -> str:
        target = match.group(2).strip()
        if target.startswith(("data:", "#")) or _is_external(target):
            return match.group(0)
        clean = re.split(r"[?#]", target, maxsplit=1)[0]
        file = path.parent / clean
        return f'url("{_data_uri(file)}")'

    return _CSS_URL.sub(embed, css).replace("</style", r"<\/style")


def _inline_js(path: Path) -> str:
    js = path.read_text(encoding="utf-8")
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.I).replace("<!--", "<\\!--")


def _leaflet_icon_fix() -> str:
    """Leaflet finds its default marker images from leaflet.css's URL; with data: URIs it cannot."""
    images = VENDOR_DIR / _LEAFLET / "images"
    return (
        "<script>L.Icon.Default.imagePath='';L.Icon.Default.mergeOptions({"
        f"iconUrl:'{_data_uri(images / 'marker-icon.png')}',"
        f"iconRetinaUrl:'{_data_uri(images / 'marker-icon-2x.png')}',"
        f"shadowUrl:'{_data_uri(images / 'marker-shadow.png')}'}});</script>"
    )


def offline_map_html(m: folium.Map) -> str:
    """A standalone HTML document of ``m`` with every vendored script and stylesheet inlined.

    Works whether or not :func:`use_offline_assets` was called. Raises :class:`OfflineAssetError`
    if the map loads a script or stylesheet that is not vendored (it would not load offline).
    """
    html = m.get_root().render()
    problems: list[str] = []

    def vendored(url: str) -> tuple[str, Path] | None:
        """The vendored file behind ``url``, or None (and ``url`` noted as a problem)."""
        found = _asset_file(url)
        if found is None or not found[1].is_file():
            problems.append(url)
            return None
        return found

    def script(match: re.Match[str]) -> str:
        found = vendored(match.group(2))
        if found is None:
            return match.group(0)
        rel, path = found
        tag = f"<script>/* {rel} */\n{_inline_js(path)}\n</script>"
        if rel == f"{_LEAFLET}/leaflet.js":
            tag += _leaflet_icon_fix()
        return tag

    def link(match: re.Match[str]) -> str:
        if not re.search(r"""\brel=["']?stylesheet""", match.group(0), re.I):
            return match.group(0)
        found = vendored(match.group(2))
        if found is None:
            return match.group(0)
        rel, path = found
        return f"<style>/* {rel} */\n{_inline_css(path)}\n</style>"

    html = _LINK_TAG.sub(link, _SCRIPT_TAG.sub(script, html))
    if problems:
        raise OfflineAssetError(
            "The map loads scripts/stylesheets that are not vendored:\n  " + "\n  ".join(problems)
        )
    return html
