import streamlit as st

from nrdash import ui
from nrdash.ui import campaign_page

ctx = ui.context()
st.title("Campagnes d'actualisation", anchor=False)
ui.filter_caption(ctx)
campaign_page.page(ctx)
