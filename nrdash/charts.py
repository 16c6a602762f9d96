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
# Counted in sentences: singular, plural, and « the most represented » in the noun's gender.
GROUP_NOUNS = {"family": ("famille", None, "La plus représentée"),
               "type": ("type d'acteur", "types d'acteur", "Le plus représenté"),
               "commune": ("commune", None, "La plus représentée"), "source": ("source", None, "La plus représentée")}


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
                    traceorder="normal", font=dict(size=15), entrywidth=0, entrywidthmode="pixels"),
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


# Every count is drawn with the one neutral scale, light (few) -> dark (many).
COUNT_COLORSCALE = [[i / (len(ref.COUNT_SEQUENTIAL_COLORS) - 1), c] for i, c in enumerate(ref.COUNT_SEQUENTIAL_COLORS)]
DARK_TEXT, LIGHT_TEXT = "#000000", "#ffffff"


def _luminance(color: str) -> float:
    channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_color(background: str) -> str:
    """Black or white, whichever contrasts more with the background (one of them always reaches 4.5:1)."""
    lum = _luminance(background)
    return LIGHT_TEXT if (1.05 / (lum + 0.05)) > ((lum + 0.05) / 0.05) else DARK_TEXT


def count_fill(value: float, top: float) -> str:
    """The count scale's colour for value in [0, top], as plotly draws it with zmin=0, zmax=top."""
    return "#%02x%02x%02x" % ref.count_color(value / top if top else 0.0)


def count_axis(top: float) -> dict:
    """Integer ticks for a count axis (never "0,2 acteur"): a step of 1, 2 or 5 x 10^n, at most about 8 ticks."""
    step = 1
    while top / step > 8:
        for factor in (2, 2.5, 2):
            step = int(step * factor)
            if top / step <= 8:
                break
    return dict(tickformat=",d", tick0=0, dtick=step, rangemode="tozero")


def wrap(label: str, width: int = 14) -> str:
    """An escaped label over several lines (<br>), so that axis labels stay horizontal."""
    lines, line = [], ""
    for word in str(label).split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "<br>".join(esc(x) for x in lines)


def _cell_text(x: list, y: list, z, text: list[list[str]], top: float, size: int = 17) -> dict:
    """The numbers written over a heatmap, each in black or white for its cell's colour (a heatmap's own text
    has one colour for all cells)."""
    xs, ys, texts, colors = [], [], [], []
    for j, row in enumerate(z):
        for i, v in enumerate(row):
            xs.append(x[i])
            ys.append(y[j])
            texts.append(text[j][i])
            colors.append(text_color(count_fill(0 if v is None or v != v else v, top)))
    return dict(type="scatter", mode="text", x=xs, y=ys, text=texts, textfont=dict(size=size, color=colors),
                hoverinfo="skip", showlegend=False, cliponaxis=False)


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
                   xaxis=dict(categoryorder="array", categoryarray=level_names(), tickangle=0,
                              tickvals=level_names(), ticktext=[wrap(n, 16) for n in level_names()]),
                   yaxis=dict(title=dict(text="Acteurs"), **count_axis(max(counts.max(), 1))))


def level_summary(actors: pd.DataFrame) -> str:
    counts = level_counts(actors)
    total = len(actors)
    if not total:
        return "Aucun acteur ne correspond aux filtres."
    parts = [f"{counts[n]} « {ref.LEVELS[n]} » ({percent(counts[n] / total)})" for n in ref.LEVELS]
    missing = total - int(counts.sum())
    tail = f", {missing} sans niveau lisible" if missing else ""
    return f"Sur {total} acteurs : " + ", ".join(parts) + tail + "."


def territory_state(actors: pd.DataFrame) -> go.Figure:
    """The territory in five seconds (Accueil): the actors as one horizontal bar cut by level 0 -> 3, each part's
    count and share written in it, the engaged part (levels 2 and 3) on the right."""
    counts = level_counts(actors)
    total = max(int(counts.sum()), 1)
    data = []
    for n in ref.LEVELS:
        v = int(counts[n])
        color = ref.LEVEL_COLORS[n]
        data.append(dict(type="bar", orientation="h", y=[""], x=[v], name=ref.level_label(n), marker=dict(color=color),
                         text=[f"<b>{v}</b> ({percent(v / total)})" if v else ""], texttemplate="%{text}",
                         textposition="inside", insidetextanchor="middle", textangle=0,
                         textfont=dict(size=22, color=text_color(color)), customdata=[[None, n]],
                         hovertemplate=esc(ref.level_label(n)) + " : %{x} acteurs<extra></extra>"))
    return _figure(data, "Où en est le territoire : les acteurs par niveau d'engagement", height=260, barmode="stack",
                   uniformtext=dict(minsize=14, mode="hide"), top=110,
                   meta=dict(max_height=440),  # one bar: taller says nothing more
                   xaxis=dict(visible=False, range=[0, total]), yaxis=dict(visible=False), bargap=0.15)


