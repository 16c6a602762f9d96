"""Plotly figures, built from (filtered) census frames. Pure functions: no Streamlit here.

Every figure uses the one ordered level scale of ``referential`` (0 -> 3, same colours everywhere), large
type for projection, and escapes every census string it displays (plotly renders a subset of HTML in
labels and hover text). Each figure has a text alternative (``*_summary``) for screen readers and printouts.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from . import referential as ref
from .filters import commune_labels
from .text import count_noun, esc, percent

FONT = dict(family="Marianne, Arial, Helvetica, sans-serif", size=16, color="#1e1e1e")
GROUP_LABELS = {"family": "Famille", "type": "Type d'acteur", "commune": "Commune", "source": "Source"}


AXIS = dict(gridcolor="#e5e8ee", linecolor="#6b7280", zerolinecolor="#c9ced6", automargin=True,
            tickfont=dict(size=15), title=dict(font=dict(size=16)))


def _figure(data: list[dict], title: str, height: int | None = None, legend: bool = True, top: int | None = None,
            **layout: Any) -> go.Figure:
    """A figure from plain trace and layout dicts.

    Built without plotly's per-value validation and template copy (hundreds of milliseconds at 10,000 actors);
    the specs are written against plotly's schema and checked by the tests through the figure objects."""
    base = dict(
        title=dict(text=esc(title), font=dict(size=21), x=0.01, xref="container", y=0.99, yref="container",
                   yanchor="top"),
        font=FONT, height=height, showlegend=legend, paper_bgcolor="white", plot_bgcolor="white",
        margin=dict(l=10, r=10, t=(top or (110 if legend else 60)) + 22, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0, title=dict(text=""),
                    traceorder="normal", font=dict(size=15), entrywidth=0.5, entrywidthmode="fraction"),
        hoverlabel=dict(font=dict(size=15)), separators=", ",
        xaxis=dict(AXIS), yaxis=dict(AXIS),
    )
    for key, value in layout.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return go.Figure({"data": data, "layout": base}, skip_invalid=False, _validate=False)


def level_names() -> list[str]:
    return [ref.level_label(n) for n in ref.LEVELS]


# ---------------------------------------------------------------------------------------------
# Engagement
# ---------------------------------------------------------------------------------------------
def level_counts(actors: pd.DataFrame) -> pd.Series:
    return actors["level"].value_counts().reindex(list(ref.LEVELS), fill_value=0).astype(int)


def level_distribution(actors: pd.DataFrame) -> go.Figure:
    counts = level_counts(actors)
    bar = dict(type="bar", x=level_names(), y=counts.tolist(), marker=dict(color=[ref.LEVEL_COLORS[n] for n in ref.LEVELS]),
               text=counts.tolist(), textposition="outside", customdata=[[None, n] for n in ref.LEVELS],
               hovertemplate="%{x} : %{y} acteurs<extra></extra>", cliponaxis=False)
    return _figure([bar], "Niveaux d'engagement", legend=False,
                   xaxis=dict(categoryorder="array", categoryarray=level_names()),
                   yaxis=dict(title=dict(text="Acteurs")))


def level_summary(actors: pd.DataFrame) -> str:
    counts = level_counts(actors)
    total = len(actors)
    if not total:
        return "Aucun acteur ne correspond aux filtres."
    parts = [f"{counts[n]} « {ref.LEVELS[n]} » ({percent(counts[n] / total)})" for n in ref.LEVELS]
    missing = total - int(counts.sum())
    tail = f", {missing} sans niveau lisible" if missing else ""
    return f"Sur {total} acteurs : " + ", ".join(parts) + tail + "."


def group_values(actors: pd.DataFrame, by: str) -> pd.Series:
    if by == "commune":
        return commune_labels(actors)
    return actors[by].fillna("Non renseigné")


