import streamlit as st

from nrdash import ui

st.title("Rapport")
ui.filter_caption(ui.context())
ui.coming_soon("le rapport HTML autonome en un clic (contexte, indicateurs, engagement, cercles, matrice), "
               "imprimable en PDF.")
