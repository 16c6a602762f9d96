import io

import pandas as pd
from openpyxl import load_workbook

from nrdash import referential as ref
from nrdash.census import load_census
from nrdash.template import build_workbook, census_to_xlsx
from tests.conftest import actors_sheet


def test_template_has_sheets_and_dropdowns_for_every_closed_list():
    wb = build_workbook()
    assert wb.sheetnames[:4] == [ref.INSTRUCTIONS_SHEET, ref.ACTORS_SHEET, ref.ACTIONS_SHEET, ref.TERRITORY_SHEET]
    ws = wb[ref.ACTORS_SHEET]
    headers = [c.value.rstrip(" *") for c in ws[1]]
    assert headers == [c.header for c in ref.ACTOR_COLUMNS]
    cols = {str(dv.sqref).split(":")[0].rstrip("0123456789") for dv in ws.data_validations.dataValidation}
    letter = {c.field: ws.cell(row=1, column=i + 1).column_letter for i, c in enumerate(ref.ACTOR_COLUMNS)}
    for field in ("family", "type", "is_local", "action_types", "dimensions", "level", "circle", "source"):
        assert letter[field] in cols, field
    wa = wb[ref.ACTIONS_SHEET]
    assert len(wa.data_validations.dataValidation) == 4
    lists = wb["Listes"]
    assert lists.sheet_state == "hidden"
    assert [c.value for c in lists["A"][1:5]] == list(ref.FAMILIES)


def test_sample_round_trip_gives_same_census(sample_census):
    again = load_census(census_to_xlsx(sample_census, with_contacts=True), "rt.xlsx")
    assert again.issues == []
    cols = [c for c in sample_census.actors.columns if c != "row"]
    pd.testing.assert_frame_equal(again.actors[cols], sample_census.actors[cols])
    pd.testing.assert_frame_equal(again.actions, sample_census.actions)
    assert again.territory == sample_census.territory


def test_export_without_contacts_leaves_personal_data_out(sample_census):
    data = census_to_xlsx(sample_census, with_contacts=False)
    wb = load_workbook(io.BytesIO(data))
    text = " ".join(str(c.value) for row in wb[ref.ACTORS_SHEET].iter_rows() for c in row if c.value)
    assert "@example.org" not in text and "Référent" not in text


def test_formula_like_strings_written_as_text():
    c = load_census(actors_sheet([["=HYPERLINK(\"http://x\")", "PME", 1]]), "t.xlsx")
    wb = load_workbook(io.BytesIO(census_to_xlsx(c)))
    cell = wb[ref.ACTORS_SHEET]["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
