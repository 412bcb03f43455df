"""Toponym resolution: choose, for each mention, the place it refers to, in context.

A bare name is ambiguous ("Martuni" is a town in Armenia and, as an old name, Khojavend
in Karabakh). Candidates from the gazetteer are ranked with what the article says:

* how well the surface matches a name of the place (exact name > alias > alternate > fuzzy);
* the place's prior importance (countries, regions, capitals, population);
* the countries the article is about (explicit country names and demonyms);
* containers named next to the mention ("the town of X in the Karabakh region", "X, Texas"),
  checked geometrically against the container's polygon;
* one sense per discourse: another spelling of a name already resolved in the article
  ("Martoni" after "Martouni") keeps that referent;
* distance to the places the article mentions unambiguously.

Each resolved mention carries a confidence (0..1), a precision code (see ``geo.model``)
and its runner-up. Below ``min_confidence`` a mention stays unresolved rather than guessed.

With an online geocoder (``CLAIM_ATLAS_ONLINE_GEOCODER=nominatim``), a mention the offline
gazetteer leaves with no candidate at all (no exact, alias, alternate or fuzzy match, nor for
the part before a comma) is asked of it once the offline mentions are resolved; its answers
are ranked like gazetteer candidates (Nominatim's importance as the prior) and get a
``name_score`` that says how far an unverified online answer is trusted
(:func:`_online_name_score`), so its confidence means what an offline one means: name match
times the margin over the runner-up.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from rapidfuzz import fuzz
from shapely.geometry import MultiLineString, mapping, shape
from shapely.geometry.base import BaseGeometry

from geo.distance import haversine_km  # one great-circle distance for the project
from geo.gazetteer.build import CONTAINER_PREFIX, KIND_ALIAS
from geo.gazetteer.geocoders import NOMINATIM_SOURCE
from geo.gazetteer.index import KIND_NAME_SCORES, Gazetteer, importance
from geo.gazetteer.memo import GazetteerMemo
from geo.geoparse.countries import load_demonyms
from geo.model import (
    PRECISION_COUNTRY,
    PRECISION_LINE,
    PRECISION_NEAR,
    PRECISION_REGION,
    PRECISION_SETTLEMENT,
    Candidate,
    Mention,
    Place,
)
from geo.text.names import normalize_name

if TYPE_CHECKING:
    from geo.gazetteer.geocoders import OnlineAnswer, OnlineGeocoder

W_NAME, W_PRIOR, W_COUNTRY, W_NEAR, W_CONTAINER, W_DISCOURSE, W_HINT = 0.45, 0.35, 0.35, 0.2, 0.45, 0.35, 0.15

#: How far an online answer whose name equals the name written is trusted, without and with
#: the article's context for it (see :func:`_online_name_score`). An offline exact name scores
#: 1.0, an alias 0.97, an alternate name 0.9, a fuzzy match at most 0.85.
ONLINE_TRUST, ONLINE_TRUST_IN_CONTEXT = 0.7, 0.95


def precision_for(place: Place, hint: str = "") -> int:
    """The precision code of a resolved place."""
    if place.feature_type in ("border", "pipeline", "river"):
        return PRECISION_LINE
    if place.feature_type == "country":
        return PRECISION_COUNTRY
    if place.feature_type == "region":
        return PRECISION_REGION
    if place.feature_type == "other" and place.source == NOMINATIM_SOURCE:
        return PRECISION_NEAR  # a lake, a peak, a bridge found online, at its centre: near a settlement
    return PRECISION_NEAR if hint == "near" else PRECISION_SETTLEMENT


class ArticleContext:
    """What an article is about, gathered before the ambiguous names are resolved."""

    def __init__(self, text: str, mentions: list[Mention], gaz: Gazetteer):
        gaz_memo = GazetteerMemo.of(gaz)
        self.countries: defaultdict[str, float] = defaultdict(float)  # weights in halves
        self.anchors: list[Place] = []
        demonyms = load_demonyms()
        for word in text.replace("’", "'").split():
            code = demonyms.get(word.strip(".,;:()\"'").lower())
            if code:
                self.countries[code] += 0.5
        for m in mentions:
            cands = gaz_memo.lookup(m.text, limit=20)
            if not cands:
                continue
            top = max(cands, key=lambda c: (c.name_score, importance(c.place)))
            # Country evidence only from names that are not also a notable place elsewhere
            # ("Georgia" the country or the US state says nothing by itself).
            notable = {c.place.country for c in cands if importance(c.place) >= 0.6 and c.place.country}
            if top.place.feature_type == "country":
                if len(notable) <= 1:
                    self.countries[top.place.country] += 1.0
                continue
            if top.place.feature_type == "region" and len(notable) == 1:
                self.countries[top.place.country] += 1.0
            others = [c for c in cands if c is not top]
            if not others or importance(top.place) - max(importance(c.place) for c in others) > 0.3:
                self.anchors.append(top.place)
                if top.place.country:
                    self.countries[top.place.country] += 0.5
            elif top.place.feature_type == "settlement" and len(notable) == 1:
                # no single point, but every notable place of the name lies in one country
                # ("Brazzaville": the capital or its department)
                self.countries[next(iter(notable))] += 0.5
        self.total = sum(self.countries.values()) or 1.0
        self.anchor_counts = Counter(a.key for a in self.anchors)
        self.resolved_by_surface: dict[str, Place] = {}
        # Each distinct anchor once (a name repeated in the article is one anchor many times),
        # and nearness per place: ranking asks it for the same candidates mention after mention.
        self._distinct_anchors = list({(a.key, a.lat, a.lon): a for a in self.anchors}.values())
        self._nearness: dict[tuple[str, float, float, str], float] = {}

    def note_resolved(self, place: Place) -> None:
        """A confidently resolved ambiguous name is evidence of the article's country for the
        names after it ("Brazzaville ... Pointe-Noire ... Congo": the Republic of the Congo)."""
        if place.country:
            self.countries[place.country] += 0.5
            self.total = sum(self.countries.values()) or 1.0

    def own_weight(self, place: Place) -> float:
        """What a place's own mentions, taken as anchors, added to its country's weight."""
        return 0.5 * self.anchor_counts.get(place.key, 0)

    def has_evidence(self, besides: Place) -> bool:
        """Whether the article points to any country at all (one clear name or two demonyms),
        leaving out what ``besides`` contributed itself."""
        return sum(self.countries.values()) - self.own_weight(besides) >= 1.0

    def country_share(self, code: str) -> float:
        return self.countries.get(code, 0.0) / self.total if code else 0.0

    def nearness(self, place: Place) -> float:
        """1 near a place the article names unambiguously, falling to 0 beyond ~1000 km."""
        if not self.anchors or place.feature_type == "country":
            return 0.0
        key = (place.key, place.lat, place.lon, place.feature_type)
        found = self._nearness.get(key)
        if found is None:
            others = [a for a in self._distinct_anchors if a.key != place.key]
            d = min(haversine_km(place.lat, place.lon, a.lat, a.lon) for a in others) if others else 1e9
            found = self._nearness[key] = math.exp(-d / 400.0)
        return found


def _container_places(gaz: Gazetteer, name: str) -> list[Place]:
    if not name:
        return []
    found = gaz.container(name)
    out = [c.place for c in found if c.place.feature_type in ("country", "region")]
    if not out and len(name) >= 2 and name.isupper():  # "Washington, DC": a state or district code
        out = [c.place for c in found]
    return out


def _in_container(gaz: Gazetteer, place: Place, containers: list[Place]) -> bool:
    gaz_memo = GazetteerMemo.of(gaz)
    for c in containers:
        if c.key == place.key:
            continue
        if c.feature_type == "country" and place.country == c.country:
            return True
        if gaz_memo.contains(c, place):
            return True
        if c.feature_type == "settlement" and haversine_km(place.lat, place.lon, c.lat, c.lon) < 30:
            return True
    return False


def _feature_candidates(m: Mention, gaz: Gazetteer, ctx: ArticleContext, sentence: str) -> list[Candidate]:
    """Candidates for "the border with Iran" and "pipelines" from the line layers."""
    if m.feature_hint == "border":
        demonyms = load_demonyms()
        named: set[str] = set()
        for word in m.text.replace("-", " ").replace("–", " ").split():
            code = demonyms.get(word.lower())
            if code:
                named.add(code)
        for piece in (m.text.split(" with ")[-1:] + m.text.split(" between ")[-1:]):
            for part in piece.replace(" and ", "|").split("|"):
                for c in GazetteerMemo.of(gaz).lookup(part, limit=5):
                    if c.place.feature_type == "country":
                        named.add(c.place.country)
        sentence_countries: Counter[str] = Counter()
        for word in sentence.replace("’", "'").split():
            code = demonyms.get(word.strip(".,;:()\"'").lower())
            if code:
                sentence_countries[code] += 1
        out = []
        for border in GazetteerMemo.of(gaz).places_of_type("border"):
            a, b = border.key.split(":")[-1].split("-")
            pair = {a, b}
            if not named or not named & pair:
                continue
            other = (pair - named) or pair
            salience = sum(sentence_countries.get(o, 0) * 2 + ctx.country_share(o) for o in other)
            if named >= pair:
                salience += 3
            out.append(Candidate(place=border, match="feature", name_score=0.85, score=salience))
        return out
    if m.feature_hint == "pipeline":
        union = _pipelines_as_one(gaz)
        if union is None:
            return []
        relevant = {"AZ", "GE", "TR", "RU"}  # countries the shipped pipeline routes cross
        if sum(ctx.countries.get(c, 0) for c in relevant) < 1:
            return []
        name, lat, lon, geometry = union
        place = Place(key="ref:pipeline:ALL", name=name, lat=lat, lon=lon, feature_type="pipeline", country="AZ",
                      geometry=dict(geometry), source="gem-pipelines")
        return [Candidate(place=place, match="feature", name_score=0.6, score=1.0)]
    return []


@lru_cache(maxsize=4)
def _pipelines_as_one(gaz: Gazetteer) -> tuple[str, float, float, dict] | None:
    """The gazetteer's pipeline routes as one feature, (name, lat, lon, GeoJSON geometry),
    or None without any. Merged once per gazetteer: merging costs milliseconds a mention."""
    pipelines = gaz.places_of_type("pipeline")
    if not pipelines:
        return None
    geoms: list[BaseGeometry] = []
    for p in pipelines:
        assert p.geometry is not None  # routes are stored as lines
        g = shape(p.geometry)
        geoms.extend(g.geoms if isinstance(g, MultiLineString) else [g])
    merged = MultiLineString([list(g.coords) for g in geoms])
    pt = max(geoms, key=lambda g: g.length).interpolate(0.5, normalized=True)  # a point on the longest route
    name = "South Caucasus oil and gas pipelines (" + ", ".join(p.key.split(":")[-1] for p in pipelines) + ")"
    return name, pt.y, pt.x, mapping(merged)


def _rank(m: Mention, cands: list[Candidate], gaz: Gazetteer, ctx: ArticleContext,
          prior: Callable[[Place], float] = importance) -> list[Candidate]:
    containers = _container_places(gaz, m.cue_container)
    norm = normalize_name(m.text)
    gaz_memo = GazetteerMemo.of(gaz)
    # What the region rules below look for among the other candidates, gathered once.
    has_region = any(c.place.feature_type == "region" for c in cands)
    notable_towns = [o.place for o in cands if o.place.feature_type == "settlement" and importance(o.place) >= 0.6
                     and o.match != "fuzzy"] if has_region else []
    town_by_own_name = has_region and any(o.place.feature_type == "settlement" and o.match == "name" for o in cands)
    # A country named by its own name is its own evidence, against towns that share the name ("aid to
    # Egypt" in Louisiana news: the country, not Egypt, Arkansas). Not against a region of that name
    # (Georgia the state or the country stays a matter of the article's context).
    own_country = not has_region and any(o.place.feature_type == "country" and o.match == "name" for o in cands)
    for c in cands:
        p = c.place
        s = W_NAME * c.name_score + W_PRIOR * prior(p)
        s += W_COUNTRY * ctx.country_share(p.country)
        s += W_NEAR * ctx.nearness(p)
        if own_country and p.feature_type == "country" and c.match == "name":
            s += W_COUNTRY
        if containers and _in_container(gaz, p, containers):
            s += W_CONTAINER
        for surface, place in ctx.resolved_by_surface.items():
            if place.key == p.key and fuzz.ratio(surface, norm) >= 80:
                s += W_DISCOURSE  # one sense per discourse, spelling variants included
                break
        if p.feature_type == "region" and any(gaz_memo.contains(p, town) for town in notable_towns):
            s -= 0.15  # a city and its own district share a name: news means the city
        if p.feature_type == "region" and c.match == "alternate" and town_by_own_name:
            s -= 0.2  # a town's own name beats a region's alternate name (source data mislabels some)
        if m.feature_hint and (m.feature_hint == p.feature_type or
                               (m.feature_hint == "near" and p.feature_type == "settlement")):
            s += W_HINT if m.feature_hint != "region" else 2 * W_HINT  # "the Donetsk region": the region
        c.score = round(s, 4)
    return sorted(cands, key=lambda c: -c.score)


def _online_name_score(answer: OnlineAnswer, support: float) -> float:
    """How well an online answer matches the name written, discounted because it is unverified:
    the similarity of the names (1.0 when equal) times a trust from ``ONLINE_TRUST`` (0.7, no
    context for it) to ``ONLINE_TRUST_IN_CONTEXT`` (0.95) as the article's context supports it
    (``support``, 0..1). So an online geocode scores below an offline exact name (1.0), and rises
    above an offline alternate name (0.9) only when the article points to where it lies."""
    return round(answer.similarity * (ONLINE_TRUST + (ONLINE_TRUST_IN_CONTEXT - ONLINE_TRUST) * support), 4)


def _online_candidates(m: Mention, answers: list[OnlineAnswer], gaz: Gazetteer,
                       ctx: ArticleContext) -> list[Candidate]:
    """The online answers for a mention as ranked candidates.

    The context's support for an answer is the strongest of: the share of the article's country
    evidence its country holds, doubled (an article half about its country supports it fully);
    its nearness to the places the article names unambiguously (1 close by, 0 beyond ~1000 km);
    1 when it lies in the container named with the mention ("X in the Karabakh region").
    """
    containers = _container_places(gaz, m.cue_container)
    cands = []
    for a in answers:
        p = a.place
        support = max(min(1.0, 2 * ctx.country_share(p.country)), ctx.nearness(p),
                      1.0 if containers and _in_container(gaz, p, containers) else 0.0)
        cands.append(Candidate(place=p, match="online", name_score=_online_name_score(a, support)))
    priors = {a.place.key: a.importance for a in answers}
    return _rank(m, cands, gaz, ctx, prior=lambda p: priors.get(p.key, 0.0))


#: Type nouns news writes after an admin-1 name: "Khartoum State", "Donetsk Oblast".
_ADMIN1_SUFFIX = re.compile(r"\s+(?:region|province|state|oblast|governorate|prefecture)$", re.I)


def _within_city(cands: list[Candidate], city_name: str, gaz_memo: GazetteerMemo) -> list[Candidate]:
    """Candidates for a part of a named city ("the Shevchenkivskyi district of Kharkiv"): those
    within 30 km of the city, else those in the city's own admin-1 region, else the city itself
    (the district lies in it, somewhere the gazetteer does not know)."""
    towns = [c.place for c in gaz_memo.lookup(city_name, limit=30)
             if c.place.feature_type == "settlement" and c.match != "fuzzy"]
    if not towns:
        return cands
    city = max(towns, key=importance)
    near = [c for c in cands if haversine_km(c.place.lat, c.place.lon, city.lat, city.lon) < 30]
    if near:
        return near
    same_region = [c for c in cands if c.match != "fuzzy" and c.place.country == city.country
                   and c.place.admin1 and c.place.admin1 == city.admin1]
    return same_region or [Candidate(place=city, match="container", name_score=0.8)]


def demonym_country(text: str) -> str | None:
    """The ISO code of the country a demonym or country adjective names ("Russian", "Azeris",
    "American's"), from ``data/demonyms.csv``; None for any other text.

    >>> demonym_country("Azerbaijani"), demonym_country("Russians"), demonym_country("Texas")
    ('AZ', 'RU', None)
    """
    demonyms = load_demonyms()
    word = " ".join(text.replace("’", "'").split()).lower()
    word = word[:-2] if word.endswith("'s") else word.rstrip("'")
    if word in demonyms:
        return demonyms[word]
    if word.endswith("s") and word[:-1] in demonyms:  # a plural the table lacks ("Iraqis")
        return demonyms[word[:-1]]
    return None


def _demonym_candidates(text: str, cands: list[Candidate], gaz: Gazetteer) -> list[Candidate]:
    """A span given as a place that is a demonym ("Russian", "Azerbaijani": LGL and GeoWebNews
    annotate them; recognition does not propose them) names its country: the country is its
    candidate, as by an alias, beside any place of that very name (a town called "Chinese"
    is weighed against China by the article's context); fuzzy look-alikes are dropped."""
    code = demonym_country(text)
    country = gaz.get(f"country:{code}") if code else None
    if country is None:
        return cands
    own = [c for c in cands if c.match != "fuzzy" and c.place.key != country.key]
    return [Candidate(place=country, match="alias", name_score=KIND_NAME_SCORES[KIND_ALIAS]), *own]


_ARABIC_ARTICLE = re.compile(r"^(?:[EA]l|[ea]l)(?:-|\s+)(?=[A-Z])")

#: A fuzzy match, or a small place's exact one, with no support from the article's context while
#: the context points elsewhere, keeps this share of its confidence.
UNSUPPORTED_FUZZY_FACTOR = 0.5
#: Importance (``geo.gazetteer.index.importance``) from which a place is known well enough that a
#: bare mention may mean it without support (population about 16,000, or a capital).
NOTABLE = 0.6


def _supported(place: Place, ctx: ArticleContext, *, by_others: bool = False) -> bool:
    """Whether the article gives any sign of the place's whereabouts: its country named or
    implied, or a place it names unambiguously within a few hundred kilometres. With
    ``by_others``, the place's own mentions do not count as a sign of its country."""
    own = ctx.own_weight(place) if by_others else 0.0
    return ctx.countries.get(place.country, 0.0) - own > 0 or ctx.nearness(place) >= 0.1


def _confidence(best: Candidate, runner: Candidate | None) -> float:
    margin = 1.0 if runner is None else max(0.0, (best.score - runner.score) / max(best.score, 1e-6))
    return round(min(1.0, best.name_score * (0.55 + 0.45 * min(1.0, margin * 2.5))), 3)


def resolve_toponyms(text: str, mentions: list[Mention], gaz: Gazetteer, *,
                     min_confidence: float = 0.3, online: OnlineGeocoder | None = None) -> list[Mention]:
    """Resolve every mention of an article in place and return the list.

    Mentions marked ``not_a_place`` are left alone. Unambiguous mentions are resolved
    first, so that the ambiguous ones can lean on them (one sense per discourse). With
    ``online``, the mentions the gazetteer has no candidate for are asked of it last.

    >>> resolve_toponyms(text, mentions, get_gazetteer())   # doctest: +SKIP
    """
    gaz_memo = GazetteerMemo.of(gaz)
    active = [m for m in mentions if not m.not_a_place]
    ctx = ArticleContext(text, active, gaz)

    def candidates_for(m: Mention) -> list[Candidate]:
        if m.method == "feature":
            exact = gaz.lookup(m.text, limit=5)
            if exact:
                return exact
            sentence = text[m.sentence_start:m.sentence_end] if m.sentence_end else text
            feats = _feature_candidates(m, gaz, ctx, sentence)
            if feats and m.feature_hint == "border":
                feats.sort(key=lambda c: -c.score)
            return feats
        cands = gaz_memo.candidates(m.text, limit=60)
        if m.text.endswith("."):
            # "Ky.", "W. Va.": a state's abbreviation (those written after a comma, "Paris, Tenn.")
            # standing alone, before any town whose name it spells ("Kan.", not Kan)
            cands = gaz_memo.lookup(CONTAINER_PREFIX + m.text, limit=5) or cands
        article = _ARABIC_ARTICLE.match(m.text)
        if article and not any(c.match != "fuzzy" for c in cands):
            # "El Gezira", "Al-Fashir": news keeps the Arabic article that the gazetteer's
            # names drop (Gezira, El Fasher's alternate names); ask for the name without it too
            cands = gaz_memo.candidates(m.text[article.end():], limit=60) or cands
        if not cands and "," in m.text:
            head, _, tail = m.text.partition(",")
            m.cue_container = m.cue_container or tail.strip()
            cands = gaz_memo.candidates(head.strip(), limit=60)
        suffix = _ADMIN1_SUFFIX.search(m.text)
        if suffix and not any(c.match != "fuzzy" for c in cands):
            # "Khartoum State", "Kherson Oblast": the region named before the type noun
            regions = [c for c in gaz_memo.candidates(m.text[:suffix.start()], limit=60)
                       if c.place.feature_type == "region" and c.match != "fuzzy"]
            if regions:
                m.feature_hint = m.feature_hint or "region"
                cands = regions
        if m.feature_hint == "near" and m.cue_container:
            cands = _within_city(cands, m.cue_container, gaz_memo)
        return _demonym_candidates(m.text, cands, gaz)

    def settle(m: Mention, ranked: list[Candidate]) -> None:
        m.candidates = ranked[:10]
        if not ranked:
            m.place, m.confidence, m.precision = None, 0.0, None
            return
        best = ranked[0]
        runner = next((c for c in ranked[1:] if c.place.key != best.place.key and
                       haversine_km(c.place.lat, c.place.lon, best.place.lat, best.place.lon) > 5), None)
        conf = _confidence(best, runner)
        if best.match == "fuzzy" and not _supported(best.place, ctx):
            # a near spelling of a name in a country the article gives no other sign of ("El
            # Gezira" -> Gzira, Malta): kept as a candidate, but a guess, and said to be one
            conf = round(conf * UNSUPPORTED_FUZZY_FACTOR, 3)
        elif (best.place.feature_type == "settlement" and importance(best.place) < NOTABLE
              and ctx.has_evidence(best.place) and not _supported(best.place, ctx, by_others=True)):
            # the only village of that name is in a country the article never points to, while
            # it points elsewhere: more likely a local place the gazetteer lacks than that village
            conf = round(conf * UNSUPPORTED_FUZZY_FACTOR, 3)
        m.runner_up = runner.place if runner else None
        m.runner_up_confidence = _confidence(runner, best) * 0.5 if runner else 0.0
        if conf < min_confidence:
            m.place, m.confidence, m.precision = None, conf, None
            return
        m.place, m.confidence = best.place, conf
        m.precision = precision_for(best.place, m.feature_hint)

    pending: list[tuple[Mention, list[Candidate]]] = []
    unknown: list[Mention] = []  # no offline candidate at all: for the online geocoder
    for m in active:
        cands = candidates_for(m)
        if not cands and online is not None and m.method != "feature":
            unknown.append(m)
            continue
        if m.method == "feature" and cands and cands[0].match == "feature":
            ranked = cands if m.feature_hint == "pipeline" else sorted(cands, key=lambda c: -c.score)
            if ranked and m.feature_hint == "border" and len(ranked) > 1 and ranked[0].score == ranked[1].score:
                ranked[0].name_score = 0.5
            settle(m, ranked)
            continue
        exact = [c for c in cands if c.match != "fuzzy"]
        if len({c.place.key for c in exact}) == 1 and not m.cue_container:
            settle(m, _rank(m, cands, gaz, ctx))
            if m.place:
                ctx.resolved_by_surface[normalize_name(m.text)] = m.place
        else:
            pending.append((m, cands))
    # Ambiguous ones: those with a container first ("Paris, Texas"), then in text order,
    # each able to lean on the ones before.
    pending.sort(key=lambda mc: (not mc[0].cue_container, mc[0].start))
    for m, cands in pending:
        settle(m, _rank(m, cands, gaz, ctx))
        if m.place and m.confidence >= 0.5:
            ctx.resolved_by_surface.setdefault(normalize_name(m.text), m.place)
            ctx.note_resolved(m.place)
    # Names the gazetteer does not know, with the whole article's context gathered.
    for m in unknown:
        assert online is not None  # only then are mentions put in ``unknown``
        # "Foo, Texas" is asked whole (the geocoder reads the container too); its answers'
        # names are compared with "Foo" (Texas is the container, weighed as such).
        name = m.text.partition(",")[0].strip() if m.cue_container and "," in m.text else m.text
        settle(m, _online_candidates(m, online.answers(m.text, name=name), gaz, ctx))
    return mentions
