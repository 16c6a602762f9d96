import datetime as dt

import streamlit as st

from nrdash import charts, ui
from nrdash import referential as ref
from nrdash.compare import freshness
from nrdash.indicators import kpis, territory_headline
from nrdash.matrix import shown_targets
from nrdash.suivi import freshness_line
from nrdash.text import count_noun, date_time, escape_md, percent, thousands
from nrdash.ui import suivi as suivi_ui

ctx = ui.context()
census = ctx.dataset.census
territory = ctx.territory.name if ctx.territory else (census.territory.name or "Territoire non précisé")
TITLE = "Numérique responsable : le territoire en un coup d'œil"
if not ctx.embedded:  # ?integre=1: the figure alone (ui.embed)
    st.title(TITLE, anchor=False)
    if ctx.source is not None and ctx.source.sample:  # the heading above already says it is fictional
        st.markdown(f"Exemple placé sur le territoire de **{escape_md(territory)}**")
    else:
        st.markdown(f"**{escape_md(territory)}** — {escape_md(ctx.source.label if ctx.source else ctx.dataset.label)}")
    ui.filter_caption(ctx)
    ui.embed_button(ctx, TITLE)
    ui.questionnaire_count(ctx)  # an editor: how many questionnaire answers wait for review

    communes = ctx.shared_value(("accueil", "communes"), lambda: census.actors["commune"].dropna().nunique())
    # Mode atelier: the territory's legal context folded away, the figure first.
    with st.expander("Le territoire et ses obligations") if ctx.workshop else st.container():
        if ctx.territory:
            st.markdown(escape_md(f"{territory_headline(ctx.territory)} {ctx.territory.obligations[0]}"))
        st.caption(f"{communes} communes représentées dans le recensement — fichier lu le "
                   f"{date_time(census.loaded_at)}.")

# Functions of the view: computed once for every session showing the same census with the same filters.
ui.chart(ctx, lambda: charts.territory_state(ctx.actors), lambda: charts.territory_state_summary(ctx.actors),
         key="home_levels", select_by="level", main=True)
ui.embed_end(ctx)  # embedded: the filters in words, the link to the dashboard, nothing below
k = ctx.shared_value(("accueil", "kpis"), lambda: kpis(ctx.actors, ctx.actions, shown_targets(ctx.filters)))
ui.key_figures([
    ("Acteurs recensés", thousands(k.actors), None),
    ("Acteurs engagés (niveau ≥ 2)", percent(k.engaged_share), count_noun(k.engaged, "acteur")),
    ("Leaders du NR (niveau 3)", thousands(k.leaders), None),
    ("Cases de la matrice couvertes", f"{k.cells_covered} / {k.cells_total}",
     f"{k.planned_actions} actions prévues, dont {k.quick_wins} gains rapides"),
])
ui.key_figures([(circle.label, thousands(k.circle_sizes[number]), None) for number, circle in ref.CIRCLES.items()])
today, months = dt.date.today(), suivi_ui.freshness_months()
st.caption(escape_md(ctx.shared_value(("accueil", "freshness", today, months),
                                      lambda: freshness_line(freshness(ctx.actors, today, months)))))

st.subheader("Et ensuite ?", anchor=False)
hints = []
if census.errors:
    hints.append(("pages/recensement.py", f"{int((~ctx.dataset.valid).sum())} lignes du recensement sont en erreur : "
                                          "corrigez-les pour des chiffres complets."))
if k.engaged_share is not None and k.engaged_share < 0.5:
    hints.append(("pages/cercles.py", "Moins de la moitié des acteurs sont engagés : repérez ceux qui peuvent "
                                      "rejoindre le cercle 2."))
if k.cells_covered < k.cells_total:
    hints.append(("pages/matrice.py", f"{k.cells_total - k.cells_covered} cases de la matrice n'ont aucune action : "
                                      "voyez les exemples du kit pour les combler."))
hints.append(("pages/engagement.py", "Comparez l'engagement par famille, type et commune ; cliquez une barre pour "
                                     "filtrer."))
for path, text in hints:
    with st.container(border=True):
        st.markdown(text)
        ui.page_link(path)
