"""Editing the census on the Recensement page (never in workshop mode): edit, re-validate live, apply to this
session's dashboard, undo, download the corrected workbook."""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from .. import referential as ref
from ..census import issues_table
from ..dataset import prepare
from ..editing import (CIRCLE_CHOICES, FIRST_LINE, KEY_FIELDS, LEVEL_CHOICES, LINE_COLUMN, PROBLEM_COLUMN, YES_NO,
                       actor_label, card_update, corrected_file_name, corrected_replacements, corrected_workbook,
                       grid_view, merge_grid, problems_by_line, push, revalidate, to_edit_frame)
from ..search import matching, search_keys
from ..store import StoreError
from ..tables import from_editor, to_editor
from ..text import count_noun, escape_md
from .elements import data_table
from . import feedback, source
from .source import DATASET_KEY, geography

if TYPE_CHECKING:
    from .page_context import Context

EDIT_KEYS = ("edit_base", "edit_original", "edit_history", "edit_work", "edit_goto", "edit_card", "edit_card_pick",
             "edit_card_query", "edit_focus")  # this census's edits: the table, the census, the undo


def forget_edits() -> None:
    """A new census (an upload) starts without edits."""
    for key in EDIT_KEYS:
        st.session_state.pop(key, None)


def _editor_config(problems: bool = True) -> dict:
    """The grid's columns. Pinned: the row number and the name only (with the problems pinned too, they took about
    670 of the 790 px a 1280 px screen leaves); the problems column is hidden when there is none."""
    h = ref.HEADER_OF
    return {
        LINE_COLUMN: st.column_config.NumberColumn(LINE_COLUMN, disabled=True, pinned=True, width="small",
                                                   help="Numéro de ligne dans le classeur (ligne 2 = premier acteur)"),
        PROBLEM_COLUMN: st.column_config.TextColumn(PROBLEM_COLUMN, disabled=True, width="medium",
                                                    help="Ce qui ne va pas sur la ligne, d'après la dernière vérification")
        if problems else None,
        h["name"]: st.column_config.TextColumn(pinned=True, width="medium"),
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
    st.session_state.pop(FOCUS_KEY, None)


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
    card_picker(ctx, work)
    goto_box = st.container()
    goto = st.session_state.get("edit_goto")
    focus = st.session_state.get(FOCUS_KEY)  # the row an actor's card just changed: shown alone, in sight
    if goto in problems:
        lines = [goto]
    elif focus is not None and FIRST_LINE <= focus < FIRST_LINE + len(work):
        lines, goto = [focus], focus
    else:
        lines = None
    shown = grid_view(work, problems, lines)
    # The grid holds spreadsheet-safe text (its toolbar downloads a CSV); what comes back is the census's own text.
    edited = from_editor(st.data_editor(to_editor(shown), num_rows="dynamic", hide_index=True, width="stretch",
                                        column_config=_editor_config(bool(problems)),
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
            st.caption(f"Grille filtrée : ligne {goto} seulement"
                       + (" (modifiée par sa fiche)." if goto == focus else ".") + " « Toutes les lignes » pour "
                       "revenir à la grille entière.")
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
                       file_name=corrected_file_name(corrected.file_name), icon=":material/download:", on_click="ignore",
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


# ---------------------------------------------------------------------------------------------
# One actor's card: the quick way to change a level, a circle, a commune (the grid stays for bulk work)
# ---------------------------------------------------------------------------------------------
CARD_KEY = "edit_card"  # the workbook row whose card is open
FOCUS_KEY = "edit_focus"  # the workbook row the card changed: the grid shows it alone until « Toutes les lignes »
CARD_PICK_KEY, CARD_QUERY_KEY, CARD_DONE_KEY = "edit_card_pick", "edit_card_query", "edit_card_done"
CARD_FIELDS = ("name", *KEY_FIELDS)
PICK_ALL_MAX = 1000  # actors offered at once in the picker (typing filters them); above, a search comes first
NO_CIRCLE = ""


def _work() -> pd.DataFrame:
    """The table being edited (the grid's edits included), as census_editor keeps it."""
    base = st.session_state["edit_base"]
    work_of, work = st.session_state.get("edit_work", (None, None))
    return work if work_of is base else base


def _card_key(field_name: str) -> str:
    return f"edit_card_{field_name}"


def _open_card() -> None:
    """Open the chosen actor's card, its widgets set to the row's cells."""
    line = st.session_state.get(CARD_PICK_KEY)
    if line is None:
        return
    row = _work().iloc[int(line) - FIRST_LINE]
    for f in CARD_FIELDS:
        value = "" if row[ref.HEADER_OF[f]] is None else str(row[ref.HEADER_OF[f]]).strip()
        if f == "level":
            value = value if value in LEVEL_CHOICES else None  # an unreadable level: none ticked
        st.session_state[_card_key(f)] = value
    st.session_state[CARD_KEY] = int(line)


def _close_card() -> None:
    st.session_state.pop(CARD_KEY, None)


def _apply_card(communes: dict[str, str]) -> None:
    """The card's values into the table, applied to the dashboard at once (« Annuler la dernière modification »
    takes them back), and what changed said above the grid."""
    line = st.session_state.pop(CARD_KEY, None)
    if line is None:
        return
    values = {f: st.session_state.get(_card_key(f)) or "" for f in CARD_FIELDS}
    commune = values["commune"]
    insee = next((code for code, name in communes.items() if name == commune), None)
    work = _work()
    label = actor_label(work, line)
    frame, said = card_update(work, line, values, insee)
    if not said:
        st.session_state[CARD_DONE_KEY] = f"{label} : rien n'a changé."
        return
    _apply_edit(frame, revalidate(frame, st.session_state["edit_original"]))
    st.session_state[FOCUS_KEY] = line
    st.session_state[CARD_DONE_KEY] = (f"{label} — " + " ; ".join(said) + ". Appliqué au tableau de bord "
                                       "(« Annuler la dernière modification » pour revenir en arrière).")


def _communes(ctx: Context, work: pd.DataFrame) -> dict[str, str]:
    """INSEE code -> name of the territory's communes (the card's list), when the territory is known."""
    if ctx.territory is None or ctx.geo is None:
        return {}
    by_code = ctx.geo.by_code
    codes = [c for c in ctx.territory.members if c in by_code.index]
    return dict(sorted(((c, str(by_code.at[c, "name"])) for c in codes), key=lambda kv: kv[1]))


@st.dialog("Fiche de l'acteur", width="large", on_dismiss=_close_card)
def _card(line: int, work: pd.DataFrame, communes: dict[str, str]) -> None:
    if st.session_state.get(CARD_KEY) != line:  # applied or cancelled (a fragment rerun): back to the page
        st.rerun()
    h = ref.HEADER_OF
    st.markdown(f"**{escape_md(actor_label(work, line))}**")
    st.text_input(h["name"], key=_card_key("name"), max_chars=500)
    st.radio(h["level"], LEVEL_CHOICES, key=_card_key("level"), horizontal=True)
    st.radio(h["circle"], [NO_CIRCLE, *CIRCLE_CHOICES[1:]], key=_card_key("circle"), horizontal=True,
             format_func=lambda c: "Règle du kit" if c == NO_CIRCLE else ref.CIRCLES[int(c)].label)
    current = st.session_state.get(_card_key("commune")) or ""
    names = sorted(set(communes.values()) | ({current} if current else set()))
    st.selectbox(h["commune"], names, key=_card_key("commune"), accept_new_options=True, index=None,
                 placeholder="Choisir une commune du territoire ou en taper une",
                 help="Une nouvelle commune efface le code INSEE, le code postal et les coordonnées de la ligne : "
                      "l'acteur est placé d'après elle.")
    c1, c2 = st.columns(2)
    types = ["", *ref.TYPES, ref.OTHER_TYPE]
    typ = st.session_state.get(_card_key("type")) or ""
    c1.selectbox(h["type"], types + ([typ] if typ not in types else []), key=_card_key("type"))
    family = st.session_state.get(_card_key("family")) or ""
    families = ["", *ref.FAMILIES]
    c2.selectbox(h["family"], families + ([family] if family not in families else []), key=_card_key("family"),
                 help="Vide : déduite du type.")
    b1, b2 = st.columns(2)
    b1.button("Appliquer", type="primary", icon=":material/check:", key="edit_card_apply", on_click=_apply_card,
              args=(communes,))
    b2.button("Annuler", key="edit_card_cancel", on_click=_close_card)


def card_picker(ctx: Context, work: pd.DataFrame) -> None:
    """« Modifier un acteur » above the grid: choose the actor (typing filters the list), open its card."""
    done = st.session_state.pop(CARD_DONE_KEY, None)
    if done:
        st.success(escape_md(done), icon=":material/check_circle:")
    lines = list(range(FIRST_LINE, FIRST_LINE + len(work)))
    if len(lines) > PICK_ALL_MAX:
        query = st.text_input("Rechercher l'acteur à modifier", key=CARD_QUERY_KEY,
                              placeholder="Nom ou commune (majuscules et accents ignorés)")
        h = ref.HEADER_OF
        keys = search_keys(work[h["name"]], work[h["commune"]])
        lines = [n for n, hit in zip(lines, matching(keys, query)) if hit][:50] if query.strip() else []
    c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
    c1.selectbox("Modifier un acteur : niveau, cercle, commune…", lines, key=CARD_PICK_KEY, index=None,
                 format_func=lambda n: actor_label(work, n), placeholder="Choisir ou taper le nom de l'acteur")
    c2.button("Ouvrir sa fiche", icon=":material/edit:", key="edit_card_open", on_click=_open_card,
              disabled=st.session_state.get(CARD_PICK_KEY) not in lines)
    line = st.session_state.get(CARD_KEY)
    if line is not None and FIRST_LINE <= line < FIRST_LINE + len(work):
        _card(line, work, _communes(ctx, work))


def _save_as_draft(src, corrected) -> None:
    """The corrected workbook becomes the editor's draft of the territory (its Référent/Contact included)."""
    try:
        source.store().save_draft(source.principal(), src.code, corrected_workbook(corrected),
                                  corrected_file_name(corrected.file_name), src.latest)
    except StoreError as exc:  # the store decides: a role taken back meanwhile is said, nothing is saved
        feedback.failed(str(exc))
        return
    st.session_state.pop(DATASET_KEY, None)
    st.session_state[source.SHOW_DRAFT_KEY] = True
    feedback.done("Brouillon enregistré : il est affiché (vous seul le voyez).")
    forget_edits()
