"""Place-name recognition: find the spans of an article that name places.

The small English spaCy model alone is not enough: it tags "Karabakh", "Yerevan" and
"Martoni" as people and misses "Armenia" in a headline. So its entities are combined with
a scan of capitalised token runs against the gazetteer, context cues ("the town of X",
"the X region"), fuzzy matching for spellings the gazetteer lacks, and patterns for line
features ("the border with Iran", "pipelines"). Place names inside the names of
organisations or documents ("Minsk Group", "Helsinki Document") are marked
``not_a_place``; place names standing for an actor ("Yerevan says") are marked
metonymic by :func:`detect_metonymy`.

>>> from geo.language import load_nlp                         # doctest: +SKIP
>>> doc = load_nlp()("Shelling was reported in the town of Martoni.")  # doctest: +SKIP
>>> [m.text for m in recognize_toponyms(doc, get_gazetteer())]       # doctest: +SKIP
['Martoni']
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from spacy.tokens import Doc, Span, Token

from geo.gazetteer.index import Gazetteer, importance
from geo.gazetteer.memo import GazetteerMemo
from geo.geoparse.countries import countries_in_text, load_demonyms, with_neighbours
from geo.geoparse.metonymy import dateline_separator
from geo.model import Mention
from geo.nlp.load import text_of
from geo.profiles import organisation_names

PLACE_LABELS = {"GPE", "LOC", "FAC"}
ORG_LIKE_LABELS = {"ORG", "WORK_OF_ART", "LAW", "EVENT", "PRODUCT", "FAC"}

#: Nouns that, right after a place name, make it part of the name of something else.
NAME_HEADS = {
    "group", "document", "documents", "accord", "accords", "agreement", "agreements", "protocol",
    "protocols", "declaration", "treaty", "convention", "process", "format", "principles", "act",
    "charter", "statement", "university", "college", "institute", "club", "times", "post", "herald",
    "journal", "tribune", "gazette", "daily", "observer", "telegraph", "review", "fc", "united",
    "initiative", "plan", "doctrine", "memorandum", "communique", "summit", "talks", "formula",
    # news media named after a place: "the Kyiv Independent" (not "Chronicle", "Press"...: LGL, whose
    # annotators mark the place in "the Houston Chronicle", lost recall with them)
    "independent",
    # military units named after a place or a direction: "the Vostok grouping of forces", "the Azov
    # brigade" (the unit, not the place)
    "grouping", "brigade", "battalion", "regiment",
    # plurals, for coordinated names: "the Luanda and Nairobi processes"
    "processes", "formats", "summits", "initiatives", "memoranda", "communiques", "formulas",
    "declarations", "charters", "doctrines", "conventions", "treaties", "brigades", "battalions",
}
#: Words of an organisation's name that are not an institution: "Cooperation in Europe".
INSTITUTION_HEADS = {
    "ministry", "department", "embassy", "office", "council", "government", "parliament", "committee",
    "agency", "army", "forces", "bank", "court", "police", "service", "command", "headquarters",
    "consulate", "mission", "administration", "assembly", "authorities", "ministries",
}
#: Capitalised generic words that are place names somewhere but rarely mean one alone.
GENERIC_WORDS = {
    "republic", "kingdom", "state", "states", "university", "city", "county", "province", "region", "district",
    "island", "lake", "mount", "river", "bay", "gulf", "sea", "ocean", "valley", "north", "south", "east",
    "west", "central", "new", "saint", "port", "western", "eastern", "northern", "southern", "union", "federation", "president", "minister", "prince",
    "general", "army", "police", "court", "church", "street", "photo", "file", "files", "pool", "news",
    "secretary", "commissioner", "governor", "mayor", "chancellor", "ambassador", "spokesman", "spokeswoman",
    "senator", "king", "queen", "emperor", "sheikh", "colonel", "captain", "major", "lieutenant", "sergeant",
    "premier", "chairman", "director", "officer", "judge", "bishop", "pope", "deputy", "foreign", "defence",
    "defense", "interior", "ministry", "department", "office", "embassy", "council", "parliament",
}
#: Months and weekdays: capitalised, and place names somewhere ("May", "August").
CALENDAR_WORDS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
}
#: Entity labels that rule a gazetteer match out.
NON_PLACE_LABELS = {"DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY"}
#: Cue nouns that announce a place name after "of": "the town of X".
CUE_NOUNS = {
    "town": "settlement", "city": "settlement", "village": "settlement", "villages": "settlement",
    "settlement": "settlement", "capital": "settlement", "hamlet": "settlement", "port": "settlement",
    "outskirts": "near", "suburbs": "near", "suburb": "near", "vicinity": "near",
    "region": "region", "province": "region", "district": "region", "state": "region", "county": "region",
    "area": "region", "republic": "region", "oblast": "region", "governorate": "region",
}
#: Nouns that, after a name, say what kind of place it is: "the Karabakh region".
TRAILING_TYPE_NOUNS = {"region": "region", "province": "region", "district": "region", "county": "region",
                       "oblast": "region", "governorate": "region", "state": "region", "city": "settlement",
                       "town": "settlement", "village": "settlement"}
#: Nouns for a part of a city: "the Shevchenkivskyi district of Kharkiv" lies in the city Kharkiv.
SUBCITY_NOUNS = {"district", "neighbourhood", "neighborhood", "quarter", "borough", "suburb"}
#: Abbreviated months: ", Dec 5" after a dateline is a date, not a container.
MONTH_ABBREVIATIONS = {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
LOCATIVE_PREPS = {"in", "near", "outside", "at", "from", "into", "around", "toward", "towards", "across"}
#: Connectors that open place names when capitalised (Arabic, Spanish, French, Dutch articles).
NAME_ARTICLES = {"el", "al", "la", "de", "del", "du", "des"}
CONNECTORS = {"-", "–", "—", "of", "and", "de", "la", "del", "el", "al", "upon", "on", "the", "du", "des"}
STATE_PREFIX = re.compile(
    r"^(?:the\s+)?(?:so-called\s+)?(?:(?:self-proclaimed|unrecognised|unrecognized)\s+)?"
    r"(?:(?:islamic|people'?s|democratic|federal|autonomous)\s+)*(?:republic|kingdom|state|emirate|principality)"
    r"\s+of\s+", re.I)
QUOTES = "\"'“”‘’«»"
_ABBREV = re.compile(r"^(?:[A-Z][a-z]{0,4}\.)+(?:[A-Z]\.?)?$")  # U.S., D.C., Tenn., S.C.


def _is_cap(tok: Token) -> bool:
    t = tok.text
    return bool(t) and (t[0].isupper() or (len(t) > 1 and t[0] in QUOTES and t[1].isupper()))


def _sentence_of_token(doc: Doc) -> list[Span]:
    """Token index -> its sentence (what ``Token.sent`` finds by walking the doc each time)."""
    return [sent for sent in doc.sents for _ in range(len(sent))]


def _sentence_bounds(doc: Doc, start_char: int, sentence_of_token: list[Span], text_length: int) -> tuple[int, int]:
    tok = doc.char_span(start_char, start_char + 1, alignment_mode="expand")
    if tok is None or not len(tok):
        return 0, text_length
    sent = sentence_of_token[tok.start]
    return sent.start_char, sent.end_char


#: A name spaCy tags as a nationality or group (NORP) is still a place when it is not a demonym and
#: names a city this large (importance 0.85: about 900,000 people, or a smaller capital).
NORP_CITY_IMPORTANCE = 0.85


def _entity_map(ents: Sequence[Span]) -> dict[int, Span]:
    """Token index -> the entity covering it."""
    out: dict[int, Span] = {}
    for ent in ents:
        for i in range(ent.start, ent.end):
            out[i] = ent
    return out


def _person_surnames(ents: Sequence[Span], gaz_memo: GazetteerMemo) -> set[str]:
    """Last tokens of multi-token PERSON entities: "Pompeo" after "Mike Pompeo".

    Entities that are themselves place names ("Nagorno Karabakh" mislabelled as a
    person) are no evidence of a person.
    """
    names = set()
    for ent in ents:
        if ent.label_ == "PERSON" and len(ent) >= 2 and ent[-1].is_title and not gaz_memo.has_name(ent.text):
            names.add(ent[-1].text)
    return names


def _best_importance(gaz_memo: GazetteerMemo, text: str) -> tuple[float, str]:
    cands = gaz_memo.lookup(text, limit=30)
    if not cands:
        return 0.0, ""
    best = max(cands, key=lambda c: importance(c.place))
    return importance(best.place), best.place.feature_type


# The helpers below read tokens from ``tokens = list(doc)``, made once per article:
# ``doc[i]`` builds a new Token object on every access.


def _strip_span(tokens: list[Token], start: int, end: int) -> tuple[int, int]:
    """Drop leading determiners and quotes, trailing punctuation and possessive 's."""
    while start < end and (tokens[start].lower_ in {"the", "a", "an"} or tokens[start].is_punct):
        start += 1
    while end > start and (tokens[end - 1].is_punct or tokens[end - 1].text in {"'s", "’s", "'"}):
        end -= 1
    return start, end


