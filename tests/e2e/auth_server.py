"""Test-only server: nrdash's sign-in routes and protection headers around tests/e2e/auth_app.py, a page that
shows nrdash.ui.account's block until the real app's sidebar shows it (then the tests move to the real app)."""
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from nrdash.web import auth
from nrdash.web.headers import SecurityHeaders

app = st.App(str(Path(__file__).with_name("auth_app.py")), routes=auth.routes(),
             middleware=[Middleware(SecurityHeaders)])
