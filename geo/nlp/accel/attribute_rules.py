"""geo.nlp.accel.attribute_rules: spaCy's attribute_ruler, same rules and result, faster.

Gated by :func:`geo._compat.fast_attribute_rules` (see :func:`geo.nlp.load.load_nlp`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import attrgetter

import numpy
from spacy.attrs import DEP, LEMMA, MORPH, NORM, POS, TAG
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Token

# --------------------------------------------------------------------------- attribute rules


#: Matcher keys the single-token rules may test, and the Token attribute each reads.
_TOKEN_FEATURES = {"TAG": "tag_", "LOWER": "lower_", "DEP": "dep_", "IS_SPACE": "is_space", "ORTH": "text",
                   "POS": "pos_"}
_OPERATORS = {"IN", "NOT_IN", "REGEX"}
#: Attributes the rules may set: token attributes that ``Doc.from_array`` writes exactly as spaCy's
#: ruler does (it sets them with ``set_token_attrs``: the token's field, and for lexical
#: attributes the lexeme's too, which ``from_array`` would not).
_SETTABLE = {LEMMA: "LEMMA", NORM: "NORM", POS: "POS", TAG: "TAG", MORPH: "MORPH", DEP: "DEP"}


def _value_matches(condition: object, value: object) -> bool:
    """One Matcher condition (a value, or {"IN"|"NOT_IN"|"REGEX": ...}) against a token's value."""
    if isinstance(condition, dict):
        return all((value in arg) if op == "IN" else (value not in arg) if op == "NOT_IN"
                   else re.search(arg, str(value)) is not None for op, arg in condition.items())
    return value == condition