def _cue_before(tokens: list[Token], start: int) -> tuple[str, bool]:
    """The context cue right before token ``start``: ("settlement", True) for "the town of X"."""
    if start >= 2 and tokens[start - 1].lower_ == "of" and tokens[start - 2].lower_ in CUE_NOUNS:
        if start >= 3 and CUE_NOUNS[tokens[start - 2].lower_] == "region" and _is_cap(tokens[start - 3]):
            return "", True  # "the Shevchenkivskyi district of Kharkiv": X contains the named district
        return CUE_NOUNS[tokens[start - 2].lower_], True
    if start >= 1 and tokens[start - 1].lower_ in LOCATIVE_PREPS:
        return "", True
    return "", False


def _type_after(tokens: list[Token], end: int) -> str:
    if (end + 2 < len(tokens) and tokens[end].lower_ in SUBCITY_NOUNS and tokens[end + 1].lower_ in {"of", "in"}
            and _is_cap(tokens[end + 2])):
        return "near"  # a district of a named city: at or near a point of the city
    if end < len(tokens) and tokens[end].lower_ in TRAILING_TYPE_NOUNS:
        return TRAILING_TYPE_NOUNS[tokens[end].lower_]
    return ""


def _container_after(doc: Doc, tokens: list[Token], end: int) -> str:
    """"X in the Karabakh region" / "X, Texas" / "X in Texas": the container's name."""
    i = end
    n = len(tokens)
    if i + 2 < n and tokens[i].lower_ in SUBCITY_NOUNS and tokens[i + 1].lower_ in {"of", "in"}:
        i += 1  # "the Shevchenkivskyi district of Kharkiv": Kharkiv contains it
    if i < n and tokens[i].text == ",":
        j = i + 1
        k = j
        while k < n and _is_cap(tokens[k]) and k - j < 3:
            k += 1
        if k > j and (tokens[j].lower_.rstrip(".") in MONTH_ABBREVIATIONS or tokens[j].lower_ in CALENDAR_WORDS):
            return ""  # a dateline's date: "GAZA CITY, Dec 5 (Reuters) -"
        return doc[j:k].text if k > j else ""
    if i < n and tokens[i].lower_ in {"in", "near", "of"} and (tokens[i].lower_ != "of" or i > end):
        j = i + 1
        while j < n and tokens[j].lower_ in {"the", "a"}:
            j += 1
        k = j
        while k < n and (_is_cap(tokens[k]) or tokens[k].text in {"-", "–"}) and k - j < 4:
            k += 1
        return doc[j:k].text if k > j else ""
    return ""


