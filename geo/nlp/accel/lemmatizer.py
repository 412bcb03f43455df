"""geo.nlp.accel.lemmatizer: spaCy's rule lemmatizer, its lemmas remembered.

Public spaCy API (``Lemmatizer.lemmatize``, ``Doc.to_array``/``from_array``), but it relies on
how the rule lemmatizer works (a lemma depends on the word, its part of speech and morphology
only), so it runs only where :func:`geo._compat.cached_lemmatizer` allows.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from geo.nlp.accel.parser import _wrap_in_place


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
        doc.from_array([LEMMA], lemmas.reshape(-1, 1))  # type: ignore[arg-type]  # spaCy's Ints2d alias rejects numpy's own array types
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
