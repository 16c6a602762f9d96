"""Editing the census on the Recensement page (never in workshop mode): edit, re-validate live, apply to this
session's dashboard, undo, download the corrected workbook."""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from .. import referential as ref
from ..census import issues_table
from ..dataset import prepare
from ..editing import (CIRCLE_CHOICES, LEVEL_CHOICES, LINE_COLUMN, PROBLEM_COLUMN, YES_NO, corrected_replacements,
                       corrected_workbook, grid_view, merge_grid, problems_by_line, push, revalidate, to_edit_frame)
from ..store import StoreError
from ..tables import from_editor, to_editor
from ..text import count_noun, escape_md
from .elements import data_table
from . import source
from .source import DATASET_KEY, geography

if TYPE_CHECKING:
    from .page_context import Context

EDIT_KEYS = ("edit_base", "edit_original", "edit_history", "edit_work", "edit_goto")  # this census's edits: the table, the census, the undo


def forget_edits() -> None:
    """A new census (an upload) starts without edits."""
    for key in EDIT_KEYS:
        st.session_state.pop(key, None)


def _editor_config() -> dict:
    h = ref.HEADER_OF
    return {
        LINE_COLUMN: st.column_config.NumberColumn(LINE_COLUMN, disabled=True, pinned=True, width="small",
                                                   help="Numéro de ligne dans le classeur (ligne 2 = premier acteur)"),
        PROBLEM_COLUMN: st.column_config.TextColumn(PROBLEM_COLUMN, disabled=True, pinned=True, width="medium",
                                                    help="Ce qui ne va pas sur la ligne, d'après la dernière vérification"),
        h["name"]: st.column_config.TextColumn(pinned=True),
        h["family"]: st.column_config.SelectboxColumn(options=["", *ref.FAMILIES]),
        h["type"]: st.column_config.SelectboxColumn(options=["", *ref.TYPES, ref.OTHER_TYPE], required=True),
        h["level"]: st.column_config.SelectboxColumn(options=LEVEL_CHOICES, required=True),
        h["circle"]: st.column_config.SelectboxColumn(options=CIRCLE_CHOICES, help="Vide : règle du kit"),
        h["source"]: st.column_config.SelectboxColumn(options=["", *ref.SOURCES]),
        h["is_local"]: st.column_config.SelectboxColumn(options=YES_NO),
        h["action_types"]: st.column_config.TextColumn(help="Valeurs séparées par « ; » : " + " ; ".join(ref.ACTION_TYPES)),
        h["dimensions"]: st.column_config.TextColumn(help="Valeurs séparées par « ; » : " + " ; ".join(ref.NR_DIMENSIONS)),
    }


def _show_edit(frame: pd.DataFrame, corrected) -> None:
    """Make ``frame`` the table in the editor (a new widget key drops the grid's pending edits) and its census
    this session's data."""
    st.session_state["edit_base"] = frame
    st.session_state.pop("edit_work", None)  # the work in progress is this table now
    st.session_state["edit_version"] = st.session_state.get("edit_version", 0) + 1
    st.session_state[DATASET_KEY] = prepare(corrected, "upload", geography()[0])


def _apply_edit(frame: pd.DataFrame, corrected) -> None:
    st.session_state["edit_history"] = push(st.session_state.get("edit_history", []), st.session_state["edit_base"])
    _show_edit(frame, corrected)


def _undo_edit() -> None:
    history = st.session_state.get("edit_history", [])
    if history:
        frame = history.pop()
        _show_edit(frame, revalidate(frame, st.session_state["edit_original"]))


def _goto_all() -> None:
    st.session_state["edit_goto"] = None


