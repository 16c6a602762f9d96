import streamlit as st

from nrdash import referential as ref
from nrdash import ui
from nrdash.census import issues_table
from nrdash.export import RGPD_NOTICE, census_csv
from nrdash.template import census_to_xlsx, xlsx_replacements
from nrdash.text import count_noun, escape_md, plural

ctx = ui.context()
census = ctx.dataset.census
st.title("Recensement des acteurs", anchor=False)
st.markdown(f"Fichier « {escape_md(census.file_name)} », feuille « {escape_md(census.sheet)} » — "
            f"{count_noun(len(census.actors), 'acteur')}, {count_noun(len(census.actions), 'action')} "
            f"{plural(len(census.actions), 'prévue')}.")

errors, warnings = census.errors, census.warnings
if errors:
    st.error(f"{count_noun(len(errors), 'erreur')} sur {count_noun(int(census.actors['has_error'].sum()), 'ligne')} : "
             "ces lignes restent dans "
             "le recensement mais sont exclues des graphiques tant que vous ne les incluez pas (barre latérale).",
             icon=":material/error:")
elif warnings:
    st.warning(f"Aucune erreur, {count_noun(len(warnings), 'avertissement')}.", icon=":material/warning:")
else:
    shown = ctx.source.label if ctx.source is not None else ctx.dataset.label
    st.success(escape_md(f"Aucun problème détecté dans « {census.file_name} » ({shown})."),
               icon=":material/check_circle:")

if census.issues:
    st.subheader("Rapport de vérification", anchor=False)
    ui.data_table(issues_table(census.issues), hide_index=True, width="stretch",
                 column_config={"Problème et correction": st.column_config.TextColumn(width="large")})

st.subheader("Acteurs", anchor=False)
ui.actor_search(ctx)
ui.filter_caption(ctx)
ui.actors_table(ctx.actors, key="census_table", ctx=ctx)

if not ctx.workshop and st.toggle("Modifier le recensement", key="edit_mode",
                                  help="Ajoutez, modifiez ou supprimez des lignes ; le rapport se met à jour."):
    ui.census_editor(ctx)

st.subheader("Exporter les acteurs filtrés", anchor=False)
with_contacts = False
has_personal = all(f in census.actors for f in ref.PERSONAL_FIELDS)  # never loaded for a viewer's session
if not ctx.workshop and has_personal:
    with_contacts = st.checkbox("Inclure référents et contacts (données personnelles)", key="export_contacts")
    if with_contacts:
        st.warning(RGPD_NOTICE, icon=":material/shield_person:")
elif not ctx.workshop:
    st.caption("Référents et contacts (données personnelles) : réservés aux éditeurs du territoire connectés ; ils "
               "ne sont pas transmis à cette session.")
actors, actions = ctx.actors, ctx.actions
stem = "acteurs-nr" + ("-avec-contacts" if with_contacts else "")
c1, c2 = st.columns(2)
c1.download_button(f"{len(actors)} acteurs filtrés (.xlsx)", lambda: census_to_xlsx(census, with_contacts, actors, actions),
                   file_name=f"{stem}.xlsx", icon=":material/download:", on_click="ignore",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
c2.download_button(f"{len(actors)} acteurs filtrés (.csv)", lambda: census_csv(actors, with_contacts),
                   file_name=f"{stem}.csv", mime="text/csv", icon=":material/download:", on_click="ignore")
if replaced := xlsx_replacements(census, with_contacts, actors, actions).message():
    st.warning(escape_md(replaced), icon=":material/warning:")
st.caption(escape_md(f"Export : {ctx.caption}. Les deux fichiers suivent les colonnes du modèle et se rechargent "
                        "tels quels (catégories en texte libre comprises) ; le .xlsx contient aussi les actions prévues "
                        "et le territoire, le .csv les acteurs seulement. Aucune cellule n'y est une formule."))

st.subheader("Modèle de classeur", anchor=False)
st.markdown("Le modèle vierge contient une feuille « Mode d'emploi » et des listes déroulantes pour chaque liste "
            "fermée du kit.")

ui.template_button()