def _is_part_of_name(doc: Doc, tokens: list[Token], start: int, end: int, ents: dict[int, Span]) -> str:
    """Why the place name at tokens [start, end) is part of another name, or ''."""
    # Inside a longer organisation / document entity that is not itself a state name.
    for i in range(start, end):
        ent = ents.get(i)
        if ent is not None and ent.label_ in ORG_LIKE_LABELS and (ent.start < start or ent.end > end):
            text = ent.text
            if STATE_PREFIX.match(text):
                continue
            # "Armenian Ministry of Defense" keeps no place; "Minsk Group" and "the Helsinki Document" do.
            tail = [t.lower_ for t in ent if t.i >= end]
            if ent.end > end and (not tail or tail[0] in NAME_HEADS or tail[-1] in NAME_HEADS):
                return f"part of the name '{text}'"
            if ent.start < start and ent.end == end and tokens[start - 1].lower_ in {"in", "for", "of"}:
                head = tokens[start - 2].lower_ if start >= 2 else ""
                if head not in INSTITUTION_HEADS:
                    return f"part of the name '{text}'"
    # Followed by a name head, possibly after a closing quote or capitalised words of the
    # name: "Minsk" group, Helsinki Document, Helsinki Final Act.
    j = end
    while j < len(tokens) and tokens[j].text in QUOTES:
        j += 1
    if j + 1 < len(tokens) and tokens[j].lower_ in {"and", "or", "&"} and _is_cap(tokens[j + 1]):
        j += 1  # "the Luanda and Nairobi processes": the head after the second name names both
        while j < len(tokens) and _is_cap(tokens[j]) and tokens[j].lower_ not in NAME_HEADS and j - end < 5:
            j += 1
    k = j
    while k < len(tokens) and k - j < 3 and tokens[k].is_title and tokens[k].lower_ not in NAME_HEADS:
        k += 1
    for idx in (j, k):
        if idx < len(tokens) and tokens[idx].lower_ in NAME_HEADS and not tokens[idx].is_sent_start and (
                idx == j or tokens[idx].is_title):
            return f"followed by '{tokens[idx].text}'"
    # Preceded by an organisation ending in a non-institution word + "in": "... Cooperation in Europe".
    if start >= 2 and tokens[start - 1].lower_ in {"in", "for"}:
        prev = ents.get(start - 2)
        k = start - 2  # the whole word before "in", hyphenated ones included ("Co-operation")
        while k >= 2 and tokens[k - 1].text in {"-", "‐"}:
            k -= 2
        if (prev is not None and prev.label_ == "ORG" and prev.end == start - 1 and len(prev) >= 3
                and tokens[start - 2].lower_ not in INSTITUTION_HEADS and tokens[k].is_title):
                return f"part of the name '{prev.text} {tokens[start - 1].text} {doc[start:end].text}'"
    return ""