def census_editor(ctx: Context) -> None:
    """Edit, re-validate live, apply to this session's dashboard, undo, download the corrected workbook.

    The whole table (``edit_work``) is the source of truth; the grid shows it whole or one reported row. An edit
    is folded into it and the grid drawn anew (a new key), so that its « Problème » column follows the edit."""
    census = ctx.dataset.census
    if "edit_base" not in st.session_state:  # a new census (first edit, or a new upload) starts a new history
        st.session_state["edit_original"] = census
        st.session_state["edit_base"] = to_edit_frame(census.actors)
        st.session_state["edit_history"] = []
    base = st.session_state["edit_base"]
    # The work in progress belongs to the table it started from: a new base (applied, undone) starts it anew.
    work_of, work = st.session_state.get("edit_work", (None, None))
    if work_of is not base:
        work = base
    original = st.session_state["edit_original"]
    checked = revalidate(work, original)
    problems = problems_by_line(checked)
    goto_box = st.container()
    goto = st.session_state.get("edit_goto")
    lines = [goto] if goto in problems else None
    shown = grid_view(work, problems, lines)
    # The grid holds spreadsheet-safe text (its toolbar downloads a CSV); what comes back is the census's own text.
    edited = from_editor(st.data_editor(to_editor(shown), num_rows="dynamic", hide_index=True, width="stretch",
                                        column_config=_editor_config(),
                                        key=f"editor_{st.session_state.get('edit_version', 0)}"))
    current = merge_grid(work, list(shown[LINE_COLUMN]), edited)
    if not current.equals(work):
        st.session_state["edit_work"] = (base, current)
        st.session_state["edit_version"] = st.session_state.get("edit_version", 0) + 1
        st.rerun()
    with goto_box:
        options = [None, *sorted(problems)]
        if st.session_state.get("edit_goto") not in options:
            st.session_state["edit_goto"] = None
        c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
        c1.selectbox("Aller à une ligne signalée", options, key="edit_goto",
                     format_func=lambda n: (f"Toutes les lignes ({len(work)})" if n is None
                                            else f"Ligne {n} : {problems[n]}"),
                     help="La grille ne montre alors que cette ligne ; vos modifications s'appliquent à elle.")
        c2.button("Toutes les lignes", on_click=_goto_all, disabled=lines is None, key="edit_goto_all")
        if lines is not None:
            st.caption(f"Grille filtrée : ligne {goto} seulement.")
    corrected = checked
    changed = not work.equals(base)
    errors = len(corrected.errors)
    st.caption(f"{count_noun(len(corrected.actors), 'acteur')}, {count_noun(errors, 'erreur')}, "
               f"{count_noun(len(corrected.warnings), 'avertissement')} "
               "après modification (numéros de ligne comme dans le classeur : ligne 2 = premier acteur).")
    if corrected.issues:
        data_table(issues_table(corrected.issues, with_sheet=False), hide_index=True, width="stretch")
    c1, c2, c3 = st.columns(3)
    if c1.button("Appliquer au tableau de bord", disabled=not changed, icon=":material/check:"):
        _apply_edit(work, corrected)
        st.rerun()
    c2.button("Annuler la dernière modification", on_click=_undo_edit, icon=":material/undo:",
              disabled=not st.session_state.get("edit_history"))
    c3.download_button("Classeur corrigé (.xlsx)", lambda: corrected_workbook(corrected),
                       file_name=f"{corrected.file_name}.xlsx", icon=":material/download:", on_click="ignore",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       help="Au format du modèle, avec référents et contacts (données personnelles : à ne pas diffuser).")
    if replaced := corrected_replacements(corrected).message():
        st.warning(escape_md("Classeur corrigé : " + replaced), icon=":material/warning:")
    src = ctx.source
    if src is not None and src.access.editor and src.stored:
        st.button("Enregistrer comme brouillon", icon=":material/save:", key="edit_save_draft",
                  on_click=_save_as_draft, args=(src, corrected),
                  help=f"Le classeur corrigé devient votre brouillon de « {src.name} » (vous seul le voyez), "
                       "à publier depuis la page Versions.")


def _save_as_draft(src, corrected) -> None:
    """The corrected workbook becomes the editor's draft of the territory (its Référent/Contact included)."""
    try:
        source.store().save_draft(source.principal(), src.code, corrected_workbook(corrected),
                                  f"{corrected.file_name.rsplit('.', 1)[0]}-corrige.xlsx", src.latest)
    except StoreError as exc:  # the store decides: a role taken back meanwhile is said, nothing is saved
        st.session_state["ws_failed"] = str(exc)
        return
    st.session_state.pop(DATASET_KEY, None)
    st.session_state[source.SHOW_DRAFT_KEY] = True
    st.session_state["ws_done"] = "Brouillon enregistré : il est affiché (vous seul le voyez)."
    forget_edits()
