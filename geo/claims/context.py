"""The party of a speaker phrase that names none, from the article around it.

"The army said", "Health Minister Haitham Ibrahim told a news conference", "a spokesman for
the 5th Infantry Division", "the group said", "the regional governor": the phrase names a
kind of speaker, not its party. The article tells it, in this order (the first that decides
wins, else the speaker stays ``Other``, never a guess):

* an organ of a de-facto authority's place ("Karabakh's defence army", "the ombudsman of
  Artsakh", "the ethnic Armenian authorities in Nagorno-Karabakh") speaks for that authority
  (the ``places`` of a profile's de-facto party), not for the state the place lies in; so
  does a local office of a place a profile lists as held by an occupying state ("the head of
  Crimea": Russia, whose installed officials speak for it);
* an armed group or movement by a common noun ("the group", "the rebels", "the paramilitary
  force", "a spokesman for the movement") is the last armed group or movement of a conflict
  profile named before it, unless an organisation of no known party is named in that group's
  sentence or after it ("Human Rights Watch accused the RSF ... The group said": no guess);
* a local office ("the regional governor", "acting governor X") is the country of the places
  of its sentence before it, else of the sentence before;
* a state organ (army, forces, a unit, ministry, minister, government, president, head of
  state) is the state of the last speaker of its kind (military or government) that named
  its state ("Azerbaijan's army said ... the army said"); else of its kind's last full
  mention before it in the article ("Sudan's army ... the army said", "Ukrainian forces ... a
  spokesman for the 24th Brigade"), unless the last state organ speaking was of another
  state (then ``Other``); else the state of that last organ speaking; else the
  state of a clear majority of the article's state mentions (names, demonyms, capitals,
  officials and the places of each state): at least twice as many as, and two more than, the
  next state and the places that belong to no state party (2-0, 3-1, 4-2; not 2-1), else
  the one state at war of the profiles whose armed groups the article names (the RSF's
  profile has one state, Sudan; the M23's has two, so it decides nothing). Where a de-facto authority is
  named (or its places), places count for no state: Karabakh's towns lie in Azerbaijan but
  do not tell whose army speaks.

A phrase with another proper noun ("the Sudan Liberation Movement army"), with a territory
that is no state party ("the Palestinian health ministry"), or with "former", "opposition" or
"sources" gets no party from the context.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache

from spacy.tokens import Span, Token

from geo.claims.actors import ActorMatch, ActorRegistry, ProfileParty, state_actors
from geo.geoparse.countries import countries_in_text
from geo.model import Mention

_UNIT = r"(?:grouping(?:\s+of\s+forces)?|division|brigade|regiment|battalion|corps)"
_MILITARY = (r"army|military|armed\s+forces|forces|troops|navy|air\s+force|general\s+staff|"
             r"defen[cs]e\s+forces|" + _UNIT)
_GOVERNMENT = (r"government|ministry|ministries|minister|cabinet|presidency|president|prime\s+minister|"
               r"premier|head\s+of\s+state|kremlin")
_LOCAL = r"governor|mayor|regional\s+council|regional\s+administration|regional\s+authorities|local\s+authorities"
ORGAN = re.compile(rf"\b(?:(?P<military>{_MILITARY})|(?P<government>{_GOVERNMENT})|(?P<local>{_LOCAL}))\b", re.I)
#: A common noun for an armed group or movement.
GROUP = re.compile(r"\b(?:group|movement|rebels?|militias?|militants?|insurgents?|paramilitar(?:y|ies)|"
                   r"guerrillas?|fighters)\b", re.I)
#: Organs of a de-facto authority's place.
_DEFACTO_ORGAN = (r"authorities|(?:defen[cs]e\s+)?army|ombudsman|human\s+rights\s+ombudsman|leader(?:ship)?|"
                  r"president|government|(?:\w+\s+)?ministry|officials?|emergency\s+service|civil\s+defen[cs]e|"
                  r"police|administration|parliament|media\s+office|rescue\s+service|governor|mayor|head|"
                  r"(?:regional\s+)?council")
_NO_CONTEXT = re.compile(r"\b(?:former|ex|opposition|exiled|sources?|ethnic)\b", re.I)
_ETHNIC = re.compile(r"\bethnic(?:ally)?\s+[A-Z][\w-]+", re.U)
#: Capitalised words a state organ's name may hold ("the Ministry of Defence", "Health Minister").
ORGAN_WORDS = frozenset({
    "ministry", "minister", "defence", "defense", "health", "foreign", "affairs", "interior", "information",
    "army", "armed", "forces", "force", "general", "staff", "government", "presidency", "president", "prime",
    "national", "security", "office", "air", "navy", "command", "council", "regional", "governor", "mayor",
    "head", "state", "spokesman", "spokeswoman", "spokesperson", "press", "service", "division", "brigade",
    "regiment", "battalion", "corps", "infantry", "mechanised", "mechanized", "motorised", "motorized",
    "airborne", "armoured", "armored", "grouping", "military", "emergency", "emergencies", "situations",
    "civil", "protection", "deputy", "acting", "chief", "of", "the", "and", "justice", "finance", "energy",
    "agriculture", "education", "culture", "transport", "economy", "administration", "kremlin",
})
_UNIT_WORDS = frozenset({"grouping", "division", "brigade", "regiment", "battalion", "corps", "group"})


def organ_kind(span: Span, masked: str) -> str | None:
    """"military", "government", "local" or "group" for a speaker phrase that names a kind of
    speaker and no one in particular; None for anything else ("a group of doctors",
    "the Emergency Lawyers group", "a former minister", "military sources")."""
    if _NO_CONTEXT.search(masked):
        return None
    for t in span:
        if t.pos_ == "PROPN" and t.ent_type_ != "PERSON" and t.lower_ not in ORGAN_WORDS \
                and t.head.lower_ not in _UNIT_WORDS and t.head.ent_type_ != "PERSON" and not t.like_num \
                and not (t.i + 1 < len(t.doc) and t.doc[t.i + 1].lower_ in _UNIT_WORDS):  # "the Vostok grouping"
            return None  # another name: "the Sudan Liberation Movement army", "Amnesty's team"
    group = GROUP.search(masked)
    if group:
        tok = next((t for t in span if t.idx - span.start_char == group.start()), None)
        if tok is not None and any(c.lower_ in {"a", "an", "another", "one"} for c in tok.children):
            return None  # "an armed group said": no one in particular
        if tok is not None and any(c.dep_ == "prep" and c.lower_ == "of" for c in tok.children):
            return None  # "a group of residents"
        return "group"
    m = ORGAN.search(masked)
    return m.lastgroup if m else None


@lru_cache(maxsize=64)
def _defacto_pattern(places: tuple[str, ...]) -> re.Pattern:
    place = "(?:" + "|".join(re.escape(p) for p in sorted(places, key=len, reverse=True)) + ")"
    return re.compile(
        rf"(?<![\w-]){place}(?:'s|’s)?\s+(?:[\w-]+\s+){{0,2}}?(?:{_DEFACTO_ORGAN})\b"
        rf"|\b(?:{_DEFACTO_ORGAN})\s+(?:(?!(?:of|in|at|for|from|a|an|the)\b)[\w-]+\s+){{0,3}}?"
        rf"(?:of|in|for|from)\s+(?:the\s+)?"
        rf"(?:(?:self-\w+|breakaway|separatist|unrecognised|unrecognized)\s+)*{place}(?![\w-])", re.I)


def defacto_party(text: str, registry: ActorRegistry, countries: frozenset[str]) -> str | None:
    """The de-facto authority an organ of its place speaks for ("Nagorno-Karabakh's defence
    army"), unless the phrase also names another party ("the Israeli army in Gaza")."""
    masked = _ETHNIC.sub(lambda m: " " * len(m.group(0)), text)
    low = masked.lower()
    for party in registry.parties.values():
        if not party.places or not any(p.lower() in low for p in party.places):
            continue  # none of its places in the phrase: its pattern cannot match
        hit = _defacto_pattern(party.places).search(masked)
        if hit is None:
            continue
        places = [(m.start(), m.end()) for m in re.finditer(
            "|".join(re.escape(p) for p in party.places), masked)]
        others = [m for m in registry.matches(masked, countries) if m.actor != party.name
                  and not any(s <= m.start < e or m.start <= s < m.end for s, e in places)]
        if not others:
            return party.name
    return None


def _defacto_named(text: str, registry: ActorRegistry, matches: list[ActorMatch]) -> bool:
    """Whether the article names a de-facto authority (one of its names or its places)."""
    for party in registry.parties.values():
        if party.kind != "de-facto authority":
            continue
        if any(m.actor == party.name for m in matches):
            return True
        if party.places and re.search(r"(?<![\w-])(?:" + "|".join(re.escape(p) for p in party.places)
                                      + r")(?![\w-])", text):
            return True
    return False


class ArticleContext:
    """What the article says around its speakers: its party mentions, the last full mention of
    each kind of organ, its majority state."""

    def __init__(self, text: str, registry: ActorRegistry, mentions: list[Mention], countries: frozenset[str],
                 matches: list[ActorMatch] | None = None):
        self.text, self.registry, self.mentions = text, registry, mentions
        self.matches = registry.matches(text, countries) if matches is None else matches
        self.states = state_actors()
        self._organ_mentions: list[tuple[int, str, str]] | None = None
        self._majority: tuple[str | None] | None = None
        #: The speaker chain of state organs: organ kind -> state of its last speaker naming one.
        self.spoken: dict[str, str] = {}
        self.last_organ_speaker: str | None = None
        #: The article's sentences (set by the speaker resolver), for "the group" to look back on.
        self.sentences: list[Span] = []

    def organ_mentions(self) -> list[tuple[int, str, str]]:
        """(offset, organ kind, state) for each full mention of a state's organ in the text:
        "Sudan's army", "the Sudanese Armed Forces", "Ukrainian forces", "the army of Chad"."""
        if self._organ_mentions is None:
            out: list[tuple[int, str, str]] = []
            for m in self.matches:
                if m.actor not in self.states:
                    continue
                after = re.match(r"(?:'s|’s)?\s+(?:[\w-]+\s+){0,2}?(" + ORGAN.pattern + ")",
                                 self.text[m.end:m.end + 60], re.I)
                if after and not GROUP.search(self.text[m.end:m.end + after.end()]):
                    kind = ORGAN.search(after.group(1))
                    if kind and kind.lastgroup != "local":
                        out.append((m.end + after.end(), kind.lastgroup or "", m.actor))
                        continue
                before = re.search(r"(" + ORGAN.pattern + r")\s+of\s+(?:the\s+)?$",
                                   self.text[max(0, m.start - 60):m.start], re.I)
                if before:
                    kind = ORGAN.search(before.group(1))
                    if kind and kind.lastgroup != "local":
                        out.append((m.end, kind.lastgroup or "", m.actor))
            self._organ_mentions = out
        return self._organ_mentions

    def last_full_mention(self, kind: str, before: int) -> str | None:
        found = [actor for at, k, actor in self.organ_mentions() if k == kind and at <= before]
        return found[-1] if found else None

    def majority_state(self) -> str | None:
        """The state a clear majority of the article's mentions belong to (module docstring)."""
        if self._majority is None:
            counts: Counter = Counter(m.actor for m in self.matches if m.actor in self.states)
            taken = [(m.start, m.end) for m in self.matches]
            no_state = _defacto_named(self.text, self.registry, self.matches)
            nobody = 0
            for mention in self.mentions:
                if mention.place is None or mention.not_a_place or not mention.place.country:
                    continue
                if any(s < mention.end and mention.start < e for s, e in taken):
                    continue  # "Kigali said": counted once, as the registry's
                actor = self.registry.country_actor(mention.place.country)
                if actor is None or no_state:
                    nobody += 1
                else:
                    counts[actor] += 1
            ranked = counts.most_common(2)
            best: str | None = None
            if ranked:
                top, n = ranked[0]
                second = max(ranked[1][1] if len(ranked) > 1 else 0, nobody)
                if n >= 2 and n >= 2 * second and n - second >= 2:
                    best = top
            self._majority = (best,)
        return self._majority[0]

    def last_group(self, before: int) -> str | None:
        """The last armed group or movement named before ``before``."""
        groups = [m for m in self.matches if m.end <= before and self._is_group(self.registry.parties.get(m.actor))]
        return groups[-1].actor if groups else None

    @staticmethod
    def _is_group(party: ProfileParty | None) -> bool:
        return party is not None and party.kind in {"armed group", "movement"}

    def local_state(self, sentence: Span, before: int, previous: Span | None) -> str | None:
        """The one country of the places of the speaker's sentence before it, else of the
        sentence before ("In Russia's Kursk region, acting governor X said")."""
        for start, end in ((sentence.start_char, before), (previous.start_char, previous.end_char)
                           if previous is not None else (0, 0)):
            countries = {m.place.country for m in self.mentions if start <= m.start < end and m.place is not None
                         and not m.not_a_place and m.place.country}
            if len(countries) == 1:
                return self.registry.country_actor(countries.pop())
            if countries:
                return None
        return None

    def party_of(self, span: Span, head: Token, masked: str, sentence: Span, previous: Span | None,
                 unknown_names: Callable[[int], list[Token]]) -> str | None:
        """The party of a speaker phrase that names none (module docstring), or None."""
        kind = organ_kind(span, masked)
        if kind is None or any(self.registry.country_actor(iso) is None for iso in countries_in_text(masked)):
            return None  # "the Palestinian health ministry": a territory that is no state party
        if kind == "group":
            group = self.last_group(span.start_char)
            if group is None:
                return None
            last = max(m.start for m in self.matches if m.actor == group and m.end <= span.start_char)
            since = max((s.start_char for s in self.sentences if s.start_char <= last), default=0)
            if any(since <= t.idx for t in unknown_names(span.start_char)):
                return None  # "HRW accused the RSF of ... The group said": HRW or the RSF, no guess
            return group
        if kind == "local":
            return self.local_state(sentence, span.start_char, previous) or self.majority_state()
        if kind in self.spoken:
            return self.spoken[kind]
        mentioned = self.last_full_mention(kind, span.start_char)
        if mentioned is not None and self.last_organ_speaker not in (None, mentioned):
            return None  # "Russia's ministry said Ukrainian forces lost ... The army said": no guess
        return mentioned or self.last_organ_speaker or self.majority_state() or self.profile_state()

    def note_speaker(self, text: str, party: str) -> None:
        """Remember a speaker phrase naming a state and an organ ("Ukraine's General Staff"):
        the speaker chain that a later "the army" or "the ministry" follows first."""
        organ = ORGAN.search(text)
        if party in self.states and organ is not None and organ.lastgroup != "local":
            self.spoken[organ.lastgroup or ""] = party
            self.last_organ_speaker = party

    def profile_state(self) -> str | None:
        """The one state at war in the profiles of the armed groups the article names ("RSF
        fighters attacked ... The army said": the Sudan profile's one state)."""
        states = {iso for m in self.matches if self._is_group(party := self.registry.parties.get(m.actor))
                  and party is not None for iso in party.states}
        return self.registry.country_actor(states.pop()) if len(states) == 1 else None
