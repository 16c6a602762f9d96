"""Key figures of a (filtered) census, and the public table behind any chart."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import referential as ref
from .filters import commune_labels
from .matrix import plan_counts
from .text import count_noun, thousands


@dataclass(frozen=True)
class Kpis:
    actors: int
    engaged: int  # level >= 2
    engaged_share: float | None  # among actors with a level
    leaders: int
    circle_sizes: dict[int, int]
    cells_covered: int  # matrix cells with at least one planned action
    cells_total: int
    planned_actions: int
    quick_wins: int


def kpis(actors: pd.DataFrame, actions: pd.DataFrame, targets: tuple[str, ...] = ref.TARGETS) -> Kpis:
    """``targets``: the matrix columns shown (matrix.shown_targets), so that Accueil and Matrice count the same cells."""
    level = actors["level"]
    known = int(level.notna().sum())
    engaged = int((level >= 2).sum())
    counts = plan_counts(actions, targets)
    return Kpis(
        actors=len(actors),
        engaged=engaged,
        engaged_share=engaged / known if known else None,
        leaders=int((level == 3).sum()),
        circle_sizes={c: int((actors["circle"] == c).sum()) for c in ref.CIRCLES},
        cells_covered=int((counts.to_numpy() > 0).sum()),
        cells_total=counts.size,
        planned_actions=len(actions),
        quick_wins=int(actions["quick_win"].eq(True).sum()) if len(actions) else 0,
    )


PUBLIC_COLUMNS: dict[str, str] = {
    "row": "Ligne",
    "name": ref.HEADER_OF["name"],
    "family": ref.HEADER_OF["family"],
    "type": ref.HEADER_OF["type"],
    "level_label": "Niveau d'engagement",
    "circle": ref.HEADER_OF["circle"],
    "commune_label": ref.HEADER_OF["commune"],
    "categories": "Catégories NR",
    "source": ref.HEADER_OF["source"],
}


def public_table(actors: pd.DataFrame) -> pd.DataFrame:
    """The actors as shown on screen: French headers, never the personal fields (référent, contact)."""
    out = pd.DataFrame(index=actors.index)
    out["row"] = actors["row"]
    out["name"] = actors["name"]
    out["family"] = actors["family"]
    out["type"] = actors["type"]
    out["level_label"] = actors["level"].map(ref.level_label, na_action=None).astype(object)
    out["circle"] = actors["circle"]
    out["commune_label"] = commune_labels(actors)
    out["categories"] = [" ; ".join(a + d + o) for a, d, o in
                         zip(actors["action_types"], actors["dimensions"], actors["other_categories"])]
    out["source"] = actors["source"]
    assert not set(out.columns) & set(ref.PERSONAL_FIELDS)
    return out.rename(columns=PUBLIC_COLUMNS).reset_index(drop=True)


def territory_headline(territory) -> str:
    """« CA de La Rochelle (EPCI 241700434) : 28 communes, 181 057 habitants (population municipale INSEE). » — the
    one sentence stating the territory (Accueil, Carte, report), its population said once."""
    n = len(territory.members)
    s = f"{territory.label} : {count_noun(n, 'commune')}"
    if territory.population:
        s += f", {thousands(territory.population)} habitants (population municipale INSEE)"
    return s + "."
