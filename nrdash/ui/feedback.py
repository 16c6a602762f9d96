"""What a button of the workspace did, said on the next run: its callbacks (run before the script reruns) record a
success or a failure here, and ``done_message`` shows it once, at the top of the page that drew the button."""
from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from ..text import escape_md
from . import source

if TYPE_CHECKING:
    from .source import Source

DONE_KEY, FAILED_KEY = "ws_done", "ws_failed"


def editing_source() -> Source | None:
    """The last run's stored Source, the one the person saw when they pressed the button (the store decides
    whether the session's principal may act on it)."""
    src = st.session_state.get(source.SOURCE_KEY)
    return src if src is not None and src.stored else None


def done(message: str) -> None:
    st.session_state[DONE_KEY] = message


def failed(message: str) -> None:
    st.session_state[FAILED_KEY] = message


def done_message() -> None:
    """What the last button did (or why it could not)."""
    msg = st.session_state.pop(DONE_KEY, None)
    if msg:
        st.success(escape_md(msg), icon=":material/check_circle:")
    problem = st.session_state.pop(FAILED_KEY, None)
    if problem:
        st.error(escape_md(problem), icon=":material/error:")
