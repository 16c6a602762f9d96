import pandas as pd

from nrdash import referential as ref
from nrdash.editing import push, revalidate, to_edit_frame


def test_unedited_table_gives_back_the_same_census(sample_census):
    frame = to_edit_frame(sample_census.actors)
    assert list(frame.columns) == [c.header for c in ref.ACTOR_COLUMNS]
    again = revalidate(frame, sample_census)
    cols = [c for c in sample_census.actors.columns if c != "row"]
    pd.testing.assert_frame_equal(again.actors[cols], sample_census.actors[cols])
    assert again.issues == [] and again.actions.equals(sample_census.actions)
    assert again.file_name == "recensement-exemple-corrige"


def test_edit_add_delete_and_revalidation_points_to_the_row(sample_census):
    frame = to_edit_frame(sample_census.actors)
    level = "Niveau d'engagement estimé"
    frame.loc[0, level] = "3 - Leader du NR"  # edit
    frame.loc[4, level] = "beaucoup"  # an error, on the 5th actor: Excel row 6
    frame = frame.drop(index=1).reset_index(drop=True)  # delete the 2nd actor
    new = {c: "" for c in frame.columns} | {"Nom de l'acteur": "Nouvel acteur", "Type d'acteur": "PME", level: "1"}
    frame = pd.concat([frame, pd.DataFrame([new])], ignore_index=True)  # add
    census = revalidate(frame, sample_census)
    assert len(census.actors) == len(sample_census.actors)
    assert census.actors["level"].iat[0] == 3
    assert census.actors["name"].iat[-1] == "Nouvel acteur" and census.actors["family"].iat[-1] == ref.COMPANIES
    errors = census.errors
    assert len(errors) == 1 and errors[0].row == 5 and errors[0].column == level and errors[0].sheet == "Acteurs"
    assert census.actors["has_error"].sum() == 1


def test_history_is_bounded():
    history = []
    for i in range(30):
        history = push(history, pd.DataFrame({"x": [i]}))
    assert len(history) == 20 and history[-1]["x"].iat[0] == 29


def test_full_census_edits_and_corrected_workbook_round_trip(full_census):
    from nrdash.census import load_census
    from nrdash.template import census_to_xlsx
    from tests.conftest import census_differences

    again = revalidate(to_edit_frame(full_census.actors), full_census)
    assert census_differences(full_census, again) == []
    corrected = load_census(census_to_xlsx(again, with_contacts=True), f"{again.file_name}.xlsx")
    assert census_differences(full_census, corrected) == []
    assert corrected.territory == full_census.territory


def test_unreadable_cells_are_kept_as_typed_in_the_editor_and_exports():
    """A level « 7 » or a date « bientôt » is reported, and shown and written back as typed (never blanked)."""
    from nrdash.census import load_census
    from nrdash.export import census_csv
    from tests.conftest import actors_sheet

    header = ["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé", "Date de mise à jour", "Code INSEE"]
    census = load_census(actors_sheet([["A", "PME", 7, "bientôt", "17X00"], ["B", "PME", 2, None, "17300"]], header),
                         "x.xlsx")
    assert census.actors["level"].isna().tolist() == [True, False]
    frame = to_edit_frame(census.actors)
    assert frame.loc[0, "Niveau d'engagement estimé"] == "7"
    assert frame.loc[0, "Date de mise à jour"] == "bientôt" and frame.loc[0, "Code INSEE"] == "17X00"
    assert frame.loc[1, "Date de mise à jour"] in (None, "")
    again = revalidate(frame, census)  # the errors are still there, on the same row, until corrected
    assert {(i.row, i.column) for i in again.errors} >= {(2, "Niveau d'engagement estimé")}
    text = census_csv(census.actors).decode("utf-8-sig")
    assert ";7;" in text or ";7\n" in text or "bientôt" in text


def test_a_corrected_name_has_one_suffix_however_often_it_is_corrected():
    from nrdash.editing import corrected_file_name, corrected_name

    assert corrected_file_name("recensement-exemple.xlsx") == "recensement-exemple-corrige.xlsx"
    assert corrected_file_name(corrected_name("recensement-exemple.xlsx")) == "recensement-exemple-corrige.xlsx"
    assert corrected_file_name("recensement-exemple-corrige-corrige.xlsx") == "recensement-exemple-corrige.xlsx"
    assert corrected_name("agglo.v2.ods") == "agglo.v2-corrige"
    assert corrected_file_name(corrected_name("agglo.v2.ods")) == "agglo.v2-corrige.xlsx"  # the dot is not an extension
