"""The pages: their list, st.navigation over it, running the selected page, links and addresses."""
from __future__ import annotations

import logging
import os
import urllib.parse

import streamlit as st

from .. import embedding, links, session_reaper

log = logging.getLogger("nrdash")

# (file, title, icon): the first is the home page. A new page is one line here and one file in pages/.
PAGES: tuple[tuple[str, str, str], ...] = (
    ("pages/accueil.py", "Accueil", ":material/home:"),
    ("pages/recensement.py", "Recensement", ":material/table_view:"),
    ("pages/carte.py", "Carte", ":material/map:"),
    ("pages/engagement.py", "Engagement", ":material/bar_chart:"),
    ("pages/cercles.py", "Cercles", ":material/radio_button_checked:"),
    ("pages/matrice.py", "Matrice d'actions", ":material/grid_view:"),
    ("pages/atelier.py", "Atelier", ":material/how_to_vote:"),
    ("pages/suivi.py", "Suivi", ":material/timeline:"),
    ("pages/versions.py", "Versions", ":material/history:"),
    ("pages/rapport.py", "Rapport", ":material/description:"),
    ("pages/soumissions.py", "Questionnaire", ":material/inbox:"),
    ("pages/campagnes.py", "Campagnes", ":material/forward_to_inbox:"),
)
# Pages outside the menu, reached by their own link, run without the sidebar or a census (app.py): a campaign's
# personal link to the questionnaire (…&acteur=TOKEN). The public questionnaire, the same address without ``acteur``,
# is a page the server writes itself, without Streamlit (nrdash.web.public).
BARE_PAGES: tuple[tuple[str, str, str], ...] = (
    ("pages/questionnaire.py", "Questionnaire des acteurs", ":material/edit_note:"),
)
CHART_PAGES = ("pages/accueil.py", "pages/engagement.py", "pages/cercles.py", "pages/matrice.py")  # the image format switch shows there
THROUGH_APP_KEY = "_through_app"
UNEXPECTED = "Une erreur inattendue est survenue sur cette page."


def navigation() -> "st.navigation":
    """The sidebar's menu, in words only: an icon costs every page three more elements per menu entry (about 30
    in all), which the pages' sobriety grade cannot afford (tests/e2e/test_sobriety.py); links elsewhere keep them.
    Bare pages are not in the menu, and their own address draws no menu at all, nor does an embedded view's."""
    pages = [st.Page(path, title=title, default=(i == 0)) for i, (path, title, _) in enumerate(PAGES)]
    pages += [st.Page(path, title=title, visibility="hidden") for path, title, _ in BARE_PAGES]
    return st.navigation(pages, position="hidden" if _bare_address() or embedded_address() else "sidebar")


def embedded_address() -> bool:
    """The address asks for the page's figure alone, for another site (?integre=1, nrdash.ui.embed): no menu."""
    return st.query_params.get(embedding.EMBED_PARAM) == "1"


def _bare_address() -> bool:
    """The browser asked for a bare page (its address): no menu is drawn at all."""
    path = urllib.parse.urlsplit(st.context.url or "").path.rstrip("/")
    return any(path.endswith("/" + url_path(p)) for p, _, _ in BARE_PAGES)


def is_bare(page) -> bool:
    """The selected page runs without the sidebar or a census (app.py)."""
    return any(t == page.title for _, t, _ in BARE_PAGES)


class PageDone(Exception):
    """Raised by a page that has drawn all it shows for this address (an embedded view ends under its figure,
    nrdash.ui.embed): the rest of the page is not run. Not st.stop(): once a stop is requested, every later call
    to Streamlit (run_page's own cleanup included) stops too."""


def run_page(page: "st.navigation") -> None:
    """Run the selected page; an unexpected error shows a French message, never a traceback."""
    st.session_state[THROUGH_APP_KEY] = True  # context(): this page runs through app.py
    session_reaper.seen()  # ended, and its census freed, once its browser has left (nrdash.session_reaper)
    try:
        page.run()
    except PageDone:
        pass
    except Exception:
        log.exception("page failed")
        st.error(f"{UNEXPECTED} Rechargez la page ; si le problème persiste, signalez-le avec le fichier utilisé.",
                 icon=":material/error:")
    finally:  # also when the run stops early (st.rerun, st.switch_page)
        st.session_state.pop(THROUGH_APP_KEY, None)


def url_path(path: str) -> str:
    """The page's address in the browser: '' for the home page (st.navigation's default), else the file's stem."""
    return "" if path == PAGES[0][0] else path.split("/")[-1].removesuffix(".py")


def page_path(page) -> str:
    """'pages/engagement.py' for the page st.navigation selected."""
    return next((p for p, t, _ in PAGES if t == page.title), PAGES[0][0])


def kept_query() -> dict[str, list[str]]:
    """This page's query (territory, version, mode atelier, a locked link's token, the filters), carried by every
    link and page change nrdash draws, so that the page it opens, even in a new tab, shows the same."""
    return {name: st.query_params.get_all(name) for name in st.query_params.keys()}


def page_link(path: str, label: str | None = None, icon: str | None = None) -> None:
    """A link to one of the menu's pages (its title and icon unless told), with this page's query."""
    title, default_icon = next((t, i) for p, t, i in PAGES if p == path)
    st.page_link(path, label=label or title, icon=icon or default_icon, query_params=kept_query())


def switch_page(path: str) -> None:
    """Open another page with this page's query (st.switch_page alone drops it)."""
    st.switch_page(path, query_params=kept_query())


def statement_footer() -> None:
    """The link every page ends on: « Déclaration d'accessibilité » (the statement, nrdash.web.public), for the territory
    shown when the address names one. A plain markdown link: within the app it opens in the same tab
    (nrdash.web.frontend), and it needs no raw HTML (whose script a page would otherwise fetch for it alone)."""
    from ..web.webpage import STATEMENT_LINK, statement_href

    territory = (st.query_params.get("territoire") or "").strip()[:16] or None
    st.markdown(f"[{STATEMENT_LINK}]({statement_href(territory=territory)})")  # our own words and address


def absolute_url(path: str) -> tuple[str, str | None]:
    """The whole address of ``path`` inside the app (nrdash.links.public_url: NRDASH_PUBLIC_URL, else the browser's
    address of this page), and why it could not be built (then the path alone is returned, with that French
    message)."""
    from streamlit import config

    try:
        return links.public_url(path, os.environ.get(links.PUBLIC_URL_ENV), st.context.url,
                                config.get_option("server.baseUrlPath") or ""), None
    except links.LinkError as exc:
        return path, str(exc)


def show_link(path: str) -> None:
    """A link to copy: the whole address in a code block (its button copies it); the setting's problem, if any."""
    url, problem = absolute_url(path)
    st.code(url, language=None, wrap_lines=True)
    if problem:
        st.warning(problem, icon=":material/link_off:")