class FastAttributeRuler:
    """spaCy's ``attribute_ruler``, same rules and same result, a dozen times faster.

    The English model's ruler maps tags to parts of speech, morphology and a few lemmas with
    179 Matcher patterns; matching them token by token is a sixth of the whole parse. All but a
    handful test one token's tag, lowercase form, dependency and whitespace-ness, so the rules
    that apply to a token are a function of those four values: computed once per distinct
    combination and cached. The few multi-token rules still go through a (small) Matcher.
    Rules apply in their order, later ones overriding earlier ones, as in spaCy.
    """

    def __init__(self, ruler) -> None:
        self.vocab = ruler.vocab
        self._single: list[tuple[int, dict, dict]] = []  # (order, token pattern, attrs)
        self._multi = Matcher(self.vocab)
        self._multi_rules: dict[int, tuple[int, dict]] = {}
        keys: set[str] = set()
        for order, (attrs, index) in enumerate(zip(ruler.attrs, ruler.indices, strict=True)):
            for pattern in ruler.matcher.get(str(order))[1]:
                if len(pattern) == 1 and index in (0, -1):
                    self._single.append((order, pattern[0], attrs))
                    keys.update(pattern[0])
                else:
                    self._multi.add(str(order), [pattern])
                    self._multi_rules[order] = (index, attrs)
        unsupported = {k for k in keys if k not in _TOKEN_FEATURES} | {
            op for _, pat, _ in self._single for cond in pat.values() if isinstance(cond, dict)
            for op in cond if op not in _OPERATORS}
        if unsupported:
            raise ValueError(f"attribute rules test {sorted(unsupported)}, which FastAttributeRuler cannot")
        sets = {key for attrs in ruler.attrs for key in attrs}
        if not sets <= set(_SETTABLE):
            raise ValueError(f"attribute rules set {sorted(map(str, sets - set(_SETTABLE)))}, "
                             "which FastAttributeRuler cannot")
        #: The attributes written back (one Doc.from_array), and each one's column.
        self._sets = sorted(sets)
        self._column = {attr: i for i, attr in enumerate(self._sets)}
        # The multi-token rules' first tokens: a doc in which no token can start one needs no
        # Matcher run (most docs). Without a plain first token to test, the Matcher always runs.
        firsts = [pattern[0] for order in self._multi_rules for pattern in ruler.matcher.get(str(order))[1]]
        plain = all(set(first) <= set(_TOKEN_FEATURES) and all(
            op in _OPERATORS for cond in first.values() if isinstance(cond, dict) for op in cond) for first in firsts)
        self._multi_starts: list[dict] | None = firsts if plain else None
        if plain:
            keys.update(k for first in firsts for k in first)
        # The cache key: the tested attributes, read in one call (attrgetter gives a tuple
        # for two names or more, the bare value for one).
        self._keys = sorted(keys)
        self._key: Callable[[Token], tuple]
        if self._keys:
            get = attrgetter(*[_TOKEN_FEATURES[k] for k in self._keys])
            self._key = get if len(self._keys) > 1 else (lambda t: (get(t),))
        else:
            self._key = lambda t: ()
        self._cache: dict[tuple, tuple[list[tuple[int, dict]], dict, bool]] = {}

    def _rules_for(self, token: Token) -> tuple[list[tuple[int, dict]], dict, bool]:
        """The single-token rules that apply to the token, their attributes merged in rule
        order, and whether a multi-token rule may start at it."""
        key = self._key(token)
        entry = self._cache.get(key)
        if entry is None:
            values = dict(zip(self._keys, key, strict=True))
            rules = [(order, attrs) for order, pattern, attrs in self._single
                     if all(_value_matches(cond, values[k]) for k, cond in pattern.items())]
            may_start = self._multi_starts is None or any(
                all(_value_matches(cond, values[k]) for k, cond in first.items()) for first in self._multi_starts)
            if len(self._cache) > 200_000:
                self._cache.clear()
            entry = self._cache[key] = (rules, _merged(rules), may_start)
        return entry

    def __call__(self, doc: Doc) -> Doc:
        tokens = list(doc)
        entries = [self._rules_for(token) for token in tokens]  # read before anything is set
        extra: dict[int, list[tuple[int, dict]]] = {}
        if self._multi_rules and any(may_start for _, _, may_start in entries):
            for match_id, start, end in self._multi(doc, allow_missing=True):
                order = int(self.vocab.strings[match_id])
                index, attrs = self._multi_rules[order]
                extra.setdefault(doc[start:end][index].i, []).append((order, attrs))
        rows: list[int] = []
        columns: list[int] = []
        values: list[int] = []
        for token, (rules, merged, _) in zip(tokens, entries, strict=True):
            if token.i in extra:
                merged = _merged(sorted(rules + extra[token.i], key=lambda r: r[0]))
            for attr, value in merged.items():
                rows.append(token.i)
                columns.append(self._column[attr])
                values.append(value)
        if values:
            # The public Doc.to_array/from_array round trip: every token's values are written
            # back, the ruled ones changed (spaCy's ruler calls the private set_token_attrs).
            table = doc.to_array(self._sets)
            table[rows, columns] = numpy.array(values, dtype=numpy.uint64)
            doc.from_array(self._sets, table)  # type: ignore[arg-type]  # spaCy's Ints2d alias rejects numpy's own array types
        return doc


def _merged(rules: list[tuple[int, dict]]) -> dict:
    """Rules' attributes in rule order, later rules overriding earlier ones (as in spaCy)."""
    merged: dict = {}
    for _, attrs in rules:
        merged.update(attrs)
    return merged


@Language.factory("fast_attribute_ruler")
def make_fast_attribute_ruler(nlp: Language, name: str) -> FastAttributeRuler:
    """Built from the pipeline's own ``attribute_ruler`` (which is then removed)."""
    return FastAttributeRuler(nlp.get_pipe("attribute_ruler"))


def use_fast_attribute_rules(nlp: Language) -> Language:
    """Swap spaCy's attribute_ruler for :class:`FastAttributeRuler` (same output), if the
    rules are ones it can evaluate; otherwise leave the pipeline as it is."""
    if "attribute_ruler" not in nlp.pipe_names:
        return nlp
    try:
        nlp.add_pipe("fast_attribute_ruler", after="attribute_ruler")
    except ValueError:
        return nlp
    nlp.remove_pipe("attribute_ruler")
    return nlp
