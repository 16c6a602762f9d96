import streamlit as st

from nrdash import ui
from nrdash.report import ReportInput, build_report
from nrdash.ui import suivi, vote

ctx = ui.context()
st.title("Rapport", anchor=False)
ui.filter_caption(ctx)
st.markdown("Un seul fichier HTML, lisible sans réseau (graphiques intégrés, carte dessinée dans la page), à joindre "
            "au document de stratégie ou à imprimer en PDF depuis le navigateur (une section par page). Il reprend "
            "le territoire, les indicateurs, l'engagement, les cercles et leurs formats, la matrice avec ses lacunes "
            "et ses gains rapides, la carte, le suivi (objectifs du territoire, comparaison des deux dernières "
            "versions publiées), les votes de la salle en atelier, les filtres et la provenance du recensement — sans "
            "aucune donnée personnelle.")


def report() -> bytes:
    territory = ctx.territory
    contours = ui.commune_contours(tuple(sorted(territory.members))) if (territory and ctx.geo) else None
    data = ReportInput(ctx.dataset.census, ctx.actors, ctx.actions, ctx.caption, territory, contours,
                       filters=ctx.filters, suivi=suivi.report_suivi(ctx), votes=vote.report_votes(ctx))
    return build_report(data).encode("utf-8")


name = (ctx.territory.name if ctx.territory else "territoire").replace(" ", "-").replace("/", "-")
st.download_button("Télécharger le rapport (.html)", report, file_name=f"rapport-nr-{name}.html", mime="text/html",
                   icon=":material/download:", on_click="ignore", type="primary")
