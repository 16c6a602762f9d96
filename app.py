"""nrdash — entrypoint: navigation, data source and shared filters (defined once, read by every page)."""
import streamlit as st

from nrdash import ui

# A local icon: a Material icon name here would make every browser fetch it from Google's font servers.
st.set_page_config(page_title="nrdash — Numérique responsable", page_icon=str(ui.ASSETS / "favicon.png"), layout="wide")
page = ui.navigation()
ctx = ui.sidebar(current_page=ui.page_path(page))
ui.refused_upload_banner(ctx.dataset)  # above every page: a refused file never passes for the census shown
ui.run_page(page)
