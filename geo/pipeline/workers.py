"""geo.pipeline.workers."""

from __future__ import annotations

import io
import multiprocessing
import os
import pickle
import threading
import time
from typing import TYPE_CHECKING, Literal

from geo.config import Settings
from geo.gazetteer.index import Gazetteer
from geo.model import Article, Place
from geo.pipeline.errors import for_another_process

if TYPE_CHECKING:
    from geo.pipeline.ingest import Pipeline

#: Articles spaCy parses together: the network layers and each parse step then work on a
#: whole batch (16 against 8: about a tenth less time per article).
PARSE_BATCH = 16

#: Most characters spaCy parses together (a batch holds fewer than :data:`PARSE_BATCH` articles
#: when they are long, as the chunks of a long article are). The network's arrays grow with
#: the batch's tokens: past a few hundred kilobytes of text the process spends much of its time
#: in the kernel, mapping and zeroing fresh memory (a generated 2 MB article, whose 20,000
#: character chunks a worker parsed 12 or 13 at a time: 7 s of system time, 2 s with this
#: limit, and some 5-10% less CPU in all), while 16 news articles of usual length stay under it
#: and are parsed together as before.
PARSE_BATCH_CHARS = 100_000

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
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


#: How often a worker checks that the process that started it still runs (seconds).
PARENT_CHECK_SECONDS = 0.5


def _exit_with_parent(parent_pid: int) -> None:
    """Exit this worker process as soon as ``parent_pid`` (the ingest that started it) is no longer
    its parent: killed (``kill -9``), that process cannot stop its pool, and its workers, idle on
    their queue or busy parsing, would run on. A daemon thread polls ``os.getppid()``: a process
    whose parent died is adopted by another (init, a subreaper). Not ``prctl(PR_SET_PDEATHSIG)``:
    on Linux it fires when the parent's *thread* that started the worker ends, and in the app that
    is a Streamlit script thread, which may end while the pool is still in use."""
    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)  # nothing of the worker's is worth cleaning up: its results have no reader
            time.sleep(PARENT_CHECK_SECONDS)

    threading.Thread(target=watch, name="claim-atlas-parent-watch", daemon=True).start()


def _init_worker(settings: Settings, pipeline_class: type[Pipeline], parent_pid: int | None = None) -> None:
    """Load the model and open the gazetteer once per worker process (``load_nlp`` holds
    the matrix library to one thread, inherited by a forked worker). ``pipeline_class`` is
    passed in by the pipeline that starts the workers, so this module never imports it back.
    With ``parent_pid`` (the starting process's id) the worker exits when that process dies."""
    global _worker_pipeline
    if parent_pid is not None:
        _exit_with_parent(parent_pid)
    from geo.gazetteer.build import build_gazetteer

    # A gazetteer of its own: a forked worker must never use the parent's SQLite connection.
    gazetteer = Gazetteer(build_gazetteer(settings))
    _worker_pipeline = pipeline_class(settings.with_overrides(workers=1), gazetteer=gazetteer)


def _worker_ready(_: int) -> bool:
    return _worker_pipeline is not None


def parse_batches(articles: list[Article]) -> list[list[Article]]:
    """``articles`` in order, in batches of at most :data:`PARSE_BATCH` articles and at most
    :data:`PARSE_BATCH_CHARS` characters (an article longer than that alone).

    >>> [len(b) for b in parse_batches([Article(id=str(k), text="x" * 30_000) for k in range(7)])]
    [3, 3, 1]
    """
    batches: list[list[Article]] = []
    chars = 0
    for article in articles:
        if not batches or len(batches[-1]) >= PARSE_BATCH or chars + len(article.text) > PARSE_BATCH_CHARS:
            batches.append([])
            chars = 0
        batches[-1].append(article)
        chars += len(article.text)
    return batches


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
    assert pipeline is not None  # set by the pool's initializer
    # Errors travel as WorkerError with their traceback (an exception of any other class may not
    # unpickle); a rejection stays a rejection.
    out = [for_another_process(o) if isinstance(o, Exception) else o for o in pipeline._analyses_here(articles)]
    return dump_analyses(out, pipeline.gazetteer)


# --------------------------------------------------------------------------- analyses between processes


class _PlaceKeyPickler(pickle.Pickler):
    """Pickles the gazetteer's areas and lines as their keys (pickle's persistent ids).

    ``persistent_id`` is called for every object pickled, not only places: dumping 64 LGL
    analyses took ~0.025 s against ~0.016 s with a dispatch table for ``Place`` alone (the blobs
    are the same size), some 0.15 ms an article, in the worker processes."""

    def __init__(self, file: io.BytesIO, gazetteer: Gazetteer):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.gazetteer = gazetteer
        self._keys: dict[int, str | None] = {}  # id(place) -> its key, or None: sent whole

    def persistent_id(self, obj: object) -> str | None:
        if type(obj) is not Place:
            return None
        found: str | None | Literal[False] = self._keys.get(id(obj), False)
        if found is False:
            d = obj.__dict__
            with_shape = d.get("_geometry_json") is not None or d.get("geometry") is not None
            found = self._keys[id(obj)] = obj.key if with_shape and self.gazetteer.get(obj.key) is obj else None
        return found


class _PlaceKeyUnpickler(pickle.Unpickler):
    """Reads what :class:`_PlaceKeyPickler` wrote, places by key from a gazetteer."""

    def __init__(self, file: io.BytesIO, gazetteer: Gazetteer):
        super().__init__(file)
        self.gazetteer = gazetteer
        self._places: dict[str, Place] = {}

    def persistent_load(self, pid: object) -> Place:
        if not isinstance(pid, str):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        found = self._places.get(pid)
        if found is None:
            found = self.gazetteer.get(pid)
            if found is None:
                raise KeyError(f"place {pid!r} is not in this gazetteer")
            self._places[pid] = found
        return found


def dump_analyses(outcomes: list, gazetteer: Gazetteer) -> bytes:
    """Pickle analyses with the gazetteer's areas and lines as their keys.

    A country's or region's outline is tens of kilobytes of GeoJSON, and an article names
    its countries and regions in many mentions and candidates: pickled whole, an analysis was
    some 300 kB, which the parent process spent longer reading back than storing. Places are
    sent by key only when they are the gazetteer's own object for that key (not a place made
    on the fly); :func:`load_analyses` reads them from the same gazetteer.
    """
    buffer = io.BytesIO()
    _PlaceKeyPickler(buffer, gazetteer).dump(outcomes)
    return buffer.getvalue()


def load_analyses(blob: bytes, gazetteer: Gazetteer) -> list:
    """Read what :func:`dump_analyses` wrote, places by key from ``gazetteer`` (which must be
    the same index the worker used; a key it lacks raises ``KeyError``)."""
    return _PlaceKeyUnpickler(io.BytesIO(blob), gazetteer).load()