def territory_state_summary(actors: pd.DataFrame) -> str:
    counts = level_counts(actors)
    total = len(actors)
    if not total:
        return "Aucun acteur ne correspond aux filtres."
    engaged = int(counts[2] + counts[3])
    known = int(counts.sum())
    s = (f"Sur {count_noun(total, 'acteur')}, {engaged} "
         f"{'sont engagés' if engaged > 1 else 'est engagé'} (niveau 2 ou 3, {percent(engaged / known if known else None)}"
         f" des niveaux renseignés) : {counts[3]} « {ref.LEVELS[3]} » et {counts[2]} « {ref.LEVELS[2]} » ; "
         f"{counts[1]} « {ref.LEVELS[1]} » et {counts[0]} « {ref.LEVELS[0]} ».")
    if total > known:
        s += f" {total - known} sans niveau lisible."
    return s


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
    data = [_level_bars(labels, table[name].tolist(), n, [[g, n] for g in groups]) for n, name in zip(ref.LEVELS, table.columns)]
    title = f"Engagement par {GROUP_LABELS[by].lower()}" + (f" ({len(groups)} plus représentées)" if truncated else "")
    top_value = int(table.sum(axis=1).max()) if len(table) else 1
    return _figure(data, title, height=max(320, 140 + 34 * len(groups)), barmode="stack",
                   uniformtext=dict(minsize=BAR_TEXT_MIN, mode="hide"),
                   yaxis=dict(autorange="reversed", title=dict(text="")),
                   xaxis=dict(title=dict(text="Acteurs"), **count_axis(max(top_value, 1))))


# px: a count written in a bar is drawn this size or larger, else not at all (plotly shrank every count to about
# 12 px to fit the narrowest segment of « Par commune » at 1280 px): the hover, the sentence and the chart's data
# table still give it.
BAR_TEXT_MIN = 15


def _level_bars(y: list, x: list[int], level: int, customdata: list) -> dict:
    """One level's horizontal bars, its counts written inside in black or white for the level's colour."""
    name = ref.level_label(level)
    color = ref.LEVEL_COLORS[level]
    return dict(type="bar", y=y, x=x, name=name, orientation="h", marker=dict(color=color), customdata=customdata,
                text=[str(v) if v else "" for v in x], textposition="inside", insidetextanchor="middle", textangle=0,
                textfont=dict(color=text_color(color)), texttemplate="%{text}",
                hovertemplate="%{y}<br>" + esc(name) + " : %{x}<extra></extra>")


def levels_by_summary(actors: pd.DataFrame, by: str, table: pd.DataFrame | None = None) -> str:
    table = levels_table(actors, by) if table is None else table
    if table.empty:
        return "Aucun acteur ne correspond aux filtres."
    engaged = table.iloc[:, 2:].sum(axis=1)
    share = engaged / table.sum(axis=1)
    best = share.idxmax()
    singular, plural_form, most = GROUP_NOUNS[by]
    return (f"{count_noun(len(table), singular, plural_form)}. {most} : « {table.index[0]} » "
            f"({count_noun(int(table.iloc[0].sum()), 'acteur')}). Part d'acteurs de niveau ≥ 2 la plus forte : « {best} » "
            f"({percent(share[best])}).")


def types_by_family_table(actors: pd.DataFrame) -> pd.DataFrame:
    """Type x level counts, types grouped by family (kit order), largest first within a family."""
    table = levels_table(actors, "type")
    family = pd.Series([ref.FAMILY_OF_TYPE.get(t, "Famille inconnue") for t in table.index], index=table.index)
    order = {f: i for i, f in enumerate(ref.FAMILIES)}
    key = pd.DataFrame({"f": family.map(order).fillna(len(order)), "n": -table.sum(axis=1)})
    index = key.sort_values(["f", "n"], kind="stable").index
    table = table.loc[index]
    table.index = pd.MultiIndex.from_arrays([family.loc[index].to_list(), list(index)], names=["Famille", "Type d'acteur"])
    return table