def _capitalised_runs(tokens: list[Token], capitalised: list[bool]) -> list[tuple[int, int]]:
    """Maximal runs of capitalised tokens, joined by hyphens and small connector words.

    ``capitalised[i]`` is ``_is_cap(tokens[i])``."""
    runs: list[tuple[int, int]] = []
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        if capitalised[i] and (tok.is_alpha or _ABBREV.match(tok.text)) or (tok.text[:1] in QUOTES and capitalised[i]):
            j = i + 1
            while j < n:
                nxt = tokens[j]
                if capitalised[j] and (nxt.is_alpha or nxt.text[:1].isalpha()) or (
                        nxt.lower_ in CONNECTORS and j + 1 < n and capitalised[j + 1] and nxt.whitespace_ != "\n"):
                    j += 1
                else:
                    break
            runs.append((i, j))
            i = j
        else:
            i += 1
    return runs


def _gazetteer_spans(tokens: list[Token], capitalised: list[bool], text_all: str,
                     gaz_memo: GazetteerMemo) -> list[tuple[int, int]]:
    """Longest sub-spans of capitalised runs that are gazetteer names (left to right)."""
    spans: list[tuple[int, int]] = []
    for rs, re_ in _capitalised_runs(tokens, capitalised):
        i = rs
        while i < re_:
            found = None
            for j in range(min(re_, i + 6), i, -1):
                if tokens[j - 1].lower_ in CONNECTORS or (tokens[i].lower_ in CONNECTORS and not (
                        capitalised[i] and tokens[i].lower_ in NAME_ARTICLES)):
                    continue  # a capitalised article may open a name: "El Fasher", "La Crosse", "De Aar"
                text = text_all[tokens[i].idx: tokens[j - 1].idx + len(tokens[j - 1].text)]
                if gaz_memo.has_name(text):
                    found = (i, j)
                    break
            if found:
                spans.append(found)
                i = found[1]
            else:
                i += 1
    return spans


