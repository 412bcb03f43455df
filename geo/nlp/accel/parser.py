"""geo.nlp.accel.parser: spaCy's greedy parse loop, stepped from Python.

Uses spaCy internals no public API offers (``Parser._ensure_labels_are_added``,
``Parser.moves.init_batch``, ``Parser.transition_states``, the step model's ``_class_mask``,
``get_token_ids``, ``state2vec``, ``vec2scores``, ``attrs["has_upper"]``, ``clear_memory``), so
it runs only where :func:`geo._compat.stepwise_parser` allows (see :func:`geo.nlp.load.load_nlp`).
"""

from __future__ import annotations

import numpy
import spacy
from spacy.language import Language
from spacy.tokens import Doc


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
