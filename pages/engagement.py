import streamlit as st

from nrdash import charts, ui

ctx = ui.context()
st.title("Engagement des acteurs")
ui.filter_caption(ctx)
a = ctx.actors
st.caption("Cliquez une barre pour filtrer tout le tableau de bord sur ce groupe et ce niveau.")
ui.level_legend("eng_legend")

ui.chart(charts.level_distribution(a), charts.level_summary(a), key="eng_levels", select_by="level",
         table=charts.level_counts(a).rename(index=charts.level_names().__getitem__).to_frame("Acteurs"))
ui.chart(charts.levels_by(a, "family"), charts.levels_by_summary(a, "family"), key="eng_family",
         select_by="family", table=charts.levels_table(a, "family"))
ui.chart(charts.levels_by(a, "type"), charts.levels_by_summary(a, "type"), key="eng_type", select_by="type",
         table=charts.levels_table(a, "type"))
communes = charts.levels_table(a, "commune")
ui.chart(charts.levels_by(a, "commune", top=25, table=communes), charts.levels_by_summary(a, "commune", communes),
         key="eng_commune", select_by="commune", table=communes)
ui.chart(charts.levels_by(a, "source"), charts.levels_by_summary(a, "source"), key="eng_source",
         select_by="source", table=charts.levels_table(a, "source"))
ui.chart(charts.hierarchy(a), "Familles, types et niveaux : " + charts.level_summary(a), key="eng_sunburst")
ui.actors_table(a, key="eng_table")
