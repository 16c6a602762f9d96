"""Fitting an element to the screen's height in mode atelier: a small Streamlit component (no iframe, nothing drawn)
that gives a page element the height the window leaves below its top, so the page's main figure is whole on a
projected screen without scrolling. Plotly figures fit themselves (ui.chart_component); this is for the elements
Streamlit draws at a fixed height (the map, st.pydeck_chart)."""
from __future__ import annotations

from functools import lru_cache

import streamlit as st

COMPONENT_NAME = "nrdash_fit"

# Runs in the page on every rerun (the layout above may have changed). The element's height is set inline (it wins
# over Streamlit's fixed height); deck.gl follows its container's size. Removed when the component leaves the page
# (workshop mode turned off), so the element gets its own height back.
COMPONENT_JS = """
export default function (component) {
  const { data, setStateValue } = component;
  let sent = data.reported;
  const fit = () => {
    const el = document.querySelector(data.target);
    if (!el || !el.isConnected) return;
    const top = el.getBoundingClientRect().top + window.scrollY;
    const height = Math.max(data.min, Math.floor(window.innerHeight - top - data.below));
    el.classList.add("nr-fit");
    const step = Math.floor(height / data.step) * data.step;  // the server reframes the view when this changes
    if (data.report && step !== sent) { sent = step; setStateValue("height", step); }
    if (Math.abs(height - (parseFloat(el.style.height) || 0)) < 2) return;
    el.style.setProperty("height", height + "px", "important");
    el.style.setProperty("flex", "0 0 " + height + "px", "important");  // in a column, the basis sets the height
  };
  fit();
  const timers = [setTimeout(fit, 300), setTimeout(fit, 1000), setTimeout(fit, 2500)];
  window.addEventListener("resize", fit);
  return () => {
    window.removeEventListener("resize", fit);
    timers.forEach(clearTimeout);
    const el = document.querySelector(data.target);
    if (el) { el.style.removeProperty("height"); el.style.removeProperty("flex"); el.classList.remove("nr-fit"); }
  };
}
"""
# What Streamlit draws inside the element at its fixed height follows the element's (the map: its frame, its box).
COMPONENT_CSS = """
.nr-fit [data-testid="stFullScreenFrame"], .nr-fit [data-testid="stDeckGlJsonChart"],
.nr-fit [data-testid="stDeckGlJsonChart"] > div:not([data-testid]) { height: 100% !important; }
"""


@lru_cache(maxsize=1)
def _component():
    return st.components.v2.component(COMPONENT_NAME, html="", css=COMPONENT_CSS, js=COMPONENT_JS,
                                      isolate_styles=False)


REPORT_STEP = 40  # px: the height reported to the server, rounded down to this (a rerun per step, not per pixel)


def fit_height(key: str, min_height: int, below: int = 8, report: bool = False) -> None:
    """Give the element whose Streamlit key is ``key`` the window's height left below its top, minus ``below``
    pixels, at least ``min_height``. Call it after the element (its own slot is empty: put it where a gap costs
    nothing, e.g. at the end of a column). ``report``: the browser sends the height back (rounded down to
    REPORT_STEP; one rerun when it changes), read with fitted_height(key) on the next run."""
    _component()(key=f"fit_{key}", data={"target": f".st-key-{key}", "min": min_height, "below": below,
                                         "report": report, "step": REPORT_STEP, "reported": fitted_height(key)},
                 on_height_change=lambda: None)


def fitted_height(key: str) -> int | None:
    """The height (px) the browser last gave the element ``key`` (fit_height with ``report``), None before."""
    state = st.session_state.get(f"fit_{key}")
    height = state.get("height") if hasattr(state, "get") else None
    return int(height) if isinstance(height, (int, float)) and height > 0 else None
