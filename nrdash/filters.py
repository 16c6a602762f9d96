"""Shared filters: one definition, applied identically by every page, stated in words above every chart."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from . import referential as ref
from .text import plural, thousands

UNKNOWN_COMMUNE = "Commune non renseignée"


@dataclass(frozen=True)
class Filters:
    """Empty tuples mean "no restriction"."""

    families: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    levels: tuple[int, ...] = ()
    circles: tuple[int, ...] = ()
    communes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()  # NR action types or dimensions: an actor matches if it has any of them
    sources: tuple[str, ...] = ()
    include_nonlocal_companies: bool = True
    include_nonlocal_associations: bool = True
    include_non_residents: bool = True

    @classmethod
    def from_territory(cls, territory: Any) -> "Filters":
        """The territory's arbitrations (Territoire sheet) as the starting filters."""
        return cls(include_nonlocal_companies=territory.include_nonlocal_companies,
                   include_nonlocal_associations=territory.include_nonlocal_associations,
                   include_non_residents=territory.include_non_residents)

    def is_default_for(self, territory: Any) -> bool:
        return self == Filters.from_territory(territory)

    def differences(self, other: "Filters") -> int:
        """How many filters differ from ``other`` (the count shown on the Filtres button)."""
        return sum(getattr(self, f.name) != getattr(other, f.name) for f in fields(self))

    def with_values(self, **changes: Any) -> "Filters":
        return replace(self, **{k: tuple(v) if isinstance(v, (list, set)) else v for k, v in changes.items()})


FILTER_FIELDS = tuple(f.name for f in fields(Filters))


def commune_labels(actors: pd.DataFrame) -> pd.Series:
    """The commune each actor is counted in: its name, else its INSEE code, else 'non renseignée'."""
    return actors["commune"].where(actors["commune"].notna(), actors["insee"]).fillna(UNKNOWN_COMMUNE)


def category_matrix(actors: pd.DataFrame) -> pd.DataFrame:
    """One boolean column per NR category (action types then dimensions): does the actor have it?"""
    out = {}
    for col, vocab in (("action_types", ref.ACTION_TYPES), ("dimensions", ref.NR_DIMENSIONS)):
        values = actors[col].tolist()
        for cat in vocab:
            out[cat] = np.fromiter((cat in v for v in values), dtype=bool, count=len(values))
    return pd.DataFrame(out, index=actors.index)


def filter_mask(actors: pd.DataFrame, f: Filters, categories: pd.DataFrame | None = None) -> np.ndarray:
    mask = np.ones(len(actors), dtype=bool)
    if f.families:
        mask &= actors["family"].isin(f.families).to_numpy()
    if f.types:
        mask &= actors["type"].isin(f.types).to_numpy()
    if f.levels:
        mask &= actors["level"].isin(f.levels).fillna(False).to_numpy(dtype=bool)
    if f.circles:
        mask &= actors["circle"].isin(f.circles).fillna(False).to_numpy(dtype=bool)
    if f.communes:
        mask &= commune_labels(actors).isin(f.communes).to_numpy()
    if f.sources:
        mask &= actors["source"].isin(f.sources).to_numpy()
    if f.categories:
        cats = categories if categories is not None else category_matrix(actors)
        mask &= cats[list(f.categories)].to_numpy().any(axis=1)
    nonlocal_ = actors["is_local"].eq(False).fillna(False).to_numpy(dtype=bool)  # unknown counts as local
    if not f.include_nonlocal_companies:
        mask &= ~(nonlocal_ & (actors["family"] == ref.COMPANIES).to_numpy())
    if not f.include_nonlocal_associations:
        mask &= ~(nonlocal_ & (actors["family"] == ref.ASSOCIATIONS).to_numpy())
    if not f.include_non_residents:
        mask &= (actors["type"] != ref.NON_RESIDENTS).to_numpy()
    return mask


def apply_filters(actors: pd.DataFrame, f: Filters, categories: pd.DataFrame | None = None) -> pd.DataFrame:
    return actors[filter_mask(actors, f, categories)]


def _levels_words(levels: tuple[int, ...]) -> str:
    s = sorted(levels)
    if len(s) > 1 and s == list(range(s[0], 4)):
        return f"niveau ≥ {s[0]}"
    if len(s) == 1:
        return f"niveau {s[0]}"
    return "niveaux " + ", ".join(str(x) for x in s)


def _list_words(values: tuple, singular: str, plural: str, limit: int = 3) -> str:
    values = tuple(str(v) for v in values)
    if len(values) <= limit:
        return ", ".join(values)
    return f"{len(values)} {plural}"


def describe(f: Filters, shown: int, total: int) -> str:
    """'142 acteurs sur 150 — filtres : Entreprises, niveau ≥ 2'."""
    parts = []
    if f.families:
        parts.append(_list_words(f.families, "famille", "familles"))
    if f.types:
        parts.append(_list_words(f.types, "type", "types"))
    if f.levels:
        parts.append(_levels_words(f.levels))
    if f.circles:
        parts.append(("cercle " if len(f.circles) == 1 else "cercles ") + ", ".join(str(c) for c in sorted(f.circles)))
    if f.communes:
        parts.append(_list_words(f.communes, "commune", "communes"))
    if f.categories:
        parts.append(_list_words(f.categories, "catégorie", "catégories NR", limit=2))
    if f.sources:
        parts.append("source : " + _list_words(f.sources, "source", "sources"))
    if not f.include_nonlocal_companies:
        parts.append("sans entreprises non locales")
    if not f.include_nonlocal_associations:
        parts.append("sans associations non locales")
    if not f.include_non_residents:
        parts.append("sans non-résidents")
    count = (f"{thousands(shown)} {plural(shown, 'acteur')}"
             + (f" sur {thousands(total)}" if shown != total or parts else ""))
    return count + (" — filtres : " + ", ".join(parts) if parts else " — aucun filtre")