def _feature_mentions(doc: Doc, tokens: list[Token], country_tokens: dict[int, str]) -> list[Mention]:
    """Line features named by common nouns: "the border with Iran", "pipelines"."""
    out: list[Mention] = []
    demonyms = load_demonyms()
    for tok in tokens:
        low = tok.lower_
        if low in {"border", "borders", "frontier", "boundary"}:
            # "border with Iran", "border between Armenia and Azerbaijan"
            nxt = tok.i + 1
            if nxt < len(tokens) and tokens[nxt].lower_ in {"with", "between"}:
                k = nxt + 1
                while k < len(tokens) and tokens[k].lower_ in {"the"}:
                    k += 1
                ends = [k2 for k2 in range(k, min(len(tokens), k + 8)) if k2 in country_tokens]
                if ends:
                    last = ends[0]
                    if tokens[nxt].lower_ == "between" and len(ends) > 1:
                        last = ends[1]
                    end_tok = last
                    while end_tok + 1 < len(tokens) and country_tokens.get(end_tok + 1) == country_tokens[last]:
                        end_tok += 1
                    span = doc[tok.i: end_tok + 1]
                    out.append(Mention(start=span.start_char, end=span.end_char, text=span.text,
                                       method="feature", feature_hint="border"))
                    continue
            # "the Armenian-Azerbaijani border", "the Iranian border"
            k = tok.i - 1
            codes = []
            while k >= 0 and (tokens[k].lower_ in demonyms or tokens[k].text in {"-", "–"} or k in country_tokens):
                if tokens[k].lower_ in demonyms:
                    codes.append(demonyms[tokens[k].lower_])
                elif k in country_tokens:
                    codes.append(country_tokens[k])
                k -= 1
            if codes:
                span = doc[k + 1: tok.i + 1]
                out.append(Mention(start=span.start_char, end=span.end_char, text=span.text,
                                   method="feature", feature_hint="border"))
        elif low in {"pipeline", "pipelines"} or tok.lemma_.lower() == "pipeline":
            # Not the idiom "in the pipeline".
            if tok.i >= 2 and tokens[tok.i - 1].lower_ == "the" and tokens[tok.i - 2].lower_ == "in" and low == "pipeline":
                continue
            start = tok.i
            while start > 0 and tokens[start - 1].lower_ in {"oil", "gas", "export", "crude"}:
                start -= 1
            span = doc[start: tok.i + 1]
            out.append(Mention(start=span.start_char, end=span.end_char, text=span.text,
                               method="feature", feature_hint="pipeline"))
    return out


