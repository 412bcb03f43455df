"""The map must load nothing from the internet: vendored assets, local links, inlined export."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser

import branca.colormap
import folium
import folium.plugins
import pytest

from geo.mapping import assets as webassets
from geo.mapping.assets import (
    LOCAL_ASSET_PREFIX,
    REQUIRED_CLASSES,
    STATIC_DIR,
    OfflineAssetError,
    missing_assets,
    offline_map_html,
    restore_cdn_assets,
    unmapped_cdn_urls,
    use_offline_assets,
)


class _AssetLinks(HTMLParser):
    """Collects <script src> and <link rel=stylesheet href> of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"] or "")
        if tag == "link" and "stylesheet" in (a.get("rel") or "") and a.get("href"):
            self.stylesheets.append(a["href"] or "")


def _links(html: str) -> _AssetLinks:
    parser = _AssetLinks()
    parser.feed(html)
    return parser


def _is_external(url: str) -> bool:
    return url.startswith(("http://", "https://", "//"))


@pytest.fixture(autouse=True)
def _restore_folium_defaults() -> Iterator[None]:
    """use_offline_assets patches folium globally: give the other tests folium's defaults back."""
    yield
    restore_cdn_assets()


def _busy_map() -> folium.Map:
    """A map with every kind of layer the app draws."""
    m = folium.Map(location=[40.2, 47.5], zoom_start=7, tiles=None)
    cluster = folium.plugins.MarkerCluster(name="claims").add_to(m)
    folium.Marker(
        [40.4, 49.9], popup="Baku", icon=folium.Icon(color="red", icon="flag", prefix="fa", angle=30)
    ).add_to(cluster)
    folium.Marker([40.7, 46.4], icon=folium.Icon(icon="info-sign")).add_to(m)  # glyphicon
    folium.plugins.FastMarkerCluster([[40 + i / 50, 47 + i / 40] for i in range(30)], name="fast").add_to(m)
    line = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "front line", "claims": 3},
                "geometry": {"type": "LineString", "coordinates": [[46.0, 39.8], [47.0, 40.1], [48.0, 40.3]]},
            }
        ],
    }
    folium.GeoJson(line, name="line", popup=folium.GeoJsonPopup(fields=["name", "claims"])).add_to(m)
    folium.LayerControl().add_to(m)
    return m


def test_every_referenced_vendored_file_exists() -> None:
    assert missing_assets() == []


def test_required_classes_are_fully_vendored() -> None:
    assert unmapped_cdn_urls(REQUIRED_CLASSES) == []


def test_rendered_map_loads_only_local_files() -> None:
    use_offline_assets()
    html = _busy_map().get_root().render()
    links = _links(html)
    urls = links.scripts + links.stylesheets
    assert len(links.scripts) >= 5 and len(links.stylesheets) >= 6, urls
    assert [u for u in urls if _is_external(u)] == []
    for url in urls:
        assert url.startswith(LOCAL_ASSET_PREFIX + "/"), url
        path = STATIC_DIR / url.removeprefix("/app/static/")
        assert path.is_file(), f"{url} -> {path} is missing"
    assert any("leaflet.markercluster" in u for u in links.scripts)
    assert any("fontawesome" in u for u in links.stylesheets)


def test_without_offline_assets_folium_uses_cdns() -> None:
    """Guards the test above: restore_cdn_assets really gives folium's CDN links back."""
    use_offline_assets()
    restore_cdn_assets()
    links = _links(_busy_map().get_root().render())
    assert any(_is_external(u) for u in links.scripts)


def test_use_offline_assets_is_idempotent_and_prefix_can_move() -> None:
    use_offline_assets()
    first = (list(folium.Map.default_js), list(folium.Map.default_css))
    use_offline_assets()
    assert (folium.Map.default_js, folium.Map.default_css) == first
    use_offline_assets("/elsewhere/vendor")
    assert all(url.startswith("/elsewhere/vendor/") for _, url in folium.Map.default_js)
    use_offline_assets()
    assert (folium.Map.default_js, folium.Map.default_css) == first
    # FastMarkerCluster has no lists of its own: it inherits MarkerCluster's localized ones.
    assert "default_js" not in vars(folium.plugins.FastMarkerCluster)
    assert all(url.startswith(LOCAL_ASSET_PREFIX) for _, url in folium.plugins.FastMarkerCluster.default_js)