def levels_table(actors: pd.DataFrame, by: str) -> pd.DataFrame:
    """Group x level counts, groups ordered by size (largest first, then name), levels 0 -> 3."""
    codes, groups = pd.factorize(group_values(actors, by), sort=True)
    level = actors["level"].to_numpy(dtype=float, na_value=np.nan)
    known = ~np.isnan(level)
    n_levels = len(ref.LEVELS)
    flat = np.bincount(codes[known] * n_levels + level[known].astype(int), minlength=len(groups) * n_levels)
    table = pd.DataFrame(flat.reshape(len(groups), n_levels), index=pd.Index(groups, name=GROUP_LABELS[by]),
                         columns=level_names())
    table = table[table.sum(axis=1) > 0]
    return table.loc[table.sum(axis=1).sort_values(ascending=False, kind="stable").index]


def levels_by(actors: pd.DataFrame, by: str, top: int | None = None, table: pd.DataFrame | None = None) -> go.Figure:
    """Horizontal stacked bars: one bar per family/type/commune/source, stacked by level in order 0 -> 3."""
    table = levels_table(actors, by) if table is None else table
    truncated = top is not None and len(table) > top
    if truncated:
        table = table.iloc[:top]
    groups = list(table.index)
    labels = [esc(g) for g in groups]
    data = [dict(type="bar", y=labels, x=table[name].tolist(), name=name, orientation="h",
                 marker=dict(color=ref.LEVEL_COLORS[n]), customdata=[[g, n] for g in groups],
                 hovertemplate="%{y}<br>" + esc(name) + " : %{x}<extra></extra>")
            for n, name in zip(ref.LEVELS, table.columns)]
    title = f"Engagement par {GROUP_LABELS[by].lower()}" + (f" ({len(groups)} plus représentées)" if truncated else "")
    return _figure(data, title, height=max(320, 140 + 34 * len(groups)), barmode="stack",
                   yaxis=dict(autorange="reversed", title=dict(text="")), xaxis=dict(title=dict(text="Acteurs")))


def levels_by_summary(actors: pd.DataFrame, by: str, table: pd.DataFrame | None = None) -> str:
    table = levels_table(actors, by) if table is None else table
    if table.empty:
        return "Aucun acteur ne correspond aux filtres."
    engaged = table.iloc[:, 2:].sum(axis=1)
    share = engaged / table.sum(axis=1)
    best = share.idxmax()
    return (f"{len(table)} {GROUP_LABELS[by].lower()}(s). La plus représentée : « {table.index[0]} » "
            f"({int(table.iloc[0].sum())} acteurs). Part d'acteurs de niveau ≥ 2 la plus forte : « {best} » "
            f"({percent(share[best])}).")


def hierarchy(actors: pd.DataFrame) -> go.Figure:
    """Sunburst family -> type -> level."""
    df = actors.assign(level_label=actors["level"].map(ref.level_label, na_action=None).astype(object))
    g = df.groupby(["family", "type", "level_label"], dropna=False).size().reset_index(name="n")
    g = g.fillna({"family": "Famille inconnue", "type": "Type inconnu"})
    ids, labels, parents, values, colors = [], [], [], [], []
    level_color = {ref.level_label(n): ref.LEVEL_COLORS[n] for n in ref.LEVELS}
    for fam, fdf in g.groupby("family", sort=False):
        ids.append(fam); labels.append(esc(fam)); parents.append(""); values.append(int(fdf["n"].sum()))
        colors.append(ref.FAMILY_COLORS.get(fam, ref.LEVEL_MISSING_COLOR))
        for typ, tdf in fdf.groupby("type", sort=False):
            tid = f"{fam}/{typ}"
            ids.append(tid); labels.append(esc(typ)); parents.append(fam); values.append(int(tdf["n"].sum()))
            colors.append(ref.FAMILY_COLORS.get(fam, ref.LEVEL_MISSING_COLOR))
            for _, r in tdf.iterrows():
                ids.append(f"{tid}/{r['level_label']}"); labels.append(esc(r["level_label"])); parents.append(tid)
                values.append(int(r["n"])); colors.append(level_color.get(r["level_label"], ref.LEVEL_MISSING_COLOR))
    sunburst = dict(type="sunburst", ids=ids, labels=labels, parents=parents, values=values, branchvalues="total",
                    marker=dict(colors=colors, line=dict(color="white", width=1)),
                    hovertemplate="%{label} : %{value} acteurs<extra></extra>", maxdepth=3,
                    insidetextorientation="radial")
    return _figure([sunburst], "Familles, types et niveaux", height=560, legend=False)


