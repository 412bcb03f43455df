"""geo.nlp.accel.embeddings: spaCy's MultiHashEmbed layers, their embeddings remembered.

Relies on the layer structure of spaCy's MultiHashEmbed inside thinc models (five layers:
extract_features, list2ragged, hashembeds, the mixing layer, ragged2list), so it runs only
where :func:`geo._compat.remembered_embeddings` allows.
"""

from __future__ import annotations

import numpy
from spacy.language import Language


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
