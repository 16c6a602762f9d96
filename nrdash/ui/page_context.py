"""The page context: what the sidebar is set to (census, territory, filters, workshop mode) and the filtered view
every page reads. app.py computes it once per run (sidebar()); a page asks for it (context()) and passes it on."""
from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from .. import shared
from ..dataset import Dataset
from ..filters import Filters, describe
from ..geography import Geography
from ..placement import TerritoryInfo
from ..text import count_noun, escape_md
from . import embed, widgets
from . import territory_picker as territories
from . import workshop_mode
from .assets import style
from .pages import THROUGH_APP_KEY, navigation
from . import source
from . import workspace_panel as workspace_ui
from .source import SOURCE_KEY, Source, geography

CONTEXT_KEY = "_context"


@dataclass
class Context:
    dataset: Dataset
    filters: Filters
    actors: pd.DataFrame  # filtered
    categories: pd.DataFrame  # filtered, aligned with actors
    actions: pd.DataFrame  # filtered
    total: int  # actors before the shared filters
    include_error_rows: bool
    geo: Geography | None = None
    geo_note: str | None = None  # why the geography is unavailable
    territory: TerritoryInfo | None = None  # chosen in the sidebar, else the census's
    workshop: bool = False  # mode atelier: projected, no personal data, no upload or editing controls
    image_format: str = "png"  # of the charts' image button: "png" or "svg"
    contrast: bool = False  # mode atelier's high-contrast theme (washed-out projectors)
    source: Source | None = None  # the territory, version or draft shown, and what this session may do
    share_key: shared.ViewKey | None = None  # the view's key when sessions share it (nrdash.shared), else None
    embedded: bool = False  # ?integre=1: the page's figure alone, for another site (nrdash.ui.embed)
    page: str | None = None  # the page shown ('pages/carte.py')

    def shared_value(self, name, compute):
        """``compute()``, computed once for every session showing this view (nrdash.shared.derived): ``name`` says
        what it is — the page first, e.g. ("accueil", "kpis") — and everything it depends on besides the view (mode
        atelier, theme, date, a widget's choice…)."""
        return shared.derived(self.dataset, self.share_key, name, compute)

    @property
    def caption(self) -> str:
        text = describe(self.filters, len(self.actors), self.total)
        errors = int((~self.dataset.valid).sum())
        if errors and not self.include_error_rows:
            text += f" (hors {count_noun(errors, 'ligne')} en erreur)"
        return text


def sidebar(current_page: str | None = None) -> Context:
    """Draw the data source and the shared filters; compute the filtered view every page reads."""
    geo, geo_note = geography()
    workshop = workshop_mode.toggle(locked=source.locked())
    contrast = workshop and workshop_mode.contrast_toggle()
    sheets = [*(["workshop"] if workshop else []), *(["contrast"] if contrast else [])]  # « base »: in the page
    if sheets:  # (nrdash.web.compression.french_index)
        st.markdown(style(*sheets), unsafe_allow_html=True)  # our own files only
    if workshop and current_page:
        workshop_mode.carousel(current_page)
    src = source.resolve(workshop)
    st.session_state[SOURCE_KEY] = src
    workspace_ui.sidebar_block(src, workshop, current_page)
    if src.dataset is None:  # nothing may or can be shown: say why, show nothing else
        if src.empty and src.access.editor and src.code and not workshop:  # its first census comes from here
            workspace_ui.first_steps(src)
        elif src.empty:  # nothing published yet: no error, and no lock
            st.info(escape_md(src.problem), icon=":material/hourglass_empty:")
        else:
            st.error(escape_md(src.problem), icon=":material/lock:")
        st.stop()
    dataset = src.dataset
    workspace_ui.reset_on_change(src)
    territory = territories.chosen(dataset, geo)
    widgets.summary(src.label, dataset, territory)  # one block rather than two, above the buttons that change them
    include_errors = widgets.source_widgets(src, workshop)
    territories.widgets(dataset, geo, territory)
    filters = widgets.filter_widgets(dataset)
    image_format = widgets.image_format_widget(current_page)
    return _with_view(Context(dataset, filters, None, None, None, 0, include_errors, geo, geo_note, territory,
                              workshop, image_format, contrast, src, page=current_page))


def embedded(current_page: str | None) -> Context:
    """?integre=1 (nrdash.ui.embed): the view the address states — territory, version, filters — with nothing
    drawn around the page. As in mode atelier, the published version only and never personal data; the store
    decides whether this session may read the territory at all (otherwise the page says so and stops)."""
    st.markdown(style("embed"), unsafe_allow_html=True)  # no Streamlit header (our own file)
    if current_page not in embed.EMBED_PAGES:
        embed.refuse_page(current_page)
    geo, geo_note = geography()
    src = source.resolve(workshop=True)
    st.session_state[SOURCE_KEY] = src
    if src.dataset is None:
        embed.unavailable(src.problem or "", current_page)
    dataset = src.dataset
    filters = widgets.address_filters(dataset).filters  # what the address states wrongly is left out
    return _with_view(Context(dataset, filters, None, None, None, 0, False, geo, geo_note,
                              territories.chosen(dataset, geo), source=src, embedded=True, page=current_page))


def _with_view(ctx: Context) -> Context:
    """``ctx`` with its filtered view, computed once for every session showing the same (nrdash.shared); kept for
    the page (context())."""
    src = ctx.source
    key = shared.view_key(ctx.dataset, src.code, src.number, ctx.include_error_rows, ctx.filters)
    view = shared.view(ctx.dataset, key, ctx.include_error_rows, ctx.filters)
    ctx = replace(ctx, actors=view.actors, categories=view.categories, actions=view.actions, total=view.total,
                  share_key=key)
    st.session_state[CONTEXT_KEY] = ctx
    return ctx


def context() -> Context:
    """The view computed by the entrypoint for this run (pages never recompute it).

    A page that is not run by run_page was run without app.py. Streamlit does that in its legacy "pages/ folder" mode (a folder
    named pages/ beside the entry script), until some run calls st.navigation: on a fresh server, the first request
    for a page URL (a bookmark, the projector laptop's start page) runs that page alone, and AppTest, which starts
    every run in that mode, runs each page it switches to alone first. Calling st.navigation, the
    public multipage API, ends that mode for the whole server (once an app uses st.navigation, Streamlit ignores
    the pages/ folder); the rerun then goes through app.py and keeps the requested page. Tested on a fresh server
    opened on a page URL: tests/e2e/test_navigation.py."""
    if not st.session_state.get(THROUGH_APP_KEY):
        navigation()
        st.rerun()
    return st.session_state[CONTEXT_KEY]
