"""Finding an actor: the search by name and the actor's card (public fields only), also opened from the table."""
from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from ..search import card_fields, find_actors
from ..text import count_noun, esc, escape_md

if TYPE_CHECKING:
    from .page_context import Context


CARD_GRID = "display:grid;grid-template-columns:max-content 1fr;gap:0.2rem 1.2rem;margin:0"


def actor_card(ctx: Context, row: int) -> None:
    """The card of the actor on workbook row ``row`` (the census's « Ligne »): its public fields only — the card's
    data never holds référent or contact. Says so when the current filters leave the actor out."""
    actors = ctx.dataset.census.actors
    match = actors[actors["row"] == row]
    if match.empty:
        st.warning(f"Aucun acteur à la ligne {row} du recensement chargé.", icon=":material/person_off:")
        return
    actor = match.iloc[0]
    items = "".join(f'<dt style="font-weight:600">{esc(label)}</dt><dd style="margin:0">{esc(text)}</dd>' for label, text in card_fields(actor))
    # Two columns, label then value (inline: the stylesheets belong to the page layout).
    shown = bool((ctx.actors["row"] == row).any())
    note = "" if shown else ('<p class="nr-card-note">Cet acteur n\'est pas compté dans la vue actuelle '
                             '(filtres ou ligne en erreur).</p>')
    with st.container(border=True, key=f"actor_card_{row}"):
        st.markdown(f'<div class="nr-card" style="padding-bottom:0.6rem"><h4>{esc(actor["name"])}</h4>{note}<dl style="{CARD_GRID}">{items}</dl></div>',
                    unsafe_allow_html=True)  # every text escaped


def actor_search(ctx: Context, key: str = "actor_search") -> None:
    """A search box over the whole census (filters aside): one match opens its card, several offer a choice."""
    query = st.text_input("Rechercher un acteur", key=key, icon=":material/search:",
                          placeholder="Nom ou partie du nom (majuscules et accents ignorés)")
    if not query.strip():
        return
    actors = ctx.dataset.census.actors
    found = find_actors(actors, query, keys=ctx.dataset.name_keys)
    if found.empty:
        st.info(f"Aucun acteur dont le nom contient « {escape_md(query.strip())} ».", icon=":material/search_off:")
        return
    rows = found["row"].tolist()
    if len(rows) > 1:
        names = dict(zip(rows, found["name"]))
        communes = dict(zip(rows, found["commune"]))
        row = st.selectbox(f"{count_noun(len(rows), 'acteur trouvé', 'acteurs trouvés')}"
                           + (" (les 50 premiers)" if len(rows) == 50 else ""), rows, key=f"{key}_pick",
                           format_func=lambda r: names[r] + (f" — {communes[r]}" if isinstance(communes[r], str)
                                                              else ""))
    else:
        row = rows[0]
    actor_card(ctx, int(row))
