"""Analysts' corrections of place resolution: "that name, in that context, means this place".

An analyst looking at one mention can choose another candidate (one of the mention's stored
candidates, or any place the gazetteer knows) or set its coordinates by hand. The correction is
not about that one mention: it is stored under a key

* **name**: the mention's surface text normalised with :func:`geo.names.normalize_name`
  ("Martouni", "MARTOUNI" and "Martóuni" are one name; "Martoni" is another);
* **context**: the *focus country* of the mention's article (:func:`article_context`): the ISO
  country code with the most evidence in the article (country names and demonyms, places named
  unambiguously: exactly what resolution weighs, see :class:`geo.resolve.ArticleContext`) when it
  holds at least :data:`FOCUS_MIN_SHARE` of that evidence and no other country ties with it;
  otherwise ``"global"``. The analyst may also store a correction for ``"global"`` on purpose.

and applies to **every** mention of that name in every article whose context is the same; a
``"global"`` correction applies to the name in every article that has no correction of its own
context (the specific one wins). Names standing for an actor ("Baku said") are corrected too (they
stay metonymic and unplotted); mentions marked *not a place* ("Minsk" in "Minsk Group") are not.

A corrected mention gets the chosen place, confidence 1.0 (an analyst's decision), the place's
precision code, and, when the analyst chose the former runner-up, the former choice as runner-up.

Corrections survive re-ingestion: :func:`apply_corrections` runs inside the pipeline
(``Pipeline.ingest``, after the analysis, before storing), so a new article or a new
version of one gets them; unchanged content is a duplicate and keeps its stored, corrected
mentions. Making or undoing a correction also rewrites the stored mentions at once
(:meth:`geo.store.Store.rewrite_corrections`), so the map changes immediately. In both paths the
claims are extracted from the pipeline's own resolution and keep their links to the mentions, whose
places are corrected; a corrected mention keeps its metonymy flag (metonymy is about how the name
is used, not where the place is).

Each correction records who (free text), when (UTC) and a note, and keeps the corrected mention's
original resolution; for every mention it changes the store keeps that mention's own original, so
:func:`undo_correction` restores each exactly. Undone and superseded corrections stay listed.

>>> cid = choose_candidate(store, gaz, mention_id=50, place_key="geonames:616052",
...                        analyst="ana", note="the town in Armenia")        # doctest: +SKIP
>>> undo_correction(store, gaz, cid, analyst="ana")                         # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from geo.gazetteer.index import Gazetteer
from geo.model import FEATURE_TYPES, Mention, Place
from geo.store.precedence import GLOBAL, pick_correction
from geo.store.sqlite import Store
from geo.text.names import normalize_name

#: The focus country must hold at least this share of the article's country evidence.
FOCUS_MIN_SHARE = 0.3
MAX_ANALYST_CHARS = 100
MAX_NOTE_CHARS = 2000


# ------------------------------------------------------------------------------------ context
def article_context(text: str, names: Iterable[str], gaz: Gazetteer) -> str:
    """The context of an article for corrections: its focus country code, or ``"global"``.

    ``names`` are the surface texts of the article's possible-place mentions (not those marked
    *not a place*), as resolution saw them. The result depends only on the text, those names and
    the gazetteer, never on how names were resolved or corrected, so it is the same at ingest and
    when a correction is made later.
    """
    from geo.geoparse.resolve import ArticleContext

    ctx = ArticleContext(text, [Mention(start=0, end=0, text=n) for n in names], gaz)
    ranked = sorted(ctx.countries.items(), key=lambda kv: (-kv[1], kv[0]))
    if not ranked or ranked[0][1] <= 0:
        return GLOBAL
    code, weight = ranked[0]
    if weight / ctx.total < FOCUS_MIN_SHARE or (len(ranked) > 1 and ranked[1][1] == weight):
        return GLOBAL
    return code


def context_label(context: str, gaz: Gazetteer | None = None) -> str:
    """``"AZ"`` -> ``"Azerbaijan (AZ)"``; ``"global"`` -> ``"global (any article)"``."""
    if not context or context == GLOBAL:
        return "global (any article)"
    place = gaz.get(f"country:{context}") if gaz is not None else None
    return f"{place.name} ({context})" if place is not None else context


def mention_context(store: Store, gaz: Gazetteer, mention_id: int) -> str:
    """The context of the article a stored mention belongs to."""
    m = store.mention(mention_id)
    if m is None:
        raise ValueError(f"no mention #{mention_id}")
    text, names = store.article_mention_texts([m["article_id"]])[m["article_id"]]
    return article_context(text, names, gaz)


# ------------------------------------------------------------------------------------ records
@dataclass(frozen=True)
class Correction:
    """A correction in force, as :func:`apply_corrections` needs it."""

    id: int
    name_norm: str
    context: str
    kind: str  # "candidate" or "coordinates"
    place: Place
    precision: int | None

    @classmethod
    def from_record(cls, rec: dict) -> Correction:
        place = Place(key=rec["place_key"], name=rec["place_name"], lat=float(rec["lat"]), lon=float(rec["lon"]),
                      feature_type=rec["feature_type"], country=rec["country"] or "", geometry=rec.get("geometry"),
                      source="analyst" if rec["kind"] == "coordinates" else "correction")
        return cls(id=int(rec["id"]), name_norm=rec["name_norm"], context=rec["context"], kind=rec["kind"],
                   place=place, precision=None if rec["precision"] is None else int(rec["precision"]))


def load_corrections(store: Store) -> list[Correction]:
    """The corrections in force in ``store`` (what :meth:`Pipeline.ingest` applies)."""
    return [Correction.from_record(r) for r in store.active_corrections()]


# ------------------------------------------------------------------------------------ ingest
def apply_corrections(text: str, mentions: list[Mention], corrections: Sequence[Correction],
                      gaz: Gazetteer) -> dict[int, tuple[int, dict]]:
    """Apply the corrections in force to an article's freshly resolved mentions, in place.

    Returns ``{id(mention): (correction id, original resolution)}`` for the store
    (``ArticleAnalysis.corrections``). Costs nothing when no mention's name has a correction.
    """
    if not corrections:
        return {}
    by_name: dict[str, list[Correction]] = defaultdict(list)
    for c in corrections:
        by_name[c.name_norm].append(c)
    hits = [(m, normalize_name(m.text)) for m in mentions if not m.not_a_place]
    hits = [(m, n) for m, n in hits if n in by_name]
    if not hits:
        return {}
    context = article_context(text, [m.text for m in mentions if not m.not_a_place], gaz)
    applied: dict[int, tuple[int, dict]] = {}
    for m, name in hits:
        chosen = pick_correction(by_name[name], context)
        if chosen is None:
            continue
        applied[id(m)] = (chosen.id, {"place": m.place, "confidence": m.confidence, "precision": m.precision,
                                      "runner_up": m.runner_up, "runner_up_confidence": m.runner_up_confidence})
        if m.runner_up is not None and m.runner_up.key == chosen.place.key:
            m.runner_up, m.runner_up_confidence = m.place, m.confidence
        m.place, m.confidence, m.precision = chosen.place, 1.0, chosen.precision
    return applied


# ------------------------------------------------------------------------------------ making them
def validate_coordinates(lat: object, lon: object) -> tuple[float, float]:
    """``(lat, lon)`` as floats, or ValueError when not numbers within [-90, 90] / [-180, 180]."""
    try:
        la, lo = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError("latitude and longitude must be numbers") from None
    if not (math.isfinite(la) and -90.0 <= la <= 90.0):
        raise ValueError(f"latitude {lat} is out of range: it must be between -90 and 90")
    if not (math.isfinite(lo) and -180.0 <= lo <= 180.0):
        raise ValueError(f"longitude {lon} is out of range: it must be between -180 and 180")
    return la, lo


def _who_and_why(analyst: str, note: str) -> tuple[str, str]:
    analyst = " ".join(str(analyst or "").split())
    note = str(note or "").strip()
    if not analyst:
        raise ValueError("say who makes the correction (analyst)")
    if not note:
        raise ValueError("add a note: why is this the right place?")
    if len(analyst) > MAX_ANALYST_CHARS:
        raise ValueError(f"the analyst name is longer than {MAX_ANALYST_CHARS} characters")
    if len(note) > MAX_NOTE_CHARS:
        raise ValueError(f"the note is longer than {MAX_NOTE_CHARS} characters")
    return analyst, note


def _mention_contexts(store: Store, gaz: Gazetteer, name_norm: str) -> dict[int, str]:
    """Every stored possible-place mention of ``name_norm``, with its article's context."""
    texts = [t for t in store.mention_texts() if normalize_name(t) == name_norm]
    pairs = store.mentions_with_texts(texts) if texts else []
    articles = store.article_mention_texts([a for _m, a in pairs])
    contexts = {aid: article_context(text, names, gaz) for aid, (text, names) in articles.items()}
    return {m: contexts[a] for m, a in pairs if a in contexts}


