"""The spaCy pipeline as Claim Atlas loads it (geo/language.py): the fast attribute rules must
give exactly what spaCy's attribute_ruler gives, the stepwise parse loops exactly what spaCy's
own loops give, and the matrix products run through numpy."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from geo.nlp.accel.attribute_rules import FastAttributeRuler, use_fast_attribute_rules
from geo.nlp.accel.lemmatizer import CachedLemmatizer
from geo.nlp.accel.parser import StepwiseTransitionParser, use_stepwise_transition_parsers
from geo.text.corpus import read_corpus

pytestmark = pytest.mark.integration

#: Sentences that exercise the rules with several tokens, pronouns, auxiliaries, whitespace.
TRICKY = [
    "We're gonna win, they said, and let's be honest: there is no ceasefire.",
    "It ain't over. I'd have gone if I could've; she'd said we'd go.",
    "Y'all got ta see it.  C'mon!\n\nThere were reports that Baku had denied it; that was false.",
    "He himself said nothing to anybody, but everyone knew something was wrong in   Stepanakert.",
    "Doin' nothin', goin' home, 'em and ol' somethin' 'nuff.",
]


def _token_view(doc) -> list[tuple]:
    return [(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i) for t in doc]


def _parse_view(doc) -> tuple:
    """What the parser and the entity recogniser decide: heads, labels, sentences, entities."""
    return ([(t.dep_, t.head.i, t.is_sent_start, t.ent_iob_, t.ent_type_) for t in doc],
            [(e.start, e.end, e.label_) for e in doc.ents])


@pytest.fixture(scope="module")
def reference_nlp(session_settings):
    """spaCy's own pipeline, attribute_ruler included (plus our sentence-start component)."""
    import geo.nlp.load  # noqa: F401 - registers paragraph_boundaries

    nlp = spacy.load(session_settings.spacy_model)
    nlp.add_pipe("paragraph_boundaries", before="parser")
    return nlp


def test_loaded_pipeline_uses_the_fast_rules_and_numpy_products(nlp) -> None:
    assert "attribute_ruler" not in nlp.pipe_names
    assert "fast_attribute_ruler" in nlp.pipe_names
    assert nlp.pipe_names.index("fast_attribute_ruler") < nlp.pipe_names.index("lemmatizer")
    ops = {type(node.ops).__name__ + str(getattr(node.ops, "use_blis", "")) for _, c in nlp.pipeline
           if hasattr(getattr(c, "model", None), "walk") for node in c.model.walk()}
    assert ops == {"NumpyOpsFalse"}


def test_fast_rules_match_spacys_attribute_ruler(nlp, reference_nlp, bundled_corpus: Path) -> None:
    articles, _ = read_corpus(bundled_corpus)
    texts = [a.text for a in articles] + TRICKY
    for ours, theirs in zip(nlp.pipe(texts), reference_nlp.pipe(texts), strict=True):
        assert _token_view(ours) == _token_view(theirs)


def test_multi_token_rules_apply(nlp) -> None:
    doc = nlp("We are gonna stay.")
    assert [t.lemma_ for t in doc if t.lower_ in {"gon", "na"}] == ["go", "to"]


def test_rules_it_cannot_evaluate_leave_spacys_ruler_in_place(session_settings) -> None:
    nlp = spacy.load(session_settings.spacy_model, exclude=["ner", "parser"])
    nlp.get_pipe("attribute_ruler").add([[{"SHAPE": "Xxxx"}]], {"POS": "PROPN"})
    with pytest.raises(ValueError, match="SHAPE"):
        FastAttributeRuler(nlp.get_pipe("attribute_ruler"))
    use_fast_attribute_rules(nlp)
    assert "attribute_ruler" in nlp.pipe_names and "fast_attribute_ruler" not in nlp.pipe_names


def test_loaded_pipeline_steps_the_parse_loops_from_python(nlp) -> None:
    components = dict(nlp.pipeline)
    assert isinstance(components["parser"], StepwiseTransitionParser)
    assert isinstance(components["ner"], StepwiseTransitionParser)
    assert nlp.pipe_names.index("parser") < nlp.pipe_names.index("ner")  # same places, same names
    assert components["ner"].labels == components["ner"].component.labels  # the rest is spaCy's


