import streamlit as st

from nrdash import charts, ui
from nrdash import referential as ref
from nrdash.matrix import categories_by_family, engaged_by_target, gaps, plan_counts, plan_table, quick_wins
from nrdash.text import count_noun, plural

ctx = ui.context()
st.title("Matrice d'actions", anchor=False)
ui.filter_caption(ctx)

st.header("Le plan : axes × cibles", anchor=False)
counts = plan_counts(ctx.actions)
ui.chart(ctx, charts.plan_heatmap(counts, engaged_by_target(ctx.actors)), charts.plan_summary(counts),
         key="plan_heatmap", table=counts)
holes = gaps(ctx.actions)
if holes:
    with st.expander(f"{len(holes)} lacunes et les exemples d'actions du kit pour les combler"):
        blocks = []  # one text for all the gaps: a single element on the page
        for gap in holes:
            ideas = gap["suggestions"] or ["(le kit ne propose pas d'exemple pour cette case)"]
            blocks.append(f"**{ref.AXIS_SHORT[gap['axis']]} × {gap['target']}**\n" + "\n".join(f"- {i}" for i in ideas))
        st.markdown("\n\n".join(blocks))
if len(ctx.actions):
    # Tables load only when asked: the heatmap and its sentence already say what the plan holds (sobriety).
    if st.toggle(f"Voir les {len(ctx.actions)} actions du plan", key="plan_actions"):
        ui.data_table(plan_table(ctx.actions), hide_index=True, width="stretch")
else:
    st.info("Aucune action prévue (feuille « Actions » absente, vide, ou hors des filtres).")

st.header("Gains rapides", anchor=False)
qw = quick_wins(ctx.actions)
if len(qw):
    st.markdown(f"{count_noun(len(qw), 'action')} {plural(len(qw), 'marquée')} « gain rapide ».")
    if st.toggle("Voir les gains rapides", key="quick_wins"):
        ui.data_table(qw, hide_index=True, width="stretch")
else:
    st.markdown("Aucune action marquée « gain rapide ». Le kit conseille d'en viser pour créer une dynamique.")

st.header("Ce que font déjà les acteurs", anchor=False)
table = categories_by_family(ctx.actors, ctx.categories)
ui.chart(ctx, charts.categories_heatmap(table), charts.categories_summary(table), key="categories_heatmap",
         table=table.rename(columns={"category": "Catégorie", "family": "Famille", "actors": "Acteurs",
                                     "engaged": "Dont niveau ≥ 2", "engaged_share": "Part niveau ≥ 2"}))
