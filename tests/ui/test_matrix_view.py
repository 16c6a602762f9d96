"""The plan is not an actor attribute (issue 13): a family filter narrows which targets the matrix shows, never turns
a covered cell into a gap, and every number on the Matrice page (sentence, gaps, toggle, table) agrees."""
import re

import pytest

from nrdash import referential as ref
from nrdash.filters import Filters
from nrdash.matrix import (actions_toggle_label, filter_actions, gaps_label, plan_counts, plan_summary, plan_view,
                           scope_note, shown_targets)
from nrdash.ui import FILTER_KEYS
from tests.ui.test_app import app, chart_summaries, figures


def test_shown_targets_follow_the_family_filter():
    assert shown_targets(Filters()) == ref.TARGETS
    assert shown_targets(Filters(families=(ref.COMPANIES,))) == ("Entreprises",)
    assert shown_targets(Filters(families=(ref.CITIZENS, ref.PUBLIC))) == ("Institutions publiques", "Citoyens")
    assert shown_targets(Filters(levels=(3,), communes=("Aytré",))) == ref.TARGETS  # actor attributes only


@pytest.mark.parametrize("family", ref.FAMILIES)
def test_a_family_filter_never_turns_a_covered_cell_into_a_gap(family, sample_census):
    full = plan_counts(sample_census.actions)
    f = Filters(families=(family,))
    view = plan_view(filter_actions(sample_census.actions, f), f)
    assert list(view.counts.columns) == [ref.TARGET_OF_FAMILY[family]]
    for target in view.targets:
        assert view.counts[target].tolist() == full[target].tolist()  # same counts as in the whole plan
    assert len(view.gaps) == int((view.counts.to_numpy() == 0).sum())
    target = ref.TARGET_OF_FAMILY[family]
    concerned = sum(target in (ts or ()) for ts in sample_census.actions["targets"])
    assert len(view.actions) == concerned
    assert f"; {concerned} action" in plan_summary(view)
    assert actions_toggle_label(view) == (f"Voir les {concerned} actions du plan" if concerned > 1
                                          else "Voir l'action du plan")
    assert scope_note(view).startswith("Filtre de famille : la matrice montre seulement la cible")


def test_other_actor_filters_leave_the_plan_alone(sample_census):
    f = Filters(levels=(3,), circles=(1,))
    view = plan_view(filter_actions(sample_census.actions, f), f)
    assert view.counts.equals(plan_counts(sample_census.actions))
    assert len(view.actions) == len(sample_census.actions) and scope_note(view) is None


def test_sentences_agree_and_speak_french(sample_census):
    view = plan_view(sample_census.actions, Filters())
    s = plan_summary(view)
    assert s.startswith(f"{view.covered} cases sur 16 ont au moins une action prévue ; "
                        f"{len(sample_census.actions)} actions prévues concernent le plan.")
    assert f"{len(view.gaps)} lacunes : " in s
    assert gaps_label(view) == f"{len(view.gaps)} lacunes et les exemples d'actions du kit pour les combler"
    one = plan_view(sample_census.actions.iloc[:1], Filters())
    assert "1 action prévue concerne le plan" in plan_summary(one)
    assert actions_toggle_label(one) == "Voir l'action du plan"


def _number(text: str, pattern: str) -> int:
    m = re.search(pattern, text)
    assert m, (pattern, text)
    return int(m.group(1))


@pytest.mark.parametrize("family", [None, *ref.FAMILIES])
def test_matrice_page_numbers_agree(family, sample_census):
    full = plan_counts(sample_census.actions)
    at = app()
    at.switch_page("pages/matrice.py").run()
    if family:
        at.multiselect(key=FILTER_KEYS["families"]).set_value([family]).run()
    assert not at.exception
    heat = figures(at)[0]["data"][0]
    columns = [re.sub(r"<br>\(.*", "", x).replace("<br>", " ") for x in heat["x"]]
    expected_columns = [ref.TARGET_OF_FAMILY[family]] if family else list(ref.TARGETS)
    assert columns == expected_columns
    for j, axis in enumerate(ref.AXES):  # no covered cell shown as a gap, and the same counts as the whole plan
        for i, target in enumerate(columns):
            assert heat["z"][j][i] == full.loc[axis, target]
            assert (heat["text"][j][i] == "lacune") == (full.loc[axis, target] == 0)
    gaps_shown = sum(t == "lacune" for row in heat["text"] for t in row)

    sentence = next(s for s in chart_summaries(at) if "cases sur" in s)  # the heatmap's sentence, under it
    assert _number(sentence, r"(\d+) cases sur") == sum(v > 0 for row in heat["z"] for v in row)
    assert _number(sentence, r"cases sur (\d+)") == len(heat["z"]) * len(heat["z"][0])
    said_actions = _number(sentence, r"; (\d+) actions? prévues?")
    if gaps_shown:
        assert _number(sentence, r"(\d+) lacunes? :") == gaps_shown
        assert _number(at.expander[0].label, r"^(\d+) lacunes?") == gaps_shown
    else:
        assert "lacune" not in sentence and not [e for e in at.expander if "lacune" in e.label]

    toggle = at.toggle(key="plan_actions")
    toggled = 1 if toggle.label == "Voir l'action du plan" else _number(toggle.label, r"Voir les (\d+) actions")
    assert toggled == said_actions
    toggle.set_value(True).run()
    assert len(at.dataframe[0].value) == said_actions
    concerned = sum(bool(set(columns) & set(ts or ())) for ts in sample_census.actions["targets"])
    assert said_actions == (concerned if family else len(sample_census.actions))
    if family:
        assert any(c.value.startswith("Filtre de famille") for c in at.caption)


def test_home_counts_the_cells_the_matrix_shows(sample_census):
    from tests.ui.test_app import metric

    at = app()
    at.multiselect(key=FILTER_KEYS["families"]).set_value([ref.COMPANIES]).run()
    full = plan_counts(sample_census.actions)["Entreprises"]
    assert metric(at, "Cases de la matrice couvertes") == f"{int((full > 0).sum())} / {len(ref.AXES)}"
