"""Test-only page (tests/e2e/auth_server.py): the account block in the sidebar and who current_account() says is
signed in, as one line of text the tests read."""
import streamlit as st

from nrdash.ui.account import account_block, current_account

with st.sidebar:
    account_block("/?vue=test")
account = current_account()
st.text("compte : " + (f"{account.email} | {account.name} | {account.via} | {account.siret}" if account else "aucun"))
