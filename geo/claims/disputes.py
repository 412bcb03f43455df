"""Denials and the claims they dispute.

A denial is a reporting predicate that says an earlier statement is false: a verb of denial
("denied", "rejected", "dismissed", "refuted"), a description of it as false ("called it a lie",
"called the reports fabricated"), or a statement that the event did not happen ("said there was
no such attack", "said the reports were untrue"). It disputes

* the claims of other parties in its own sentence ("X said ..., which Y denied");
* else, when it points back ("denied this", "rejected these statements", "such reports", "the
  allegations", or no object at all), the latest statement of another party earlier in the
  article: that party's claims back to the nearest claim of a third party, and its earlier claims
  about the same places (the headline, the lede);
* else, when it says what it denies ("denied losing the city", "denied that its drones struck a
  market"), the earlier claim of another party that shares most of its places and words.

The words below are general English; none was chosen for one article.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from spacy.tokens import Doc, Token

from geo.claims.actors import OTHER
from geo.claims.cues import ANAPHORIC_OBJECTS, DENY_VERBS
from geo.model import Claim

#: What a denial calls the statement it denies: "called it a lie", "dismissed them as false".
FALSEHOOD_WORDS = frozenset({
    "lie", "lies", "false", "fake", "fabricated", "fabrication", "fabrications", "baseless", "untrue",
    "groundless", "unfounded", "disinformation", "misinformation", "propaganda", "provocation", "nonsense",
    "slander", "hoax", "invention", "fiction", "fantasy", "absurd", "lying", "falsehood", "falsehoods",
    "bogus", "false.", "made-up", "fictitious", "misleading",
})
#: Verbs that deny when what they report says the event is false or did not happen.
_STATING = frozenset({"say", "state", "insist", "stress", "tell", "add", "claim", "maintain", "respond",
                      "reply", "counter", "note", "declare", "assert"})
#: Words not worth comparing between a denial and a claim.
_STOP = frozenset({"say", "be", "have", "do", "tell", "claim", "report", "deny", "reject", "dismiss", "refute",
                   "statement", "allegation", "accusation", "official", "ministry", "side",
                   "spokesman", "spokeswoman", "add", "make", "also", "not", "no"})


def is_denial(verb: Token, lemma: str) -> bool:
    """Whether the reporting predicate ``verb`` (lemma ``lemma``) denies what it governs."""
    if lemma in DENY_VERBS:
        return True
    if lemma in {"call", "describe", "brand", "label", "dub", "characterize", "characterise"}:
        return any(c.dep_ in {"oprd", "acomp", "prep", "xcomp"} and _says_false(c) for c in verb.children)
    if lemma in _STATING:
        return any(c.dep_ == "ccomp" and _says_false(c) for c in verb.children)
    return False


def _says_false(head: Token) -> bool:
    """The phrase under ``head`` calls something false or says it did not happen: "a lie",
    "as false", "there was no such attack", "the reports were untrue"."""
    words = list(head.subtree)
    if any(t.lower_ in FALSEHOOD_WORDS or t.lemma_.lower() in FALSEHOOD_WORDS for t in words):
        return True
    return any(t.lower_ == "no" and t.i + 1 < len(t.doc) and t.doc[t.i + 1].lower_ == "such" for t in words) or (
        head.pos_ in {"VERB", "AUX"} and any(c.dep_ == "expl" for c in head.children)
        and any(c.dep_ == "attr" and any(g.lower_ == "no" for g in c.children) for c in head.children))


def refers_back(verb: Token) -> bool:
    """The denial points at an earlier statement ("denied this", "rejected these statements",
    "dismissed such reports", "called it a lie") or says nothing of its own ("X denied it")."""
    objects = [c for c in verb.children if c.dep_ in {"dobj", "nsubjpass", "obj"}]
    if any(o.lower_ in ANAPHORIC_OBJECTS or o.lemma_.lower() in ANAPHORIC_OBJECTS for o in objects):
        return True
    if any(c.dep_ == "ccomp" and _says_false(c) for c in verb.children):
        return True  # "said there was no such attack": about what was claimed before
    if not objects and not any(c.dep_ in {"ccomp", "xcomp", "pcomp"} for c in verb.children):
        return True
    return any(c.dep_ == "oprd" for c in verb.children)


def content_words(tokens: Iterable[Token]) -> set[str]:
    """Lemmas of the nouns, proper nouns, verbs and numbers: what a statement is about."""
    return {t.lemma_.lower() for t in tokens if t.pos_ in {"NOUN", "PROPN", "VERB", "NUM"} and not t.is_stop
            and t.lemma_.lower() not in _STOP and len(t.text) > 2}


class ContentWords(Mapping[int, set[str]]):
    """``id(claim)`` -> :func:`content_words` of the claim's text, computed when a denial first
    asks (most claims are never compared with a denial)."""

    def __init__(self, doc: Doc):
        self._doc = doc
        self._bounds: dict[int, tuple[int, int]] = {}
        self._words: dict[int, set[str]] = {}

    def add(self, claim: Claim) -> None:
        self._bounds[id(claim)] = (claim.start, claim.end)

    def __getitem__(self, key: int) -> set[str]:
        words = self._words.get(key)
        if words is None:
            start, end = self._bounds[key]
            span = self._doc.char_span(start, end, alignment_mode="expand")
            words = self._words[key] = content_words(span) if span is not None else set()
        return words

    def __iter__(self) -> Iterator[int]:
        return iter(self._bounds)

    def __len__(self) -> int:
        return len(self._bounds)


def disputed_claims(deniers: Sequence[str], verb: Token, same_sentence: Sequence[Claim], earlier: Sequence[Claim],
                    words_of: Mapping[int, set[str]]) -> list[Claim]:
    """The claims a denial by ``deniers`` disputes (see the module's docstring). ``earlier`` is the
    article's claims before the denial's sentence, in text order; ``words_of`` maps ``id(claim)``
    to :func:`content_words` of its text."""
    others = [c for c in same_sentence if c.claimant not in deniers and c.stance == "assert"]
    if others:
        return others
    candidates = [c for c in earlier if c.claimant not in deniers and c.stance == "assert"]
    if not candidates:
        return []
    named = [c for c in candidates if c.claimant != OTHER] or candidates
    if refers_back(verb):
        return latest_statement(named, words_of)
    denied = content_words(t for c in verb.children if c.dep_ in {"ccomp", "xcomp", "pcomp", "dobj", "prep"}
                           for t in c.subtree)
    if not denied:
        return []
    scored = [(len(denied & words_of.get(id(c), set())), c.start, c) for c in named]
    best = max(scored, key=lambda t: (t[0], t[1]))
    if best[0] < 1:
        return []
    return [c for s, start, c in scored if s == best[0] and start == best[1]]


def _place_names(claim: Claim) -> set[str]:
    return {m.text.lower() for m in claim.mentions}


def latest_statement(named: Sequence[Claim], words_of: Mapping[int, set[str]]) -> list[Claim]:
    """What a denial that points back ("rejected the allegations") answers: the latest statement of
    one party, i.e. its claims from the last one back to the nearest claim of another party (a
    spokesman quoted over several sentences, "he added ..."), and the same party's earlier claims
    about the same thing (the headline and the lede that announced that statement): sharing a
    place, or two words besides the speaker's.

    ``named`` is in text order and holds only claims another party could deny; ``words_of`` maps
    ``id(claim)`` to :func:`content_words` of its text.
    """
    if not named:
        return []
    parties = {c.claimant for c in named if c.start == named[-1].start}  # a joint statement: all its parties
    run: list[Claim] = []
    for c in reversed(named):
        if c.claimant not in parties:
            break
        run.append(c)
    places = set().union(*(_place_names(c) for c in run))
    speaker_words = {w.lower() for c in run for w in c.claimant_text.replace("'s", " ").split()}
    words = set().union(*(words_of.get(id(c), set()) for c in run)) - speaker_words

    def same_matter(c: Claim) -> bool:
        return bool(_place_names(c) & places) or len(words_of.get(id(c), set()) & words) >= 2

    before = named[:len(named) - len(run)]
    return [c for c in before if c.claimant in parties and same_matter(c)] + run[::-1]


def is_mutual(verb: Token) -> bool:
    """"A and B accused each other of ...": each party's claim disputes the other's."""
    for c in verb.children:
        words = [t.lower_ for t in c.subtree]
        if c.dep_ in {"dobj", "obj", "prep", "dative"} and (
                ("each" in words and "other" in words) or ("one" in words and "another" in words)):
            return True
    return False
