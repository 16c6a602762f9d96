"""Figure builders on small frames: values in the traces, order of levels, escaping, text alternatives."""
import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from nrdash import charts
from nrdash import referential as ref
from nrdash.indicators import kpis, public_table
from nrdash.matrix import (categories_by_family, engaged_by_target, filter_actions, gaps, plan_counts, plan_summary,
                           plan_view, quick_wins)
from nrdash.mobilisation import circle_members, inward_candidates
from nrdash.text import esc
from nrdash.filters import Filters


def actors(rows):
    base = {"row": 2, "name": "x", "family": ref.COMPANIES, "type": "PME", "level": 1, "circle": 3,
            "commune": "Aytré", "insee": "17028", "source": "Recherche", "is_local": True, "action_types": [],
            "dimensions": [], "other_categories": [], "referent": "Jeanne", "contact": "j@example.org"}
    df = pd.DataFrame([{**base, **r} for r in rows])
    df["level"] = df["level"].astype("Int64")
    df["circle"] = df["circle"].astype("Int64")
    return df


def actions(rows):
    base = {"row": 2, "action": "a", "axis": ref.AXES[0], "targets": ["Citoyens"], "status": "Idée", "lead": None,
            "due": None, "quick_win": False, "description": None, "has_error": False}
    return pd.DataFrame([{**base, **r} for r in rows])


A = actors([{"level": 0}, {"level": 2}, {"level": 2}, {"level": 3, "family": ref.PUBLIC, "type": "Commune"},
            {"level": None}])


def test_level_distribution_values_and_order():
    fig = charts.level_distribution(A)
    bar = fig.data[0]
    assert list(bar.x) == [ref.level_label(n) for n in (0, 1, 2, 3)]
    assert list(bar.y) == [1, 0, 2, 1]
    assert list(bar.marker.color) == [ref.LEVEL_COLORS[n] for n in (0, 1, 2, 3)]
    assert "1 sans niveau lisible" in charts.level_summary(A)


def test_levels_by_family_stacked_in_level_order():
    fig = charts.levels_by(A, "family")
    assert [t.name for t in fig.data] == [ref.level_label(n) for n in ref.LEVELS]
    assert list(fig.data[0].y) == [esc(ref.COMPANIES), esc(ref.PUBLIC)]  # largest group first
    assert list(fig.data[2].x) == [2, 0] and list(fig.data[3].x) == [0, 1]
    assert fig.layout.barmode == "stack"
    assert [list(c) for c in fig.data[3].customdata] == [[ref.COMPANIES, 3], [ref.PUBLIC, 3]]


def test_levels_by_commune_top():
    df = actors([{"commune": f"C{i}", "level": 1} for i in range(30)])
    fig = charts.levels_by(df, "commune", top=25)
    assert len(fig.data[0].y) == 25 and "25 plus représentées" in fig.layout.title.text


def test_hostile_names_are_escaped_in_figures():
    evil = "<img src=x onerror=alert(1)>"
    df = actors([{"name": evil, "commune": evil, "circle": 2, "level": 2}])
    commune_fig = charts.levels_by(df, "commune")
    assert list(commune_fig.data[0].y) == ["&lt;img src=x onerror=alert(1)&gt;"]
    circle_fig = charts.circles(df)
    hovers = [h for t in circle_fig.data if t.hovertext for h in t.hovertext]
    assert hovers and all("<img" not in h and "&lt;img" in h for h in hovers)


def test_selection_to_filters():
    pts = [{"customdata": [ref.COMPANIES, 2]}, {"customdata": [ref.PUBLIC, 2]}, {"x": 1}]
    assert charts.selection_to_filters(pts, "family") == {"families": (ref.COMPANIES, ref.PUBLIC), "levels": (2,)}
    assert charts.selection_to_filters([{"customdata": [None, 3]}], "level") == {"levels": (3,)}
    assert charts.selection_to_filters([], "family") == {}


def test_circles_figure_counts_members():
    fig = charts.circles(A)
    members = [t for t in fig.data if t.hovertext is not None]
    assert [len(t.x) for t in members] == [0, 0, 5]
    assert "cercle 3 : 5 acteurs" in charts.circles_summary(A)