def types_by_family(actors: pd.DataFrame, table: pd.DataFrame | None = None) -> go.Figure:
    """Horizontal stacked bars: one bar per type under its family's name (a bold heading row), stacked by level
    0 -> 3 with the counts written: readable from the back of a room, where a sunburst's outer ring is not. One
    column of labels (not plotly's two-column multicategory axis), so that the bars keep the width on a projector.
    A click filters on type and level."""
    table = types_by_family_table(actors) if table is None else table
    labels, keys, rows = [], [], []
    for family in dict.fromkeys(table.index.get_level_values(0)):
        labels.append("<b>" + wrap(family, 28) + "</b>")
        keys.append(None)
        rows.append([0] * len(table.columns))
        for typ, counts in table.xs(family, level=0).iterrows():
            labels.append(wrap(typ, 28))
            keys.append(typ)
            rows.append([int(v) for v in counts])
    data = [_level_bars(labels, [r[i] for r in rows], n, [[k, n] for k in keys]) for i, n in enumerate(ref.LEVELS)]
    top_value = int(table.sum(axis=1).max()) if len(table) else 1
    return _figure(data, "Types d'acteurs par famille", height=max(360, 190 + 50 * len(labels)), barmode="stack",
                   uniformtext=dict(minsize=BAR_TEXT_MIN, mode="hide"),
                   yaxis=dict(autorange="reversed", title=dict(text="")),
                   xaxis=dict(title=dict(text="Acteurs"), **count_axis(max(top_value, 1))))


def types_by_family_summary(table: pd.DataFrame) -> str:
    if table.empty:
        return "Aucun acteur ne correspond aux filtres."
    parts = []
    for family in dict.fromkeys(table.index.get_level_values(0)):
        sub = table.xs(family, level=0)
        total = int(sub.to_numpy().sum())
        engaged = int(sub.iloc[:, 2:].to_numpy().sum())
        first = sub.index[0]
        parts.append(f"{family} : {total} acteurs dont {engaged} de niveau ≥ 2, surtout « {first} » "
                     f"({int(sub.loc[first].sum())})")
    return "Types d'acteurs par famille — " + " ; ".join(parts) + "."


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


CIRCLE_LABEL_ANGLES = {1: 20, 2: 35, 3: 50}  # degrees: where each label's arrow meets its ring's band
CIRCLE_LABEL_Y = {1: -1.2, 2: 0.4, 3: 2.2}  # the labels' heights, beside the rings (data units)


def circles(actors: pd.DataFrame) -> go.Figure:
    radii = {1: (0.0, 1.0), 2: (1.0, 2.0), 3: (2.0, 3.0)}
    fills = {1: "#dbe9f6", 2: "#eaf2fa", 3: "#f6f9fc"}
    shapes = [dict(type="circle", x0=-radii[c][1], y0=-radii[c][1], x1=radii[c][1], y1=radii[c][1],
                   fillcolor=fills[c], line=dict(color="#1d4e89", width=2), layer="below") for c in (3, 2, 1)]
    data, annotations = [], []
    size = 12 if len(actors) < 400 else 6  # at 640 px; grows with the figure in mode atelier (meta below)
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
        # Each ring's label beside the rings, an arrow to its band: never over the dots.
        mid, angle = (inner + outer) / 2, math.radians(CIRCLE_LABEL_ANGLES[c])
        annotations.append(dict(x=round(mid * math.cos(angle), 3), y=round(mid * math.sin(angle), 3),
                                ax=3.5, ay=CIRCLE_LABEL_Y[c], axref="x", ayref="y", xanchor="left",
                                text=f"<b>Cercle {c}</b> : {count_noun(len(members), 'acteur')}",
                                showarrow=True, arrowhead=0, arrowwidth=2, arrowcolor="#0b2a6b",
                                font=dict(size=17, color="#0b2a6b")))
    for n in ref.LEVELS:  # legend of the level scale
        data.append(dict(type="scatter", x=[None], y=[None], mode="markers", name=ref.level_label(n),
                         marker=dict(size=12, color=ref.LEVEL_COLORS[n])))
    return _figure(data, "Acteurs par cercle et niveau d'engagement", height=640, shapes=shapes, annotations=annotations,
                   meta=dict(scale_markers=True), xaxis=dict(visible=False, range=[-3.1, 7.4]),
                   yaxis=dict(visible=False, range=[-3.1, 3.1], scaleanchor="x", scaleratio=1))


