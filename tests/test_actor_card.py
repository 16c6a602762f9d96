"""The editor's actor card (issue 25): one actor's level, circle, commune… changed in a few clicks, what changed
said, the grid's key columns in sight (pure part: nrdash.editing)."""
from __future__ import annotations

from nrdash import referential as ref
from nrdash.editing import LINE_COLUMN, PROBLEM_COLUMN, actor_label, card_update, grid_view, revalidate, to_edit_frame

H = ref.HEADER_OF


def test_the_grid_shows_the_kit_key_columns_right_after_the_name(sample_census):
    view = grid_view(to_edit_frame(sample_census.actors), {})
    assert list(view.columns[:8]) == [LINE_COLUMN, H["name"], PROBLEM_COLUMN, H["level"], H["circle"], H["commune"],
                                      H["type"], H["family"]]
    assert set(view.columns) == {LINE_COLUMN, PROBLEM_COLUMN, *[c.header for c in ref.ACTOR_COLUMNS]}


def test_a_card_changes_one_row_and_says_what_changed(sample_census):
    frame = to_edit_frame(sample_census.actors)
    assert actor_label(frame, 2) == f"Ligne 2 — {frame.loc[0, H['name']]} ({frame.loc[0, H['commune']]})"
    old_level = frame.loc[3, H["level"]]
    new_level, number = ("0 - Non impliqué", 0) if old_level.startswith("3") else ("3 - Leader du NR", 3)
    circle = "2" if frame.loc[3, H["circle"]] == "1" else "1"
    out, said = card_update(frame, 5, {"level": new_level, "circle": circle, "name": frame.loc[3, H["name"]]})
    assert said == [f"{H['level']} : {old_level} → {new_level}",
                    f"{H['circle']} : {frame.loc[3, H['circle']] or 'vide'} → {circle}"]
    assert out.drop(index=3).equals(frame.drop(index=3)) and not frame.equals(out)  # only that row, a copy
    census = revalidate(out, sample_census)
    assert census.actors["level"].iat[3] == number and census.actors["circle"].iat[3] == int(circle)
    assert card_update(frame, 5, {"level": old_level})[1] == []  # nothing changed, nothing said


def test_a_new_commune_clears_what_placed_the_actor_in_the_old_one(sample_census):
    frame = to_edit_frame(sample_census.actors)
    frame.loc[0, [H["commune"], H["insee"], H["postcode"], H["lat"], H["lon"]]] = ["La Rochelle", "17300", "17000",
                                                                               "46,16", "-1,15"]
    out, said = card_update(frame, 2, {"commune": "Aytré"}, insee="17028")
    row = out.loc[0]
    assert (row[H["commune"]], row[H["insee"]], row[H["postcode"]], row[H["lat"]], row[H["lon"]]) == (
        "Aytré", "17028", "", "", "")
    assert said[1] == ("Code postal, Latitude, Longitude effacés (l'acteur est placé d'après sa nouvelle commune)")
    out, said = card_update(frame, 2, {"commune": "Commune tapée"})  # not from the list: no INSEE code kept
    assert out.loc[0, H["insee"]] == "" and said[1].startswith("Code INSEE, Code postal, Latitude, Longitude effacés")


def test_the_card_changes_one_level_in_the_app_and_applies_it():
    from streamlit.testing.v1 import AppTest

    from nrdash.ui import source
    from tests.mdtext import displayed
    from tests.ui.test_app import APP, assert_clean

    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/recensement.py").run()
    at.toggle(key="edit_mode").set_value(True).run()
    frame = at.session_state["edit_base"]
    old = frame.loc[3, H["level"]]
    new = "0 - Non impliqué" if old.startswith("3") else "3 - Leader du NR"
    at.selectbox(key="edit_card_pick").set_value(5).run()
    at.button(key="edit_card_open").click().run()
    assert_clean(at)
    level = at.radio(key="edit_card_level")
    assert level.value == old and at.text_input(key="edit_card_name").value == frame.loc[3, H["name"]]
    level.set_value(new)
    at.button(key="edit_card_apply").click().run()
    assert_clean(at)
    assert not at.get("radio") or all(r.key != "edit_card_level" for r in at.radio)  # the card closed
    [done] = [displayed(s.value) for s in at.success if "Appliqué au tableau de bord" in displayed(s.value)]
    assert f"{H['level']} : {old} → {new}" in done and frame.loc[3, H["name"]] in done
    grid = at.data_editor[0].value  # the row changed, alone, its level among the first columns: in sight
    assert grid[LINE_COLUMN].tolist() == [5] and grid.loc[0, H["level"]] == new
    assert list(grid.columns).index(H["level"]) <= 3
    assert any("ligne 5 seulement (modifiée par sa fiche)" in c.value for c in at.caption)
    shown = at.session_state[source.DATASET_KEY].census.actors  # the dashboard shows it
    assert int(shown.loc[shown["row"] == 5, "level"].iat[0]) == int(new[0])
    at.button(key="edit_goto_all").click().run()
    assert len(at.data_editor[0].value) == 150
    at.button[[b.label for b in at.button].index("Annuler la dernière modification")].click().run()
    assert at.session_state["edit_base"].loc[3, H["level"]] == old  # undone like any edit
