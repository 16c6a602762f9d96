import streamlit as st

from nrdash import ui
from nrdash.text import escape_md
from nrdash.ui import versions_admin
from nrdash.ui import workspace_panel as shared

ctx = ui.context()
src = ctx.source
st.title("Versions du recensement", anchor=False)
ui.filter_caption(ctx)
if src is None or not src.stored:
    st.info("Le recensement affiché vient d'un fichier configuré sur le serveur (NRDASH_CENSUS) : il n'a pas de "
            "versions publiées. Ouvrez un territoire de la base avec ?territoire=CODE.", icon=":material/info:")
else:
    named = f"« {src.name} »" + ("" if src.code in src.name else f" ({src.code})")  # a name may say its code
    st.markdown(escape_md(f"Territoire {named} : chaque publication crée une version ; "
                          "aucune n'est jamais modifiée ni supprimée (une restauration crée une nouvelle version)."))
    editing = src.access.editor and not ctx.workshop
    if editing:
        shared.draft_section(src)
    shared.history_section(src)
    if editing:
        versions_admin.links_section(src)
    if src.access.admin and not ctx.workshop:
        versions_admin.settings_section(src)
    if src.account is None and not ui.source_locked():
        st.caption("Pour publier un recensement, restaurer une version ou télécharger un fichier d'origine, "
                   "connectez-vous avec un compte d'éditeur du territoire (barre latérale).")
