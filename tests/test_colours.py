"""Colour has one meaning and pictures do not mislead (issue 13).

Checked on every figure the app draws (AppTest on each page and view) and every figure of the HTML report, all
built on the sample census: colour scales go light -> dark as the value grows and are the one neutral count scale;
the numbers written on cells and bars contrast 4.5:1 with what is under them; count axes have integer ticks; the
family palette stays away from the level palette, colour-blind simulations included."""
import html
import re
import tomllib
from pathlib import Path

import plotly.graph_objects as go
import pytest

from nrdash import charts
from nrdash import referential as ref
from nrdash.report import ReportInput, build_report
from tests.colour import (MACHADO, VISIONS, ciede2000, contrast, distance, hex_to_rgb1, luminance, parse_colour,
                          rgb1_to_lab)

CONFIG = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"


# ---------------------------------------------------------------------------------------------
# The colour science of the helper, against published values
# ---------------------------------------------------------------------------------------------
SHARMA_2005 = [  # Sharma, Wu & Dalal (2005), table 1: L1 a1 b1, L2 a2 b2, ΔE00
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    ((50.0, 2.8361, -74.0200), (50.0, 0.0, -82.7485), 3.4412),
    ((50.0, -1.3802, -84.2814), (50.0, 0.0, -82.7485), 1.0000),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.4900, -0.0010), (50.0, -2.4900, 0.0009), 7.1792),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (61.0, -5.0, 29.0), 22.8977),
    ((50.0, 2.5, 0.0), (56.0, -27.0, -3.0), 31.9030),
    ((50.0, 2.5, 0.0), (58.0, 24.0, 15.0), 19.4535),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
]


@pytest.mark.parametrize("lab1, lab2, expected", SHARMA_2005)
def test_ciede2000_matches_the_published_test_data(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert ciede2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)


def test_srgb_to_lab_and_wcag_contrast_reference_values():
    assert rgb1_to_lab(hex_to_rgb1("#ffffff")) == pytest.approx([100, 0, 0], abs=0.01)
    assert rgb1_to_lab(hex_to_rgb1("#ff0000")) == pytest.approx([53.24, 80.09, 67.20], abs=0.02)
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the lightest grey reaching 4.5:1


def test_machado_matrices_keep_neutrals_and_confuse_what_they_should():
    for matrix in MACHADO.values():
        assert matrix.sum(axis=1) == pytest.approx([1, 1, 1], abs=1e-5)  # white stays white, greys stay grey
    # The classic confusions: red/green for protanopes and deuteranopes, blue/green for tritanopes.
    assert distance("#d62728", "#2ca02c", "deutéranopie") < distance("#d62728", "#2ca02c") / 2
    assert distance("#d62728", "#2ca02c", "protanopie") < distance("#d62728", "#2ca02c") / 2
    assert distance("#1f77b4", "#2ca02c", "tritanopie") < distance("#1f77b4", "#2ca02c") / 2


# ---------------------------------------------------------------------------------------------
# Palettes
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("vision", VISIONS)
def test_no_family_colour_is_confusable_with_a_level_colour(vision):
    for family, colour in ref.FAMILY_COLORS.items():
        for level, level_colour in ref.LEVEL_COLORS.items():
            d = distance(colour, level_colour, vision)
            assert d >= 20, f"{family} {colour} ~ niveau {level} {level_colour}: ΔE00 {d:.1f} ({vision})"


def test_family_colours_are_distinct_and_visible_on_white():
    colours = [ref.FAMILY_COLORS[f] for f in ref.FAMILIES]
    for colour in colours:
        assert contrast(colour, "#ffffff") >= 3, colour  # graphical objects, WCAG 1.4.11
    for vision in VISIONS:
        for i, a in enumerate(colours):
            for b in colours[i + 1:]:
                assert distance(a, b, vision) >= 15, (a, b, vision)


def test_theme_categorical_colours_open_with_the_family_colours():
    theme = tomllib.loads(CONFIG.read_text())["theme"]
    categorical = [c.lower() for c in theme["chartCategoricalColors"]]
    assert categorical[:4] == [ref.FAMILY_COLORS[f].lower() for f in ref.FAMILIES]
    for colour in categorical:  # the other categorical colours are not level colours either
        assert min(distance(colour, lc, v) for lc in ref.LEVEL_COLORS.values() for v in VISIONS) >= 20, colour


