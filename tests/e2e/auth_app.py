"""Test-only page (tests/e2e/auth_server.py): the account block in the sidebar, who current_account() says is
signed in, as one line of text the tests read, and what the store lets that principal do on the CA de La Rochelle
(read at every run: « Relire » reruns the page)."""
import streamlit as st

from nrdash.store import get_store
from nrdash.ui.account import account_block, current_account, principal_of

with st.sidebar:
    account_block("/?vue=test")
account = current_account()
st.text("compte : " + (f"{account.email} | {account.name} | {account.via} | {account.siret}" if account else "aucun"))
rights = get_store().access(principal_of(account, "127.0.0.1"), "241700434")
st.text("droits : " + (rights.role or "aucun"))
st.button("Relire")
