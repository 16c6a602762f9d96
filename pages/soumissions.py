import streamlit as st

from nrdash import ui
from nrdash.ui import questionnaire

ctx = ui.context()
st.title("Questionnaire", anchor=False)
ui.filter_caption(ctx)
questionnaire.queue_page(ctx)
