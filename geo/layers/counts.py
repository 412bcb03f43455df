"""The counts every page shows, each with one definition and one label (issue 14, point 6).

Pages used to count "places" each their own way (distinct resolved places, places drawn, table
rows with unresolved names), so the same store showed different numbers. Each count is defined
here once, over the view's mentions and claims (geo.layers.filters), and every page shows it
through :func:`counts_sentence` or :data:`LABELS`:

* **place names**: mentions of a name read as a place (names read as "not a place" excluded),
  resolved or not, metonymic ones included;
* **resolved place names**: those resolved to a place;
* **resolved places**: the distinct places the resolved names point to (metonymic uses included:
  "Moscow said" resolves to Moscow);
* **places on the map**: the distinct places drawn (resolved, not metonymic), one per row of
  :func:`geo.layers.places.place_layer`;
* **metonymic place names**: names standing for an actor (listed, never drawn);
* **unresolved names**: distinct names (normalised) resolved to no place, rows of the Places
  page's table beside the resolved places;
* **claims**: rows of the view's claims.

Pure pandas; the app layer caches them (geo.app.data).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo.layers.places import flag, plottable_mentions, review_keys

#: The label of each count, as every page writes it.
LABELS = {
    "place_names": "place names",
    "resolved_names": "resolved place names",
    "resolved_places": "resolved places",
    "mapped_places": "places on the map",
    "metonymic_names": "metonymic place names",
    "unresolved_names": "unresolved names",
    "claims": "claims",
}
#: What each count is, for help texts.
DEFINITIONS = {
    "place_names": "Mentions of a name read as a place (names read as \"not a place\" excluded), resolved or "
                   "not, metonymic ones included.",
    "resolved_names": "Place names resolved to a place.",
    "resolved_places": "Distinct places the place names were resolved to (metonymic uses included).",
    "mapped_places": "Distinct places drawn on the map: resolved, not metonymic.",
    "metonymic_names": "Place names standing for an actor (\"Baku said\"): listed, never drawn.",
    "unresolved_names": "Distinct names (case and accents aside) resolved to no place.",
    "claims": "Attributed statements (who said what, where, when).",
}


@dataclass(frozen=True)
class ViewCounts:
    """The counts of one view (or of the whole atlas). See the module docstring."""

    place_names: int = 0
    resolved_names: int = 0
    resolved_places: int = 0
    mapped_places: int = 0
    metonymic_names: int = 0
    unresolved_names: int = 0
    claims: int = 0

    @property
    def resolved_share(self) -> float:
        """Share of the place names that were resolved (0 when there is none)."""
        return self.resolved_names / self.place_names if self.place_names else 0.0


def place_names(mentions: pd.DataFrame) -> pd.DataFrame:
    """The mentions counted as place names: all but those read as "not a place"."""
    if mentions is None or mentions.empty:
        return mentions.iloc[0:0] if mentions is not None else pd.DataFrame()
    return mentions.loc[~flag(mentions["not_a_place"])]


def view_counts(mentions: pd.DataFrame | None, claims: pd.DataFrame | None = None) -> ViewCounts:
    """The counts of ``mentions`` (rows of ``Store.mentions_df()``, filtered or not) and ``claims``."""
    n_claims = 0 if claims is None else len(claims)
    named = place_names(mentions) if mentions is not None else None
    if named is None or named.empty:
        return ViewCounts(claims=n_claims)
    resolved = named.loc[named["place_key"].notna()]
    unresolved = named.loc[named["place_key"].isna()]
    return ViewCounts(
        place_names=len(named),
        resolved_names=len(resolved),
        resolved_places=int(resolved["place_key"].nunique()),
        mapped_places=int(plottable_mentions(named)["place_key"].nunique()),
        metonymic_names=int(flag(named["metonymic"]).sum()),
        unresolved_names=int(review_keys(unresolved).nunique()) if not unresolved.empty else 0,
        claims=n_claims,
    )


#: The counts the shared sentence names, in its order.
SENTENCE_FIELDS = ("place_names", "resolved_places", "mapped_places", "claims")


def counts_sentence(shown: ViewCounts, total: ViewCounts, filtered: bool) -> str:
    """The sentence every page shows: ``71 place names, 50 resolved places, 45 places on the map,
    36 claims (no filter).`` or, filtered, ``12 of 71 place names, ... match the filters.``"""
    if not filtered:
        return ", ".join(f"{getattr(total, f)} {LABELS[f]}" for f in SENTENCE_FIELDS) + " (no filter)."
    return ", ".join(f"{getattr(shown, f)} of {getattr(total, f)} {LABELS[f]}" for f in SENTENCE_FIELDS) + \
        " match the filters."
