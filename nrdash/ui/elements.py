"""What pages draw with: the chart with its text alternative, key figures, the level legend, tables of census text,
the filter caption. Each takes the page's context (ui.context()) when it needs the view."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from .. import referential as ref
from ..charts import selection_to_filters
from ..indicators import PUBLIC_COLUMNS, public_table
from ..plotting import Rendered, render
from ..tables import safe_table
from ..text import esc, escape_md
from .chart_component import plotly_chart
from .filter_state import set_filters
from .actor_search import actor_card

if TYPE_CHECKING:
    from .page_context import Context

# The chart toolbar keeps its one useful button, the image download (bars and cells are read, not zoomed; a click
# filters).
PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtons": [["toImage"]],
                 "toImageButtonOptions": {"format": "png", "scale": 2}}


def data_table(frame: pd.DataFrame, **kwargs) -> None:
    """st.dataframe for every table of census text: what its toolbar downloads or a copy takes is spreadsheet-safe
    (nrdash.tables)."""
    st.dataframe(safe_table(frame), **kwargs)


def html_table(frame: pd.DataFrame) -> str:
    """A small table as one line of HTML for st.markdown(unsafe_allow_html=True): every cell escaped (an HTML block
    on one line: markdown reads none of it), numbers right-aligned. For short lists where the interactive grid's
    scripts are not worth loading."""
    def cell(v, tag: str = "td") -> str:
        text = "" if v is None or (isinstance(v, float) and v != v) else str(v)
        num = bool(text) and isinstance(v, (int, float)) and not isinstance(v, bool)
        return f'<{tag}{" class=nr-num" if num else ""}>{breakable(text)}</{tag}>'

    head = "".join(cell(c, "th") for c in frame.columns)
    body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in frame.itertuples(index=False))
    return f'<table class="nr-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


LONG_WORD = 20  # characters: a longer word (an address, a file name) may wrap inside


def breakable(text: str) -> str:
    """``text`` escaped for HTML, its long words (an address in a note, a file name, an e-mail address) given places
    to wrap (<wbr>) after « / . - _ @ ? & = » and at least every LONG_WORD characters, so that a table column
    stays narrow without cutting short words (a header, a date)."""
    out = []
    for word in re.split(r"(\s+)", text):
        if len(word) <= LONG_WORD:
            out.append(esc(word))
            continue
        pieces = []
        for part in re.split(r"(?<=[/.\-_@?&=])", word):
            pieces += [part[i:i + LONG_WORD] for i in range(0, len(part), LONG_WORD)] or [""]
        out.append("<wbr>".join(esc(p) for p in pieces))
    return "".join(out)


def filter_caption(ctx: Context) -> None:
    st.caption(escape_md(ctx.caption))


def _on_chart_points(points: list[dict], by: str | None) -> None:
    changes = selection_to_filters(points, by)
    if changes:
        set_filters(**changes)


def chart(ctx: Context, fig: go.Figure | Callable[[], go.Figure], summary: str | Callable[[], str], key: str,
          select_by: str | None = None, table: pd.DataFrame | None = None, main: bool = False) -> None:
    """A plotly chart with its text alternative (``summary``, the sentence that gives its numbers, written under it
    and describing the figure for screen readers); a click on a bar filters when ``select_by`` is given.

    The active filters are written in the figure itself, so the image downloaded from the chart's toolbar
    (PNG, drawn by the browser) always says what it shows. ``main``: the page's main figure, which in mode atelier
    takes the height the screen leaves below it (whole on screen, without scrolling).

    ``fig`` and ``summary`` given as functions of the view alone (nothing else than ``ctx``'s census, filters and
    rows in error): the figure is built, styled and serialised once for every session showing the same view in
    the same mode (nrdash.shared), not once per session."""
    if ctx.embedded:  # another site shows the figure: it is read there, not clicked to filter nor opened as a table
        select_by = table = None
    on_select = None if select_by is None else (lambda points: _on_chart_points(points, select_by))

    def styled() -> tuple[Rendered, dict | None, str]:
        return _styled(ctx, fig() if callable(fig) else fig, main, summary() if callable(summary) else summary)

    if callable(fig):
        rendered, fit, text = ctx.shared_value(("chart", key, ctx.caption, ctx.workshop, ctx.contrast, main), styled)
    else:
        rendered, fit, text = styled()
    config = {**PLOTLY_CONFIG, "toImageButtonOptions": {"format": ctx.image_format, "scale": 2,
                                                        "filename": f"nrdash-{key}"}}
    plotly_chart(rendered, key=key, config=config, on_select=on_select, fit=fit, summary=text)
    if table is not None and st.toggle("Données du graphique", key=f"{key}_data"):
        data_table(table, width="stretch")


WORKSHOP_MIN_HEIGHT = 300  # px: below this a projected figure is no longer read from the back of the room


def _styled(ctx: Context, fig: go.Figure, main: bool, summary: str) -> tuple[Rendered, dict | None, str]:
    """The figure with the filter line in it (and mode atelier's type), serialised; the browser's fit in mode
    atelier; the text alternative."""
    fig.update_layout(title_subtitle_text=esc(ctx.caption), title_subtitle_font_size=14)
    fit = None
    if ctx.workshop:
        workshop_figure(fig, ctx.contrast)
        if main:
            meta = fig.layout.meta or {}
            fit = {"min": meta.get("min_height", WORKSHOP_MIN_HEIGHT), "max": meta.get("max_height"), "below": 8,
                   "scale_markers": bool(meta.get("scale_markers"))}
    return render(fig), fit, summary


def workshop_figure(fig: go.Figure, contrast: bool = False) -> None:
    """Mode atelier: type read from the back of a room, the filter line too (≥ 14 px), legend entries as wide as
    their text (a fixed fraction cut "1 — Sensibilisé au NR"); ``contrast``: black text, dark grid and thicker lines
    for a washed-out projector."""
    fig.update_layout(font_size=21, title_font_size=27, legend_font_size=19, hoverlabel_font_size=19,
                      title_subtitle_font_size=18, legend_entrywidth=0, legend_entrywidthmode="pixels")
    fig.update_xaxes(tickfont_size=19)
    fig.update_yaxes(tickfont_size=19)
    if fig.layout.xaxis.side == "top":  # column labels above the cells: room for them under the filter line
        fig.update_layout(margin_t=(fig.layout.margin.t or 0) + 50)
    if contrast:
        fig.update_layout(font_color="#000000", title_font_color="#000000", title_subtitle_font_color="#000000",
                          legend_font_color="#000000")
        # No dark line through a column's count: category axes lose their grid, value axes get a dark one.
        columns = any(t.type == "bar" and t.orientation != "h" for t in fig.data)
        fig.update_xaxes(gridcolor="#595959", linecolor="#000000", linewidth=2, zerolinecolor="#000000",
                         tickfont_color="#000000", **({"showgrid": False} if columns else {}))
        fig.update_yaxes(gridcolor="#595959", linecolor="#000000", linewidth=2, zerolinecolor="#000000",
                         tickfont_color="#000000")
        fig.update_shapes(line_color="#000000", line_width=3)
        fig.update_traces(marker_line_color="#000000", marker_line_width=1, selector=dict(type="bar"))


def key_figures(items: list[tuple[str, object, str | None]]) -> None:
    """Key figures (label, value, optional note) as one light list: Streamlit's st.metric costs five scripts and
    about ten nodes per figure; the note is written under the value rather than hidden in a tooltip."""
    cells = []
    for label, value, note in items:
        extra = f'<div class="nr-kpi-note">{esc(note)}</div>' if note else ""
        cells.append(f'<li class="nr-kpi"><div class="nr-kpi-label">{esc(label)}</div>'
                     f'<div class="nr-kpi-value">{esc(value)}</div>{extra}</li>')
    st.markdown(f'<ul class="nr-kpis">{"".join(cells)}</ul>', unsafe_allow_html=True)  # every text escaped


def level_legend(ctx: Context, key: str) -> None:
    """The level scale as a clickable legend: a click on a level adds it to the shared level filter, a second click
    takes it out (plotly's own legend only hides a series in the browser and cannot tell the app).
    One row of pills showing the levels filtered, whatever set them (the Filtres popover, a chart click, the
    address); it weighs a third of four buttons in columns."""
    st.session_state[key] = sorted(ctx.filters.levels)  # the filter as set anywhere else

    def on_change() -> None:
        set_filters(levels=tuple(sorted(st.session_state.get(key) or ())))

    st.pills("Filtrer sur des niveaux", list(ref.LEVELS), selection_mode="multi",
             format_func=ref.level_label, key=key, on_change=on_change)


def actors_table(actors: pd.DataFrame, key: str, ctx: Context | None = None) -> None:
    """The actors behind the charts, never with personal data; sent to the browser only when asked. With the page's
    context, a row can be selected to open that actor's card (ui.actor_search.actor_card) under the table."""
    if not st.toggle(f"Afficher les {len(actors)} acteurs correspondants", key=key):
        return
    table = public_table(actors)
    if ctx is None:
        data_table(table, hide_index=True, width="stretch")
        return
    event = st.dataframe(safe_table(table), hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row", key=f"{key}_rows")
    picked = event.selection.rows if event is not None else []
    if picked and picked[0] < len(table):
        actor_card(ctx, int(table.iloc[picked[0]][PUBLIC_COLUMNS["row"]]))
    else:
        st.caption("Sélectionnez une ligne (case à gauche) pour ouvrir la fiche de l'acteur.")


@st.cache_data(show_spinner=False)
def blank_template() -> bytes:
    """The blank census workbook (template with its « Mode d'emploi » and the kit's drop-down lists), built once."""
    import io

    from ..template import build_workbook

    buf = io.BytesIO()
    build_workbook().save(buf)
    return buf.getvalue()


TEMPLATE_FILE_NAME = "modele-recensement-nr.xlsx"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_button(label: str = "Télécharger le modèle vierge (.xlsx)", key: str | None = None) -> None:
    st.download_button(label, blank_template(), file_name=TEMPLATE_FILE_NAME, mime=XLSX_MIME,
                       icon=":material/download:", on_click="ignore", key=key)


def coming_soon(what: str) -> None:
    st.info(f"À venir : {what}", icon=":material/construction:")