def preview(store: Store, gaz: Gazetteer, mention_id: int) -> dict:
    """What a correction of this mention would cover: its name, its context, and how many stored
    mentions (and articles) the name has in that context and everywhere."""
    m = store.mention(mention_id)
    if m is None:
        raise ValueError(f"no mention #{mention_id}")
    name = normalize_name(m["text"])
    contexts = _mention_contexts(store, gaz, name)
    context = contexts.get(int(mention_id)) or mention_context(store, gaz, mention_id)
    same = [mid for mid, c in contexts.items() if c == context]
    pairs = dict(store.mentions_with_texts([t for t in store.mention_texts() if normalize_name(t) == name]))
    return {"name_norm": name, "surface": m["text"], "context": context,
            "context_mentions": len(same), "context_articles": len({pairs[i] for i in same if i in pairs}),
            "global_mentions": len(contexts), "global_articles": len(set(pairs.values()))}


def _original(m: dict) -> dict:
    return {"place_key": m["place_key"], "place_name": m["place_name"], "feature_type": m["feature_type"],
            "country": m["country"], "lat": m["lat"], "lon": m["lon"], "confidence": m["confidence"],
            "precision": m["precision"], "runner_up_key": m["runner_up_key"], "runner_up_name": m["runner_up_name"]}