# ---------------------------------------------------------------------------------------------
# Every figure of the app and of the report
# ---------------------------------------------------------------------------------------------
def _scale_colour(scale: list, t: float) -> str:
    """A plotly colorscale's colour at t in [0, 1], interpolated in sRGB as plotly.js does."""
    stops = [(float(p), hex_to_rgb1(parse_colour(c))) for p, c in scale]
    for (p0, c0), (p1, c1) in zip(stops, stops[1:]):
        if p0 <= t <= p1:
            f = 0 if p1 == p0 else (t - p0) / (p1 - p0)
            return "#%02x%02x%02x" % tuple(round((a + (b - a) * f) * 255) for a, b in zip(c0, c1))
    return parse_colour(scale[-1][1])


def _app_figures() -> list[dict]:
    from tests.ui.test_app import app, figures

    out = []
    at = app()
    out += figures(at)  # Accueil
    for path in ("pages/engagement.py", "pages/cercles.py", "pages/matrice.py"):
        at.switch_page(path).run()
        out += figures(at)
    at.switch_page("pages/engagement.py").run()
    for view in ("type", "commune", "source", "family_type"):
        at.segmented_control(key="eng_view").set_value(view).run()
        out += figures(at)[1:]
    assert not at.exception
    return out


def _report_figures(census, monkeypatch) -> list[dict]:
    drawn = []
    to_json = go.Figure.to_json

    def capture(self, *args, **kwargs):  # the report writes each figure's JSON itself (issue 29: lighter report)
        drawn.append(self.to_plotly_json())
        return to_json(self, *args, **kwargs)

    monkeypatch.setattr(go.Figure, "to_json", capture)
    build_report(ReportInput(census, census.actors, census.actions, "150 acteurs — aucun filtre"))
    monkeypatch.undo()
    return drawn


@pytest.fixture(scope="module")
def every_figure(sample_census):
    monkeypatch = pytest.MonkeyPatch()
    app_figs = _app_figures()
    report_figs = _report_figures(sample_census, monkeypatch)
    assert len(app_figs) >= 10 and len(report_figs) >= 6
    return [("app", f) for f in app_figs] + [("rapport", f) for f in report_figs]


def _title(fig: dict) -> str:
    title = fig["layout"].get("title", {})
    return html.unescape(title.get("text", "") if isinstance(title, dict) else str(title))


def _scaled_traces(every_figure):
    for where, fig in every_figure:
        for trace in fig["data"]:
            scale = trace.get("colorscale", trace.get("marker", {}).get("colorscale"))
            if scale is not None:
                yield where, fig, trace, scale


def test_every_colour_scale_is_the_neutral_count_scale_darker_for_more(every_figure):
    scaled = list(_scaled_traces(every_figure))
    titles = {_title(f) for _, f, _, _ in scaled}
    # issue 25: the categories come in two figures, one per vocabulary (was one « catégories NR × familles »)
    assert {"Matrice d'actions : axes × cibles", "Dimensions du NR (kit) × familles d'acteurs",
            "Types d'action (La Rochelle) × familles d'acteurs"} <= titles
    for where, fig, trace, scale in scaled:
        name = f"{where}: {_title(fig)}"
        assert isinstance(scale, list), f"{name}: named scale {scale!r} (plotly.js reads names its own way)"
        assert not trace.get("reversescale"), name
        colours = [parse_colour(c) for _, c in scale]
        positions = [float(p) for p, _ in scale]
        assert positions == sorted(positions), name
        lum = [luminance(c) for c in colours]
        assert all(a > b for a, b in zip(lum, lum[1:])), f"{name}: not darker as the value grows"
        assert colours == list(ref.COUNT_SEQUENTIAL_COLORS), f"{name}: counts use the neutral scale"
        assert trace.get("zmin") == 0, name
        # and on the cells actually drawn: a larger count is never lighter
        cells = sorted({v for row in trace["z"] for v in row if v is not None})
        shades = [luminance(_scale_colour(scale, v / trace["zmax"])) for v in cells]
        assert shades == sorted(shades, reverse=True), name