def recognize_toponyms(doc: Doc, gaz: Gazetteer) -> list[Mention]:
    """All place-name mentions of a parsed article, in text order, without overlaps.

    Mentions marked ``not_a_place`` are kept (with the reason in ``metonymy_reason``) so
    that callers can show why a name was not plotted; callers drop them before resolving.
    """
    gaz_memo = GazetteerMemo.of(gaz)
    tokens = list(doc)
    capitalised = [_is_cap(t) for t in tokens]
    text_all = text_of(doc)
    doc_ents = doc.ents
    ents = _entity_map(doc_ents)
    surnames = _person_surnames(doc_ents, gaz_memo)
    doc_countries = with_neighbours(countries_in_text(text_all))  # their small towns need no cue
    demonyms = load_demonyms()
    found: dict[tuple[int, int], Mention] = {}
    found_tokens: set[int] = set()  # tokens inside a found mention

    def add(start_tok: int, end_tok: int, method: str, label: str = "") -> None:
        start_tok, end_tok = _strip_span(tokens, start_tok, end_tok)
        if end_tok <= start_tok:
            return
        span = doc[start_tok:end_tok]
        text = span.text
        # "Republic of Nagorny Karabakh": keep the place name itself.
        m = STATE_PREFIX.match(text)
        if m and not gaz_memo.has_name(text):
            rest = doc.char_span(span.start_char + m.end(), span.end_char, alignment_mode="contract")
            if rest is not None and len(rest):
                span = rest
                start_tok, end_tok = rest.start, rest.end
                text = span.text
        key = (span.start_char, span.end_char)
        if key in found or text.lower() in demonyms:  # "Ukrainian drones": a demonym, not a place
            return
        hint, cued = _cue_before(tokens, start_tok)
        mention = Mention(start=span.start_char, end=span.end_char, text=text, method=method,
                          ner_label=label, feature_hint=hint or _type_after(tokens, end_tok),
                          cue_container=_container_after(doc, tokens, end_tok))
        reason = _is_part_of_name(doc, tokens, start_tok, end_tok, ents)
        if not reason and end_tok - start_tok > 1 and tokens[end_tok - 1].lower_ in NAME_HEADS:
            reason = f"name of a {tokens[end_tok - 1].lower_}"  # "the Helsinki Document" as one entity
        if reason:
            mention.not_a_place = True
            mention.metonymy_reason = reason
        found[key] = mention
        found_tokens.update(range(start_tok, end_tok))
        mention._tokens = (start_tok, end_tok, cued)  # type: ignore[attr-defined]

    # 1. spaCy's place entities, unless they are people's surnames met elsewhere.
    for doc_ent in doc_ents:
        if doc_ent.label_ in PLACE_LABELS:
            s, e = _strip_span(tokens, doc_ent.start, doc_ent.end)
            if e <= s:
                continue
            text = doc[s:e].text
            if text in surnames and _best_importance(gaz_memo, text)[0] < 0.9:
                continue
            if "\n" in text:
                continue
            if not any(ch.isupper() for ch in text):
                continue  # "from the east and north of the city": a direction, not a proper name
            add(doc_ent.start, doc_ent.end, "ner", doc_ent.label_)

    # 2. Gazetteer names in capitalised runs, gated by how likely the name is a place here.
    for s, e in _gazetteer_spans(tokens, capitalised, text_all, gaz_memo):
        span = doc[s:e]
        text = span.text
        first = tokens[s]
        if e - s == 1 and (first.lower_ in GENERIC_WORDS or first.lower_ in CALENDAR_WORDS
                           or (first.is_stop and not first.text.isupper())):  # "We", but "US"
            continue
        if any(ents.get(i) is not None and ents[i].label_ in NON_PLACE_LABELS for i in range(s, e)):
            continue
        imp, ftype = _best_importance(gaz_memo, text)
        # All-capital runs are credits and codes ("CENETA / POOL / AFP"), unless a country's alias.
        if text.isupper() and len(text) > 2 and ftype != "country":
            continue
        ent = ents.get(s)
        in_place_ent = any(ents.get(i) is not None and ents[i].label_ in PLACE_LABELS for i in range(s, e))
        inside_person = ent is not None and ent.label_ == "PERSON" and len(ent) > (e - s) and \
            not gaz_memo.has_name(ent.text)
        if inside_person or (text in surnames and imp < 0.9):
            continue
        if any(ents.get(i) is not None and ents[i].label_ == "NORP" for i in range(s, e)) and ftype != "country" \
                and (text.lower() in demonyms or imp < NORP_CITY_IMPORTANCE):
            continue  # "Ukrainian", "Sunni"; but a city the model took for a people ("Omdurman")
        _, cued = _cue_before(tokens, s)
        run = tokens[s:e]
        propn = all(t.pos_ == "PROPN" or t.lower_ in CONNECTORS or t.text in "-–" for t in run)
        sentence_initial = first.is_sent_start
        strong = (ftype in ("country", "border", "pipeline") or (ftype == "region" and propn)) and imp >= 0.8
        lone_ent = ent is None or (ent.start == s and ent.end == e and ent.label_ not in {"PERSON", "NORP"})
        followed_by_of = e < len(tokens) and tokens[e].lower_ == "of"  # "Secretary of State": a title
        local = (propn and not sentence_initial and lone_ent and not followed_by_of and doc_countries and any(
            c.place.country in doc_countries and c.match != "fuzzy" for c in gaz_memo.lookup(text, limit=30)))
        if in_place_ent or strong or (imp >= 0.75 and (propn or not sentence_initial)) or (cued and propn) or local:
            add(s, e, "gazetteer")

    # 3. Cue-introduced names the gazetteer only knows in another spelling: "the town of Martoni".
    for tok in tokens:
        if not (capitalised[tok.i] and tok.is_alpha) or tok.i in found_tokens:
            continue
        hint, cued = _cue_before(tokens, tok.i)
        if not (cued and hint) and not (tok.i + 1 < len(tokens) and tokens[tok.i + 1].lower_ in TRAILING_TYPE_NOUNS):
            continue
        end = tok.i + 1
        while end < len(tokens) and capitalised[end] and tokens[end].is_alpha and end - tok.i < 4:
            end += 1
        text = doc[tok.i:end].text
        if gaz_memo.lookup(text, limit=1) or gaz_memo.fuzzy(text, limit=1, min_score=0.8):
            add(tok.i, end, "cue")

    # 4. Datelines: an all-capital place name opening the article or a paragraph ("GAZA (Reuters) -").
    for i, tok in enumerate(tokens):
        if i in found_tokens or not (i == 0 or "\n" in tokens[i - 1].text_with_ws) or not tok.is_upper:
            continue
        end = i
        while end < len(tokens) and end - i < 4 and tokens[end].is_alpha and tokens[end].is_upper:
            end += 1
        if end > i and gaz_memo.has_name(doc[i:end].text) and _dateline_place(
                gaz_memo, text_all, tokens[i].idx, tokens[end - 1].idx + len(tokens[end - 1].text),
                any(ents.get(k) is not None and ents[k].label_ == "ORG" for k in range(i, end))):
            add(i, end, "gazetteer")

    mentions = sorted(found.values(), key=lambda m: (m.start, -(m.end - m.start)))

    # 5. Line features, with country mentions known.
    country_tokens: dict[int, str] = {}
    for m in mentions:
        if m.not_a_place:
            continue
        cands = gaz_memo.lookup(m.text, limit=5)
        country = next((c.place.country for c in cands if c.place.feature_type == "country"), "")
        if country:
            s, e, _ = m._tokens  # type: ignore[attr-defined]
            for i in range(s, e):
                country_tokens[i] = country
    feature = _feature_mentions(doc, tokens, country_tokens)
    mentions = _remove_overlaps(feature + mentions)
    sentence_of_token = _sentence_of_token(doc) if mentions else []
    organisations = organisation_names()
    for m in mentions:
        m.sentence_start, m.sentence_end = _sentence_bounds(doc, m.start, sentence_of_token, len(text_all))
        if hasattr(m, "_tokens"):
            del m._tokens
        if not m.not_a_place and (_names_organisation(m.text, organisations) or _clock_zone(text_all, m)):
            m.not_a_place = True
    return mentions


