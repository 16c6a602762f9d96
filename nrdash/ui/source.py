"""Where a session's data comes from: the offline geography and the census (the shared sample or configured file,
else this session's upload or edit), each read once."""
from __future__ import annotations

import streamlit as st

from ..dataset import Dataset, load_default
from ..geography import Geography, GeographyUnavailable, load_geography

DATASET_KEY = "dataset"  # this session's own census (upload, edit); absent: the shared one


@st.cache_resource(show_spinner="Chargement de la géographie hors ligne…")
def geography() -> tuple[Geography | None, str | None]:
    """The offline geography, loaded once per server process (built on first use if only the sources exist)."""
    try:
        return load_geography(), None
    except GeographyUnavailable as exc:
        return None, str(exc)


@st.cache_resource(show_spinner="Lecture du recensement…")
def _default_dataset() -> Dataset:
    """The sample (or configured) census: read once per server process, shared read-only by all sessions."""
    return load_default(geography()[0])


def current_dataset() -> Dataset:
    return st.session_state.get(DATASET_KEY) or _default_dataset()
