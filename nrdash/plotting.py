"""What a plotly figure needs to reach the browser: a partial build of plotly.js, and the payload of the chart
component (nrdash.ui.chart_component) that draws it. Pure: no Streamlit here.

Streamlit's st.plotly_chart ships all of plotly.js to draw any trace type. nrdash draws four (scatter, bar, heatmap,
sunburst): assets/js/plotly-nrdash.min.js is the same plotly.js, same version as the plotly Python package,
assembled from those modules only (``bash scripts/build_plotly.sh``), fetched once per visit and cached (sizes in
docs/performances.md, « Accessibilité et sobriété »). It also carries plotly's French locale, so the toolbar speaks French.

The figures are the same plotly figures (nrdash.charts); the component draws them with Plotly.react and sends back
the points of a click (their customdata, x and y: clicked_points), which ui.chart turns into shared filters.
"""
from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import plotly.graph_objects as go

from .web.served import Served

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "assets" / "js" / "plotly-nrdash.min.js"
BUNDLE_MANIFEST = BUNDLE.parent / "plotly-nrdash.json"  # its plotly.js version and traces (scripts/build_plotly.sh)
DEFAULT_HEIGHT = 450


@lru_cache(maxsize=1)
def bundle() -> bytes:
    return BUNDLE.read_bytes()


@lru_cache(maxsize=1)
def classic_bundle() -> str:
    """The same build as a classic script that sets ``window.Plotly`` (for a page of its own, such as the HTML
    report, nrdash.report: 1.3 MB where the whole of plotly.js is 4.8 MB), safe to write inside <script>."""
    text = bundle().decode("utf-8")
    found = re.findall(r"export\s*\{\s*([\w$]+)\s+as\s+default\s*\}\s*;", text)
    if len(found) != 1:
        raise RuntimeError("assets/js/plotly-nrdash.min.js : export introuvable, refaites-le (scripts/build_plotly.sh).")
    text = re.sub(r"export\s*\{\s*[\w$]+\s+as\s+default\s*\}\s*;", f"window.Plotly={found[0]};", text)
    return text.replace("</script", "<\\/script").replace("<!--", "<\\!--")


@lru_cache(maxsize=1)
def bundle_url() -> str:
    """The bundle's address, relative to the app's root: content-addressed, so browsers may cache it for good."""
    return f"nrdash-static/plotly-{hashlib.sha256(bundle()).hexdigest()[:16]}.js"


def routes() -> dict[str, Served]:
    """URL prefix -> the bundle (nrdash.web.served)."""
    return {"/" + bundle_url(): Served(bundle(), b"application/javascript")}


def plain_text(markup: str | None) -> str:
    """A plotly text (escaped, with its few tags: <b>, <br>…) as a screen reader should read it."""
    text = re.sub(r"<br\s*/?>", " ", markup or "", flags=re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", text)).split())


def accessible_name(fig: go.Figure) -> str:
    """The figure's name for screen readers: its title, then its subtitle (the filters, nrdash.ui.chart)."""
    title = plain_text(fig.layout.title.text)
    subtitle = plain_text(fig.layout.title.subtitle.text)
    return " — ".join(part for part in (title or "Graphique", subtitle) if part)


@dataclass(frozen=True)
class Rendered:
    """A figure already serialised (its plotly JSON, height and accessible name): what sessions showing the same
    view share."""

    json: str
    height: int
    name: str


def render(fig: go.Figure) -> Rendered:
    return Rendered(fig.to_json(), int(fig.layout.height or DEFAULT_HEIGHT), accessible_name(fig))


def figure_payload(fig: go.Figure | Rendered, config: dict, selectable: bool) -> dict:
    """What the component receives: the figure as plotly JSON, its config and height, the bundle's address, its
    accessible name."""
    rendered = fig if isinstance(fig, Rendered) else render(fig)
    return {"figure": rendered.json, "config": {**config, "responsive": True, "locale": "fr"},
            "height": rendered.height, "selectable": selectable, "bundle": bundle_url(), "name": rendered.name}


def clicked_points(state) -> list[dict]:
    """The points of the click the component reported (its "select" trigger), from its Session State value."""
    if state is None:
        return []
    event = getattr(state, "select", None)
    if event is None and isinstance(state, dict):
        event = state.get("select")
    points = event.get("points") if isinstance(event, dict) else None
    return [p for p in points if isinstance(p, dict)] if isinstance(points, list) else []


def payload_figure(payload_json: str) -> dict:
    """The figure dict in a component payload (tests)."""
    return json.loads(json.loads(payload_json)["figure"])
