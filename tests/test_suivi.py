"""nrdash.suivi (issue 15): the transitions matrix figure, lists without personal data, objectives across versions,
freshness line, and the report's « Suivi » section (escaped, offline)."""
import datetime as dt
import re

import pandas as pd

from nrdash import compare as cp
from nrdash import suivi as sv
from nrdash.filters import Filters
from nrdash.report import SUIVI_SECTION, ReportInput, build_report
from tests.test_compare import actor, census

L = {n: cp.ref.level_label(n) for n in range(4)}


def pair():
    a = census([actor("Vélo <b>Solidaire</b>", 1), actor("Mairie", 2, type_="Commune"), actor("Garage", 0),
                actor("Imprimerie", 1)], "a.xlsx")
    b = census([actor("Vélo <b>Solidaire</b>", 2), actor("Mairie", 2, type_="Commune"), actor("Imprimerie", None),
                actor("Roue Libre", 3)], "b.xlsx")
    return cp.compare(a, b)


def test_transition_table_and_figure_have_nouveau_and_sorti():
    m = cp.level_transitions(pair())
    t = sv.transition_table(m)
    assert list(t.index) == ["Nouveau", L[0], L[1], L[2], L[3], "Non renseigné"]
    assert list(t.columns) == [L[0], L[1], L[2], L[3], "Non renseigné", "Sorti"]
    assert t.loc[L[1], L[2]] == 1 and t.loc[L[2], L[2]] == 1 and t.loc[L[0], "Sorti"] == 1
    assert t.loc["Nouveau", L[3]] == 1 and t.loc[L[1], "Non renseigné"] == 1 and int(t.to_numpy().sum()) == 5
    fig = sv.transitions_figure(m, "V1", "V2")
    heat = fig.data[0]
    assert heat.type == "heatmap" and [list(r) for r in heat.customdata] == t.to_numpy().tolist()
    # the diagonal (kept their level) is not coloured: the changes carry the colour scale, by share of their row
    # (issue 25: was the count; one of the two actors at level 1 moved to level 2)
    assert heat.z[3][2] is None and heat.z[2][2] == 0.5 and heat.zmax == 1
    assert fig.layout.title.text == "Transitions de niveau : V1 (lignes) → V2 (colonnes)"
    # without any unknown level, no « Non renseigné » row or column
    clean = {1: {2: 3}, cp.NEW: {0: 1}}
    assert "Non renseigné" not in sv.transition_table(clean).columns
    assert sv.transitions_summary(clean) == (f"3 acteurs sont passés de « {L[1]} » à « {L[2]} »; 1 nouvel acteur au "
                                             f"niveau « {L[0]} ».")
    assert sv.transitions_summary({}) == "Aucun acteur dans cette comparaison."


def test_lists_name_the_actors_and_their_changes():
    cmp = pair()
    assert sv.actors_list(cmp.b, cmp.new)["Nom"].tolist() == ["Roue Libre"]
    assert sv.actors_list(cmp.a, cmp.gone)[["Nom", "Niveau"]].values.tolist() == [["Garage", L[0]]]
    ch = sv.changed_list(cmp)
    assert ch["Nom"].tolist() == ["Vélo <b>Solidaire</b>", "Imprimerie"]
    assert ch["Champs modifiés"].tolist()[0].startswith("Niveau d'engagement estimé")
    opts = sv.pairing_options(cmp, "a", cmp.gone)
    assert opts == [("nom:garage|rochelle", "Garage — La Rochelle (ligne 4)")]


def points(*values):
    return [sv.VersionPoint(n + 1, dt.date(2026, 1, 1) + dt.timedelta(days=100 * n), v) for n, v in enumerate(values)]


def test_objective_progress_against_the_straight_path():
    obj = cp.Objective("engaged_actors", 30, dt.date(2026, 12, 31), dt.date(2026, 1, 1), 10)
    # day 200 of 364: the path expects 10 + 20 * 200/364 = 21.0
    assert sv.objective_progress(obj, points(10, 12, 25), dt.date(2026, 8, 1)).status == cp.AHEAD
    behind = sv.objective_progress(obj, points(10, 12, 18), dt.date(2026, 8, 1))
    assert behind.status == cp.BEHIND and round(behind.expected, 2) == 20.99 and behind.value == 18
    # a version published after « today » does not count yet
    assert sv.objective_progress(obj, points(10, 12, 30), dt.date(2026, 5, 1)).value == 12
    # two versions of one day: the later number wins
    same = [sv.VersionPoint(1, dt.date(2026, 1, 1), 10), sv.VersionPoint(2, dt.date(2026, 1, 1), 31)]
    assert sv.objective_progress(obj, same, dt.date(2026, 2, 1)).status == cp.REACHED
    fig = sv.objective_figure(obj, points(10, 12, 18))
    assert list(fig.data[0].y) == [10, 12, 18] and list(fig.data[1].y) == [30, 30]
    assert list(fig.data[2].x) == ["2026-01-01", "2026-12-31"] and list(fig.data[2].y) == [10, 30]


