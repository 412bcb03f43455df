"""Who is speaking: the speaker of a reporting verb resolved to an actor through the
article's named speakers, pronouns and the actor registry.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from functools import cached_property

from spacy.tokens import Doc, Span, Token

from geo.claims.actors import OTHER, ActorMatch, ActorRegistry
from geo.claims.context import ORGAN, ArticleContext, defacto_party
from geo.model import Mention
from geo.nlp.load import text_of

#: Words of an office a place names ("an MP from Syunik", "the prosecutor of Kherson"), besides
#: the organs of ``geo.claims.context.ORGAN``.
OFFICE_WORDS = frozenset({
    "mp", "mps", "deputy", "deputies", "lawmaker", "lawmakers", "legislator", "senator", "parliamentarian",
    "official", "officials", "ombudsman", "police", "prosecutor", "prosecutors", "head", "chief", "commander",
    "prefect", "authorities", "administration", "council", "councillor", "member", "members", "representative",
    "envoy", "ambassador", "embassy", "consulate",
})


class _SpeakerResolver:
    def __init__(self, doc: Doc, registry: ActorRegistry, article_actors: Counter, mentions: list[Mention],
                 tokens: list[Token] | None = None, countries: frozenset[str] = frozenset(),
                 found: list[ActorMatch] | None = None):
        self.doc, self.registry, self.article_actors = doc, registry, article_actors
        # "Congo" next to "M23" is the DR Congo: the profiles of the parties named count too
        text = text_of(doc)  # joined once: ``doc.text`` joins every token again on each access
        if found is None:  # the registry's matches in the whole text, when the caller has none
            found = registry.matches(text, countries)
        self.countries = registry.context_countries(text, countries, found)
        self.mentions = mentions
        self.context = ArticleContext(text, registry, mentions, self.countries,
                                      found if self.countries == countries else None)
        self.last_claimants: list[str] = []
        self.last_singular: str | None = None
        # "Twenty states sued the agency. They argue ...": the plural subject of the last sentence
        # without claims, for a "they" that follows no claim
        self.last_plural: list[str] = []
        # Read once: ``doc.ents`` rebuilds its spans, and ``doc[i]`` its tokens, on every access.
        self.tokens = tokens if tokens is not None else list(doc)
        self.ents = doc.ents
        self._ent_starts = [e.start for e in self.ents]  # in text order, without overlaps
        self._subtree_spans: dict[int, Span] = {}
        # The article's speaker chain: each person and each kind of body ("ministry", "army",
        # "spokesman") keeps the party found at its first full mention, for the rest of the article.
        self.people: dict[str, str] = {}
        self.roles: dict[str, str] = {}

    def subtree_span(self, tok: Token) -> Span:
        """``_subtree_span(tok)``, once per token (speakers come back claim after claim)."""
        span = self._subtree_spans.get(tok.i)
        if span is None:
            span = self._subtree_spans[tok.i] = _subtree_span(tok)
        return span

    @cached_property
    def sentences(self) -> list[Span]:
        return [s for s in self.doc.sents if any(t.is_alpha for t in self.tokens[s.start:s.end])]

    def sentences_before(self, sentence: Span) -> list[Span]:
        return [s for s in self.sentences if s.end <= sentence.start]

    def ents_within(self, span: Span) -> list[Span]:
        """``span.ents`` (the entities wholly inside the span) from the doc's entities read once."""
        out = []
        for e in self.ents[bisect_left(self._ent_starts, span.start):]:
            if e.start >= span.end:
                break
            if e.end <= span.end:
                out.append(e)
        return out

    def actors_of_span(self, span: Span, head: Token) -> list[str]:
        text = mask_modifiers(span.text)
        defacto = defacto_party(text, self.registry, self.countries)
        if defacto is not None:  # "Karabakh's defence army": the de-facto authority, not the state
            return [defacto]
        found = self.registry.matches(text, self.countries)
        actors: list[str] = []
        if found:
            if head.tag_ in {"NNS", "NNPS"} or any(t.dep_ == "conj" for t in span) or len(
                    {m.actor for m in found}) == 1:
                for m in found:
                    if m.actor not in actors:
                        actors.append(m.actor)
            else:
                head_off = head.idx - span.start_char
                nearest = min(found, key=lambda m: abs(m.start - head_off) if m.start <= head_off else
                              10_000 + m.start - head_off)
                actors.append(nearest.actor)
        if not actors:
            actors = self._capital_actors(span) or self.registry.fallback_actors(text)[:1 if head.tag_ not in
                                                                                       {"NNS", "NNPS"} else 3]
        if not actors:
            actors = self._place_actors(span, text)
        for ent in self.ents_within(span):
            if ent.label_ in {"PERSON", "ORG"} and not any(m.start <= ent.start_char - span.start_char < m.end
                                                          for m in found):
                actor = self.registry.fuzzy_person(ent.text)
                if actor and actor not in actors:
                    actors.append(actor)
        return actors

    def note_subject_person(self, sentence: Span) -> None:
        """Remember the actor of a person who is the subject of a sentence without claims."""
        for tok in self.tokens[sentence.start:sentence.end]:
            if tok.dep_ == "nsubj" and (tok.ent_type_ == "PERSON" or (
                    tok.lemma_.lower() in PERSON_ROLES and any(c.ent_type_ == "PERSON" for c in tok.children))):
                actors = self.actors_of_span(self.subtree_span(tok), tok)
                if len(actors) == 1:
                    self.last_singular = actors[0]
                    return
        for tok in self.tokens[sentence.start:sentence.end]:
            if tok.dep_ == "nsubj" and tok.head.dep_ == "ROOT" and tok.tag_ in {"NNS", "NNPS"} and (
                    tok.lemma_.lower() in GROUP_NOUNS or tok.ent_type_ in {"NORP", "ORG"}):
                self.last_plural = self.actors_of_span(self.subtree_span(tok), tok) or [OTHER]
                return

    def _place_actors(self, span: Span, masked: str) -> list[str]:
        """An office named after a place ("the governor of Kharkiv region", "an MP from Syunik"):
        the party of the place's country, when the phrase's places lie in one country (places in
        a modifier, blanked in ``masked``, do not count: "the Iran-based broadcaster")."""
        if not (ORGAN.search(masked) or any(t.lower_ in OFFICE_WORDS for t in span)):
            return []  # "a source at the hospital in El Fasher": no office, no party from the place
        countries = {m.place.country for m in self.mentions
                     if span.start_char <= m.start < span.end_char and m.place is not None and not m.not_a_place
                     and m.place.country and masked[m.start - span.start_char] != " "}
        if len(countries) != 1:
            return []
        actor = self.registry.country_actor(countries.pop())
        return [actor] if actor else []

    def _capital_actors(self, span: Span) -> list[str]:
        """A capital standing for its government ("Kyiv rejected"): the country's actor."""
        out = []
        for m in self.mentions:
            if (span.start_char <= m.start < span.end_char and m.metonymic and m.place is not None
                    and m.place.is_capital):
                actor = self.registry.country_actor(m.place.country)
                if actor and actor not in out:
                    out.append(actor)
        return out

    def resolve(self, tok: Token, sentence: Span) -> tuple[list[str], str]:
        low = tok.lower_
        if low in FIRST_PERSON:
            return [], tok.text
        if low in {"him", "her", "his", "hers"}:  # objects and possessors ("his claim that ...")
            low = "he"
        if low in {"them", "their", "theirs"}:
            low = "they"
        if low == "its":
            low = "it"
        if low in PRONOUNS_SINGULAR:
            if low == "it" and self.last_claimants:
                return [self.last_claimants[0]], tok.text
            if self.last_singular:
                return [self.last_singular], tok.text
            # "the activist Jane Doe was emotional as she called for ...": the person named
            # before the pronoun in its own sentence, when the article has named no one before
            person = next((t for t in reversed(self.tokens[sentence.start:tok.i])
                           if t.ent_type_ == "PERSON" and t.dep_ in {"nsubj", "appos"}), None) if low != "it" else None
            if person is not None:
                return self.resolve(person, sentence)[0], tok.text
            return [], tok.text
        if low in PRONOUNS_PLURAL or (low in {"who", "which", "that"} and tok.dep_ == "nsubj"):
            if low in {"who", "which", "that"} and tok.head.dep_ == "relcl":
                return self.resolve(tok.head.head, sentence)
            if low == "they" and not self.last_claimants:
                return list(self.last_plural), tok.text
            return list(self.last_claimants), tok.text
        if low in QUANTIFIERS:
            # "residents, many of whom say ...", "some of them said ...": part of a group that speaks
            group = next((g for c in tok.children if c.dep_ == "prep" and c.lower_ == "of"
                          for g in c.children if g.dep_ == "pobj" and g.lower_ in {"whom", "which", "them"}), None)
            if group is not None:
                if group.lower_ == "them":
                    actors, _ = self.resolve(group, sentence)
                    return actors, self.subtree_span(tok).text
                owner = tok.head.head if tok.head.dep_ == "relcl" else _before_comma(tok)
                if owner is not None and owner.i != tok.i:
                    actors, _ = self.resolve(owner, sentence)
                    return actors, self.subtree_span(tok).text
        span = self.subtree_span(tok)
        if tok.ent_type_ == "PERSON":  # a misparse may split a name: match the whole entity
            ent = next((e for e in self.ents if e.start <= tok.i < e.end), None)
            if ent is not None and not (span.start <= ent.start and ent.end <= span.end):
                span = tok.doc[min(span.start, ent.start): max(span.end, ent.end)]
        is_joint = low in JOINT_NOUNS and any(c.lower_ in {"two", "both"} for c in tok.children)
        actors = self.actors_of_span(span, tok)
        actors = self._follow_chain(span, tok, actors)
        if not actors:
            actors = self._from_context(span, tok, sentence)
        if len(actors) == 1 and actors[0] != OTHER and tok.tag_ in {"NN", "NNP"} and (
                tok.ent_type_ == "PERSON" or any(t.lemma_.lower() in PERSON_ROLES for t in span)):
            self.last_singular = actors[0]  # "X's spokeswoman rejected it. She said ...": her party
        if is_joint and len(actors) < 2:
            actors = self._joint_actors(tok, sentence)
            if len(actors) < 2:
                return [], span.text  # "the two sides" with no two parties in sight: no guess
        if not actors and tok.pos_ in {"NOUN", "PROPN", "PRON"} and low not in {"there", "this"}:
            return [OTHER], span.text
        return actors, span.text

    def resolve_phrase(self, span: Span) -> tuple[list[str], str]:
        """The party of a speaker phrase standing alone ("Defence ministry of Armenia: ...")."""
        actors = self._follow_chain(span, span.root, self.actors_of_span(span, span.root))
        if not actors:
            actors = self._from_context(span, span.root, span.sent)
        return (actors or [OTHER]), span.text

    def _unknown_names(self, before: int) -> list[Token]:
        """Proper nouns before ``before`` that are no person, place, date or known party: names
        of organisations the registry does not know ("Human Rights Watch"; the NER may miss them)."""
        known = [(m.start, m.end) for m in self.context.matches] + [(m.start, m.end) for m in self.mentions]
        out = []
        for t in self.tokens:
            if t.idx >= before:
                break
            if t.pos_ == "PROPN" and t.ent_type_ not in {"PERSON", "GPE", "LOC", "DATE", "TIME", "NORP", "FAC"} \
                    and not any(s <= t.idx < e for s, e in known):
                out.append(t)
        return out

    def _from_context(self, span: Span, head: Token, sentence: Span) -> list[str]:
        """The party the article gives a phrase that names none ("the army", "the group"):
        geo.claims.context."""
        earlier = self.sentences_before(sentence)
        self.context.sentences = self.sentences
        party = self.context.party_of(span, head, mask_modifiers(span.text), sentence,
                                      earlier[-1] if earlier else None, self._unknown_names)
        return [party] if party else []

    def _follow_chain(self, span: Span, head: Token, actors: list[str]) -> list[str]:
        """Read and extend the article's speaker chain: a speaker phrase naming one party teaches
        its people and its head noun that party ("Sudan's army spokesman Nabil Abdallah"); a later
        phrase naming no party but a known person ("Abdallah", "Nabil Abdallah") or a known kind
        of body ("the ministry", "the spokesman") speaks for the same party."""
        people = [e for e in self.ents_within(span) if e.label_ == "PERSON"]
        role = head.lemma_.lower() if head.pos_ in {"NOUN", "PROPN"} and head.ent_type_ != "PERSON" else ""
        named = [a for a in actors if a != OTHER]
        if len(named) == 1:
            self.context.note_speaker(mask_modifiers(span.text), named[0])
            for e in people:
                for key in _person_keys(e):
                    self.people[key] = named[0]
            if role in ROLE_NOUNS:
                self.roles[role] = named[0]
            return actors
        if named:
            return actors
        for e in people:
            for key in _person_keys(e):
                if key in self.people:
                    return [self.people[key]]
        if role in ROLE_NOUNS and role in self.roles and not any(
                t.dep_ in {"amod", "compound", "poss"} and t.pos_ in {"PROPN", "ADJ"} for t in head.children):
            return [self.roles[role]]
        return actors

    def _joint_actors(self, tok: Token, sentence: Span) -> list[str]:
        """"The two sides said": the two parties named in the reported clause, or the
        sentence, or the previous claims, or the article's two most mentioned actors."""
        verb = tok.head
        for c in verb.children:
            if c.dep_ == "ccomp":
                for s in c.children:
                    if s.dep_ in {"nsubj", "nsubjpass"}:
                        found = self.actors_of_span(self.subtree_span(s), s)
                        if len(found) >= 2:
                            return found[:2]
        in_sentence = [a for a in self.registry.actors_in(sentence.text) if a != OTHER]
        ranked = sorted(in_sentence, key=lambda a: -self.article_actors.get(a, 0))
        if len(ranked) >= 2:
            return ranked[:2]
        for previous in reversed(self.sentences_before(sentence)[-2:]):
            found = [a for a in self.registry.actors_in(previous.text) if a != OTHER]
            if len(found) >= 2:
                return found[:2]
        top = [a for a, _ in self.article_actors.most_common() if a != OTHER]
        return top[:2]


