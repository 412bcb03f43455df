"""geo.nlp.accel.ops."""

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


def _use_ops(nlp: Language, ops) -> None:
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is not None and hasattr(model, "walk"):
            for node in model.walk():
                node.ops = ops
