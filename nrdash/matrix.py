"""The action matrix (kit, question 3): planned actions per axis x target, gaps, what actors already do."""
from __future__ import annotations

import pandas as pd

from . import referential as ref
from .filters import Filters, category_matrix


def filter_actions(actions: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Planned actions follow the family filter through the kit's family -> target correspondence."""
    if not f.families or actions.empty:
        return actions
    targets = {ref.TARGET_OF_FAMILY[fam] for fam in f.families}
    keep = actions["targets"].map(lambda ts: bool(targets & set(ts or ())))
    return actions[keep.to_numpy(dtype=bool)]


def exploded_plan(actions: pd.DataFrame) -> pd.DataFrame:
    """One row per (action, target) with a known axis."""
    if actions.empty:
        return pd.DataFrame(columns=[*actions.columns, "target"])
    ex = actions[actions["axis"].notna()].explode("targets").rename(columns={"targets": "target"})
    return ex[ex["target"].notna()]


def plan_counts(actions: pd.DataFrame) -> pd.DataFrame:
    """Axes x targets: number of planned actions (all statuses), in the kit's order."""
    ex = exploded_plan(actions)
    grid = pd.DataFrame(0, index=list(ref.AXES), columns=list(ref.TARGETS))
    for (axis, target), n in ex.groupby(["axis", "target"]).size().items():
        grid.loc[axis, target] = n
    return grid


def engaged_by_target(actors: pd.DataFrame) -> pd.Series:
    """Actors already engaged (level >= 2) per matrix target."""
    engaged = actors[actors["level"].fillna(-1) >= 2]
    return engaged["family"].map(ref.TARGET_OF_FAMILY).value_counts().reindex(list(ref.TARGETS), fill_value=0)


def gaps(actions: pd.DataFrame) -> list[dict]:
    """Empty cells of the plan, each with the kit's example actions for it."""
    counts = plan_counts(actions)
    out = []
    for axis in ref.AXES:
        for target in ref.TARGETS:
            if counts.loc[axis, target] == 0:
                out.append({"axis": axis, "target": target, "suggestions": ref.example_actions_for(axis, target)})
    return out


def plan_table(actions: pd.DataFrame) -> pd.DataFrame:
    cols = {"action": "Action", "axis": "Axe", "targets": "Cibles", "status": "Statut", "lead": "Porteur",
            "due": "Échéance", "quick_win": "Gain rapide"}
    out = actions[list(cols)].copy()
    out["targets"] = out["targets"].map(lambda ts: ", ".join(ts or ()))
    out["quick_win"] = out["quick_win"].map(lambda q: "oui" if q is True else ("non" if q is False else ""))
    order = {s: i for i, s in enumerate(ref.STATUSES)}
    out = out.assign(_o=out["status"].map(order)).sort_values(["_o", "due"], na_position="last").drop(columns="_o")
    return out.rename(columns=cols).reset_index(drop=True)


def quick_wins(actions: pd.DataFrame) -> pd.DataFrame:
    return plan_table(actions[actions["quick_win"].eq(True).fillna(False).to_numpy(dtype=bool)])


def categories_by_family(actors: pd.DataFrame, categories: pd.DataFrame | None = None) -> pd.DataFrame:
    """Long table: category x family -> actors doing it, of which engaged (level >= 2), and the engaged share."""
    cats = categories if categories is not None else category_matrix(actors)
    engaged = (actors["level"].fillna(-1) >= 2).to_numpy()
    rows = []
    for fam in ref.FAMILIES:
        in_fam = (actors["family"] == fam).to_numpy()
        for cat in cats.columns:
            has = cats[cat].to_numpy() & in_fam
            n = int(has.sum())
            e = int((has & engaged).sum())
            rows.append({"category": cat, "family": fam, "actors": n, "engaged": e,
                         "engaged_share": e / n if n else None})
    return pd.DataFrame(rows)
