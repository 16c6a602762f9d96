import streamlit as st

from nrdash import charts, ui

TITLE = "Engagement des acteurs"
ctx = ui.context()
a = ctx.actors
if not ctx.embedded:  # ?integre=1: the figure alone (ui.embed)
    st.title(TITLE, anchor=False)
    ui.filter_caption(ctx)
    ui.embed_button(ctx, TITLE)
    st.caption("Cliquez une barre pour filtrer." if ctx.workshop else
               "Cliquez une barre pour filtrer tout le tableau de bord sur ce groupe et ce niveau.")
    ui.level_legend(ctx, "eng_legend")

# No data table under this one: its sentence already gives every count and share.
# Figures given as functions of the view: built once for every session showing the same census and filters.
ui.chart(ctx, lambda: charts.level_distribution(a), lambda: charts.level_summary(a), key="eng_levels",
         select_by="level", main=True)
ui.embed_end(ctx)  # embedded: the filters in words, the link to the dashboard, nothing below

# One comparison at a time: a legible picture for the room, and a lighter page (one chart sent, not five).
views = {"family": "Par famille", "type": "Par type", "commune": "Par commune", "source": "Par source",
         "family_type": "Types par famille"}
view = st.segmented_control("Comparer", list(views), format_func=views.get, key="eng_view", default="family")
view = view or "family"
if view == "family_type":
    table = ctx.shared_value(("engagement", "types_by_family_table"), lambda: charts.types_by_family_table(a))
    ui.chart(ctx, lambda: charts.types_by_family(a, table), lambda: charts.types_by_family_summary(table),
             key="eng_family_type", select_by="type", table=table)
else:
    table = ctx.shared_value(("engagement", "levels_table", view), lambda: charts.levels_table(a, view))
    ui.chart(ctx, lambda: charts.levels_by(a, view, top=25 if view == "commune" else None, table=table),
             lambda: charts.levels_by_summary(a, view, table), key=f"eng_{view}", select_by=view, table=table)
ui.actors_table(a, key="eng_table")
