"""Plain data records passed between the pipeline stages.

They carry no behaviour beyond small conveniences, so every stage can be tested by
building them by hand.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

#: Feature types, as in the gold layout of EVALUATION.md.
FEATURE_TYPES = ("settlement", "region", "country", "border", "pipeline", "river", "other")

#: Geographic precision codes (after ACLED's geo_precision, extended for lines):
#: 1 the settlement itself, 2 near a settlement or part of a region, 3 a region,
#: 4 a country, 5 a line feature (border, pipeline, river).
PRECISION_SETTLEMENT = 1
PRECISION_NEAR = 2
PRECISION_REGION = 3
PRECISION_COUNTRY = 4
PRECISION_LINE = 5
PRECISION_LABELS = {
    PRECISION_SETTLEMENT: "settlement",
    PRECISION_NEAR: "near settlement / part of region",
    PRECISION_REGION: "region",
    PRECISION_COUNTRY: "country",
    PRECISION_LINE: "line feature",
}


@dataclass
class Article:
    """One article of a corpus: its text (as read, or as extracted from HTML) and metadata."""

    id: str
    text: str
    source: str = ""
    url: str = ""
    published: str | None = None  # ISO date (YYYY-MM-DD) or None when unknown
    title: str = ""
    language: str = "en"
    file: str = ""
    content_hash: str = ""


class _LazyGeometry:
    """``Place.geometry`` for places whose GeoJSON was left as text (see :func:`defer_geometry`).

    Country and region polygons run to megabytes, and most candidates of a gazetteer
    lookup are ranked and dropped without their shape being read, so the parsing waits
    for the first read. A non-data descriptor: an ordinary (or already parsed) geometry
    is read from the instance at no cost.
    """

    def __get__(self, obj: Place | None, objtype: type | None = None) -> dict | None:
        if obj is None:
            return None  # the dataclass default
        d = obj.__dict__
        raw = d.get("_geometry_json")
        if raw is None:  # parsed meanwhile by another thread (or deleted)
            return d.get("geometry")
        value = d.setdefault("geometry", json.loads(raw))
        d.pop("_geometry_json", None)
        return value


@dataclass
class Place:
    """A gazetteer entry: a real geographic feature.

    ``key`` is stable across rebuilds (``geonames:146969``, ``country:AZ``,
    ``ref:pipelines_gem:BTC``). ``geometry`` is a GeoJSON geometry dict for lines and
    areas, ``None`` for points.
    """

    key: str
    name: str
    lat: float
    lon: float
    feature_type: str = "settlement"
    country: str = ""
    population: int = 0
    admin1: str = ""
    geometry: dict | None = _LazyGeometry()  # type: ignore[assignment]  # default None
    source: str = "geonames"
    is_capital: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def defer_geometry(place: Place, geojson: str) -> Place:
    """Give ``place`` the geometry in ``geojson``, parsed only when first read."""
    d = place.__dict__
    d.pop("geometry", None)
    d["_geometry_json"] = geojson
    return place


@dataclass
class Candidate:
    """A place a mention may refer to, with the evidence for it."""

    place: Place
    match: str  # "name", "alternate", "folded", "fuzzy", "feature"
    name_score: float  # 0..1, how well the surface form matches a name of the place
    score: float = 0.0  # combined score after context ranking


@dataclass
class Mention:
    """A place name found in an article (recognition output, before resolution)."""

    start: int
    end: int
    text: str
    sentence_start: int = 0
    sentence_end: int = 0
    method: str = "ner"  # how it was found: "ner", "gazetteer", "cue", "feature", "gold"
    ner_label: str = ""
    metonymic: bool = False
    metonymy_reason: str = ""
    not_a_place: bool = False
    feature_hint: str = ""  # "settlement", "region", "border", "pipeline"... from context cues
    cue_container: str = ""  # e.g. "Karabakh" in "the town of X in the Karabakh region"
    place: Place | None = None
    confidence: float = 0.0
    precision: int | None = None
    runner_up: Place | None = None
    runner_up_confidence: float = 0.0
    candidates: list[Candidate] = field(default_factory=list, repr=False)

    @property
    def resolved(self) -> bool:
        return self.place is not None


@dataclass
class Claim:
    """One attributed statement (never a fact)."""

    claimant: str
    claimant_text: str
    text: str
    start: int
    end: int
    date: str | None = None
    date_end: str | None = None
    date_precision: str | None = None
    kind: str = "statement"
    stance: str = "assert"  # "assert" or "deny"
    disputed_by: list[str] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    details: dict = field(default_factory=dict)
    store_id: int | None = None

    def to_prediction(self) -> dict:
        """The claim in the gold layout of EVALUATION.md."""
        return {"claimant": self.claimant, "text": self.text, "start": self.start, "end": self.end,
                "places": [m.text for m in self.mentions], "date": self.date, "date_end": self.date_end,
                "disputed_by": list(self.disputed_by), "kind": self.kind}


@dataclass
class IngestResult:
    """What happened to one article: ``added``, ``updated``, ``duplicate``, ``rejected`` (its content
    is unusable), ``failed`` (an internal error, logged) or ``skipped`` (the ingest stopped first)."""

    name: str
    status: str
    message: str = ""
    article_id: int | None = None
    mentions: int = 0
    resolved: int = 0
    claims: int = 0


@dataclass
class ArticleAnalysis:
    """Everything the pipeline derived from one article, ready to be stored at once."""

    mentions: list[Mention] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    #: Corrections applied to these mentions before storing (geo.corrections.apply_corrections):
    #: ``id(mention) -> (correction id, {"place", "confidence", "precision", "runner_up",
    #: "runner_up_confidence"})``, the mention's resolution before the correction.
    corrections: dict[int, tuple[int, dict]] = field(default_factory=dict)
