"""The territory the dashboard is about: the census's own, or one searched for in the sidebar (commune or EPCI)."""
from __future__ import annotations

import streamlit as st

from ..dataset import Dataset
from ..geography import Geography
from ..placement import TerritoryInfo, search_territories, territory_info
from ..text import escape_md
from .source import geography

TERRITORY_RESULTS_MAX = 30
CHOICE_KEY = "territory_choice"  # (kind, code) picked in this session


def _results(geo: Geography, query: str) -> dict[str, tuple[str, str]]:
    return {label: (kind, code) for kind, code, label in search_territories(geo, query, TERRITORY_RESULTS_MAX)}


def _on_pick() -> None:
    pick = st.session_state.get("territory_pick")
    geo, _ = geography()
    found = _results(geo, st.session_state.get("territory_query", "")) if geo else {}
    if pick in found:
        st.session_state[CHOICE_KEY] = found[pick]


def chosen(dataset: Dataset, geo: Geography | None) -> TerritoryInfo | None:
    """The territory chosen in this session, else the census's own."""
    choice = st.session_state.get(CHOICE_KEY)
    return territory_info(geo, *choice) if (geo is not None and choice) else dataset.territory


def widgets(dataset: Dataset, geo: Geography | None, info: TerritoryInfo | None) -> None:
    if info is None and dataset.territory_problem:
        st.sidebar.warning(escape_md(f"Feuille « Territoire » : {dataset.territory_problem}"), icon=":material/warning:")
    if geo is None:
        st.sidebar.caption("Géographie hors ligne non installée.")
        return
    with st.sidebar.popover("Choisir le territoire", icon=":material/location_on:", width="stretch",
                            key="territory_popover"):
        query = st.text_input("Chercher une commune ou un EPCI", key="territory_query",
                              placeholder="ex. La Rochelle")
        if query:
            # The results as a visible list: a drop-down inside a popover at the bottom of the screen has no room.
            found = _results(geo, query)
            if found:
                st.radio(f"Résultats ({len(found)})", list(found), index=None, key="territory_pick",
                         on_change=_on_pick)
                if len(found) >= TERRITORY_RESULTS_MAX:
                    st.caption("Les premiers résultats seulement : précisez la recherche.")
            else:
                st.caption("Aucune commune ni aucun EPCI de ce nom.")
