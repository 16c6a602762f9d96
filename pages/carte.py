import streamlit as st

from nrdash import maps, ui
from nrdash import referential as ref
from nrdash.geography import CREDITS
from nrdash.indicators import public_table, territory_headline
from nrdash.placement import placement_summary
from nrdash.text import count_noun, escape_md, thousands

ctx = ui.context()
st.title("Carte des acteurs", anchor=False)
ui.filter_caption(ctx)
a = ctx.actors
if ctx.geo is None:
    st.warning(escape_md(ctx.geo_note or "Géographie hors ligne indisponible."), icon=":material/warning:")
    st.stop()

c1, c2, c3, c4 = st.columns(4)
color_by = c1.radio("Couleur des points", list(maps.COLOR_MODES), format_func=maps.COLOR_MODES.get, key="map_color")
choropleth = c2.selectbox("Communes colorées selon", list(maps.CHOROPLETHS), format_func=maps.CHOROPLETHS.get,
                          key="map_choropleth")
basemap = c3.radio("Fond de carte", list(maps.BASEMAPS), format_func=maps.BASEMAPS.get, key="map_basemap")
aggregate = c4.toggle("Regrouper sur une grille", value=len(a) > maps.GRID_BY_DEFAULT_ABOVE, key="map_grid",
                      help="Pour les grands recensements : un disque par maille, sa surface selon le nombre "
                           "d'acteurs, sa couleur selon la part d'acteurs de niveau ≥ 2.")

territory = ctx.territory
codes = tuple(sorted(territory.members)) if territory else maps.busiest_communes(a)
contours = ui.commune_contours(codes)
communes = ctx.geo.by_code.loc[[c for c in codes if c in ctx.geo.by_code.index]]
stats = maps.commune_stats(a, communes)
outline, outline_geom = ui.territory_shape(territory.kind, territory.code, territory.members) if territory else (None, None)
options = maps.MapOptions(color_by, choropleth, basemap, aggregate)
deck = maps.build_deck(a, options, maps.communes_geojson(contours, stats, choropleth), outline, outline_geom)

placed = a["placement"].notna()
summary = placement_summary(a) + (f", sur le territoire {territory.name}" if territory else "") + "."
event = st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="actor_map", height=620,
                        alt=f"Carte des acteurs. {summary}")
st.caption(escape_md(summary))
if not aggregate and placed.sum() > maps.POINTS_SMOOTH_MAX:
    st.caption(f"{thousands(placed.sum())} points : sans carte graphique, le déplacement de la carte peut "
               "être lent. La grille (« Regrouper sur une grille ») ou un filtre (commune, famille, niveau…) l'allège.")
legend = " ".join(f'<span style="color:{color}">⬤</span> {label}' for label, color in maps.legend(color_by))
st.markdown(f"**Légende** — {legend}", unsafe_allow_html=True)  # our own constants only, no census text

picked = (event.selection.objects.get("acteurs") or []) if event and event.selection else []
if picked:
    row = picked[0].get("i")
    actor = a[a["row"] == row]
    if len(actor):
        r = actor.iloc[0]
        with st.container(border=True):
            st.subheader(escape_md(r["name"]), anchor=False)
            st.markdown(escape_md(f"{r['type']} — {r['family']} — {ref.level_label(r['level'])} — cercle {r['circle']}"))
            st.markdown(escape_md(f"{r['commune'] or ''} — placé par {r['placement']} (ligne {r['row']})"))
            cats = r["action_types"] + r["dimensions"] + r["other_categories"]
            if cats:
                st.markdown(escape_md("Catégories NR : " + " ; ".join(cats)))
            if r["description"]:
                st.markdown(escape_md(r["description"]))

unplaced = a[~placed]
with st.expander(f"{len(unplaced)} acteur(s) non placé(s) sur la carte", expanded=False):
    if len(unplaced):
        table = public_table(unplaced)[["Ligne", ref.HEADER_OF["name"], ref.HEADER_OF["commune"]]]
        table["Raison"] = unplaced["unplaced_reason"].fillna("").to_list()
        ui.data_table(table, hide_index=True, width="stretch")
    else:
        st.markdown("Tous les acteurs filtrés sont placés.")

if territory:
    with st.container(border=True):
        st.markdown(escape_md(territory_headline(territory)))
        st.markdown("\n".join(f"- {escape_md(o)}" for o in territory.obligations))
st.caption(escape_md(f"{CREDITS} Millésime : {ctx.geo.meta['vintage']}."))