def circles_summary(actors: pd.DataFrame) -> str:
    parts = [f"cercle {c} : {int((actors['circle'] == c).sum())} acteurs" for c in ref.CIRCLES]
    return "Répartition par cercle de mobilisation — " + ", ".join(parts) + "."


# ---------------------------------------------------------------------------------------------
# Action matrix
# ---------------------------------------------------------------------------------------------
GAP_OUTLINE = "#a4262c"  # a gap's dashed outline: dark red, 6:1 on the palest cell and on white


def plan_heatmap(counts: pd.DataFrame, engaged: pd.Series) -> go.Figure:
    """Axes x targets shown: planned actions per cell, darker = more. The gaps, the cells to act on, stand out on
    their own whatever the scale: a dark dashed outline and the word « lacune » in bold (the high-contrast mode
    turns the outline black, ui.elements.workshop_figure)."""
    z = counts.to_numpy()
    top = max(1, int(z.max()) if z.size else 1)
    text = [[(count_noun(int(v), "action") if v else "lacune") for v in row] for row in z]
    written = [[t if v else f"<b>{t}</b>" for t, v in zip(r, row)] for r, row in zip(text, z)]
    x = [wrap(t) + f"<br>({count_noun(int(engaged.get(t, 0)), 'engagé')})" for t in counts.columns]
    y = [ref.AXIS_SHORT[a] for a in counts.index]
    heat = dict(type="heatmap", z=z.tolist(), x=x, y=y, colorscale=COUNT_COLORSCALE, zmin=0, zmax=top, xgap=4, ygap=4,
                showscale=False, text=text,  # drawn by _cell_text; here for the hover
                hovertemplate="%{y} × %{x}<br>%{text}<extra></extra>")
    gaps = [dict(type="rect", xref="x", yref="y", x0=j - 0.47, x1=j + 0.47, y0=i - 0.46, y1=i + 0.46,
                 line=dict(color=GAP_OUTLINE, width=3, dash="dash"), fillcolor="rgba(0,0,0,0)", layer="above")
            for i, row in enumerate(z) for j, v in enumerate(row) if not v]
    return _figure([heat, _cell_text(x, y, z.tolist(), written, top)], "Matrice d'actions : axes × cibles", height=500,
                   legend=False, top=120, shapes=gaps, yaxis=dict(autorange="reversed"),
                   xaxis=dict(side="top", tickangle=0))


def categories_heatmap(table: pd.DataFrame, block: str | None = None) -> go.Figure:
    """NR categories x families: actors doing it (cell text, darker = more) and the engaged share (hover).
    ``block``: the vocabulary shown (matrix.category_blocks gives each its rows), named in the title."""
    pivot = table.pivot(index="category", columns="family", values="actors").reindex(
        index=[c for c in list(ref.NR_DIMENSIONS) + list(ref.ACTION_TYPES) if c in set(table["category"])],
        columns=list(ref.FAMILIES))
    share = table.pivot(index="category", columns="family", values="engaged_share").reindex_like(pivot)
    shares = share.to_numpy(dtype=float, na_value=np.nan)
    custom = [[percent(None if v != v else v) for v in row] for row in shares]
    z = pivot.fillna(0).astype(int).to_numpy()
    top = max(1, int(z.max()) if z.size else 1)
    x = [wrap(f, 11) for f in pivot.columns]
    y = [wrap(c, 30) for c in pivot.index]
    # Each cell's number is written in it: no colour bar, the width goes to the columns.
    heat = dict(type="heatmap", z=z.tolist(), x=x, y=y, customdata=custom, colorscale=COUNT_COLORSCALE,
                zmin=0, zmax=top, xgap=2, ygap=2, showscale=False,
                hovertemplate="%{y}<br>%{x} : %{z} acteurs, dont %{customdata} de niveau ≥ 2<extra></extra>")
    text = [[str(v) for v in row] for row in z.tolist()]
    return _figure([heat, _cell_text(x, y, z.tolist(), text, top, size=15)],
                   f"{block} × familles d'acteurs" if block else "Ce que font déjà les acteurs : catégories NR × familles",
                   height=max(420, 200 + 50 * len(pivot)), legend=False, top=130,
                   yaxis=dict(autorange="reversed"), xaxis=dict(side="top", tickangle=0))


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