#: A dateline that ends in a colon, or that the parser reads as an organisation, must name a
#: settlement at least this important (population about 80,000, or a capital; see ``importance``).
DATELINE_NOTABLE = 0.7


def _dateline_place(gaz_memo: GazetteerMemo, text: str, start: int, end: int, org: bool) -> bool:
    """Whether the all-capital name at [start, end) opens a dateline naming a place. Headlines
    quote a source the same way ("UN: aid convoys blocked", "EU: sanctions extended"): a name
    the profiles know as an organisation never opens a dateline, and one ending in a colon
    ("RIYADH:") or that the parser reads as an organisation must be a notable settlement,
    not a small namesake town (Un, India; Eu, France)."""
    separator = dateline_separator(text, start, end)
    if not separator:
        return False
    name = text[start:end]
    if _names_organisation(name, organisation_names()) or _names_organisation(name.title(), organisation_names()):
        return False
    if separator != ":" and not org:
        return True
    return any(c.place.feature_type == "settlement" and importance(c.place) >= DATELINE_NOTABLE
               for c in gaz_memo.lookup(name, limit=30) if c.match != "fuzzy")


def _names_organisation(text: str, organisations: frozenset[str]) -> bool:
    """A name the conflict profiles know as an organisation, an armed group or a person ("Hamas",
    "M23", "Wagner"), however close a gazetteer name is."""
    bare = text[4:] if text.lower().startswith("the ") else text
    return bare in organisations


