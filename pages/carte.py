import streamlit as st

from nrdash import ui

st.title("Carte des acteurs")
ui.filter_caption(ui.context())
ui.coming_soon("la carte des acteurs sur la géographie française hors ligne (communes, EPCI, contours), avec un "
               "mode sans fond de carte pour les salles sans réseau.")
