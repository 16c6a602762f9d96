"""Reading the Suivi page on a projector (issue 25): the transitions coloured by share of their row (one actor in
a row of 47 is pale, not black), labels short enough not to overlap at 1280 px, the lists opening where something
changed, no internal key shown."""
from __future__ import annotations

from nrdash import compare as cp
from nrdash import referential as ref
from nrdash import suivi as sv
from nrdash.charts import count_fill


def test_one_actor_in_a_row_of_47_is_pale_and_its_count_written():
    m = {0: {0: 46, 3: 1}, 1: {1: 44}, 2: {2: 40, 3: 6}, cp.NEW: {2: 2}}
    fig = sv.transitions_figure(m)
    heat, text = fig.data[0], fig.data[1]
    assert heat.zmin == 0 and heat.zmax == 1
    row0 = [r.replace("<br>", " ") for r in heat.y].index(ref.level_label(0))
    col3 = [c.replace("<br>", " ") for c in heat.x].index(ref.level_label(3))
    assert abs(heat.z[row0][col3] - 1 / 47) < 1e-9  # the share of the row, not the count
    assert heat.z[row0][0] is None and heat.z[row0][1] is None  # the diagonal and empty cells stay white
    assert count_fill(heat.z[row0][col3], 1) > "#d0"  # a pale cell: 1 of 47
    new_row = [r.replace("<br>", " ") for r in heat.y].index("Nouveau")
    col2 = [c.replace("<br>", " ") for c in heat.x].index(ref.level_label(2))
    assert heat.z[new_row][col2] == 1.0  # both new actors at level 2: the whole row
    written = dict(zip(zip(text.x, text.y), text.text))
    assert written[(heat.x[col3], heat.y[row0])] == "1"  # the count is written on the cell
    assert heat.customdata[row0][col3] == 1 and heat.text[row0][col3] == "2 %"  # the hover: count and share


def test_column_labels_wrap_short_enough_for_1280_px():
    fig = sv.transitions_figure({0: {1: 1}})
    longest = max(len(line) for label in fig.data[0].x for line in label.split("<br>"))
    assert longest <= 11, fig.data[0].x


def test_the_changed_list_shows_no_internal_pairing_key():
    from tests.test_suivi import pair

    table = sv.changed_list(pair())
    assert "Appariement" not in table.columns
    assert not any(v in str(table.to_numpy().tolist()) for v in (cp.NAME, cp.SIRET, cp.MANUAL + "'"))


def test_the_lists_open_where_something_changed():
    assert sv.first_changed_tab(0, 0, 1) == 2 and sv.first_changed_tab(0, 3, 1) == 1
    assert sv.first_changed_tab(2, 0, 0) == 0 and sv.first_changed_tab(0, 0, 0) == 0
