"""Views for another site (issue 27): ``?integre=1`` on Accueil, Carte, Engagement, Cercles and Matrice shows the
page's figure and its sentence, the filters in words and a link « Voir le tableau de bord », nothing else (no menu,
sidebar, sign-in, upload, Streamlit header; never personal data, as in mode atelier). The context comes from the
address alone (nrdash.ui.page_context.embedded); the territory's rules apply unchanged (the store decides what this
session may read). Each of those pages offers an editor the ``<iframe>`` to copy (button()). Addresses and the
snippet: nrdash.embedding."""
from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from .. import embedding
from ..text import esc, escape_md
from .pages import PAGES, PageDone, absolute_url, kept_query, url_path
from .source import TERRITORY_PARAM

if TYPE_CHECKING:
    from .page_context import Context

EMBED_PAGES = ("pages/accueil.py", "pages/carte.py", "pages/engagement.py", "pages/cercles.py", "pages/matrice.py")
DASHBOARD_LINK = "Voir le tableau de bord"
NOT_EMBEDDABLE = "Cette page ne peut pas être intégrée dans un autre site."


def page_of(page) -> str | None:
    """'pages/carte.py' for the page st.navigation selected, None for a page outside the menu."""
    return next((p for p, t, _ in PAGES if t == page.title), None)


def dashboard_link(page: str | None) -> None:
    """« Voir le tableau de bord »: the same view (territory, version, filters) on the dashboard, in a new tab (the
    host site stays open). The whole address (nrdash.links), else the path alone, which the browser resolves
    against the frame's own address: this server."""
    path = embedding.with_query("/" + url_path(page or PAGES[0][0]), embedding.dashboard_query(kept_query()))
    url, _ = absolute_url(path)
    st.markdown(f'<p class="nr-embed-link"><a href="{esc(url)}" target="_blank" rel="noopener">{DASHBOARD_LINK}</a>'
                "</p>", unsafe_allow_html=True)  # the address escaped; the words are ours


def refuse_page(page: str | None) -> None:
    """Another page asked with ?integre=1: it is not shown in a frame (a table of actors, the census, the settings
    have no place on another site); only the way to that page on the dashboard."""
    st.info(NOT_EMBEDDABLE, icon=":material/block:")
    dashboard_link(page)
    st.stop()


def unavailable(problem: str, page: str) -> None:
    """The territory may not be read by this session (closed, unknown, nothing published): the page's own words
    (nrdash.ui.source), nothing of the census, and the way to the dashboard (where one signs in)."""
    st.info(escape_md(problem), icon=":material/lock:")
    dashboard_link(page)
    st.stop()


def end(ctx: Context) -> None:
    """Under the embedded page's figure: the census shown and its filters in words, the link to the dashboard; and
    nothing more of the page. Outside an embed, nothing."""
    if not ctx.embedded:
        return
    src = ctx.source
    if src is None or not src.code:  # NRDASH_CENSUS's file
        shown = ctx.dataset.label
    else:  # the sample's label already names it
        shown = src.label if src.label.startswith(src.name) else f"{src.name} — {src.label}"
    st.caption(escape_md(f"{shown}. {ctx.caption}."))
    dashboard_link(ctx.page)
    raise PageDone


def button(ctx: Context, title: str) -> None:
    """« Intégrer »: the ``<iframe>`` of this page's figure with the current filters, for the territory's team to
    paste into their site: offered to a session with a role on the territory (reader, editor, administrator), not to
    every visitor — the button costs these one-figure pages 15 page elements, which their sobriety grade cannot
    afford (Cercles fell to 59 < 60, tests/e2e/test_sobriety.py measures an anonymous visit), as « Se connecter »
    is not offered there either. Not in mode atelier nor inside an embed."""
    src = ctx.source
    if ctx.workshop or ctx.embedded or ctx.page not in EMBED_PAGES or src is None or src.access.role is None:
        return
    pinned = {TERRITORY_PARAM: [src.code]} if src.code else {}  # not the instance's default
    path = embedding.with_query("/" + url_path(ctx.page), embedding.embed_query({**pinned, **kept_query()}))
    url, problem = absolute_url(path)
    name = src.name if src.code else ""
    snippet = embedding.iframe_snippet(url, embedding.snippet_title(title, name),
                                       embedding.HEIGHTS.get(ctx.page, embedding.DEFAULT_HEIGHT))
    with st.popover("Intégrer", icon=":material/code:", key="embed_popover"):
        st.markdown("Collez ce code dans une page de votre site : il y affiche cette figure avec les filtres "
                    "actuels. L'administrateur de nrdash doit d'abord y autoriser votre site "
                    "(réglage `NRDASH_FRAME_ANCESTORS`).")
        st.code(snippet, language="html", wrap_lines=True)
        if problem:
            st.warning(problem, icon=":material/link_off:")
        if src.code and src.access.public is False:
            st.warning("Ce territoire n'est pas ouvert à la lecture sans compte : la figure intégrée n'affichera "
                       "rien aux visiteurs de votre site.", icon=":material/lock:")
        if src.draft or (src.code and src.number is None):
            st.info("La figure intégrée montre la dernière version publiée, pas le recensement affiché ici "
                    "(brouillon ou fichier chargé).", icon=":material/info:")