def test_loaded_pipeline_caches_lemmas_and_keeps_the_rules_lemmas(nlp) -> None:
    assert isinstance(dict(nlp.pipeline)["lemmatizer"], CachedLemmatizer)
    # Asked twice: the second time from the cache. "gonna" -> "go", "to" comes from the rules.
    for _ in range(2):
        doc = nlp("They were gonna say the towns had been shelled, and denied it.")
        assert [t.lemma_ for t in doc if t.lower_ in {"were", "gon", "na", "towns", "shelled", "denied"}] == [
            "be", "go", "to", "town", "shell", "deny"]


def test_stepwise_parse_matches_spacys_own_loop(nlp, reference_nlp, bundled_corpus: Path) -> None:
    articles, _ = read_corpus(bundled_corpus)
    # Empty and whitespace-only texts inside a batch: their states start final.
    texts = [a.text for a in articles] + TRICKY + ["", "   \n\n  ", "Baku."]
    for batch_size in (1, 3, 16):
        ours = list(nlp.pipe(texts, batch_size=batch_size))
        theirs = list(reference_nlp.pipe(texts, batch_size=batch_size))
        assert [_parse_view(d) for d in ours] == [_parse_view(d) for d in theirs]
    # One document at a time (``nlp(text)``) goes through the component's __call__.
    assert _parse_view(nlp(TRICKY[2])) == _parse_view(reference_nlp(TRICKY[2]))


def test_stepwise_parse_keeps_preset_entities(nlp) -> None:
    """Entities set before the recogniser runs (as an entity ruler would) are respected."""
    from spacy.tokens import Span

    doc = nlp.make_doc("Officials in Martouni said the town was shelled.")
    doc.ents = [Span(doc, 2, 3, label="EVENT")]  # not what the model would say
    for _, component in nlp.pipeline:
        doc = component(doc)
    assert [(e.text, e.label_) for e in doc.ents if e.start == 2] == [("Martouni", "EVENT")]


def test_beam_search_components_are_left_to_spacy(session_settings) -> None:
    nlp = spacy.load(session_settings.spacy_model, exclude=["parser"])
    nlp.get_pipe("ner").cfg["beam_width"] = 4
    use_stepwise_transition_parsers(nlp)
    assert not isinstance(dict(nlp.pipeline)["ner"], StepwiseTransitionParser)


def test_multi_token_rules_run_the_matcher_only_where_one_can_start(session_settings) -> None:
    nlp = spacy.load(session_settings.spacy_model, exclude=["ner"])
    ruler = FastAttributeRuler(nlp.get_pipe("attribute_ruler"))
    runs = []
    matcher = ruler._multi
    ruler._multi = lambda doc, **kw: runs.append(doc.text) or matcher(doc, **kw)
    for text in ("The ministry said the town was shelled overnight.", "We are gonna stay.", "There is no ceasefire."):
        ruler(nlp(text))
    assert runs == ["We are gonna stay.", "There is no ceasefire."]  # "gon", and "there" as expl
    # A first token that may be skipped ("OP") cannot gate: the Matcher then always runs.
    nlp.get_pipe("attribute_ruler").add([[{"LOWER": "so", "OP": "?"}, {"LOWER": "what"}]], {"LEMMA": "what"})
    assert FastAttributeRuler(nlp.get_pipe("attribute_ruler"))._multi_starts is None


def test_remembered_embeddings_match_spacys_and_ignore_the_batch(nlp, session_settings, bundled_corpus: Path) -> None:
    """Both MultiHashEmbed layers remember embeddings by token features: the vectors are
    spaCy's (to float rounding), and a doc's vectors no longer depend on its batch-mates."""
    import numpy

    from geo.nlp.accel.embeddings import _is_embedding

    reference = spacy.load(session_settings.spacy_model)
    articles, _ = read_corpus(bundled_corpus)
    texts = [a.text for a in articles] + TRICKY + [""]
    for component in ("tok2vec", "ner"):
        ours = dict(nlp.pipeline)[component].model
        remembered = [n for n in ours.walk() if n.name == "remembered_embedding"]
        assert len(remembered) == 1 and not any(_is_embedding(n) for n in ours.walk() if n not in remembered[0].walk())
        theirs = next(n for n in reference.get_pipe(component).model.walk() if _is_embedding(n))
        docs = [nlp.make_doc(t) for t in texts]
        together = remembered[0].predict(docs)
        for doc, vectors, expected in zip(docs, together, theirs.predict(docs), strict=True):
            assert vectors.shape == (len(doc), 96)
            numpy.testing.assert_allclose(vectors, expected, rtol=0, atol=1e-4)
            assert numpy.array_equal(remembered[0].predict([doc])[0], vectors)  # alone: the same bits
