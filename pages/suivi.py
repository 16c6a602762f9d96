import streamlit as st

from nrdash import ui

st.title("Suivi", anchor=False)
ui.filter_caption(ui.context())
ui.coming_soon("le suivi dans le temps des versions publiées du recensement et de l'avancement des actions.")