def test_numbers_written_on_cells_contrast_with_the_cell(every_figure):
    checked = 0
    for where, fig, trace, scale in _scaled_traces(every_figure):
        writing = [t for t in fig["data"] if t.get("type") == "scatter" and t.get("mode") == "text"]
        assert len(writing) == 1, f"{where}: {_title(fig)}: the cells' numbers are written by one text trace"
        text = writing[0]
        z = {(x, y): trace["z"][j][i] for j, y in enumerate(trace["y"]) for i, x in enumerate(trace["x"])}
        colours = text["textfont"]["color"]
        assert len(text["x"]) == len(z)
        for x, y, colour in zip(text["x"], text["y"], colours):
            cell = _scale_colour(scale, z[(x, y)] / trace["zmax"])
            assert contrast(colour, cell) >= 4.5, f"{where}: {_title(fig)} {x}/{y}: {colour} on {cell}"
            checked += 1
    assert checked > 60


def test_numbers_written_on_bars_contrast_with_the_bar(every_figure):
    checked = 0
    for where, fig in every_figure:
        for trace in fig["data"]:
            if trace.get("type") != "bar" or not trace.get("text") or trace.get("textposition") != "inside":
                continue
            colour = trace["textfont"]["color"]
            bar = parse_colour(trace["marker"]["color"])
            assert contrast(colour, bar) >= 4.5, f"{where}: {_title(fig)}: {colour} on {bar}"
            checked += 1
    assert checked >= 8


def _axis(layout: dict, letter: str, ref_name: str | None) -> dict:
    suffix = (ref_name or letter)[1:]
    return layout.get(f"{letter}axis{suffix}", {})


def test_count_axes_have_integer_ticks(every_figure):
    """Every bar in nrdash counts actors: its value axis is hidden or ticks on integers only."""
    checked = 0
    for where, fig in every_figure:
        for trace in fig["data"]:
            if trace.get("type") != "bar":
                continue
            letter = "x" if trace.get("orientation") == "h" else "y"
            axis = _axis(fig["layout"], letter, trace.get(f"{letter}axis"))
            if axis.get("visible") is False:
                continue
            name = f"{where}: {_title(fig)}"
            assert str(axis.get("tickformat", "")).endswith("d"), name
            assert isinstance(axis.get("dtick"), int) and axis["dtick"] >= 1, name
            assert axis.get("tick0", 0) == 0, name
            checked += 1
    assert checked >= 8


def test_level_colours_mean_levels_only(every_figure):
    """No sunburst mixing family and level colours; every bar is a level's bar, in that level's colour."""
    level_colours = set(ref.LEVEL_COLORS.values())
    for where, fig in every_figure:
        assert {t.get("type") for t in fig["data"]} <= {"bar", "heatmap", "scatter"}, where
        for trace in fig["data"]:
            if trace.get("type") == "bar":
                colours = trace["marker"]["color"]
                colours = colours if isinstance(colours, list) else [colours]
                assert set(colours) <= level_colours, f"{where}: {_title(fig)}"
            assert not set(map(str, trace.get("marker", {}).get("colors", []))) & set(ref.FAMILY_COLORS.values())


def test_count_axis_steps():
    assert [charts.count_axis(n)["dtick"] for n in (1, 3, 8, 9, 17, 40, 41, 90, 150, 10_000)] == \
        [1, 1, 1, 2, 5, 5, 10, 20, 20, 2000]


def test_column_labels_are_horizontal_and_wrapped(sample_census):
    from nrdash.matrix import categories_by_family, engaged_by_target, plan_counts

    a = sample_census.actors
    for fig in (charts.plan_heatmap(plan_counts(sample_census.actions), engaged_by_target(a)),
                charts.categories_heatmap(categories_by_family(a))):
        assert fig.layout.xaxis.tickangle == 0
        labels = list(fig.data[0].x)
        assert any("<br>" in x for x in labels)
        assert all(len(line) <= 16 for x in labels for line in x.replace("&amp;", "&").split("<br>")), labels


