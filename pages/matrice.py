import streamlit as st

from nrdash import charts, ui
from nrdash import referential as ref
from nrdash.matrix import (actions_toggle_label, categories_by_family, category_blocks, engaged_by_target, gaps_label,
                           plan_summary, plan_table, plan_view, quick_wins, scope_note)
from nrdash.text import count_noun, plural

TITLE = "Matrice d'actions"
ctx = ui.context()
if not ctx.embedded:  # ?integre=1: the figure alone (ui.embed)
    st.title(TITLE, anchor=False)
    ui.filter_caption(ctx)
    ui.embed_button(ctx, TITLE)
if not ctx.workshop and not ctx.embedded:  # the figure's own title says it
    st.header("Le plan : axes × cibles", anchor=False)
plan = plan_view(ctx.actions, ctx.filters)  # every count below comes from it
if note := scope_note(plan):
    st.caption(note)
counts = plan.counts
ui.chart(ctx, charts.plan_heatmap(counts, engaged_by_target(ctx.actors)), plan_summary(plan), key="plan_heatmap",
         table=counts, main=True)
ui.embed_end(ctx)  # embedded: the filters in words, the link to the dashboard, nothing below
holes = plan.gaps
if holes:
    with st.expander(gaps_label(plan)):
        # One list for all the gaps, one item per cell with the kit's ideas in it: a single element on the page,
        # and a dozen page elements fewer than a list per cell (issue 29: the page stays above EcoIndex 60).
        st.markdown("\n".join(f"- **{ref.AXIS_SHORT[gap['axis']]} × {gap['target']}** : "
                               + " ; ".join(gap["suggestions"] or ["le kit ne propose pas d'exemple pour cette case"])
                               for gap in holes))
if len(plan.actions):
    # Tables load only when asked: the heatmap and its sentence already say what the plan holds (sobriety).
    if st.toggle(actions_toggle_label(plan), key="plan_actions"):
        ui.data_table(plan_table(plan.actions), hide_index=True, width="stretch")
else:
    st.info("Aucune action prévue (feuille « Actions » absente, vide, ou hors des filtres).")

st.header("Gains rapides", anchor=False)
qw = quick_wins(plan.actions)
if len(qw):
    st.markdown(f"{count_noun(len(qw), 'action')} {plural(len(qw), 'marquée')} « gain rapide ».")
    if st.toggle("Voir les gains rapides", key="quick_wins"):
        ui.data_table(qw, hide_index=True, width="stretch")
else:
    st.markdown("Aucune action marquée « gain rapide ». Le kit conseille d'en viser pour créer une dynamique.")

st.header("Ce que font déjà les acteurs", anchor=False)
blocks = category_blocks(categories_by_family(ctx.actors, ctx.categories))
for key, label, table in blocks:  # the kit's dimensions, then La Rochelle's action types: never mixed
    ui.chart(ctx, charts.categories_heatmap(table, label), charts.categories_summary(table), key=f"categories_{key}",
             table=table.rename(columns={"category": "Catégorie", "family": "Famille", "actors": "Acteurs",
                                         "engaged": "Dont niveau ≥ 2", "engaged_share": "Part niveau ≥ 2"}))
if not blocks:
    st.markdown("Aucune catégorie NR (dimension du kit ou type d'action) n'est renseignée pour les acteurs filtrés.")
