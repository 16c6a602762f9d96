"""nrdash — entrypoint: navigation, data source and shared filters (defined once, read by every page)."""
import streamlit as st

from nrdash import ui

st.set_page_config(page_title="nrdash — Numérique responsable", page_icon=":material/eco:", layout="wide")
page = ui.navigation()
ui.sidebar()
ui.run_page(page)
