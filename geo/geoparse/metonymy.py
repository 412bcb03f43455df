"""Metonymy: a settlement name standing for a government or actor ("Yerevan says") is
flagged and never plotted as where something happened.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc

from geo.model import Mention
from geo.nlp.load import text_of

#: After a dateline's place name: ", Ukraine", " (Reuters)", " —", ", Dec 5"; group 1 the dash or colon.
_DATELINE_AFTER = re.compile(r"^(?:,[^\n]{0,40}?)?\s*(?:\([^)\n]{1,40}\)\s*)?([-–—:])")


def dateline_separator(text: str, start: int, end: int) -> str:
    """The dash (or colon) that ends the dateline whose place name is [start, end), or "" if it is
    none: an all-capital name opening the article or a paragraph and followed by a dash, perhaps
    after a country, a date or an agency ("GAZA (Reuters) -", "KHARKIV, Ukraine —", "RIYADH:")."""
    name = text[start:end]
    line_start = text.rfind("\n", 0, start) + 1
    if not name or not name.isupper() or text[line_start:start].strip():
        return ""
    found = _DATELINE_AFTER.match(text[end:end + 60])
    return found.group(1) if found else ""


def is_dateline(text: str, start: int, end: int) -> bool:
    """Whether [start, end) is a dateline (:func:`dateline_separator`): it names where the report
    was filed from, literal. The recogniser asks more of one ending in a colon, the way headlines
    quote a source ("UN: aid convoys blocked")."""
    return bool(dateline_separator(text, start, end))

# --------------------------------------------------------------------------- metonymy

#: Verbs whose subject is located, not acting: "Baku lies on the Caspian".
LOCATIVE_VERBS = {"be", "lie", "sit", "border", "remain", "stand", "become", "host", "neighbour", "neighbor",
                  "overlook", "situate", "locate", "have", "contain", "include", "cover", "stretch"}
#: Heads of "X's N" that keep X a location: "Baku's streets".
LITERAL_POSSESSIONS = {"street", "streets", "outskirts", "centre", "center", "airport", "port", "residents",
                       "population", "suburbs", "district", "districts", "neighbourhood", "neighborhood",
                       "skyline", "mayor", "citizens", "inhabitants", "people", "old", "downtown", "square",
                       "hospital", "hospitals", "buildings", "area", "areas", "north", "south", "east", "west",
                       "climate", "economy", "history", "oil", "coast", "river", "harbour", "harbor"}
#: Actor nouns a place name may modify: "Baku authorities".
ACTOR_NOUNS = {"authorities", "officials", "government", "leadership", "regime", "administration",
               "officials'", "diplomats", "negotiators", "side", "envoy", "spokesman", "spokeswoman"}


def detect_metonymy(doc: Doc, start: int, end: int) -> tuple[bool, str]:
    """Whether the place name at characters [start, end) stands for an actor.

    Dependency cues: subject of a non-locative verb ("Yerevan says"), agent of a passive
    ("backed by Yerevan"), possessor of a non-spatial noun ("Baku's commitment"), modifier
    of an actor noun ("Baku authorities"); conjuncts inherit their head's role.
    """
    if is_dateline(text_of(doc), start, end):
        return False, ""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or not len(span):
        return False, ""
    tok = span.root
    # Climb conjunctions: "the European Union and Washington called for".
    while tok.dep_ == "conj" and tok.head.i != tok.i:
        tok = tok.head
    dep = tok.dep_
    head = tok.head
    if dep == "nsubj" and head.pos_ in {"VERB", "AUX"} and head.lemma_.lower() not in LOCATIVE_VERBS:
        return True, f"subject of '{head.text}'"
    if dep == "nsubj" and head.pos_ == "VERB":
        return False, ""
    if dep == "pobj" and head.lower_ == "by" and head.dep_ == "agent":
        return True, f"agent of '{head.head.text}'"
    if dep == "poss" and head.lower_ not in LITERAL_POSSESSIONS:
        return True, f"possessor of '{head.text}'"
    if dep in {"compound", "amod", "nmod"} and head.lower_ in ACTOR_NOUNS:
        return True, f"modifies '{head.text}'"
    nxt = span.end
    if nxt < len(doc) and doc[nxt].lower_ in ACTOR_NOUNS:  # parser may miss it: "accused Baku authorities"
        return True, f"modifies '{doc[nxt].text}'"
    return False, ""


def flag_metonymy(doc: Doc, mentions: list[Mention]) -> None:
    """Mark settlement names that stand for an actor ("Yerevan says")."""
    for m in mentions:
        if m.place is not None and m.place.feature_type == "settlement" and not m.not_a_place:
            m.metonymic, reason = detect_metonymy(doc, m.start, m.end)
            if m.metonymic:
                m.metonymy_reason = reason
