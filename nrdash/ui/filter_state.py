"""The shared filters every page reads, as their sidebar widgets hold them in the session (widgets: ui.widgets)."""
from __future__ import annotations

import streamlit as st

from ..dataset import Dataset
from ..filters import FILTER_FIELDS, Filters
from .source import current_dataset

FILTER_KEYS: dict[str, str] = {f: f"filter_{f}" for f in FILTER_FIELDS}


def default_filters(dataset: Dataset) -> Filters:
    return Filters.from_territory(dataset.census.territory)


def reset_filters() -> None:
    dataset = current_dataset()
    if dataset is None:  # nothing was shown (a refused territory): the next census shown starts its own filters
        for key in FILTER_KEYS.values():
            st.session_state.pop(key, None)
        return
    defaults = default_filters(dataset)
    for f, key in FILTER_KEYS.items():
        value = getattr(defaults, f)
        st.session_state[key] = list(value) if isinstance(value, tuple) else value


def state_filters() -> Filters:
    """The shared filters as the widgets hold them."""
    return Filters().with_values(**{f: st.session_state[k] for f, k in FILTER_KEYS.items()})


def set_filters(**changes: tuple) -> None:
    """Change shared filters from a callback (chart selection, buttons): before the widgets are drawn."""
    for f, values in changes.items():
        st.session_state[FILTER_KEYS[f]] = list(values) if isinstance(values, tuple) else values