# ---------------------------------------------------------------------------------------------
# Accueil's figure and the types-by-family view that replaces the sunburst
# ---------------------------------------------------------------------------------------------
def test_territory_state_figure_and_sentence(sample_census):
    a = sample_census.actors
    fig = charts.territory_state(a)
    counts = [int((a["level"] == n).sum()) for n in ref.LEVELS]
    assert [t.x[0] for t in fig.data] == counts
    assert [t.marker.color for t in fig.data] == [ref.LEVEL_COLORS[n] for n in ref.LEVELS]
    assert [t.name for t in fig.data] == [ref.level_label(n) for n in ref.LEVELS]
    assert fig.layout.barmode == "stack"
    engaged = counts[2] + counts[3]
    sentence = charts.territory_state_summary(a)
    assert sentence.startswith(f"Sur {len(a)} acteurs, {engaged} sont engagés (niveau 2 ou 3")
    assert f"{counts[3]} « Leader du NR »" in sentence and f"{counts[0]} « Non impliqué »" in sentence
    assert [t.customdata[0][1] for t in fig.data] == list(ref.LEVELS)  # a click filters on the level


def test_types_by_family_groups_types_under_their_family(sample_census):
    a = sample_census.actors
    fig = charts.types_by_family(a)
    labels = [html.unescape(y.replace("<br>", " ")) for y in fig.data[0].y]
    headings = [y for y in labels if y.startswith("<b>")]
    assert headings == [f"<b>{f}</b>" for f in ref.FAMILIES if (a["family"] == f).any()]
    types = [y for y in labels if not y.startswith("<b>")]
    assert sorted(types) == sorted(a["type"].unique())
    family = None
    for i, label in enumerate(labels):
        if label.startswith("<b>"):
            family = label[3:-4]
            assert [int(t.x[i]) for t in fig.data] == [0, 0, 0, 0]
            continue
        assert ref.FAMILY_OF_TYPE[label] == family  # each type under its own family's heading
        row = a[a["type"] == label]
        assert [int(t.x[i]) for t in fig.data] == [int((row["level"] == n).sum()) for n in ref.LEVELS]
    first_type = next(i for i, y in enumerate(labels) if not y.startswith("<b>"))
    assert charts.selection_to_filters([{"customdata": list(fig.data[2].customdata[first_type])}], "type") == \
        {"types": (labels[first_type],), "levels": (2,)}
    assert "Types d'acteurs par famille — " in charts.types_by_family_summary(charts.types_by_family_table(a))


def test_population_is_said_once(sample_census):
    from tests.ui.test_app import app
    from tests.mdtext import displayed

    at = app()
    text = displayed(" ".join(m.value for m in at.markdown))
    assert len(re.findall(r"181\u202f057 habitants", text)) == 1, text
    at.switch_page("pages/carte.py").run()
    text = displayed(" ".join(m.value for m in at.markdown))
    assert len(re.findall(r"181\u202f057", text)) == 1, text


def test_report_states_population_once_and_writes_due_dates(sample_census):
    from nrdash.geography import load_geography
    from nrdash.placement import territory_info

    geo = load_geography()
    territory = territory_info(geo, "epci", "241700434")
    html = build_report(ReportInput(sample_census, sample_census.actors, sample_census.actions, "aucun filtre",
                                    territory))
    context = html[html.index("<section id='contexte'>"):html.index("<section id='indicateurs'>")]
    assert context.count("181\u202f057") == 1, context
    matrix = html[html.index("<section id='matrice'>"):html.index("<section id='carte'>")]
    assert "None" not in matrix and "2027-03-31" not in matrix
    assert "31/03/2027" in matrix
    assert "\"type\":\"sunburst\"" not in html.replace(" ", "")


def test_map_colourings_use_the_count_scale_darker_for_more():
    import numpy as np

    from nrdash import maps

    ramp = maps._ramp(np.array([0.0, 1.0, 2.5, 5.0, 10.0, np.nan]))
    colours = ["#%02x%02x%02x" % tuple(c[:3]) for c in ramp[:5]]
    assert colours[0] == ref.COUNT_SEQUENTIAL_COLORS[0] and colours[-1] == ref.COUNT_SEQUENTIAL_COLORS[-1]
    lum = [luminance(c) for c in colours]
    assert all(a > b for a, b in zip(lum, lum[1:]))
    assert ramp[5][3] == 0  # missing: transparent
    assert [c for _, c in maps.legend("family")] == [ref.FAMILY_COLORS[f].lower() for f in ref.FAMILIES]
