"""nrdash — entrypoint: navigation, data source and shared filters (defined once, read by every page)."""
import streamlit as st

from nrdash import ui

# A local icon: a Material icon name here would make every browser fetch it from Google's font servers.
# No page_icon: nrdash's server answers /favicon.png with assets/favicon.png (nrdash.served), one request, not two.
st.set_page_config(page_title="nrdash — Numérique responsable", layout="wide")
page = ui.navigation()
ui.sidebar(current_page=ui.page_path(page))
ui.run_page(page)