def test_indicator_series_over_versions():
    a, b = pair().a, pair().b
    ca = census([actor("X", 2), actor("Y", 3), actor("Z", 1)])
    cb = census([actor("X", 2)])
    obj = cp.Objective("engaged_actors", 5, dt.date(2027, 1, 1), dt.date(2026, 1, 1), 2)
    series = sv.indicator_series([(1, dt.date(2026, 1, 1), ca), (2, dt.date(2026, 6, 1), cb)], obj)
    assert [(p.number, p.value) for p in series] == [(1, 2.0), (2, 1.0)]
    assert len(a) and len(b)


def test_freshness_line_and_list():
    c = census([actor("Vieux", updated=dt.datetime(2020, 1, 1)), actor("Récent", updated=dt.datetime(2026, 10, 1)),
                actor("Sans date")])
    fresh = cp.freshness(c.actors, dt.date(2026, 11, 29), 12)
    assert sv.freshness_line(fresh) == "1 acteur : actualisation conseillée (non mis à jour depuis plus de 12 mois)."
    assert sv.stale_list(fresh).values.tolist() == [[2, "Vieux", "La Rochelle", "01/01/2020"]]
    none = cp.freshness(c.actors, dt.date(2020, 6, 1), 12)
    assert sv.freshness_line(none) == ("Aucun acteur à actualiser : tous ont été mis à jour depuis moins de 12 mois "
                                       "(hors 1 sans date).")


def test_report_suivi_section_is_escaped_and_offline(sample_census):
    cmp = pair()
    obj = cp.Objective("engaged_actors", 30, dt.date(2026, 12, 31), dt.date(2026, 1, 1), 10,
                       note="<img src=x onerror=alert(1)>")
    view = sv.ObjectiveView(obj, points(10, 12, 18), sv.objective_progress(obj, points(10, 12, 18),
                                                                          dt.date(2026, 8, 1)), 1, 7)
    report = sv.suivi_report(cmp, Filters(levels=(2,)), [view])
    assert report.summary == "Entre « a.xlsx » et « b.xlsx » : 0 nouvel acteur, 0 sorti, 1 modifié, 1 inchangé."
    assert report.note == cp.TRANSITIONS_IGNORE_LEVEL and report.transitions[0] == {cp.GONE: 1}
    html = build_report(ReportInput(sample_census, sample_census.actors, sample_census.actions, "aucun filtre",
                                    suivi=report))
    section = html[html.index(f"<section id='{SUIVI_SECTION}'>"):html.index("<section id='provenance'>")]
    assert "Acteurs de niveau ≥ 2 : 18 acteurs au 20/07/2026 pour une cible de 30 acteurs au 31/12/2026 — en retard" \
        in section
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in section
    assert "Vélo <b>" not in html
    assert "1 acteur est passé de « 1 — Sensibilisé au NR » à « 2 — Acteur du NR »" in section
    assert html.count("plotly.js v") == 1
    assert re.findall(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=", html, re.I) == []
    empty = build_report(ReportInput(sample_census, sample_census.actors, sample_census.actions, "aucun filtre",
                                     suivi=sv.suivi_report(None, Filters(), [], "Une seule version publiée.")))
    assert "Aucun objectif n'est fixé pour ce territoire." in empty and "Une seule version publiée." in empty
    assert f"<section id='{SUIVI_SECTION}'>" not in build_report(
        ReportInput(sample_census, sample_census.actors, sample_census.actions, "aucun filtre"))
    assert isinstance(sv.engagement_table(cp.engagement_progress(cmp, "family"), "family"), pd.DataFrame)


def test_engagement_table_progress_is_a_number():
    """A signed text (« +4 ») would be written « '+4 » by the spreadsheet-safe tables: the change is a number."""
    t = sv.engagement_table(cp.engagement_progress(pair(), "family"), "family")
    assert t["Évolution (points)"].tolist() == [0, 100]  # Entreprises: 0 of 3 engaged -> 2 of 2 known levels
    assert t["Part ≥ 2 (B)"].tolist() == ["100 %", "100 %"]
    assert t.columns[0] == "Famille"


def test_two_versions_without_a_common_actor_list_no_change():
    # Nothing paired: the empty pair table must still be filtered as rows (pandas reads an empty object mask as a
    # list of columns, which made the page fail on the missing column).
    cmp = cp.compare(census([actor("Garage")]), census([actor("Roue Libre")]))
    assert len(cmp.pairs) == 0 and list(cmp.changed.columns) == list(cmp.pairs.columns)
    assert sv.changed_list(cmp).empty and list(cmp.unchanged.columns) == list(cmp.pairs.columns)
    assert sv.actors_list(cmp.b, cmp.new)["Nom"].tolist() == ["Roue Libre"]