def selection_to_filters(points: list[dict], by: str | None) -> dict[str, tuple]:
    """Filter changes from a plotly selection on a levels chart: the clicked group(s) and level(s)."""
    groups, levels = [], []
    for p in points or []:
        data = p.get("customdata")
        if not isinstance(data, (list, tuple)) or len(data) != 2:
            continue
        group, level = data
        if group is not None and group not in groups:
            groups.append(group)
        if level is not None and int(level) not in levels:
            levels.append(int(level))
    changes: dict[str, tuple] = {}
    field = {"family": "families", "type": "types", "commune": "communes", "source": "sources"}.get(by or "")
    if field and groups:
        changes[field] = tuple(groups)
    if levels:
        changes["levels"] = tuple(sorted(levels))
    return changes


# ---------------------------------------------------------------------------------------------
# Circles
# ---------------------------------------------------------------------------------------------
def circle_positions(n: int, inner: float, outer: float, seed_angle: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """n points spread evenly in a ring (golden-angle spiral): deterministic, no overlap pile-up."""
    if n == 0:
        return np.zeros(0), np.zeros(0)
    k = np.arange(n)
    r = np.sqrt(inner ** 2 + (outer ** 2 - inner ** 2) * (k + 0.5) / n)
    theta = seed_angle + k * math.pi * (3 - math.sqrt(5))
    return r * np.cos(theta), r * np.sin(theta)


def circles(actors: pd.DataFrame) -> go.Figure:
    radii = {1: (0.0, 1.0), 2: (1.0, 2.0), 3: (2.0, 3.0)}
    fills = {1: "#dbe9f6", 2: "#eaf2fa", 3: "#f6f9fc"}
    shapes = [dict(type="circle", x0=-radii[c][1], y0=-radii[c][1], x1=radii[c][1], y1=radii[c][1],
                   fillcolor=fills[c], line=dict(color="#1d4e89", width=2), layer="below") for c in (3, 2, 1)]
    data, annotations = [], []
    size = 9 if len(actors) < 400 else 5
    for c, (inner, outer) in radii.items():
        members = actors[actors["circle"] == c].sort_values(["level", "name"], ascending=[False, True])
        x, y = circle_positions(len(members), inner + 0.12, outer - 0.12, seed_angle=c)
        levels = members["level"].to_numpy(dtype=float, na_value=np.nan)
        colors = [ref.LEVEL_COLORS[int(v)] if v == v else ref.LEVEL_MISSING_COLOR for v in levels]
        level_text = {n: esc(ref.level_label(n)) for n in ref.LEVELS}
        hover = [f"<b>{esc(n)}</b><br>{esc(t)}<br>{level_text.get(int(v)) if v == v else 'Non renseigné'}"
                 for n, t, v in zip(members["name"].fillna("?"), members["type"].fillna("?"), levels)]
        data.append(dict(type="scatter", x=x.round(4).tolist(), y=y.round(4).tolist(), mode="markers",
                         name=ref.CIRCLES[c].label, showlegend=False, hovertext=hover, hoverinfo="text",
                         marker=dict(size=size, color=colors, line=dict(color="white", width=0.5))))
        annotations.append(dict(x=0, y=outer - 0.06 if c > 1 else 0.55, text=f"<b>Cercle {c}</b> : {len(members)} acteurs",
                                showarrow=False, font=dict(size=17, color="#0b2a6b"),
                                bgcolor="rgba(255,255,255,0.85)"))
    for n in ref.LEVELS:  # legend of the level scale
        data.append(dict(type="scatter", x=[None], y=[None], mode="markers", name=ref.level_label(n),
                         marker=dict(size=12, color=ref.LEVEL_COLORS[n])))
    return _figure(data, "Cercles de mobilisation", height=640, shapes=shapes, annotations=annotations,
                   xaxis=dict(visible=False, range=[-3.1, 3.1]),
                   yaxis=dict(visible=False, range=[-3.1, 3.1], scaleanchor="x", scaleratio=1))


def circles_summary(actors: pd.DataFrame) -> str:
    parts = [f"cercle {c} : {int((actors['circle'] == c).sum())} acteurs" for c in ref.CIRCLES]
    return "Répartition par cercle de mobilisation — " + ", ".join(parts) + "."


# ---------------------------------------------------------------------------------------------
# Action matrix
# ---------------------------------------------------------------------------------------------
def plan_heatmap(counts: pd.DataFrame, engaged: pd.Series) -> go.Figure:
    """Axes x targets: planned actions per cell; empty cells are gaps, marked as such."""
    z = counts.to_numpy()
    text = [[(count_noun(int(v), "action") if v else "lacune") for v in row] for row in z]
    heat = dict(type="heatmap", z=z.tolist(),
                x=[f"{t}<br>({count_noun(int(engaged[t]), 'engagé')})" for t in counts.columns],
                y=[ref.AXIS_SHORT[a] for a in counts.index], text=text, texttemplate="%{text}",
                textfont=dict(size=17), colorscale=[[0, "#ffffff"], [0.001, "#dbe9f6"], [1, "#1d4e89"]],
                zmin=0, zmax=max(1, int(z.max())), xgap=4, ygap=4, showscale=False,
                hovertemplate="%{y} × %{x}<br>%{z} action(s) prévue(s)<extra></extra>")
    return _figure([heat], "Matrice d'actions : axes × cibles", height=500, legend=False, top=120,
                   yaxis=dict(autorange="reversed"), xaxis=dict(side="top"))


def plan_summary(counts: pd.DataFrame) -> str:
    covered = int((counts.to_numpy() > 0).sum())
    total = counts.size
    gaps = [f"{ref.AXIS_SHORT[a]} × {t}" for a in counts.index for t in counts.columns if counts.loc[a, t] == 0]
    s = f"{covered} cases sur {total} ont au moins une action prévue ({int(counts.to_numpy().sum())} au total)."
    if gaps:
        s += " Lacunes : " + ", ".join(gaps) + "."
    return s


def categories_heatmap(table: pd.DataFrame) -> go.Figure:
    """NR categories x families: actors doing it (cell text) and the engaged share (hover)."""
    pivot = table.pivot(index="category", columns="family", values="actors").reindex(
        index=[c for c in list(ref.ACTION_TYPES) + list(ref.NR_DIMENSIONS) if c in set(table["category"])],
        columns=list(ref.FAMILIES))
    share = table.pivot(index="category", columns="family", values="engaged_share").reindex_like(pivot)
    shares = share.to_numpy(dtype=float, na_value=np.nan)
    custom = [[percent(None if v != v else v) for v in row] for row in shares]
    heat = dict(type="heatmap", z=pivot.to_numpy().tolist(), x=list(pivot.columns), y=[esc(c) for c in pivot.index],
                text=pivot.to_numpy().tolist(), texttemplate="%{text}", customdata=custom, colorscale="Blues",
                xgap=2, ygap=2, colorbar=dict(title=dict(text="Acteurs")),
                hovertemplate="%{y}<br>%{x} : %{z} acteurs, dont %{customdata} de niveau ≥ 2<extra></extra>")
    return _figure([heat], "Ce que font déjà les acteurs : catégories NR × familles",
                   height=max(420, 160 + 30 * len(pivot)), legend=False, top=130,
                   yaxis=dict(autorange="reversed"), xaxis=dict(side="top"))


def categories_summary(table: pd.DataFrame) -> str:
    by_cat = table.groupby("category")["actors"].sum().sort_values(ascending=False)
    if by_cat.sum() == 0:
        return "Aucune action NR renseignée pour les acteurs filtrés."
    top = ", ".join(f"« {c} » ({int(n)})" for c, n in by_cat.head(3).items())
    none = [c for c, n in by_cat.items() if n == 0]
    s = f"Catégories les plus citées : {top}."
    if none:
        s += f" Jamais citées : {', '.join(none)}."
    return s
