"""The Suivi page's figures, tables and words, over nrdash.compare: pure (no Streamlit), also used by the HTML report.

- the level transitions as a matrix heatmap (from the levels of version A, and « Nouveau », to the levels of
  version B, and « Sorti »): the partial plotly.js build has no Sankey, a heatmap reads the same counts;
- the lists of new, gone and changed actors, circle movements, per-family and per-commune engagement, in French;
- each objective's indicator across the published versions, with its target line and the straight path from the
  value of the version current when it was set to the target at the deadline;
- the actors to update (« actualisation conseillée »).

Objectives are territory-wide: computed on every actor of each version, never on the filtered view (the page
says so); the comparison follows the shared filters (compare.filter_comparison).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from . import compare as cp
from . import referential as ref
from .charts import COUNT_COLORSCALE, _cell_text, _figure, wrap
from .filters import commune_labels
from .text import esc, thousands

NEW_LABEL, GONE_LABEL, UNKNOWN_LABEL = "Nouveau", "Sorti", "Non renseigné"


# ---------------------------------------------------------------------------------------------
# Level transitions
# ---------------------------------------------------------------------------------------------
def transition_label(key) -> str:
    if key == cp.NEW:
        return NEW_LABEL
    if key == cp.GONE:
        return GONE_LABEL
    if key == cp.UNKNOWN_LEVEL:
        return UNKNOWN_LABEL
    return ref.level_label(int(key))


def transition_table(matrix: Mapping) -> pd.DataFrame:
    """Rows: « Nouveau » then the levels of A; columns: the levels of B then « Sorti »; counts. The « Non
    renseigné » row and column appear only when some actor has no level."""
    unknown = cp.UNKNOWN_LEVEL in matrix or any(cp.UNKNOWN_LEVEL in row for row in matrix.values())
    levels = [*ref.LEVELS, *([cp.UNKNOWN_LEVEL] if unknown else [])]
    rows, cols = [cp.NEW, *levels], [*levels, cp.GONE]
    data = [[int(matrix.get(r, {}).get(c, 0)) for c in cols] for r in rows]
    return pd.DataFrame(data, index=pd.Index([transition_label(r) for r in rows], name="De (version A)"),
                        columns=pd.Index([transition_label(c) for c in cols], name="Vers (version B)"))


def transitions_figure(matrix: Mapping, label_a: str = "A", label_b: str = "B") -> go.Figure:
    """The transitions as a matrix: one row per level of A (and « Nouveau »), one column per level of B (and
    « Sorti »), each cell's count written in it. A change is coloured by its share of the row (darker = a larger
    part of the actors of that level moved there): one actor out of 47 is pale, not as loud as a big move; an empty
    cell and the diagonal, the actors who kept their level, stay light grey (the diagonal with its count). Column labels wrap short enough not to
    overlap at 1280 px, in mode atelier too."""
    table = transition_table(matrix)
    counts = table.to_numpy().tolist()
    same = [[r == c for c in table.columns] for r in table.index]
    totals = [sum(row) for row in counts]
    z = [[None if same[i][j] or not v else v / totals[i] for j, v in enumerate(row)] for i, row in enumerate(counts)]
    shares = [[f"{round(100 * v / totals[i])} %" if totals[i] else "—" for v in row] for i, row in enumerate(counts)]
    x = [wrap(c, 10) for c in table.columns]
    y = [wrap(r, 22) for r in table.index]
    text = [[thousands(v) if v else "" for v in row] for row in counts]
    heat = dict(type="heatmap", z=z, x=x, y=y, colorscale=COUNT_COLORSCALE, zmin=0, zmax=1, xgap=3, ygap=3,
                showscale=False, customdata=counts, text=shares, hoverongaps=False,
                hovertemplate="De %{y}<br>vers %{x} : %{customdata} acteur(s), %{text} de la ligne<extra></extra>")
    return _figure([heat, _cell_text(x, y, z, text, 1)],
                   f"Transitions de niveau : {label_a} (lignes) → {label_b} (colonnes)", height=520, legend=False,
                   top=150, shapes=_cells_below(len(y), len(x)), meta=dict(min_height=TRANSITIONS_MIN_HEIGHT),
                   yaxis=dict(autorange="reversed", showgrid=False, title=dict(text=esc(f"Niveau dans {label_a}"))),
                   xaxis=dict(side="top", tickangle=0, showgrid=False, title=dict(text=esc(f"Niveau dans {label_b}"))))


# Mode atelier fits the page's main figure to the screen: never below this, where six rows and their labels still
# read (at 1280×720 the figure starts low on the Suivi page, the page scrolls a little rather than squeezing it).
TRANSITIONS_MIN_HEIGHT = 480
EMPTY_CELL = "#f1f3f6"  # a cell without a change (and the diagonal): light grey, outside the count scale's hues


def _cells_below(rows: int, columns: int) -> list[dict]:
    """Every cell of the matrix drawn light grey under the heatmap (which draws only the changes), so that the grid
    stays readable."""
    return [dict(type="rect", xref="x", yref="y", x0=j - 0.485, x1=j + 0.485, y0=i - 0.485, y1=i + 0.485,
                 fillcolor=EMPTY_CELL, line=dict(width=0), layer="below")
            for i in range(rows) for j in range(columns)]
TRANSITIONS_READING = ("Cases colorées : les acteurs qui ont changé de niveau, sont entrés (« Nouveau ») ou sortis "
                       "(« Sorti »), d'autant plus foncées qu'ils sont une grande part de leur ligne ; sur la "
                       "diagonale, en gris clair, ceux qui ont gardé leur niveau.")


def transitions_summary(matrix: Mapping) -> str:
    sentences = cp.transition_sentences(matrix)
    return ("; ".join(sentences) + ".") if sentences else "Aucun acteur dans cette comparaison."


def transitions_caption(matrix: Mapping) -> str:
    """The sentence under the chart: how to read it, then the counts."""
    return f"{TRANSITIONS_READING} {transitions_summary(matrix)}"


# ---------------------------------------------------------------------------------------------
# Lists (public columns only: never Référent or Contact, even when compared for an editor)
# ---------------------------------------------------------------------------------------------
def _place(actors: pd.DataFrame) -> list[str]:
    return commune_labels(actors).tolist()


def actors_list(actors: pd.DataFrame, positions) -> pd.DataFrame:
    part = actors.iloc[list(positions)]
    return pd.DataFrame({"Ligne": part["row"].to_numpy(), "Nom": part["name"].to_numpy(dtype=object),
                         "Commune": _place(part),
                         "Niveau": [transition_label(cp._level(v)) for v in part["level"].tolist()]})


def changed_list(cmp: cp.Comparison) -> pd.DataFrame:
    """The paired actors whose fields changed: name in B, commune, the fields, how they were paired."""
    ch = cmp.changed
    ib = ch["ib"].tolist()
    part = cmp.b.iloc[ib]
    return pd.DataFrame({"Ligne (A)": cmp.a["row"].to_numpy()[ch["ia"].to_numpy(dtype=int)] if len(ch) else [],
                         "Ligne (B)": part["row"].to_numpy(), "Nom": part["name"].to_numpy(dtype=object),
                         "Commune": _place(part), "Champs modifiés": [", ".join(f) for f in ch["changed"]]})


PAIRING_WORDS = {cp.SIRET: "même SIRET", cp.NAME: "même nom et même commune", cp.MANUAL: "appariés à la main"}


def pairing_words(method: str) -> str:
    """How two actors were paired, in words (never the comparison's internal key)."""
    return PAIRING_WORDS.get(method, method)


def first_changed_tab(n_new: int, n_gone: int, n_changed: int) -> int:
    """The list the page opens on: the first of new, gone, changed actors that is not empty (new when none)."""
    return next((i for i, n in enumerate((n_new, n_gone, n_changed)) if n), 0)


def circle_list(rows: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"Ligne (B)": rows["row_b"].to_numpy(), "Nom": rows["name"].to_numpy(dtype=object),
                         "Cercle dans A": rows["from"].to_numpy(), "Cercle dans B": rows["to"].to_numpy()})