def correct_mention(store: Store, gaz: Gazetteer, mention_id: int, place: Place, *, analyst: str, note: str,
                    scope: str = "context", kind: str = "candidate") -> int:
    """Store a correction "this mention's name, in its article's context (``scope="context"``) or
    everywhere (``scope="global"``), means ``place``" and apply it to the stored mentions now.
    Returns the correction's id. Raises ValueError with a message fit for the analyst."""
    from geo.geoparse.resolve import precision_for

    analyst, note = _who_and_why(analyst, note)
    if scope not in ("context", GLOBAL):
        raise ValueError(f"unknown scope {scope!r}: 'context' or 'global'")
    m = store.mention(mention_id)
    if m is None:
        raise ValueError(f"no mention #{mention_id}")
    if m["not_a_place"]:
        raise ValueError("this name is marked 'not a place' (part of an organisation's or a document's name): "
                         "there is no place to correct")
    name = normalize_name(m["text"])
    if not name:
        raise ValueError("the mention has no name to correct")
    validate_coordinates(place.lat, place.lon)
    if place.feature_type not in FEATURE_TYPES:
        raise ValueError(f"unknown feature type {place.feature_type!r}")
    contexts = _mention_contexts(store, gaz, name)
    context = GLOBAL if scope == GLOBAL else (contexts.get(int(mention_id)) or mention_context(store, gaz, mention_id))
    new = {"surface": m["text"], "context": context, "kind": kind, "place_key": place.key,
           "place_name": place.name, "feature_type": place.feature_type, "country": place.country or "",
           "lat": float(place.lat), "lon": float(place.lon), "geometry": place.geometry,
           "precision": precision_for(place), "analyst": analyst, "note": note, "mention_id": int(mention_id),
           "article_id": int(m["article_id"]), "original": _original(m)}
    new_id = store.rewrite_corrections(name, contexts, new=new, by=analyst)
    assert new_id is not None
    return new_id


def _place_for_key(store: Store, gaz: Gazetteer, key: str, fallback: dict | None = None) -> Place:
    place = gaz.get(key)
    if place is not None:
        return place
    rec = store.place_record(key)
    if rec is not None:
        return Place(key=rec["key"], name=rec["name"], lat=rec["lat"], lon=rec["lon"],
                     feature_type=rec["feature_type"], country=rec["country"], population=rec["population"] or 0,
                     geometry=rec["geometry"], source=rec["source"])
    if fallback:
        return Place(key=key, name=str(fallback.get("name") or key), lat=float(fallback["lat"]),
                     lon=float(fallback["lon"]), feature_type=str(fallback.get("type") or "settlement"),
                     country=str(fallback.get("country") or ""))
    raise ValueError(f"unknown place {key!r}: neither the gazetteer nor the store has it")


