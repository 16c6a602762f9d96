import streamlit as st

from nrdash import ui
from nrdash.ui import campaigns

ctx = ui.context()
st.title("Campagnes d'actualisation", anchor=False)
ui.filter_caption(ctx)
campaigns.page(ctx)