#: Head nouns of speaker phrases that, said again ("the ministry added"), mean the body or the
#: person last named with them.
ROLE_NOUNS = frozenset({
    "ministry", "army", "military", "government", "spokesman", "spokeswoman", "spokesperson", "president",
    "minister", "governor", "mayor", "official", "commander", "office", "service", "authorities", "police",
    "agency", "leader", "presidency", "administration", "forces", "command", "staff", "ombudsman", "envoy",
    "ambassador", "embassy", "aide", "adviser", "advisor", "chief", "head", "prosecutor", "general",
})


#: Head nouns of speaker phrases that stand for one person: a pronoun after them means that person.
PERSON_ROLES = frozenset({
    "spokesman", "spokeswoman", "spokesperson", "president", "minister", "governor", "mayor", "official",
    "commander", "leader", "ombudsman", "envoy", "ambassador", "aide", "adviser", "advisor", "chief", "head",
    "prosecutor", "general", "premier", "secretary", "chairman", "chairwoman", "director",
})


#: "the Iran-based broadcaster", "a Turkish-backed group": the named party describes the speaker,
#: it does not speak. Masked (same length, offsets kept) before parties are looked up.
_MODIFIER = re.compile(
    r"\b[\w.'’]+(?:\s+[\w.'’]+)?(?=\s*[-–]\s*(?:based|backed|born|funded|sponsored|allied|aligned|linked|"
    r"supported|owned|run|controlled|affiliated|armed|trained|leaning|friendly|"
    r"influenced|inspired|oriented)\b)", re.I)


