"""The review queue's « Besoins »: what the actors' answers ask for, by kind, family and commune (a chart and a map),
who asked what (editors only), the kit's formats suggested beside each need, the list as .csv/.xlsx. Logic:
nrdash.questionnaire (needs_rows and the figures), nrdash.maps."""
from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from .. import questionnaire as quest
from ..text import count_noun, escape_md

if TYPE_CHECKING:
    from .page_context import Context


def needs_section(ctx: "Context", subs: list) -> None:
    """« Besoins »: what the actors asked for, by kind, family and commune (chart, map), who asked what (editors),
    the kit's formats suggested beside each need, and the list as .csv/.xlsx."""
    from .chart_component import plotly_chart
    from .elements import PLOTLY_CONFIG, data_table

    rows = quest.needs_rows(subs)
    st.subheader("Besoins exprimés", anchor=False)
    if rows.empty:
        st.markdown("Aucun besoin exprimé pour l'instant (les réponses refusées ne comptent pas).")
        return
    n = rows["N°"].nunique()
    st.markdown(escape_md(f"{count_noun(n, 'structure')} {'a' if n == 1 else 'ont'} exprimé "
                          f"{count_noun(len(rows), 'besoin')} (réponses refusées exclues)."))
    by_family = quest.needs_counts(rows, "Famille d'acteurs")
    plotly_chart(quest.needs_figure(by_family), key="q_needs_chart",
                 config={**PLOTLY_CONFIG, "toImageButtonOptions": {"format": "png", "scale": 2,
                                                                   "filename": "nrdash-besoins"}},
                 summary=quest.needs_summary(by_family))
    needs_map(ctx, subs)
    by = st.radio("Tableau par", ["Famille d'acteurs", "Commune"], horizontal=True, key="q_needs_by")
    data_table(quest.needs_counts(rows, by), width="stretch")
    with st.expander("Formats du kit à proposer pour chaque besoin"):
        st.markdown("\n".join(f"- **{escape_md(need)}** : " + " ; ".join(escape_md(f) for f in quest.need_formats(need))
                              for need in quest.NEEDS))
    src = ctx.source
    contacts = st.toggle("Avec les référents et contacts (données personnelles)", key="q_needs_contacts")
    listing = quest.needs_rows(subs, with_contacts=contacts)
    data_table(listing, hide_index=True, width="stretch")
    c1, c2 = st.columns(2)
    suffix = "-avec-contacts" if contacts else ""
    c1.download_button("Télécharger (.csv)", quest.needs_csv(listing), file_name=f"besoins-{src.code}{suffix}.csv",
                       mime="text/csv", on_click="ignore", icon=":material/download:", key="q_needs_csv")
    c2.download_button("Télécharger (.xlsx)", quest.needs_xlsx(listing),
                       file_name=f"besoins-{src.code}{suffix}.xlsx", on_click="ignore", icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="q_needs_xlsx")


NEEDS_MAP_HEIGHT = 460  # px: the map and its legend beside it within a 1280×720 screen


def needs_map(ctx: "Context", subs: list) -> None:
    """The needs per commune on a map (one disc per commune, its count written on it), filtered by kind, with its
    legend and its text alternative. The map's data holds counts per commune and kind only (maps.NeedsLayer)."""
    from .. import maps
    from .geometry import commune_contours, territory_shape

    st.markdown("**Carte des besoins par commune**")
    if ctx.geo is None:
        st.info(escape_md(ctx.geo_note or "Géographie hors ligne indisponible : pas de carte des besoins."),
                icon=":material/map:")
        return
    kind = st.selectbox("Besoin montré sur la carte", [None, *quest.NEEDS], key="q_needs_kind",
                        format_func=lambda k: "Tous les besoins" if k is None else k)
    counts, unplaced = quest.needs_per_commune(subs)
    layer = maps.needs_layer(counts, unplaced, ctx.geo.by_code, kind)
    territory = ctx.territory
    codes = tuple(sorted(territory.members)) if territory else tuple(sorted(counts.index))
    outline, outline_geom = (territory_shape(territory.kind, territory.code, territory.members) if territory
                             else (None, None))
    deck = maps.needs_deck(layer, maps.commune_outlines(commune_contours(codes)), outline, outline_geom,
                           NEEDS_MAP_HEIGHT)
    summary = layer.summary()
    left, right = st.columns([5, 2], gap="medium")
    with left:
        st.pydeck_chart(deck, key="q_needs_map", height=NEEDS_MAP_HEIGHT, alt=summary)
        st.caption(escape_md(summary))
    with right, st.container(key="q_needs_legend"):
        st.markdown("**Légende**")
        st.markdown(maps.legend_html(maps.needs_legend(layer)), unsafe_allow_html=True)  # escaped by legend_html
