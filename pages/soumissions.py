import streamlit as st

from nrdash import ui
from nrdash.ui import review_queue

ctx = ui.context()
st.title("Questionnaire", anchor=False)
ui.filter_caption(ctx)
review_queue.queue_page(ctx)
