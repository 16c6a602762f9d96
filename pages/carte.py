import dataclasses

import streamlit as st

from nrdash import maps, svgmap, ui
from nrdash import referential as ref
from nrdash.geography import CREDITS
from nrdash.indicators import public_table, territory_headline
from nrdash.placement import placement_summary
from nrdash.text import count_noun, escape_md, thousands
from nrdash.ui.fit import fit_height, fitted_height

TITLE = "Carte des acteurs"
ctx = ui.context()
if not ctx.embedded:  # ?integre=1: the figure alone (ui.embed)
    st.title(TITLE, anchor=False)
    ui.filter_caption(ctx)
    ui.embed_button(ctx, TITLE)
a = ctx.actors
if ctx.geo is None:
    st.warning(escape_md(ctx.geo_note or "Géographie hors ligne indisponible."), icon=":material/warning:")
    ui.embed_end(ctx)  # embedded: the filters and the link under the warning
    st.stop()

defaults = maps.default_settings(len(a))
if ctx.embedded:  # the still map with the settings' defaults, and no setting
    color_by, choropleth, interactive, basemap, aggregate = defaults
else:
    # Mode atelier: the map and its legend take the screen, the settings are folded away.
    settings = st.expander("Réglages de la carte") if ctx.workshop else st.container()
    c1, c2, c3 = settings.columns(3)  # three, not four: « Regrouper sur une grille » was cut at 1280 px
    color_by = c1.radio("Couleur des points", list(maps.COLOR_MODES), format_func=maps.COLOR_MODES.get,
                        index=list(maps.COLOR_MODES).index(defaults.color_by), key="map_color")
    # Radios, not a selectbox: the page already loads them, a selectbox would cost about twenty more requests.
    choropleth = c2.radio("Communes colorées selon", list(maps.CHOROPLETHS), format_func=maps.CHOROPLETHS.get,
                          index=list(maps.CHOROPLETHS).index(defaults.choropleth), key="map_choropleth")
    # The still map first (no deck.gl scripts: a light page); the interactive one on demand (nrdash.svgmap).
    interactive = c3.toggle("Carte interactive", key="map_interactive",
                            value=defaults.interactive or ctx.workshop,  # atelier: zoom at hand
                            help="Zoom, déplacement, fond de carte en ligne et fiche d'un acteur d'un clic. Sans "
                                 "elle, la carte est une image fixe, plus légère ; survolez un point pour lire son nom.")
    basemap = (c3.radio("Fond de carte", list(maps.BASEMAPS), format_func=maps.BASEMAPS.get, key="map_basemap")
               if interactive else "none")
    aggregate = c2.toggle("Regrouper sur une grille", value=defaults.grid, key="map_grid",
                          help="Pour les grands recensements : un disque par maille, sa surface selon le nombre "
                               "d'acteurs, sa couleur selon la part d'acteurs de niveau ≥ 2.")

territory = ctx.territory
codes = tuple(sorted(territory.members)) if territory else maps.busiest_communes(a)
contours = ui.commune_contours(codes)
communes = ctx.geo.by_code.loc[[c for c in codes if c in ctx.geo.by_code.index]]
stats = maps.commune_stats(a, communes)
outline, outline_geom = ui.territory_shape(territory.kind, territory.code, territory.members) if territory else (None, None)
options = maps.MapOptions(color_by, choropleth, basemap, aggregate, room=ctx.workshop, contrast=ctx.contrast)
zoom_change, resets = st.session_state.get("map_zoom", 0.0), st.session_state.get("map_resets", 0)
map_height = (fitted_height("actor_map") or maps.WORKSHOP_MAP_HEIGHT) if ctx.workshop else None
view = maps.zoomed(maps.view_state(a, outline_geom, map_height),
                  zoom_change, resets)
labels = maps.commune_labels(communes, zoom=view.zoom, room=ctx.workshop)  # no two names collide at this zoom
communes_geo = maps.communes_geojson(contours, stats, choropleth)
deck = (maps.build_deck(a, options, communes_geo, outline, outline_geom, labels=labels, view=view)
        if interactive else None)


def _zoom(change: float) -> None:
    st.session_state["map_zoom"] = max(-6.0, min(8.0, st.session_state.get("map_zoom", 0.0) + change))


def _recentre() -> None:
    st.session_state["map_zoom"] = 0.0
    st.session_state["map_resets"] = st.session_state.get("map_resets", 0) + 1