def engagement_table(progress: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per family or commune: engaged / actors (« 18 / 41 ») and the share at level ≥ 2 in A and in B, the change in
    points (short headers: the table fits a projected 1280 px page)."""
    pct = lambda s: "—" if s is None or s != s else f"{s * 100:.0f} %"  # noqa: E731
    head = "Famille" if by == "family" else "Commune"
    return pd.DataFrame({
        head: progress[by].to_numpy(dtype=object),
        "Engagés (A)": [f"{e} / {n}" for e, n in zip(progress["engaged_a"], progress["actors_a"])],
        "Part ≥ 2 (A)": [pct(s) for s in progress["share_a"]],
        "Engagés (B)": [f"{e} / {n}" for e, n in zip(progress["engaged_b"], progress["actors_b"])],
        "Part ≥ 2 (B)": [pct(s) for s in progress["share_b"]],
        "Évolution (points)": [None if p is None or p != p else round(float(p)) for p in progress["progress_points"]]})


def pairing_options(cmp: cp.Comparison, side: str, positions: Iterable[int]) -> list[tuple[str, str]]:
    """(actor reference, label) of the given actors of side ``a`` or ``b`` (for a person to pair or unpair)."""
    frame = cmp.a if side == "a" else cmp.b
    positions = list(positions)
    part = frame.iloc[positions]
    refs = cp.actor_refs(part)
    return [(r, f"{name} — {place} (ligne {row})") for r, name, place, row in
            zip(refs, part["name"].tolist(), _place(part), part["row"].tolist())]


def ref_label(actor_ref: str) -> str:
    """An actor reference in words: 'siret:356…' -> 'SIRET 356…'; 'nom:velo|aytre' -> '« velo » (aytre)'."""
    kind, _, rest = actor_ref.partition(":")
    if kind == "siret":
        return f"SIRET {rest}"
    name, _, place = rest.partition("|")
    return f"« {name} »" + (f" ({place})" if place else " (commune non renseignée)")


# ---------------------------------------------------------------------------------------------
# Objectives across versions
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VersionPoint:
    number: int
    day: dt.date
    value: float


def indicator_series(versions: Sequence[tuple[int, dt.date, object]], objective: cp.Objective,
                     members: Iterable[str] | None = None) -> list[VersionPoint]:
    """The objective's indicator on each version (number, publication day, census), in version order."""
    members = tuple(members) if members else None
    return [VersionPoint(n, day, cp.indicator_value(objective.indicator, census.actors, census.actions, members,
                                                    objective.family))
            for n, day, census in versions]


def objective_progress(objective: cp.Objective, points: Sequence[VersionPoint], today: dt.date) -> cp.Progress:
    """compare.progress over the versions (the latest version of a day counts for that day)."""
    by_day: dict[dt.date, float] = {}
    for p in sorted(points, key=lambda p: p.number):
        by_day[p.day] = p.value
    return cp.progress(by_day, objective.start_value, objective.start_date, objective.target, objective.deadline,
                       today)


def objective_figure(objective: cp.Objective, points: Sequence[VersionPoint]) -> go.Figure:
    """The indicator across the versions, its target line and the straight path from the start to the target."""
    xs = [p.day.isoformat() for p in points]
    values = [p.value for p in points]
    labels = [f"Version {p.number}" for p in points]
    start, end = objective.start_date.isoformat(), objective.deadline.isoformat()
    first = min([objective.start_date, *[p.day for p in points]]).isoformat()
    data = [
        dict(type="scatter", mode="lines+markers", x=xs, y=values, name=esc("Valeur de chaque version"),
             customdata=labels, line=dict(color="#1d4e89", width=3), marker=dict(size=10),
             hovertemplate="%{customdata} (%{x|%d/%m/%Y}) : %{y}<extra></extra>"),
        dict(type="scatter", mode="lines", x=[first, end], y=[objective.target, objective.target],
             name=esc(f"Cible : {cp._number(objective.target, objective.unit)}"),
             line=dict(color="#b34000", width=2, dash="dash"), hoverinfo="skip"),
        dict(type="scatter", mode="lines", x=[start, end], y=[objective.start_value, objective.target],
             name="Chemin prévu", line=dict(color="#6b7280", width=2, dash="dot"), hoverinfo="skip"),
    ]
    return _figure(data, objective.label, height=380, top=90,
                   xaxis=dict(type="date", tickformat="%d/%m/%Y", title=dict(text="Version publiée le")),
                   yaxis=dict(title=dict(text=esc(objective.unit)), rangemode="tozero"))


# ---------------------------------------------------------------------------------------------
# Freshness
# ---------------------------------------------------------------------------------------------
def stale_list(fresh: cp.Freshness) -> pd.DataFrame:
    s = fresh.stale
    return pd.DataFrame({"Ligne": s["row"].to_numpy(), "Nom": s["name"].to_numpy(dtype=object),
                         "Commune": _place(s),
                         ref.HEADER_OF["updated"]: [d.strftime("%d/%m/%Y") if isinstance(d, dt.date) else ""
                                                    for d in s["updated"].tolist()]})


def freshness_line(fresh: cp.Freshness) -> str:
    """Accueil's one line: '3 acteurs : actualisation conseillée (non mis à jour depuis plus de 12 mois).'"""
    if fresh.count == 0:
        return (f"Aucun acteur à actualiser : tous ont été mis à jour depuis moins de {fresh.months} mois"
                + (f" (hors {thousands(fresh.undated)} sans date)." if fresh.undated else "."))
    who = cp._n(fresh.count, "acteur", "acteurs")
    return f"{who} : {cp.STALE_LABEL} (non mis à jour depuis plus de {fresh.months} mois)."


# ---------------------------------------------------------------------------------------------
# What the report's « Suivi » section shows
# ---------------------------------------------------------------------------------------------
@dataclass
class ObjectiveView:
    objective: cp.Objective
    points: list[VersionPoint]
    progress: cp.Progress
    start_version: int | None = None
    id: int | None = None  # the store's objective

    @property
    def sentence(self) -> str:
        return cp.objective_sentence(self.objective, self.progress)


@dataclass
class SuiviReport:
    """The last comparison (sentences) and the objectives with their progress, for the yearly review."""

    comparison_title: str | None = None  # 'Version 2 → version 3'
    summary: str | None = None
    transitions: Mapping | None = None
    sentences: list[str] = field(default_factory=list)  # circles, families, plan
    objectives: list[ObjectiveView] = field(default_factory=list)
    note: str = ""  # e.g. why there is no comparison


def comparison_sentences(cmp: cp.Comparison) -> list[str]:
    """Circle movements, per-family engagement and the action plan, in words (page and report)."""
    counts, _ = cp.circle_movements(cmp)
    out = [s + "." for s in cp.circle_sentences(counts)] or ["Aucun acteur n'a changé de cercle."]
    out += cp.engagement_sentences(cp.engagement_progress(cmp, "family"), "family")
    out += cp.plan_sentences(cp.action_changes(cmp.actions_a, cmp.actions_b),
                             cp.coverage_changes(cmp.actions_a, cmp.actions_b))
    return out


def suivi_report(cmp: cp.Comparison | None, filters, objectives: list[ObjectiveView],
                 note: str = "") -> SuiviReport:
    """The report's « Suivi »: the comparison under the shared filters (its transitions without the level
    filter), and the objectives."""
    if cmp is None:
        return SuiviReport(objectives=objectives, note=note)
    shown = cp.filter_comparison(cmp, filters)
    transitions = cp.level_transitions(cp.filter_comparison(cmp, cp.transition_filters(filters)))
    return SuiviReport(f"{cmp.label_a} → {cmp.label_b}", cp.summary_sentence(shown), transitions,
                       comparison_sentences(shown), objectives,
                       cp.TRANSITIONS_IGNORE_LEVEL if filters.levels else "")
