import streamlit as st

from nrdash import ui
from nrdash.report import ReportInput, build_report
from nrdash.report_odt import MEDIA_TYPE, build_odt
from nrdash.ui import suivi, vote_room

ctx = ui.context()
st.title("Rapport", anchor=False)
ui.filter_caption(ctx)
st.markdown("Un seul fichier HTML, lisible sans réseau (graphiques intégrés, carte dessinée dans la page), à joindre "
            "au document de stratégie ou à imprimer en PDF depuis le navigateur (une section par page). Il reprend "
            "le territoire, les indicateurs, l'engagement, les cercles et leurs formats, la matrice avec ses lacunes "
            "et ses gains rapides, la carte, le suivi (objectifs du territoire, comparaison des deux dernières "
            "versions publiées), les votes de la salle en atelier, les filtres et la provenance du recensement — sans "
            "aucune donnée personnelle.")


def report_input() -> ReportInput:
    territory = ctx.territory
    contours = ui.commune_contours(tuple(sorted(territory.members))) if (territory and ctx.geo) else None
    return ReportInput(ctx.dataset.census, ctx.actors, ctx.actions, ctx.caption, territory, contours,
                       filters=ctx.filters, suivi=suivi.report_suivi(ctx), votes=vote_room.report_votes(ctx))


def report() -> bytes:
    return build_report(report_input()).encode("utf-8")


def report_odt() -> bytes:
    return build_odt(report_input())


name = (ctx.territory.name if ctx.territory else "territoire").replace(" ", "-").replace("/", "-")
st.download_button("Télécharger le rapport (.html)", report, file_name=f"rapport-nr-{name}.html", mime="text/html",
                   icon=":material/download:", on_click="ignore", type="primary")
st.markdown("Le même rapport en texte modifiable (OpenDocument, ouvert par LibreOffice et Word), pour en reprendre "
            "les titres, les phrases et les tableaux dans une délibération ou le document de stratégie :")
st.download_button("Télécharger le rapport (.odt)", report_odt, file_name=f"rapport-nr-{name}.odt",
                   mime=MEDIA_TYPE, icon=":material/download:", on_click="ignore", key="report_odt")
