"""How a plotly figure reaches the browser: a small Streamlit component over a partial build of plotly.js.

Streamlit's st.plotly_chart ships all of plotly.js to draw any trace type. nrdash draws four (scatter, bar, heatmap,
sunburst): assets/js/plotly-nrdash.min.js is the same plotly.js, same version as the plotly Python package,
assembled from those modules only (``bash scripts/build_plotly.sh``), fetched once per visit and cached (sizes in
README, « Sobriété »). It also carries plotly's French locale, so the toolbar speaks French.

The figures are the same plotly figures (nrdash.charts); the component draws them with Plotly.react and sends back
the points of a click (their customdata, x and y), which ui.chart turns into shared filters.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

import plotly.graph_objects as go

from .served import Served

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "assets" / "js" / "plotly-nrdash.min.js"
BUNDLE_MANIFEST = BUNDLE.parent / "plotly-nrdash.json"  # its plotly.js version and traces (scripts/build_plotly.sh)
COMPONENT_NAME = "nrdash_plotly"
DEFAULT_HEIGHT = 450

# Runs in the page (no iframe, no shadow root: plotly puts its styles in the document). Called again with new data
# on every rerun: Plotly.react updates the chart in place. The bundle's address is given relative to Streamlit's
# own scripts, so it resolves whatever the page's address.
COMPONENT_JS = """
export default async function (component) {
  const { data, parentElement } = component;
  let plot = parentElement.querySelector("div.nr-plot");
  if (!plot) {
    plot = document.createElement("div");
    plot.className = "nr-plot";
    parentElement.appendChild(plot);
  }
  plot._nrTrigger = component.setTriggerValue;
  plot.style.height = data.height + "px";
  try {
    const index = document.querySelector('script[src*="static/js/index"]');
    const base = index ? index.src.replace(/static\\/js\\/[^/]*$/, "") : document.baseURI;
    const Plotly = (await import(new URL(data.bundle, base).href)).default;
    const figure = JSON.parse(data.figure);
    await Plotly.react(plot, figure.data, figure.layout, data.config);
    if (!plot._nrResize) {  // follow the column's width (sidebar opened or closed, window resized)
      plot._nrResize = new ResizeObserver(() => {  // not while hidden or leaving the page
        if (plot.isConnected && plot.offsetParent !== null) Plotly.Plots.resize(plot).catch(() => {});
      });
      plot._nrResize.observe(plot);
    }
  } catch (error) {
    console.error(error);
    plot.style.height = "auto";
    plot.textContent = "Le graphique n'a pas pu être dessiné : rechargez la page. Ses données sont dans le texte "
      + "ci-dessous et dans « Données du graphique ».";
    return;
  }
  if (data.selectable && !plot._nrClick) {
    plot._nrClick = true;
    plot.on("plotly_click", (event) => {
      const points = event.points.map((p) => ({
        customdata: p.customdata === undefined ? null : p.customdata,
        x: p.x === undefined ? null : p.x,
        y: p.y === undefined ? null : p.y,
      }));
      plot._nrTrigger("select", { points });
    });
  }
}
"""
COMPONENT_CSS = "div.nr-plot { width: 100%; }"


@lru_cache(maxsize=1)
def bundle() -> bytes:
    return BUNDLE.read_bytes()


@lru_cache(maxsize=1)
def bundle_url() -> str:
    """The bundle's address, relative to the app's root: content-addressed, so browsers may cache it for good."""
    return f"nrdash-static/plotly-{hashlib.sha256(bundle()).hexdigest()[:16]}.js"


def routes() -> dict[str, Served]:
    """URL prefix -> the bundle (nrdash.served)."""
    return {"/" + bundle_url(): Served(bundle(), b"application/javascript")}


@lru_cache(maxsize=1)
def _component():
    import streamlit as st

    return st.components.v2.component(COMPONENT_NAME, html="", css=COMPONENT_CSS, js=COMPONENT_JS,
                                      isolate_styles=False)


def figure_payload(fig: go.Figure, config: dict, selectable: bool) -> dict:
    """What the component receives: the figure as plotly JSON, its config and height, the bundle's address."""
    return {"figure": fig.to_json(), "config": {**config, "responsive": True, "locale": "fr"},
            "height": int(fig.layout.height or DEFAULT_HEIGHT), "selectable": selectable, "bundle": bundle_url()}


def clicked_points(state) -> list[dict]:
    """The points of the click the component reported (its "select" trigger), from its Session State value."""
    if state is None:
        return []
    event = getattr(state, "select", None)
    if event is None and isinstance(state, dict):
        event = state.get("select")
    points = event.get("points") if isinstance(event, dict) else None
    return [p for p in points if isinstance(p, dict)] if isinstance(points, list) else []


def plotly_chart(fig: go.Figure, key: str, config: dict, on_select=None) -> None:
    """Draw a figure; ``on_select(points)`` is called with the points of a click (chart filters)."""
    import streamlit as st

    def changed() -> None:
        points = clicked_points(st.session_state.get(key))
        if points and on_select is not None:
            on_select(points)

    kwargs = {"on_select_change": changed} if on_select is not None else {}
    _component()(key=key, data=figure_payload(fig, config, on_select is not None), **kwargs)


def payload_figure(payload_json: str) -> dict:
    """The figure dict in a component payload (tests)."""
    return json.loads(json.loads(payload_json)["figure"])
