"""Colours and styles of the map's features: by feature type, confidence bucket and
claimant, kept in small style tables so that any number of features share a few styles.
"""

from __future__ import annotations

from geo.mapping.features import _num

TYPE_COLORS = {
    "settlement": "#c0392b",
    "region": "#8e44ad",
    "country": "#34495e",
    "border": "#d35400",
    "pipeline": "#117a65",
    "river": "#2471a3",
    "other": "#7f8c8d",
}
FUEL_COLORS = {"oil": "#6e2c00", "gas": "#1f618d"}
SELECTED_COLOR = "#f1c40f"


# ---------------------------------------------------------------------------------------- styles
def _bucket(conf: object) -> int:
    """Confidence in five steps (0..4), so a few styles serve any number of features."""
    return min(4, max(0, int(_num(conf) * 5)))


def _point_style(bucket: int, coarse: bool, feature_type: str, selected: bool) -> dict:
    conf = (bucket + 0.5) / 5
    color = TYPE_COLORS.get(feature_type, TYPE_COLORS["other"])
    style = {
        "radius": round(4 + 6 * conf, 1),  # <= 10 px: Leaflet reports the marker's own position on click
        "color": SELECTED_COLOR if selected else color,
        "weight": 4 if selected else 1.5,
        "opacity": round(0.5 + 0.5 * conf, 2),
        "fillColor": color,
        "fillOpacity": round((0.2 + 0.6 * conf) * (0.6 if coarse else 1.0), 2),
    }
    if coarse:
        style["dashArray"] = "3 3"
    return style


def _line_style(bucket: int, feature_type: str, selected: bool, light: bool = False) -> dict:
    """``light``: a broad line (a border or pipeline across countries)."""
    conf = (bucket + 0.5) / 5
    style = {"color": SELECTED_COLOR if selected else TYPE_COLORS.get(feature_type, TYPE_COLORS["other"]),
             "weight": round(3 + 3 * conf, 1) + (2 if selected else 0), "opacity": round(0.4 + 0.5 * conf, 2)}
    if light and not selected:
        style.update(weight=2, opacity=0.35)
    if conf < 0.5:
        style["dashArray"] = "8 6"
    return style


def _area_style(bucket: int, country: bool, feature_type: str, selected: bool, light: bool = False) -> dict:
    """``light``: a broad area (a country, "the region"): an outline and a trace of fill, so it
    shows where it is without painting over the places inside it."""
    conf = (bucket + 0.5) / 5
    color = TYPE_COLORS.get(feature_type, TYPE_COLORS["other"])
    if light and not selected:
        return {"color": color, "weight": 1, "opacity": 0.35, "fillColor": color, "fillOpacity": 0.03,
                "dashArray": "6 4"}
    return {
        "color": SELECTED_COLOR if selected else color,
        "weight": 4 if selected else (1.5 if country else 2),
        "opacity": round(0.4 + 0.5 * conf, 2),
        "fillColor": color,
        "fillOpacity": round((0.04 if country else 0.12) + (0.06 if country else 0.18) * conf, 3),
        "dashArray": "6 4",
    }


class _StyleTable:
    def __init__(self) -> None:
        self.styles: list[dict] = []
        self._index: dict[tuple, int] = {}

    def add(self, style: dict) -> int:
        key = tuple(sorted(style.items()))
        if key not in self._index:
            self._index[key] = len(self.styles)
            self.styles.append(style)
        return self._index[key]


# ---------------------------------------------------------------------------------------- claims
#: Outline of a disputed claim (no claimant colour is red).
DISPUTED_COLOR = "#d62728"
#: Stable colours of the registry's actors; any other claimant gets one of _EXTRA_COLORS by a hash
#: of its name, so a claimant keeps its colour whatever the filters show.
CLAIMANT_COLORS = {
    "Armenia": "#ff7f0e",
    "Azerbaijan": "#1f77b4",
    "Nagorno-Karabakh authorities": "#8c564b",
    "Russia": "#9467bd",
    "Turkey": "#17becf",
    "USA": "#2ca02c",
    "EU": "#bcbd22",
    "France": "#e377c2",
    "Iran": "#393b79",
    "OSCE Minsk Group": "#637939",
    "UN": "#6baed6",
    "Other": "#7f7f7f",
}
_EXTRA_COLORS = ["#98df8a", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5", "#ffbb78", "#8c6d31",
                 "#843c39", "#5254a3", "#7b4173", "#3182bd"]


def claimant_color(claimant: object) -> str:
    """The colour of a claimant: fixed for the registry's actors, a stable hash-picked one otherwise."""
    import zlib

    name = str(claimant or "")
    if name in CLAIMANT_COLORS:
        return CLAIMANT_COLORS[name]
    return _EXTRA_COLORS[zlib.crc32(name.encode("utf-8")) % len(_EXTRA_COLORS)]


def _claim_style(claimant: str, disputed: bool, approximate: bool) -> dict:
    color = claimant_color(claimant)
    classes = "ca-claim" + (" ca-claim-disputed" if disputed else "") + (" ca-claim-approx" if approximate else "")
    style = {"radius": 6, "color": "#ffffff", "weight": 1.5, "opacity": 1.0, "fillColor": color,
             "fillOpacity": 0.95, "className": classes}
    if approximate:  # coarser: paler, dashed outline
        style.update(color="#444444", weight=1.2, fillOpacity=0.4, dashArray="2 2", radius=6.5)
    if disputed:
        style.update(color=DISPUTED_COLOR, weight=3, opacity=1.0)
    return style


LAYER_NAMES = {
    "basemap": "Basemap: world countries",
    "theatre_countries": "Countries of the theatre",
    "theatre_admin1": "Provinces and regions of the theatre",
    "countries_south_caucasus": "Countries (South Caucasus)",
    "nagorno_karabakh_pre2020": "Nagorno-Karabakh area (before 2020)",
    "admin1_aze_arm": "Provinces (Azerbaijan, Armenia)",
    "borders_pairwise": "International borders",
    "pipelines_gem": "Pipelines (Global Energy Monitor)",
    "areas": "Mentioned regions & countries",
    "lines": "Mentioned borders & pipelines",
    "points": "Mentioned settlements",
    "selected": "Selected place",
    "claims": "Claims (attributed, not verified)",
}
