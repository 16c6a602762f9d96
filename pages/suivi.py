import streamlit as st

from nrdash import ui
from nrdash.ui import suivi

ctx = ui.context()
st.title("Suivi", anchor=False)
ui.filter_caption(ctx)
suivi.page(ctx)
