"""The census editor's grid (issue 13): workbook row numbers, pinned name and problem columns, a reported problem
leads to its row, edits made while filtered apply to the right rows."""
import pandas as pd
from streamlit.testing.v1 import AppTest

from nrdash import referential as ref
from nrdash.editing import (LINE_COLUMN, PROBLEM_COLUMN, grid_view, merge_grid, problems_by_line, revalidate,
                            to_edit_frame)
from nrdash.ui import editor
from tests.ui.test_app import APP, assert_clean

LEVEL = "Niveau d'engagement estimé"
NAME = "Nom de l'acteur"


def test_grid_numbers_rows_as_the_workbook_and_says_what_is_wrong(sample_census):
    frame = to_edit_frame(sample_census.actors)
    frame.loc[4, LEVEL] = "beaucoup"  # the 5th actor: workbook row 6
    problems = problems_by_line(revalidate(frame, sample_census))
    assert list(problems) == [6] and problems[6].startswith(f"Erreur — {LEVEL} : ") and "beaucoup" in problems[6]
    view = grid_view(frame, problems)
    assert list(view.columns[:3]) == [LINE_COLUMN, NAME, PROBLEM_COLUMN]
    assert view[LINE_COLUMN].tolist() == list(range(2, len(frame) + 2))
    assert view.loc[4, PROBLEM_COLUMN] == problems[6] and view.loc[3, PROBLEM_COLUMN] == ""
    one = grid_view(frame, problems, [6])
    assert len(one) == 1 and one.loc[0, NAME] == frame.loc[4, NAME]


def test_edits_made_on_a_filtered_grid_apply_to_the_right_rows(sample_census):
    frame = to_edit_frame(sample_census.actors)
    frame.loc[4, LEVEL] = "beaucoup"
    shown = grid_view(frame, {}, [6])
    shown.loc[0, LEVEL] = "2 - Acteur du NR"  # the fix, typed on the only row shown
    merged = merge_grid(frame, [6], shown)
    assert merged.loc[4, LEVEL] == "2 - Acteur du NR"
    assert merged.drop(index=4).equals(frame.drop(index=4))  # every row not shown untouched
    census = revalidate(merged, sample_census)
    assert census.errors == [] and census.actors["level"].iat[4] == 2
    # A row added while filtered goes at the end; the shown row deleted goes, the others stay.
    added = pd.concat([shown.iloc[:0], pd.DataFrame([{LINE_COLUMN: None, NAME: "Nouveau", "Type d'acteur": "PME",
                                                      LEVEL: "1"}])], ignore_index=True).fillna("")
    added[LINE_COLUMN] = [None]
    merged = merge_grid(frame, [6], added)
    assert len(merged) == len(frame) and merged[NAME].iat[-1] == "Nouveau"
    assert frame.loc[4, NAME] not in merged[NAME].tolist()
    assert merged.loc[3, NAME] == frame.loc[3, NAME] and merged.loc[4, NAME] == frame.loc[5, NAME]
    # The whole grid shown and unedited gives the table back, unchanged.
    assert merge_grid(frame, list(range(2, len(frame) + 2)), grid_view(frame, {})).equals(frame)


def test_editor_columns_row_number_and_name_are_pinned_the_problems_read_only():
    # issue 25: the problems column is no longer pinned (with it, the pinned columns took about 670 of the 790 px
    # of a 1280 px screen), and it is hidden when no row has a problem
    config = editor._editor_config()
    assert config[LINE_COLUMN]["pinned"] is True and config[LINE_COLUMN]["disabled"] is True
    assert config[PROBLEM_COLUMN]["disabled"] is True and not config[PROBLEM_COLUMN].get("pinned")
    assert config[ref.HEADER_OF["name"]]["pinned"] is True
    assert editor._editor_config(problems=False)[PROBLEM_COLUMN] is None


def test_a_reported_problem_filters_the_grid_to_its_row():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/recensement.py").run()
    at.toggle(key="edit_mode").set_value(True).run()
    frame = at.session_state["edit_base"].copy()
    frame.loc[2, LEVEL] = "beaucoup"  # what the grid holds after a wrong level typed on the 3rd actor: row 4
    at.session_state["edit_base"] = frame
    at.session_state["edit_version"] = 1
    at.run()
    assert_clean(at)
    grid = at.data_editor[0].value
    assert grid[LINE_COLUMN].tolist()[:3] == [2, 3, 4] and "beaucoup" in grid.loc[2, PROBLEM_COLUMN]
    goto = at.selectbox(key="edit_goto")
    assert goto.options[1].startswith("Ligne 4 : Erreur")
    goto.set_value(4).run()
    assert_clean(at)
    grid = at.data_editor[0].value
    assert grid[LINE_COLUMN].tolist() == [4] and grid[NAME].iat[0] == frame.loc[2, NAME]
    assert any("Grille filtrée : ligne 4" in c.value for c in at.caption)
    at.button(key="edit_goto_all").click().run()
    assert len(at.data_editor[0].value) == 150
