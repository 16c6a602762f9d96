"""The action matrix (kit, question 3): planned actions per axis x target, gaps, what actors already do.

The plan is not an actor attribute. An actor filter may narrow WHICH TARGETS (columns) are shown: a family filter
shows the targets of the families chosen (the kit's family -> target correspondence, « Entreprises » -> column
« Entreprises »); it never turns a covered cell into a gap, because every action of a shown target is counted, even
if it also aims at targets that are hidden. The other actor filters (level, circle, commune, type, category,
source, arbitrations) describe actors, not actions: they leave the plan as it is. Every count on the page (cells
covered, gaps, actions, the table) comes from one ``PlanView``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from . import referential as ref
from .filters import Filters, category_matrix
from .text import count_noun


def shown_targets(f: Filters) -> tuple[str, ...]:
    """The matrix targets (columns) an actor filter shows: those of the families filtered, in the kit's order."""
    if not f.families:
        return tuple(ref.TARGETS)
    chosen = {ref.TARGET_OF_FAMILY[fam] for fam in f.families if fam in ref.TARGET_OF_FAMILY}
    return tuple(t for t in ref.TARGETS if t in chosen) or tuple(ref.TARGETS)


def filter_actions(actions: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """The plan's actions concerning the targets shown (every action when no family is filtered).

    Actions without an axis or a target stay in the plan when no family is filtered (the table lists them, the
    matrix cannot place them)."""
    targets = set(shown_targets(f))
    if targets == set(ref.TARGETS) or actions.empty:
        return actions
    keep = actions["targets"].map(lambda ts: bool(targets & set(ts or ())))
    return actions[keep.to_numpy(dtype=bool)]


def exploded_plan(actions: pd.DataFrame) -> pd.DataFrame:
    """One row per (action, target) with a known axis."""
    if actions.empty:
        return pd.DataFrame(columns=[*actions.columns, "target"])
    ex = actions[actions["axis"].notna()].explode("targets").rename(columns={"targets": "target"})
    return ex[ex["target"].notna()]


def plan_counts(actions: pd.DataFrame, targets: tuple[str, ...] = ref.TARGETS) -> pd.DataFrame:
    """Axes x targets shown: number of planned actions (all statuses), in the kit's order."""
    ex = exploded_plan(actions)
    grid = pd.DataFrame(0, index=list(ref.AXES), columns=list(targets))
    for (axis, target), n in ex.groupby(["axis", "target"]).size().items():
        if target in grid.columns and axis in grid.index:
            grid.loc[axis, target] = n
    return grid


def engaged_by_target(actors: pd.DataFrame) -> pd.Series:
    """Actors already engaged (level >= 2) per matrix target."""
    engaged = actors[actors["level"].fillna(-1) >= 2]
    return engaged["family"].map(ref.TARGET_OF_FAMILY).value_counts().reindex(list(ref.TARGETS), fill_value=0)


def gaps(actions: pd.DataFrame, targets: tuple[str, ...] = ref.TARGETS) -> list[dict]:
    """Empty cells of the plan (targets shown), each with the kit's example actions for it."""
    counts = plan_counts(actions, targets)
    out = []
    for axis in ref.AXES:
        for target in targets:
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


def format_due(value) -> str:
    """A due date as people write it (JJ/MM/AAAA); nothing for a missing one."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, (dt.date, pd.Timestamp)):
        return f"{value:%d/%m/%Y}"
    return str(value)


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


# The two vocabularies of NR categories (DOMAIN: a census may use either or both), each shown as its own block.
CATEGORY_BLOCKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("dimensions", "Dimensions du NR (kit)", ref.NR_DIMENSIONS),
    ("action_types", "Types d'action (La Rochelle)", ref.ACTION_TYPES),
)


def category_blocks(table: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """(key, label, rows of ``table``) for each vocabulary some actor cites (categories_by_family's table): the
    kit's dimensions, then La Rochelle's action types, never mixed in one block."""
    out = []
    for key, label, vocabulary in CATEGORY_BLOCKS:
        part = table[table["category"].isin(vocabulary)]
        if len(part) and part["actors"].sum() > 0:
            out.append((key, label, part.reset_index(drop=True)))
    return out


@dataclass(frozen=True)
class PlanView:
    """What the Matrice page (and the report) shows of the plan, for the current filters: one source for every
    count on the page."""

    targets: tuple[str, ...]  # columns shown
    counts: pd.DataFrame  # axes x targets shown
    actions: pd.DataFrame  # the plan's actions concerning the targets shown: the table, the toggle, the sentence
    gaps: list[dict]
    narrowed: bool  # a family filter hides some targets

    @property
    def covered(self) -> int:
        return int((self.counts.to_numpy() > 0).sum())

    @property
    def cells(self) -> int:
        return int(self.counts.size)

    @property
    def outside(self) -> int:
        """Actions listed but not in the matrix (no axis or no target)."""
        if self.actions.empty:
            return 0
        placed = self.actions["axis"].notna() & self.actions["targets"].map(lambda ts: bool(ts))
        return int((~placed.to_numpy(dtype=bool)).sum())


def plan_view(actions: pd.DataFrame, f: Filters) -> PlanView:
    targets = shown_targets(f)
    shown = filter_actions(actions, f)
    return PlanView(targets, plan_counts(shown, targets), shown, gaps(shown, targets),
                    len(targets) < len(ref.TARGETS))


def plan_summary(view: PlanView) -> str:
    """The matrix's sentence (its text alternative): cells covered, actions, gaps."""
    n = len(view.actions)
    s = (f"{view.covered} cases sur {view.cells} ont au moins une action prévue ; "
         f"{count_noun(n, 'action prévue', 'actions prévues')} "
         + ("concernent" if n > 1 else "concerne") + (" ces cibles" if view.narrowed else " le plan") + ".")
    if view.outside:
        s += f" Dont {count_noun(view.outside, 'action')} sans axe ou sans cible, hors de la matrice."
    if view.gaps:
        s += (f" {count_noun(len(view.gaps), 'lacune')} : "
              + ", ".join(f"{ref.AXIS_SHORT[g['axis']]} × {g['target']}" for g in view.gaps) + ".")
    return s


def gaps_label(view: PlanView) -> str:
    n = len(view.gaps)
    return (f"{count_noun(n, 'lacune')} et les exemples d'actions du kit pour "
            + ("les combler" if n > 1 else "la combler"))


def actions_toggle_label(view: PlanView) -> str:
    n = len(view.actions)
    return "Voir l'action du plan" if n == 1 else f"Voir les {n} actions du plan"


def scope_note(view: PlanView) -> str | None:
    """Says what an actor filter does to the matrix, when it does something."""
    if not view.narrowed:
        return None
    shown = ", ".join(f"« {t} »" for t in view.targets)
    return (f"Filtre de famille : la matrice montre seulement la cible {shown} et les actions qui la concernent "
            if len(view.targets) == 1 else
            f"Filtre de famille : la matrice montre seulement les cibles {shown} et les actions qui les concernent ") + (
            "(une action visant aussi d'autres cibles est comptée). Les autres filtres d'acteurs (niveau, commune…) "
            "ne changent pas le plan : ce sont des attributs des acteurs, pas des actions.")
