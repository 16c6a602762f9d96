"""State the Suivi page's parts share: session keys, who may edit, the lists' length, the callbacks' check of
the editor (nrdash.ui.suivi and its parts: pairing, objectives)."""
from __future__ import annotations

import streamlit as st

from ... import compare as cp
from ..elements import data_table
from ..page_context import CONTEXT_KEY, Context
from ..source import SOURCE_KEY, Source

MONTHS_KEY = "suivi_months"  # « actualisation conseillée » after this many months (Accueil reads it too)
CMP_CACHE_KEY = "_suivi_cmp"  # (key, Comparison) of the last comparison: one per session
FILES_KEY = "_suivi_files"  # {sha256: Dataset} of the files uploaded on the page (this session only)
DONE_KEY, FAILED_KEY = "suivi_done", "suivi_failed"
MODE_VERSIONS, MODE_FILES = "Deux versions publiées", "Deux fichiers chargés"
LISTED = 200  # rows of a list sent to the browser
CONFIRM_KEY = "_suivi_obj_confirm"  # the id of the objective whose removal waits for a confirmation
SEARCH_KEY = "_suivi_search"  # (comparison key, {side: folded search texts}) for the pairing lists


def freshness_months() -> int:
    return int(st.session_state.get(MONTHS_KEY) or cp.DEFAULT_FRESHNESS_MONTHS)


def include_personal(ctx: Context) -> bool:
    """Référent and Contact are compared only for an editor, never in mode atelier."""
    return bool(ctx.source is not None and ctx.source.access.editor and not ctx.workshop)


def editing(ctx: Context) -> bool:
    return include_personal(ctx) and ctx.source.stored


def cmp_is_versions(ctx: Context) -> bool:
    cached = st.session_state.get(CMP_CACHE_KEY)
    return bool(cached and cached[0][0] == "versions")


def listed(table, empty: str) -> None:
    if not len(table):
        if empty:
            st.caption(empty)
        return
    if len(table) > LISTED:
        st.caption(f"Les {LISTED} premiers sur {len(table)} (le détail complet : python -m nrdash diff).")
    data_table(table.head(LISTED), hide_index=True, width="stretch")



def editor_source() -> Source | None:
    src = st.session_state.get(SOURCE_KEY)
    ctx = st.session_state.get(CONTEXT_KEY)
    if src is None or not src.stored or (ctx is not None and ctx.workshop):  # the store decides the rest
        st.session_state[FAILED_KEY] = "Seuls les éditeurs du territoire (hors mode atelier) peuvent faire cela."
        return None
    return src