placed = a["placement"].notna()
summary = placement_summary(a) + (f", sur le territoire {territory.name}" if territory else "") + "."
left, right = st.columns([5, 2], gap="medium")  # the legend's entries on one line each at 1280 px
with left:
    if interactive:
        with st.container(horizontal=True, vertical_alignment="center", key="map_zoom_bar"):
            st.button("Zoom +", on_click=_zoom, args=(1.0,), key="map_zoom_in",
                      help="Rapproche la vue, centrée sur le territoire.")
            st.button("Zoom −", on_click=_zoom, args=(-1.0,), key="map_zoom_out",
                      help="Éloigne la vue, centrée sur le territoire.")
            st.button("Recentrer", on_click=_recentre, key="map_recentre",
                      help="Revient à la vue de départ : tout le territoire.")
            if not ctx.workshop:
                st.caption("Sur la carte : molette ou double-clic pour zoomer, glisser pour se déplacer.")
        event = st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="actor_map",
                                height=maps.MAP_HEIGHT,
                                alt=f"Carte des acteurs. {summary}")
    else:
        many = not aggregate and placed.sum() > maps.POINTS_SMOOTH_MAX  # a picture of them all would be heavy
        still = dataclasses.replace(options, aggregate=True) if many else options
        st.markdown(svgmap.figure(svgmap.static_map(a, still, communes_geo, outline, outline_geom, labels),
                                  f"Carte des acteurs. {summary}"), unsafe_allow_html=True)  # every text escaped
        event = None
        if many:
            st.caption(f"{thousands(placed.sum())} points : l'image les regroupe sur une grille ; la carte "
                       "interactive les montre un à un.")
    st.caption(escape_md(summary))
    if interactive and not aggregate and placed.sum() > maps.POINTS_SMOOTH_MAX:
        st.caption(f"{thousands(placed.sum())} points : sans carte graphique, le déplacement de la carte peut "
                   "être lent. La grille (« Regrouper sur une grille ») ou un filtre (commune, famille, niveau…) l'allège.")

with right:
    picked = (event.selection.objects.get("acteurs") or []) if event and event.selection else []
    actor = a[a["row"] == picked[0].get("i")] if picked else a.iloc[:0]
    if len(actor):
        r = actor.iloc[0]
        with st.container(border=True, key="map_actor_card"):
            st.subheader(escape_md(r["name"]), anchor=False)
            st.markdown(escape_md(f"{r['type']} — {r['family']} — {ref.level_label(r['level'])} — cercle {r['circle']}"))
            st.markdown(escape_md(f"{r['commune'] or ''} — placé par {r['placement']} (ligne {r['row']})"))
            cats = r["action_types"] + r["dimensions"] + r["other_categories"]
            if cats:
                st.markdown(escape_md("Catégories NR : " + " ; ".join(cats)))
            if r["description"]:
                st.markdown(escape_md(r["description"]))
    elif not aggregate and not ctx.workshop and interactive:
        st.caption("Cliquez sur un point pour afficher la fiche de l'acteur ici.")
    with st.container(key="map_legend"):
        st.markdown("**Légende**")
        for item in maps.legends(options, stats):  # our own constants and numbers, escaped all the same
            st.markdown(maps.legend_html(item), unsafe_allow_html=True)
        if labels and not ctx.workshop:
            st.caption(f"Noms : {count_noun(len(labels), 'commune')} parmi les plus peuplées, "
                       "taille selon la population.")

    if ctx.workshop and interactive:  # the map takes the height the screen leaves (the legend beside it is shorter)
        fit_height("actor_map", min_height=maps.WORKSHOP_MAP_MIN, report=True)
ui.embed_end(ctx)  # embedded: the filters in words, the link to the dashboard, nothing below

unplaced = a[~placed]
if len(unplaced):  # every actor placed: no empty « 0 acteur non placé » panel
    with st.expander(f"{count_noun(len(unplaced), 'acteur non placé', 'acteurs non placés')} sur la carte",
                     expanded=False):
        table = public_table(unplaced)[["Ligne", ref.HEADER_OF["name"], ref.HEADER_OF["commune"]]]
        table["Raison"] = unplaced["unplaced_reason"].fillna("").to_list()
        ui.data_table(table, hide_index=True, width="stretch")

if territory:
    with st.container(border=True):
        st.markdown(escape_md(territory_headline(territory)))
        st.markdown("\n".join(f"- {escape_md(o)}" for o in territory.obligations))
st.caption(escape_md(f"{CREDITS} Millésime : {ctx.geo.meta['vintage']}."))
