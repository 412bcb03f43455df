"""geo.pipeline.workers."""

from __future__ import annotations

import copyreg
import io
import multiprocessing
import pickle
from typing import TYPE_CHECKING

from geo.config import Settings
from geo.gazetteer.index import Gazetteer
from geo.model import Article, Place
from geo.pipeline.errors import for_another_process

if TYPE_CHECKING:
    from geo.pipeline.ingest import Pipeline

#: Articles spaCy parses together: the network layers and each parse step then work on a
#: whole batch (16 against 8: about a tenth less time per article).
PARSE_BATCH = 16

#: Most articles a worker is given at once (one parse batch).
WORKER_BATCH = PARSE_BATCH

# --------------------------------------------------------------------------- worker processes

_worker_pipeline: Pipeline | None = None


def _worker_context():
    """How worker processes start.

    ``fork`` when this process runs a single thread (the CLI, scripts): workers start at once
    with the model already in memory, and no script is re-imported. ``spawn`` when other
    threads run (the Streamlit server): a fork would copy locks other threads may hold.
    """
    import threading

    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _init_worker(settings: Settings, pipeline_class: type[Pipeline]) -> None:
    """Load the model and open the gazetteer once per worker process (``load_nlp`` holds
    the matrix library to one thread, inherited by a forked worker). ``pipeline_class`` is
    passed in by the pipeline that starts the workers, so this module never imports it back."""
    global _worker_pipeline
    from geo.gazetteer.build import build_gazetteer

    # A gazetteer of its own: a forked worker must never use the parent's SQLite connection.
    gazetteer = Gazetteer(build_gazetteer(settings))
    _worker_pipeline = pipeline_class(settings.with_overrides(workers=1), gazetteer=gazetteer)


def _worker_ready(_: int) -> bool:
    return _worker_pipeline is not None


def worker_batches(articles: list[Article], workers: int) -> list[list[Article]]:
    """Split articles into batches of at most ``WORKER_BATCH``, as even as can be, and a
    multiple of ``workers`` in number, two per worker at least: every worker gets the same
    share, so none waits idle at the end while another parses its last batch.

    >>> [len(b) for b in worker_batches(list(range(198)), 2)]
    [14, 14, 14, 14, 14, 14, 15, 14, 14, 14, 14, 14, 14, 15]
    """
    per_worker = max(2, -(-len(articles) // (workers * WORKER_BATCH)))
    n = min(len(articles), workers * per_worker)
    return [articles[i * len(articles) // n:(i + 1) * len(articles) // n] for i in range(n)]


def _analyze_batch_in_worker(articles: list[Article]) -> bytes:
    """Each article's analysis, or the error it raised (returned, so the others go on),
    pickled by :func:`dump_analyses`."""
    pipeline = _worker_pipeline
    # Errors travel as WorkerError with their traceback (an exception of any other class may not
    # unpickle); a rejection stays a rejection.
    out = [for_another_process(o) if isinstance(o, Exception) else o for o in pipeline._analyses_here(articles)]
    return dump_analyses(out, pipeline.gazetteer)


# --------------------------------------------------------------------------- analyses between processes


def _gazetteer_place(key: str) -> Place:  # pragma: no cover - never called: a marker for the unpickler
    raise pickle.UnpicklingError(f"place {key!r} needs a gazetteer to be read")


def dump_analyses(outcomes: list, gazetteer: Gazetteer) -> bytes:
    """Pickle analyses with the gazetteer's areas and lines as their keys.

    A country's or region's outline is tens of kilobytes of GeoJSON, and an article names
    its countries and regions in many mentions and candidates: pickled whole, an analysis was
    some 300 kB, which the parent process spent longer reading back than storing. Places are
    sent by key only when they are the gazetteer's own object for that key (not a place made
    on the fly); :func:`load_analyses` reads them from the same gazetteer.
    """
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    by_key: dict[int, bool] = {}

    def reduce_place(place: Place):
        d = place.__dict__
        if d.get("_geometry_json") is not None or d.get("geometry") is not None:
            known = by_key.get(id(place))
            if known is None:
                known = by_key[id(place)] = gazetteer.get(place.key) is place
            if known:
                return _gazetteer_place, (place.key,)
        return place.__reduce_ex__(pickle.HIGHEST_PROTOCOL)

    pickler.dispatch_table = copyreg.dispatch_table.copy()
    pickler.dispatch_table[Place] = reduce_place
    pickler.dump(outcomes)
    return buffer.getvalue()


def load_analyses(blob: bytes, gazetteer: Gazetteer) -> list:
    """Read what :func:`dump_analyses` wrote, places by key from ``gazetteer`` (which must be
    the same index the worker used; a key it lacks raises ``KeyError``)."""

    def place(key: str) -> Place:
        found = gazetteer.get(key)
        if found is None:
            raise KeyError(f"place {key!r} is not in this gazetteer")
        return found

    class _Unpickler(pickle.Unpickler):
        def find_class(self, module: str, name: str):
            if module == __name__ and name == "_gazetteer_place":
                return place
            return super().find_class(module, name)

    return _Unpickler(io.BytesIO(blob)).load()
