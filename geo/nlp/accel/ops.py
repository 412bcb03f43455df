"""geo.nlp.accel.ops: the network layers' matrix products through numpy's BLAS.

Public thinc API only (``NumpyOps(use_blis=False)``, ``Model.walk``, ``Model.ops``); gated by
:func:`geo._compat.numpy_matrix_ops` all the same, as it changes which code computes the
products. ``thinc.api.use_ops("numpy", use_blis=False)`` around ``spacy.load`` would not do:
spaCy builds (and resizes) the parser's and the entity recogniser's output layers inside its own
``use_ops("cpu")`` (spacy/ml/models/parser.py), so those would keep BLIS.
"""

from __future__ import annotations

from spacy.language import Language


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


def use_numpy_matrix_ops(nlp: Language) -> Language:
    """Every model node of the pipeline computes with :func:`_numpy_matrix_ops`."""
    _use_ops(nlp, _numpy_matrix_ops())
    return nlp


def _use_ops(nlp: Language, ops) -> None:
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is not None and hasattr(model, "walk"):
            for node in model.walk():
                node.ops = ops