def test_unvendored_cdn_url_is_reported_and_nothing_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    new_url = "https://cdn.example.org/leaflet-new-thing@1.0.0/thing.js"
    monkeypatch.setattr(folium.Map, "default_js", [*folium.Map.default_js, ("thing", new_url)])
    with pytest.raises(OfflineAssetError, match="leaflet-new-thing") as err:
        use_offline_assets()
    assert "folium.folium.Map.default_js" in str(err.value)
    assert all(_is_external(url) for _, url in folium.plugins.MarkerCluster.default_js)


def test_unused_plugins_are_not_vendored_and_are_refused_offline() -> None:
    """Only what the app's maps use is vendored: a branca colormap (d3) or a Timeline (moment,
    leaflet.timeline) is not, and the offline export refuses a map using one rather than letting
    the file fetch it."""
    use_offline_assets()
    m = folium.Map(tiles=None)
    branca.colormap.LinearColormap(["white", "red"], vmin=0, vmax=10, caption="claims").add_to(m)
    with pytest.raises(OfflineAssetError, match="d3"):
        offline_map_html(m)
    timeline = [f"{cls.__module__}.{cls.__qualname__}"
                for cls in (folium.plugins.Timeline, folium.plugins.TimelineSlider)]
    assert all(any(u.startswith(name) for u in unmapped_cdn_urls()) for name in timeline)
    assert not any(name.startswith(("d3@", "moment@", "leaflet.timeline@")) for name in
                   (p.name for p in (STATIC_DIR / "vendor").iterdir()))


def test_streamlit_folium_links_are_rewritten(monkeypatch: pytest.MonkeyPatch,
                                              caplog: pytest.LogCaptureFixture) -> None:
    """The links st_folium sends its frame reach it localized; one that is not vendored (the d3 it
    adds for a colormap) is passed on and logged."""
    import streamlit_folium

    restore_cdn_assets()
    seen: dict[str, list[str]] = {}

    def fake_component(**kwargs: list[str]) -> None:
        seen.update(kwargs)

    from geo.app.folium_links import restore_frame_links, use_offline_frame_links

    restore_frame_links()
    monkeypatch.setattr(streamlit_folium, "_component_func", fake_component)
    try:
        use_offline_assets()
        use_offline_frame_links()
        streamlit_folium._component_func(
            js_links=["https://d3js.org/d3.v4.min.js", "https://code.jquery.com/jquery-3.7.1.min.js",
                      "/app/static/vendor/leaflet@1.9.4/dist/leaflet.js"],
            css_links=["https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"],
        )
    finally:
        restore_frame_links()
        restore_cdn_assets()
    assert seen["js_links"] == [
        "https://d3js.org/d3.v4.min.js",
        f"{LOCAL_ASSET_PREFIX}/jquery@3.7.1/dist/jquery.min.js",
        f"{LOCAL_ASSET_PREFIX}/leaflet@1.9.4/dist/leaflet.js",
    ]
    assert seen["css_links"] == [f"{LOCAL_ASSET_PREFIX}/leaflet@1.9.4/dist/leaflet.css"]
    assert "not vendored" in caplog.text and "d3.v4.min.js" in caplog.text


@pytest.mark.parametrize("offline_first", [True, False])
def test_offline_map_html_inlines_every_asset(offline_first: bool) -> None:
    if offline_first:
        use_offline_assets()
    html = offline_map_html(_busy_map())
    links = _links(html)
    assert links.scripts == [] and links.stylesheets == []
    assert "leaflet@1.9.4/dist/leaflet.js */" in html
    assert "L.Icon.Default.imagePath=''" in html
    assert 'src:url("data:font/woff2;base64,' in html  # Font Awesome / glyphicon fonts embedded
    assert "url(../webfonts/" not in html and "url(images/" not in html
    assert len(html) < 4_000_000


def test_offline_map_html_refuses_unvendored_plugins() -> None:
    m = folium.Map(tiles=None)
    folium.plugins.Fullscreen().add_to(m)
    with pytest.raises(OfflineAssetError, match="Control.FullScreen"):
        offline_map_html(m)


def test_module_paths_point_at_the_repo() -> None:
    assert webassets.VENDOR_DIR == STATIC_DIR / "vendor"
    assert (webassets.VENDOR_DIR / "README.md").is_file()