def mask_modifiers(text: str) -> str:
    """``text`` with the names inside hyphenated modifiers blanked out.

    >>> mask_modifiers("The Iran-based broadcaster")
    'The     -based broadcaster'
    """
    def blank(m: re.Match) -> str:
        words = m.group(0)
        lead = re.match(r"(?i)(?:the|a|an)\s+", words)
        keep = lead.group(0) if lead else ""
        return keep + " " * (len(words) - len(keep))

    return _MODIFIER.sub(blank, text)


def _person_keys(ent: Span) -> list[str]:
    """A person's full name and surname, as a later mention may use either."""
    words = [t.text for t in ent if t.is_alpha]
    if not words:
        return []
    return [" ".join(words).lower(), words[-1].lower()]


#: Speaker nouns that stand for a pair of parties: "the two sides said".
JOINT_NOUNS = {"sides", "parties", "ministries", "countries", "governments", "officials", "ministers", "leaders",
               "nations", "foes", "rivals", "neighbours", "neighbors", "capitals"}
PRONOUNS_SINGULAR = {"he", "she", "it"}
#: First-person speakers are quoted people: the attribution comes with "he said" nearby.
FIRST_PERSON = {"i", "we", "me", "us"}
PRONOUNS_PLURAL = {"they", "both"}
#: Words for part of a group: "many of whom", "some of them".
QUANTIFIERS = frozenset({"many", "most", "some", "all", "several", "few", "half", "each",
                         "one", "two", "three", "majority", "minority", "dozens", "hundreds", "thousands"})
