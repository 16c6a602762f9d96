"""nrdash.plotting: the partial plotly.js build and what the chart component receives and sends back."""
import hashlib
import json
from types import SimpleNamespace

import plotly.graph_objects as go
import plotly.offline

from nrdash import plotting
from nrdash.ui import chart_component

MANIFEST = json.loads(plotting.BUNDLE_MANIFEST.read_text(encoding="utf-8"))


def test_build_is_the_plotly_js_of_the_plotly_package_and_much_lighter():
    assert MANIFEST["plotly.js"] == plotly.offline.get_plotlyjs_version(), "rebuild: bash scripts/build_plotly.sh"
    build = plotting.bundle()
    assert build.startswith(f"/*! plotly.js v{MANIFEST['plotly.js']}".encode())
    assert len(build) < len(plotly.offline.get_plotlyjs().encode()) / 3
    assert b"export{" in build[-2000:] or b"export {" in build  # an ES module, imported by the component
    assert b"T\\xE9l\\xE9charger le graphique" in build  # the French locale is in it


def test_bundle_address_is_content_addressed_and_served():
    url = plotting.bundle_url()
    assert url == f"nrdash-static/plotly-{hashlib.sha256(plotting.bundle()).hexdigest()[:16]}.js"
    (prefix, served), = plotting.routes().items()
    assert prefix == "/" + url and served.body == plotting.bundle() and served.content_type == b"application/javascript"


def test_payload_carries_figure_config_height_and_bundle():
    fig = go.Figure(go.Bar(x=["a"], y=[1], customdata=[["x", 2]]), layout=dict(height=321))
    payload = plotting.figure_payload(fig, {"displaylogo": False}, selectable=True)
    assert payload["height"] == 321 and payload["selectable"] is True and payload["bundle"] == plotting.bundle_url()
    assert payload["config"] == {"displaylogo": False, "responsive": True, "locale": "fr"}
    assert plotting.payload_figure(json.dumps(payload))["data"][0]["type"] == "bar"
    assert plotting.figure_payload(go.Figure(), {}, selectable=False)["height"] == plotting.DEFAULT_HEIGHT


def test_clicked_points_read_from_the_component_state():
    points = [{"customdata": ["Entreprises", 2], "x": "A", "y": 3}]
    assert plotting.clicked_points({"select": {"points": points}}) == points
    assert plotting.clicked_points(SimpleNamespace(select={"points": points})) == points
    for nothing in (None, {}, {"select": None}, {"select": {"points": "x"}}, {"select": {"points": [1, None]}}):
        assert plotting.clicked_points(nothing) == []


def test_component_js_draws_with_plotly_react_and_reports_clicks():
    js = chart_component.COMPONENT_JS
    assert "Plotly.react(plot, figure.data, figure.layout, data.config)" in js
    assert 'plot._nrTrigger("select", { points })' in js and "plotly_click" in js
    assert "n'a pas pu être dessiné" in js  # a failure is said in French, never a stack trace


def test_accessible_name_is_the_title_then_the_filters_in_plain_words(sample_census):
    from nrdash import charts
    from nrdash.text import esc

    fig = go.Figure(layout={"title": {"text": esc("Engagement par famille <d'acteurs>") + "<br><b>2026</b>",
                                      "subtitle": {"text": esc("12 acteurs sur 150 — filtres : niveau ≥ 2")}}})
    assert plotting.accessible_name(fig) == ("Engagement par famille <d'acteurs> 2026 — "
                                             "12 acteurs sur 150 — filtres : niveau ≥ 2")
    assert plotting.accessible_name(go.Figure()) == "Graphique"
    payload = plotting.figure_payload(charts.level_distribution(sample_census.actors), {}, False)
    assert payload["name"] == "Niveaux d'engagement"


def test_component_js_names_the_figure_and_ties_its_sentence():
    js = chart_component.COMPONENT_JS
    assert 'setAttribute("role", "figure")' in js and 'setAttribute("aria-label", data.name)' in js
    assert 'setAttribute("aria-describedby", summary.id)' in js and "summary.textContent = data.summary" in js
    assert 'svg.setAttribute("aria-hidden", "true")' in js  # plotly's scattered labels are not read one by one
