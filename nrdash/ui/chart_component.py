"""The chart component: a small Streamlit component (no iframe) that draws a plotly figure with the partial
plotly.js build (nrdash.plotting) and reports the points of a click.

For screen readers (issue 29) the chart is one figure: named by its title and filters (nrdash.plotting
.accessible_name), described by the sentence that gives its numbers, written under it by the component itself
(aria-describedby); plotly's drawing, whose scattered labels a screen reader would read one by one, is hidden from
them (its toolbar's image button stays)."""
from __future__ import annotations

from functools import lru_cache

import plotly.graph_objects as go
import streamlit as st

from ..plotting import Rendered, clicked_points, figure_payload

COMPONENT_NAME = "nrdash_plotly"

# Runs in the page (no iframe, no shadow root: plotly puts its styles in the document). Called again with new data
# on every rerun: Plotly.react updates the chart in place. The bundle's address is given relative to Streamlit's
# own scripts, so it resolves whatever the page's address.
COMPONENT_JS = """
export default async function (component) {
  const { data, parentElement } = component;
  let plot = parentElement.querySelector("div.nr-plot");
  let summary = parentElement.querySelector("p.nr-plot-summary");
  if (!plot) {
    plot = document.createElement("div");
    plot.className = "nr-plot";
    plot.setAttribute("role", "figure");
    summary = document.createElement("p");
    summary.className = "nr-plot-summary";
    summary.id = "nr-summary-" + Math.random().toString(36).slice(2);
    parentElement.append(plot, summary);
  }
  plot.setAttribute("aria-label", data.name);
  summary.textContent = data.summary;
  summary.classList.toggle("nr-sr-only", !data.summary_visible);
  if (data.summary) plot.setAttribute("aria-describedby", summary.id);
  else plot.removeAttribute("aria-describedby");
  plot._nrTrigger = component.setTriggerValue;
  if (!data.fit) plot._nrRefit = null;
  plot.style.height = data.height + "px";
  try {
    const index = document.querySelector('script[src*="static/js/index"]');
    const base = index ? index.src.replace(/static\\/js\\/[^/]*$/, "") : document.baseURI;
    const Plotly = (await import(new URL(data.bundle, base).href)).default;
    const figure = JSON.parse(data.figure);
    if (data.fit) {  // mode atelier: the page's main figure takes the screen's height left below it, not more
      const baseSizes = figure.data.map((t) => (t.marker && typeof t.marker.size === "number") ? t.marker.size : null);
      const fit = () => {
        const top = plot.getBoundingClientRect().top + window.scrollY;
        let height = Math.max(data.fit.min, Math.floor(window.innerHeight - top - data.fit.below));
        if (data.fit.max) height = Math.min(height, data.fit.max);
        if (Math.abs(height - (figure.layout.height || 0)) < 4) return false;
        const scale = data.fit.scale_markers ? height / data.height : 1;  // dots grow with the figure
        figure.data.forEach((t, i) => { if (baseSizes[i] !== null) t.marker.size = Math.round(baseSizes[i] * scale); });
        figure.layout.height = height;
        plot.style.height = height + "px";
        return true;
      };
      fit();
      plot._nrRefit = () => { if (plot.isConnected && fit()) Plotly.react(plot, figure.data, figure.layout, data.config); };
      if (!plot._nrFitListener) {  // the window resized, or what stands above the figure finished drawing
        plot._nrFitListener = true;
        window.addEventListener("resize", () => plot._nrRefit && plot._nrRefit());
        // and whenever the page's content changes size (what stands above finished drawing, late on a busy
        // machine): the timers below alone missed it
        const page = document.querySelector('[data-testid="stMainBlockContainer"]');
        if (page) new ResizeObserver(() => plot._nrRefit && plot._nrRefit()).observe(page);
      }
      setTimeout(() => plot._nrRefit && plot._nrRefit(), 400);
      setTimeout(() => plot._nrRefit && plot._nrRefit(), 1500);
    }
    await Plotly.react(plot, figure.data, figure.layout, data.config);
    plot.querySelectorAll("svg").forEach((svg) => svg.setAttribute("aria-hidden", "true"));
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
# The component's styles (div.nr-plot, p.nr-plot-summary, .nr-sr-only) are in assets/css/base.css, written once in
# Streamlit's page: a stylesheet given to the component would be one <style> element more under every chart.


@lru_cache(maxsize=1)
def _component():
    return st.components.v2.component(COMPONENT_NAME, js=COMPONENT_JS, isolate_styles=False)


def plotly_chart(fig: go.Figure | Rendered, key: str, config: dict, on_select=None, fit: dict | None = None,
                 summary: str = "", summary_visible: bool = True) -> None:
    """Draw a figure; ``on_select(points)`` is called with the points of a click (chart filters).

    ``summary``: the sentence that gives the chart's numbers, written under it (``summary_visible=False``: read by
    screen readers only, when the page shows the sentence otherwise) and describing the figure.

    ``fit`` (mode atelier's main figure): the browser sets the figure's height to what the window leaves below its
    top, minus ``below`` pixels, at least ``min``; ``scale_markers`` grows fixed-size dots with it."""

    def changed() -> None:
        points = clicked_points(st.session_state.get(key))
        if points and on_select is not None:
            on_select(points)

    kwargs = {"on_select_change": changed} if on_select is not None else {}
    _component()(key=key, data={**figure_payload(fig, config, on_select is not None), "fit": fit,
                                "summary": summary, "summary_visible": summary_visible}, **kwargs)
