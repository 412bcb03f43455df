"""Which analyst's correction applies where: one made for the article's context wins over
a global one, the latest over earlier ones. Shared by the store (rewriting corrected mentions)
and by geo.store.corrections (applying them at ingest), so the rule is written once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

GLOBAL = "global"


def _get(c: Any, key: str) -> Any:
    return c[key] if isinstance(c, dict) else getattr(c, key)


def pick_correction(corrections: Sequence[Any], context: str) -> Any | None:
    """The correction (of one name) that applies in ``context``: the one made for that context,
    else the global one, else None. Works on :class:`Correction` objects and on store records."""
    own = [c for c in corrections if _get(c, "context") == context]
    if own:
        return max(own, key=lambda c: _get(c, "id"))
    glob = [c for c in corrections if _get(c, "context") == GLOBAL]
    return max(glob, key=lambda c: _get(c, "id")) if glob else None
