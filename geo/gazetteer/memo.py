"""geo.gazetteer.memo."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable

from cachetools import LRUCache

from geo.gazetteer.index import Gazetteer
from geo.model import Candidate, Place


class GazetteerMemo:
    """The gazetteer's answers about names (and its line features), each asked once:
    a memo per gazetteer.

    Recognition and resolution ask about the same names many times: every capitalised
    word of every run, each mention's text in several steps, and the same names again in
    the next article. The answers depend on the name alone. The lists returned by
    :meth:`lookup` and :meth:`fuzzy` are shared between callers: read them, never change
    them; :meth:`candidates` hands out fresh copies because ranking writes their scores.
    """

    #: Entries kept per kind of question; past that the least recently used are dropped.
    MAX_ENTRIES = 20_000

    _shared: weakref.WeakKeyDictionary[Gazetteer, GazetteerMemo] = weakref.WeakKeyDictionary()

    def __init__(self, gaz: Gazetteer):
        # A weak reference: the memo is the gazetteer's value in ``_shared`` and must not keep it alive.
        self.gaz = weakref.proxy(gaz)
        self._has_name: LRUCache[str, bool] = LRUCache(self.MAX_ENTRIES)
        self._lookup: LRUCache[tuple[str, int], list[Candidate]] = LRUCache(self.MAX_ENTRIES)
        self._fuzzy: LRUCache[tuple[str, int, float], list[Candidate]] = LRUCache(self.MAX_ENTRIES)
        self._candidates: LRUCache[tuple[str, int], list[Candidate]] = LRUCache(self.MAX_ENTRIES)
        self._contains: LRUCache[tuple[str, float, float], bool] = LRUCache(self.MAX_ENTRIES)
        self._of_type: dict[str, list[Place]] = {}  # a handful of feature types: never bounded
        # cachetools' caches are not thread-safe (a read reorders the LRU list), and the app
        # analyses articles from several threads.
        self._lock = threading.Lock()

    @classmethod
    def of(cls, gaz: Gazetteer) -> GazetteerMemo:
        """The memo of this gazetteer instance, made on first use."""
        found = cls._shared.get(gaz)
        if found is None:
            found = cls._shared[gaz] = cls(gaz)
        return found

    def _ask(self, memo: LRUCache, key, answer: Callable[[], object]):
        """``memo[key]``, asking the gazetteer (``answer()``) the first time, outside the lock.

        Not ``cachetools.cachedmethod``: with its lock it costs ~3 us a call against ~0.6 us
        here, and recognition and resolution ask some 80,000 questions a run of the LGL
        benchmark (588 articles)."""
        with self._lock:
            found = memo.get(key)
        if found is None:
            found = answer()
            with self._lock:
                memo[key] = found
        return found

    def has_name(self, name: str) -> bool:
        return self._ask(self._has_name, name, lambda: self.gaz.has_name(name))

    def lookup(self, name: str, limit: int) -> list[Candidate]:
        return self._ask(self._lookup, (name, limit), lambda: self.gaz.lookup(name, limit=limit))

    def fuzzy(self, name: str, limit: int, min_score: float) -> list[Candidate]:
        return self._ask(self._fuzzy, (name, limit, min_score),
                         lambda: self.gaz.fuzzy(name, limit=limit, min_score=min_score))

    def candidates(self, name: str, limit: int) -> list[Candidate]:
        """``Gazetteer.candidates`` as new Candidate objects, free to be scored."""
        found = self._ask(self._candidates, (name, limit), lambda: self.gaz.candidates(name, limit=limit))
        return [Candidate(place=c.place, match=c.match, name_score=c.name_score, score=c.score) for c in found]

    def contains(self, area: Place, point: Place) -> bool:
        """``Gazetteer.contains``: whether the point place lies in the area's polygon."""
        return self._ask(self._contains, (area.key, point.lon, point.lat), lambda: self.gaz.contains(area, point))

    def places_of_type(self, feature_type: str) -> list[Place]:
        """All places of a type ("border", "pipeline"): shared, read them only."""
        found = self._of_type.get(feature_type)
        if found is None:
            found = self._of_type[feature_type] = self.gaz.places_of_type(feature_type)
        return found