#: Plural nouns for people and bodies that, subject of a sentence without claims, a later "they"
#: stands for ("Twenty states sued the agency. They argue that ...").
GROUP_NOUNS = frozenset({
    "state", "country", "nation", "government", "group", "organization", "organisation", "party", "union",
    "company", "firm", "official", "leader", "minister", "lawmaker", "legislator", "senator", "politician",
    "activist", "critic", "opponent", "supporter", "advocate", "expert", "analyst", "researcher", "scientist",
    "economist", "resident", "villager", "voter", "member", "protester", "protestor", "rebel", "soldier",
    "worker", "farmer", "parent", "student", "teacher", "doctor", "lawyer", "prosecutor", "judge", "family",
    "survivor", "victim", "witness", "diplomat", "ally", "neighbour", "neighbor", "donor", "investor",
    "employee", "manager", "executive", "refugee", "veteran", "candidate", "delegate", "representative",
})


def _before_comma(tok: Token) -> Token | None:
    """The noun phrase right before the comma that opens ``tok``'s phrase ("villagers near the
    border, many of whom ..."): its head, climbing from the last word through nouns and
    prepositions that contain it ("members of the families", not "with members")."""
    j = tok.left_edge.i - 1
    if j < 1 or tok.doc[j].text != ",":
        return None
    t = tok.doc[j - 1]
    if t.pos_ not in {"NOUN", "PROPN"}:
        return None
    head = t
    while t.head.i < t.i and t.head.pos_ in {"NOUN", "PROPN", "ADP"}:
        t = t.head
        if t.pos_ in {"NOUN", "PROPN"}:
            head = t
    return head


#: Unit nouns the parser may read as a participle ("the Vostok grouping of forces": "grouping" as
#: an acl): part of the speaker phrase, not a clause about it.
_UNIT_NOUNS = frozenset({"grouping", "group", "division", "brigade", "regiment", "battalion", "corps", "command"})


def _subtree_span(tok: Token) -> Span:
    """The speaker phrase: the token's subtree without relative clauses and appositive asides."""
    doc = tok.doc
    skip: set[int] = set()
    for t in tok.subtree:
        if t.dep_ in {"relcl", "acl"} and t.i != tok.i and t.lower_ not in _UNIT_NOUNS:
            skip.update(x.i for x in t.subtree)
    idx = [t.i for t in tok.subtree if t.i not in skip]
    return doc[min(idx): max(idx) + 1]
