"""Where a session's data comes from: the offline geography and the census (the shared sample or configured file,
else this session's upload or edit), each read once."""
from __future__ import annotations

import streamlit as st

from ..dataset import Dataset, load_default
from ..geography import Geography, GeographyUnavailable, load_geography
from ..text import count_noun, escape_md

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


UPLOAD_ERROR_KEY = "upload_error"  # why this session's last upload was refused (set by widgets._on_upload)
TEMPLATE_PAGE = "pages/recensement.py"  # where the blank template's download button is


def refused_upload_banner(dataset: Dataset) -> None:
    """On every page, above its content: the last upload was refused, why, and which census is shown instead
    (otherwise the main area would show the sample as if the file had been read)."""
    error = st.session_state.get(UPLOAD_ERROR_KEY)
    if not error:
        return
    census = dataset.census
    shown = (f"{dataset.label} : « {census.file_name} », {count_noun(len(census.actors), 'acteur')}")
    with st.container(key="refused_upload"):
        st.error(f"**Fichier refusé — il n'est pas affiché.** {escape_md(error)}\n\n"
                 f"Ce que vous voyez à la place : {escape_md(shown)}.", icon=":material/error:")
        st.page_link(TEMPLATE_PAGE, label="Télécharger le modèle vierge (page Recensement)",
                     icon=":material/download:")