def choose_candidate(store: Store, gaz: Gazetteer, mention_id: int, place_key: str, *, analyst: str, note: str,
                     scope: str = "context") -> int:
    """Correct a mention's name to another candidate (a place key from its stored candidates or
    from the gazetteer). See :func:`correct_mention`."""
    m = store.mention(mention_id)
    fallback = None
    if m is not None:
        fallback = next((c for c in json.loads(m["candidates"] or "[]") if c.get("key") == place_key), None)
    place = _place_for_key(store, gaz, place_key, fallback)
    return correct_mention(store, gaz, mention_id, place, analyst=analyst, note=note, scope=scope, kind="candidate")


def set_coordinates(store: Store, gaz: Gazetteer, mention_id: int, lat: object, lon: object, *, analyst: str,
                    note: str, name: str | None = None, feature_type: str = "settlement", country: str = "",
                    scope: str = "context") -> int:
    """Correct a mention's name to a point set by hand (validated ranges). The place gets the key
    ``manual:<lat>_<lon>:<name>`` (letters, digits and ``:._-`` only, like every place key, so it
    fits in a shared link's ``place=``) and ``name`` (default: the name as written)."""
    la, lo = validate_coordinates(lat, lon)
    m = store.mention(mention_id)
    if m is None:
        raise ValueError(f"no mention #{mention_id}")
    label = " ".join(str(name or m["text"]).split())[:200] or m["text"]
    slug = normalize_name(label).replace(" ", "-")[:60].strip("-") or "place"
    place = Place(key=f"manual:{la:.5f}_{lo:.5f}:{slug}", name=label, lat=la, lon=lo,
                  feature_type=feature_type, country=(country or "").strip().upper()[:2], source="analyst")
    return correct_mention(store, gaz, mention_id, place, analyst=analyst, note=note, scope=scope, kind="coordinates")


def undo_correction(store: Store, gaz: Gazetteer, correction_id: int, *, analyst: str = "") -> None:
    """Undo a correction in force: every mention it changed gets its own original resolution
    back (or the global correction of the name, where one applies). The row stays, marked undone."""
    rec = store.correction(correction_id)
    if rec is None:
        raise ValueError(f"no correction #{correction_id}")
    if rec["status"] != "active":
        raise ValueError(f"correction #{correction_id} is not in force ({rec['status']})")
    contexts = _mention_contexts(store, gaz, rec["name_norm"])
    store.rewrite_corrections(rec["name_norm"], contexts, undo=int(correction_id),
                              by=" ".join(str(analyst or "").split())[:MAX_ANALYST_CHARS])


# ------------------------------------------------------------------------------------ candidates
def mention_candidates(mention: dict, gaz: Gazetteer | None = None, search: str | None = None,
                       limit: int = 20) -> list[dict]:
    """The places an analyst may choose for a mention (``Store.mention()`` record): its current
    place and runner-up, its stored candidates, then the gazetteer's places for ``search`` (or
    for the name as written). One dict per place: key, name, type, country, lat, lon, match,
    score, origin ("current", "runner-up", "candidate", "gazetteer")."""
    out: dict[str, dict] = {}

    def add(rec: dict, origin: str) -> None:
        key = rec.get("key")
        if key and key not in out and rec.get("lat") is not None and rec.get("lon") is not None:
            out[key] = {"key": key, "name": rec.get("name") or key, "type": rec.get("type") or "",
                        "country": rec.get("country") or "", "lat": float(rec["lat"]), "lon": float(rec["lon"]),
                        "match": rec.get("match") or "", "score": rec.get("score"), "origin": origin}

    if mention.get("place_key"):
        add({"key": mention["place_key"], "name": mention["place_name"], "type": mention["feature_type"],
             "country": mention["country"], "lat": mention["lat"], "lon": mention["lon"],
             "score": mention["confidence"]}, "current")
    stored = json.loads(mention.get("candidates") or "[]")
    if mention.get("runner_up_key"):
        runner = next((c for c in stored if c.get("key") == mention["runner_up_key"]), None)
        if runner is None and gaz is not None:
            p = gaz.get(mention["runner_up_key"])
            runner = p and {"key": p.key, "name": p.name, "type": p.feature_type, "country": p.country,
                            "lat": p.lat, "lon": p.lon}
        if runner:
            add(runner, "runner-up")
    for c in stored:
        add(c, "candidate")
    query = (search or "").strip() or (mention.get("text") if gaz is not None else "")
    if gaz is not None and query:
        for c in gaz.candidates(query, limit=limit)[:limit]:
            p = c.place
            add({"key": p.key, "name": p.name, "type": p.feature_type, "country": p.country, "lat": p.lat,
                 "lon": p.lon, "match": c.match, "score": round(c.name_score, 3)}, "gazetteer")
    return list(out.values())
