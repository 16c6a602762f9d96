"""Mobilisation circles (kit, question 2): members, formats, and who could move inward."""
from __future__ import annotations

import pandas as pd

from . import referential as ref


def circle_members(actors: pd.DataFrame) -> dict[int, pd.DataFrame]:
    return {c: actors[actors["circle"] == c].sort_values(["level", "name"], ascending=[False, True])
            for c in ref.CIRCLES}


def inward_candidates(actors: pd.DataFrame) -> dict[int, pd.DataFrame]:
    """Suggestions, to be discussed in a workshop, never applied automatically.

    - towards circle 2 (structures engaged in NR): actors of circle 3 already sensitised or more (level >= 1),
      most engaged first;
    - towards circle 1 (partners): public or semi-public leaders (level 3) of circle 2, who could become
      partners of the collectivité's own programme.
    """
    level = actors["level"].fillna(-1)
    to2 = actors[(actors["circle"] == 3) & (level >= 1)].sort_values(["level", "name"], ascending=[False, True])
    to1 = actors[(actors["circle"] == 2) & (level >= 3) & (actors["family"] == ref.PUBLIC)].sort_values("name")
    return {2: to2, 1: to1}
