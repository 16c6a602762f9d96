import streamlit as st

from nrdash import charts, ui
from nrdash import referential as ref
from nrdash.indicators import public_table
from nrdash.mobilisation import circle_members, inward_candidates
from nrdash.text import count_noun

TITLE = "Cercles de mobilisation"
ctx = ui.context()
if not ctx.embedded:  # ?integre=1: the figure alone (ui.embed)
    st.title(TITLE, anchor=False)
    ui.filter_caption(ctx)
    ui.embed_button(ctx, TITLE)
a = ctx.actors
ui.chart(ctx, charts.circles(a), charts.circles_summary(a), key="circles_fig", main=True)
ui.embed_end(ctx)  # embedded: the filters in words, the link to the dashboard, nothing below
st.info(ref.CIRCLE_FOR_EVERYONE, icon=":material/campaign:")

members = circle_members(a)
for number, circle in ref.CIRCLES.items():
    with st.container(border=True):
        st.subheader(f"{circle.label} — {count_noun(len(members[number]), 'acteur')}", anchor=False)
        st.markdown(f"*{circle.who}*\n\n**Formats de mobilisation proposés par le kit**\n"
                    + "\n".join(f"- {f}" for f in circle.formats))
        if st.toggle("Voir les membres", key=f"circle_members_{number}"):
            ui.data_table(public_table(members[number]), hide_index=True, width="stretch")

st.subheader("Qui pourrait se rapprocher du centre ?", anchor=False)
cand = inward_candidates(a)
# One after the other: columns would add page elements for two short paragraphs.
st.markdown("*Des pistes à discuter en atelier, jamais appliquées automatiquement.*\n\n"
            f"**Vers le cercle 2** — {len(cand[2])} acteurs du cercle 3 déjà sensibilisés ou plus")
if len(cand[2]) and st.toggle("Voir ces acteurs", key="inward_2"):  # tables load only when asked (sobriety)
    ui.data_table(public_table(cand[2].head(50)), hide_index=True, width="stretch")
    if len(cand[2]) > 50:
        st.caption(f"Les 50 plus engagés sur {len(cand[2])}.")
st.markdown(f"**Vers le cercle 1** — {len(cand[1])} leaders publics du cercle 2, partenaires possibles")
if len(cand[1]) and st.toggle("Voir ces acteurs", key="inward_1"):
    ui.data_table(public_table(cand[1].head(50)), hide_index=True, width="stretch")
