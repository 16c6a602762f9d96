"""Mode atelier (projection): large type, no personal data, no upload or editing; its optional slideshow."""
from __future__ import annotations

import time

import streamlit as st

from .pages import switch_page

WORKSHOP_KEY = "atelier"  # also the query parameter: ?atelier=1
CAROUSEL_PAGES = ("pages/accueil.py", "pages/engagement.py", "pages/cercles.py", "pages/matrice.py", "pages/carte.py")


def _sync_url() -> None:
    if st.session_state.get(WORKSHOP_KEY):
        st.query_params[WORKSHOP_KEY] = "1"
    else:
        st.query_params.pop(WORKSHOP_KEY, None)


def toggle(locked: bool = False) -> bool:
    """Mode atelier, shareable as ?atelier=1 (the projector laptop opens straight into it). A session opened with
    a locked workshop link stays in it: the toggle is forced on and disabled, whatever the address says."""
    if WORKSHOP_KEY not in st.session_state or locked:
        st.session_state[WORKSHOP_KEY] = locked or st.query_params.get(WORKSHOP_KEY) == "1"
    on = st.sidebar.toggle("Mode atelier (projection)", key=WORKSHOP_KEY, on_change=_sync_url, disabled=locked,
                           help="Grands caractères, barre latérale repliée, figure principale entière à l'écran, aucune "
                                "donnée personnelle, ni chargement ni modification. « Contraste élevé » (dessous) "
                                "pour un projecteur délavé. Lien direct : ajoutez ?atelier=1 à l'adresse.")
    if on and st.query_params.get(WORKSHOP_KEY) != "1":
        # A page change (navigation, slideshow) drops the query: without it a reload would leave workshop mode.
        st.query_params[WORKSHOP_KEY] = "1"
    return on


CONTRAST_KEY = "contraste"


def sidebar_state() -> str:
    """st.set_page_config's initial_sidebar_state, decided before the sidebar is drawn: folded away in mode atelier
    (the figure gets the whole width), Streamlit's default otherwise."""
    on = st.session_state.get(WORKSHOP_KEY)
    if on is None:
        on = st.query_params.get(WORKSHOP_KEY) == "1" or bool(st.query_params.get("jeton"))
    return "collapsed" if on else "auto"


def contrast_toggle() -> bool:
    """Mode atelier's high-contrast theme: black text, dark grid, thicker lines, no light grey (assets/css)."""
    return st.sidebar.toggle("Contraste élevé", key=CONTRAST_KEY,
                             help="Pour un projecteur délavé : texte noir pur, traits plus épais, aucun gris clair.")


def carousel_next(current: str) -> str:
    """The page after ``current`` in the stand's slideshow (it starts over at the end)."""
    if current not in CAROUSEL_PAGES:
        return CAROUSEL_PAGES[0]
    return CAROUSEL_PAGES[(CAROUSEL_PAGES.index(current) + 1) % len(CAROUSEL_PAGES)]


def carousel(current: str) -> None:
    """Workshop mode's optional slideshow: the main pages in turn, for a stand."""
    if not st.sidebar.toggle("Diaporama (pages successives)", key="carousel"):
        return
    period = st.sidebar.select_slider("Secondes par page", [5, 10, 20, 30, 60], value=20, key="carousel_period")

    @st.fragment(run_every=period)
    def tick() -> None:
        now = time.monotonic()
        started = st.session_state.setdefault("carousel_since", now)
        if now - started >= period - 0.5:
            st.session_state["carousel_since"] = now
            switch_page(carousel_next(current))  # with the address's query: a locked link stays locked

    with st.sidebar:
        tick()
