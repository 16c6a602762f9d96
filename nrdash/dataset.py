"""Where the census comes from (sample, configured file, this session's upload) and what is derived once per census."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from .census import Census
from . import referential as ref
from .filters import category_matrix, commune_labels
from .geography import Geography
from .search import name_keys
from .placement import TerritoryInfo, place_actors, resolve_territory
from .sandbox import load_census_isolated

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_PATH = ROOT / "data" / "recensement-exemple.xlsx"
CENSUS_ENV = "NRDASH_CENSUS"


@dataclass
class Dataset:
    """A validated census and what every rerun needs from it, computed once."""

    census: Census
    origin: str  # "sample" | "config" | "upload" | "store" | "draft"
    territory: TerritoryInfo | None = None  # from the Territoire sheet
    territory_problem: str | None = None
    valid: np.ndarray = field(init=False)  # rows without errors

    def __post_init__(self) -> None:
        self.valid = ~self.census.actors["has_error"].to_numpy(dtype=bool)

    @cached_property
    def categories(self) -> pd.DataFrame:
        """The actors' category matrix, computed once per census, when first used (a version opened only to be
        compared never needs it)."""
        return category_matrix(self.census.actors)

    @cached_property
    def communes(self) -> list[str]:
        """The commune filter's options, sorted as people read them; computed once, when first used."""
        return sorted(commune_labels(self.census.actors).unique(), key=ref.norm_key)

    @cached_property
    def name_keys(self) -> pd.Series:
        """The actors' names as the search compares them: computed once per census, when first searched."""
        return name_keys(self.census.actors)

    @property
    def label(self) -> str:
        return {"sample": "Recensement d'exemple (fictif)", "config": "Recensement configuré",
                "upload": "Recensement chargé (cette session)", "store": "Version publiée",
                "draft": "Brouillon (non publié)"}[self.origin]

    def actors(self, include_error_rows: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Actors (and their category matrix) to show: all rows, or only those without errors."""
        a = self.census.actors
        if include_error_rows or self.valid.all():
            return a, self.categories
        return a[self.valid], self.categories[self.valid]


def configured_path() -> tuple[Path, str]:
    """The census named by NRDASH_CENSUS, else the embedded sample."""
    value = os.environ.get(CENSUS_ENV, "").strip()
    if value:
        return Path(value).expanduser(), "config"
    return SAMPLE_PATH, "sample"


def prepare(census: Census, origin: str, geo: Geography | None, fallback: TerritoryInfo | None = None) -> Dataset:
    """Place the actors and find the territory when the offline geography is available. ``fallback``: the
    territory a census without a « Territoire » sheet belongs to (the store's territory it is published to)."""
    if geo is None:
        return Dataset(census, origin)
    info, problem = resolve_territory(census.territory, geo)
    if info is None and problem is None:
        info = fallback
    placed = place_actors(census, geo, set(info.members) if info else None)
    return Dataset(placed, origin, info, problem)


def load_default(geo: Geography | None = None) -> Dataset:
    path, origin = configured_path()
    return prepare(load_census_isolated(path), origin, geo)


def load_upload(data: bytes, filename: str, geo: Geography | None = None) -> Dataset:
    return prepare(load_census_isolated(data, filename), "upload", geo)