_CLOCK_BEFORE = re.compile(r"\b\d{1,2}(?:[:.]\d{2})?\s*(?:a\.?m\.?|p\.?m\.?|h)?\s*(?:\(\s*)?$", re.I)
_TIME_AFTER = re.compile(r"^\s+(?:time|summer time|standard time)\b", re.I)


def _clock_zone(text: str, m: Mention) -> bool:
    """A place name in a time zone: "7:00 Moscow time", "at 3 p.m. Kyiv time"."""
    return bool(_TIME_AFTER.match(text[m.end:m.end + 20])) and bool(_CLOCK_BEFORE.search(text[max(0, m.start - 16):m.start]))


def _remove_overlaps(mentions: list[Mention]) -> list[Mention]:
    """Keep feature mentions first, then longer spans; drop anything overlapping a kept one."""
    order = sorted(mentions, key=lambda m: (m.method != "feature", -(m.end - m.start), m.start))
    kept: list[Mention] = []
    for m in order:
        if all(m.end <= k.start or m.start >= k.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)


def mentions_from_spans(doc: Doc, spans: list[tuple[int, int]]) -> list[Mention]:
    """Mentions for given character spans (evaluation with gold spans), with the same
    context cues recognition would have attached."""
    out: list[Mention] = []
    tokens = list(doc)
    ents = _entity_map(doc.ents)
    text_all = text_of(doc)
    for start, end in spans:
        span = doc.char_span(start, end, alignment_mode="expand")
        text = text_all[start:end]
        if span is None or not len(span):
            out.append(Mention(start=start, end=end, text=text, method="gold"))
            continue
        hint, _ = _cue_before(tokens, span.start)
        low = text.lower()
        method = "gold"
        if any(w in low.split() for w in ("border", "borders", "frontier", "boundary")):
            hint, method = "border", "feature"
        elif "pipeline" in low:
            hint, method = "pipeline", "feature"
        label = ents[span.start].label_ if span.start in ents else ""
        out.append(Mention(start=start, end=end, text=text, method=method, ner_label=label,
                           feature_hint=hint or _type_after(tokens, span.end),
                           cue_container=_container_after(doc, tokens, span.end)))
    sentence_of_token = _sentence_of_token(doc) if out else []
    for m in out:
        m.sentence_start, m.sentence_end = _sentence_bounds(doc, m.start, sentence_of_token, len(text_all))
    return out