def test_kpis():
    acts = actions([{"axis": ref.AXES[0], "targets": ["Citoyens", "Entreprises"], "quick_win": True},
                    {"axis": ref.AXES[3], "targets": ["Citoyens"]}])
    k = kpis(A, acts)
    assert (k.actors, k.engaged, k.leaders) == (5, 3, 1)
    assert k.engaged_share == 3 / 4
    assert k.circle_sizes == {1: 0, 2: 0, 3: 5}
    assert (k.cells_covered, k.cells_total, k.planned_actions, k.quick_wins) == (3, 16, 2, 1)


def test_plan_matrix_gaps_and_heatmap():
    acts = actions([{"axis": ref.AXES[1], "targets": list(ref.TARGETS)}, {"axis": None, "targets": ["Citoyens"]}])
    counts = plan_counts(acts)
    assert counts.loc[ref.AXES[1]].tolist() == [1, 1, 1, 1] and counts.to_numpy().sum() == 4
    g = gaps(acts)
    assert len(g) == 12
    first = next(x for x in g if x["axis"] == ref.AXES[0] and x["target"] == "Citoyens")
    assert ref.EXAMPLE_ACTIONS[0].text in first["suggestions"]
    fig = charts.plan_heatmap(counts, engaged_by_target(A))
    assert fig.data[0].text[0][0] == "lacune" and fig.data[0].text[1][0] == "1 action"
    assert "4 cases sur 16" in plan_summary(plan_view(acts, Filters()))


def test_filter_actions_by_family_targets():
    acts = actions([{"targets": ["Citoyens"]}, {"targets": ["Entreprises", "Associations"]}])
    assert len(filter_actions(acts, Filters(families=(ref.COMPANIES,)))) == 1
    assert len(filter_actions(acts, Filters())) == 2


def test_quick_wins_sorted_by_status():
    acts = actions([{"action": "b", "quick_win": True, "status": "Réalisée"},
                    {"action": "a", "quick_win": True, "status": "Idée", "due": dt.date(2027, 1, 1)},
                    {"action": "c", "quick_win": False}])
    assert quick_wins(acts)["Action"].tolist() == ["a", "b"]


def test_categories_by_family():
    df = actors([{"action_types": ["Inclusion numérique"], "level": 2},
                 {"action_types": ["Inclusion numérique"], "level": 0}])
    t = categories_by_family(df)
    row = t[(t["category"] == "Inclusion numérique") & (t["family"] == ref.COMPANIES)].iloc[0]
    assert (row["actors"], row["engaged"], row["engaged_share"]) == (2, 1, 0.5)
    fig = charts.categories_heatmap(t)
    assert np.shape(fig.data[0].z) == (len(ref.ACTION_TYPES) + len(ref.NR_DIMENSIONS), 4)


def test_circles_and_candidates():
    df = actors([{"name": "a", "circle": 3, "level": 1}, {"name": "b", "circle": 3, "level": 0},
                 {"name": "c", "circle": 2, "level": 3, "family": ref.PUBLIC, "type": "Région"},
                 {"name": "d", "circle": 2, "level": 3}])
    cand = inward_candidates(df)
    assert cand[2]["name"].tolist() == ["a"] and cand[1]["name"].tolist() == ["c"]
    assert [len(m) for m in circle_members(df).values()] == [0, 2, 2]


def test_public_table_has_no_personal_data():
    t = public_table(A)
    text = t.to_csv()
    assert "Jeanne" not in text and "example.org" not in text
    assert "Référent" not in t.columns and "Contact" not in t.columns
    assert t["Niveau d'engagement"].tolist()[-1] == "Non renseigné"


def _every_figure(census):
    a, acts = census.actors, census.actions
    yield charts.level_distribution(a)
    for by in ("family", "type", "commune", "source"):
        yield charts.levels_by(a, by, top=25)
    yield charts.types_by_family(a)
    yield charts.territory_state(a)
    yield charts.circles(a)
    yield charts.plan_heatmap(plan_counts(acts), engaged_by_target(a))
    yield charts.categories_heatmap(categories_by_family(a))


def test_every_figure_spec_passes_plotly_validation(sample_census):
    """Figures are built without plotly's validation for speed: prove here that each spec is valid."""
    figs = list(_every_figure(sample_census))
    assert len(figs) == 10
    for fig in figs:
        go.Figure(fig.to_plotly_json())  # raises ValueError on any invalid property or value
