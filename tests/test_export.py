import csv
import io

import pandas as pd
import pytest

from nrdash import referential as ref
from nrdash.census import load_census
from nrdash.export import census_csv, neutralise
from nrdash.filters import Filters, apply_filters
from nrdash.template import census_to_xlsx
from tests.conftest import actors_sheet

FORMULAS = ["=HYPERLINK(\"http://evil\",\"x\")", "+33 1 23", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("text", FORMULAS)
def test_neutralise_formula_starts(text):
    assert neutralise(text) == "'" + text


def test_neutralise_leaves_the_rest():
    assert neutralise("Atelier = réemploi") == "Atelier = réemploi"
    assert neutralise(-1.15) == -1.15 and neutralise(None) is None


def read_csv(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_csv_neutralises_hostile_cells():
    header = ["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé", "Description des actions NR identifiées",
              "Longitude", "Latitude"]
    c = load_census(actors_sheet([[f, "PME", 1, f, -1.15, 46.1] for f in FORMULAS], header), "t.xlsx")
    rows = read_csv(census_csv(c.actors))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@", "\t", "\r")) or
                (cell.startswith("-") and not cell.lstrip("-").replace(".", "").isdigit())]
    assert rows[1][0] == "'" + FORMULAS[0] and rows[3][0] == "'-2+3"
    lon = rows[0].index("Longitude")
    assert rows[1][lon] == "-1.15"  # numbers are numbers, not neutralised text


def test_csv_leaves_personal_data_out_unless_asked(sample_census):
    plain = census_csv(sample_census.actors).decode("utf-8")
    assert "@example.org" not in plain and "Référent" not in plain
    full = census_csv(sample_census.actors, with_contacts=True).decode("utf-8")
    assert full.count("@example.org") == len(sample_census.actors)
    rows = read_csv(census_csv(sample_census.actors))
    assert rows[0] == [c.header for c in ref.ACTOR_COLUMNS if not c.personal]
    assert len(rows) == len(sample_census.actors) + 1


def test_filtered_xlsx_round_trip(sample_census):
    f = Filters(families=(ref.COMPANIES,), levels=(2, 3))
    actors = apply_filters(sample_census.actors, f)
    again = load_census(census_to_xlsx(sample_census, True, actors), "export.xlsx")
    cols = [c for c in actors.columns if c != "row"]
    pd.testing.assert_frame_equal(again.actors[cols].reset_index(drop=True), actors[cols].reset_index(drop=True))
    assert again.errors == []  # (planned actions led by actors outside the filter are reported as warnings)


def test_xlsx_round_trip_with_every_column_filled():
    values = {
        "Nom de l'acteur": "Atelier du réemploi", "SIRET": "732 829 320 00074", "Famille d'acteurs": ref.ASSOCIATIONS, "Type d'acteur": "Associations du NR",
        "Local (oui/non)": "non", "Commune": "Aytré", "Code INSEE": "17028", "Code postal": "17440",
        "Adresse": "3 rue du Port", "Latitude": 46.13, "Longitude": -1.11,
        "Type d'action NR": "Gestion de la fin de vie du matériel ; Inclusion numérique", "Dimension NR": "Mesure",
        "Description des actions NR identifiées": "=collecte", "Niveau d'engagement estimé": "3 - Leader du NR",
        "Cercle": 1, "Source d'identification": "Recensement", "Référent": "Camille Martin",
        "Contact": "camille@example.org", "Date de mise à jour": "15/03/2026",
    }
    assert list(values) == [c.header for c in ref.ACTOR_COLUMNS]
    first = load_census(actors_sheet([list(values.values())], list(values)), "t.xlsx")
    assert first.issues == []
    again = load_census(census_to_xlsx(first, with_contacts=True), "rt.xlsx")
    cols = [c for c in first.actors.columns if c != "row"]
    pd.testing.assert_frame_equal(again.actors[cols], first.actors[cols])


# ---------------------------------------------------------------------------------------------
# Round trips: an export loads back as the same census, every column of the template
# ---------------------------------------------------------------------------------------------
from openpyxl import load_workbook  # noqa: E402

from tests.conftest import census_differences, frame_differences  # noqa: E402


def _export(census, fmt, with_contacts):
    if fmt == "xlsx":
        return census_to_xlsx(census, with_contacts)
    return census_csv(census.actors, with_contacts)


def _without_contacts(census):
    from dataclasses import replace
    return replace(census, actors=census.actors.assign(referent=None, contact=None))


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("with_contacts", [True, False])
@pytest.mark.parametrize("which", ["sample_census", "full_census"])
def test_export_reloads_as_the_same_census(which, fmt, with_contacts, request):
    census = request.getfixturevalue(which)
    again = load_census(_export(census, fmt, with_contacts), f"export.{fmt}")
    expected = census if with_contacts else _without_contacts(census)
    assert census_differences(expected, again) == []
    assert [(i.severity, i.row) for i in again.issues if i.severity == "error"] == \
        [(i.severity, i.row) for i in census.issues if i.severity == "error"]


def test_full_census_has_what_the_round_trip_must_carry(full_census):
    """The crafted file really exercises free text, 'Autre' types and a derived circle (else the test above
    would prove little)."""
    a = full_census.actors
    assert a["siret"].tolist() == ["73282932000074", None, "35600000000010", None, None, None]
    assert a["siret_text"].tolist() == [None, "123 456", None, None, "3,56E+13", None]
    assert a["other_categories"].iat[0] == ["Fablab", "Repair café (vélos, couture)", "Cuisine solidaire"]
    assert a["type"].tolist().count(ref.OTHER_TYPE) == 4 and a["type_text"].tolist()[:4] == [
        "Tiers-lieu", None, "Autre", None]
    assert a["has_error"].tolist() == [False, False, False, True, False, False]
    assert a["circle_derived"].any() and not a["circle_derived"].all()
    assert a["is_local"].isna().any() and a["updated"].notna().sum() == 3


def test_xlsx_actions_and_territory_reload_as_they_were(full_census):
    again = load_census(census_to_xlsx(full_census), "export.xlsx")
    assert frame_differences(full_census.actions, again.actions) == []
    assert again.territory == full_census.territory


def _cells(data: bytes, sheet: str, header: str, n: int) -> list:
    """The first n cells under a header (the template formats empty rows below, so max_row says little)."""
    ws = load_workbook(io.BytesIO(data))[sheet]
    col = [c.value.rstrip(" *") for c in ws[1]].index(header) + 1
    return [ws.cell(row=r, column=col).value for r in range(2, n + 2)]


def test_yes_no_written_as_oui_non(full_census):
    data = census_to_xlsx(full_census)
    assert _cells(data, "Acteurs", "Local (oui/non)", 6) == ["oui", "non", None, "oui", None, "oui"]
    assert _cells(data, "Actions", "Gain rapide", 2) == ["oui", "non"]
    rows = read_csv(census_csv(full_census.actors))
    local = rows[0].index("Local (oui/non)")
    assert [r[local] for r in rows[1:]] == ["oui", "non", "", "oui", "", "oui"]


def test_exports_write_free_text_categories_and_types(full_census):
    rows = read_csv(census_csv(full_census.actors))
    kinds = rows[0].index("Type d'acteur"), rows[0].index("Type d'action NR"), rows[0].index("Date de mise à jour")
    assert [rows[1][k] for k in kinds] == [
        "Tiers-lieu", "Inclusion numérique ; Fablab ; Repair café (vélos, couture) ; Cuisine solidaire",
        "29/02/2024"]
    assert _cells(census_to_xlsx(full_census), "Acteurs", "Type d'acteur", 4) == [
        "Tiers-lieu", "Commune", "Autre", None]


# ---------------------------------------------------------------------------------------------
# Characters a .xlsx cannot hold: replaced, counted and said, never a silent failure
# ---------------------------------------------------------------------------------------------
CONTROL_CSV = (
    "Nom de l'acteur;Type d'acteur;Niveau d'engagement estimé;Type d'action NR;Description des actions NR "
    "identifiées;Référent\n"
    "A\x01B;PME;1;\"Inclusion ; Fab\x02lab\";ok;Jean\x03ne\n"
    "Propre;ETI;2;;texte\x0bvertical;\n"
    "Troisième;PME;0;;;\n"
)


@pytest.fixture()
def control_census():
    from dataclasses import replace
    c = load_census(CONTROL_CSV.encode(), "controle.csv")
    actions = pd.DataFrame({"row": [2], "action": ["Réseau\x07"], "axis": [ref.AXES[0]], "targets": [["Citoyens"]],
                            "status": ["Idée"], "lead": [None], "due": [None], "quick_win": [None],
                            "description": [None], "has_error": [False]})
    return replace(c, actions=actions, territory=replace(c.territory, name="Agglo\x1e"))


def test_control_characters_are_in_the_census(control_census):
    assert control_census.actors["name"].iat[0] == "A\x01B"
    assert control_census.actors["other_categories"].iat[0] == ["Fab\x02lab"]


@pytest.mark.parametrize("with_contacts", [True, False])
def test_xlsx_export_replaces_illegal_characters_and_counts_them(control_census, with_contacts):
    from nrdash.template import xlsx_replacements

    data = census_to_xlsx(control_census, with_contacts)
    wb = load_workbook(io.BytesIO(data))
    written = [(ws.title, c.value) for ws in wb for row in ws.iter_rows() for c in row
               if isinstance(c.value, str) and "\ufffd" in c.value]
    expected = {("Acteurs", "A\ufffdB"), ("Acteurs", "Inclusion numérique ; Fab\ufffdlab"),
                ("Acteurs", "texte\ufffdvertical"), ("Actions", "Réseau\ufffd"), ("Territoire", "Agglo\ufffd")}
    if with_contacts:
        expected.add(("Acteurs", "Jean\ufffdne"))
    assert set(written) == expected and len(written) == len(expected)
    report = xlsx_replacements(control_census, with_contacts)
    assert report.cells == len(expected)
    assert ("CSV", 2, "Nom de l'acteur") in report.found and ("Actions", 2, "Action") in report.found
    assert ("CSV", 3, "Description des actions NR identifiées") in report.found
    message = report.message()
    assert message.startswith(f"{len(expected)} cellules contenaient des caractères invisibles")
    assert "« \ufffd »" in message and "colonne « Nom de l'acteur » (ligne 2)" in message
    assert "Jean" not in message  # cell values (personal data) are never quoted
    again = load_census(data, "export.xlsx")
    assert again.actors["name"].tolist() == ["A\ufffdB", "Propre", "Troisième"]
    assert again.territory.name == "Agglo\ufffd"


def test_no_replacement_no_message(sample_census):
    from nrdash.template import xlsx_replacements

    report = xlsx_replacements(sample_census, True)
    assert report.cells == 0 and report.message() is None


def test_csv_export_keeps_control_characters(control_census):
    again = load_census(census_csv(control_census.actors, True), "export.csv")
    assert census_differences(control_census, again) == []


def test_corrected_workbook_replaces_and_reports(control_census):
    from nrdash.editing import corrected_replacements, corrected_workbook, revalidate, to_edit_frame

    corrected = revalidate(to_edit_frame(control_census.actors), control_census)
    data, report = corrected_workbook(corrected), corrected_replacements(corrected)
    assert report.cells == 6  # with the référent: the corrected workbook keeps personal data
    assert load_census(data, "c.xlsx").actors["description"].tolist() == ["ok", "texte\ufffdvertical", None]


def test_census_page_says_what_was_replaced():
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.file_uploader[0].upload("controle.csv", CONTROL_CSV.encode()).run()
    at.switch_page("pages/recensement.py").run()
    assert not at.exception
    said = [w.value for w in at.warning if "caractères invisibles" in w.value]
    # name, categories and description; the référent is not exported unless asked
    assert len(said) == 1 and said[0].startswith("3 cellules")
    assert "colonne « Nom de l'acteur » \\(ligne 2\\)" in said[0]  # (markdown-escaped)
    at.checkbox(key="export_contacts").check().run()
    assert [w.value for w in at.warning if "caractères invisibles" in w.value][0].startswith("4 cellules")
    at.toggle(key="edit_mode").set_value(True).run()
    assert not at.exception
    said = [w.value for w in at.warning if "caractères invisibles" in w.value]
    assert len(said) == 2 and said[0].startswith("Classeur corrigé \\: 4 cellules")  # the corrected workbook too


def test_every_character_openpyxl_refuses_is_replaced_and_counted():
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from nrdash.template import xlsx_replacements

    refused = [chr(i) for i in range(0x3000) if ILLEGAL_CHARACTERS_RE.search(chr(i))]
    assert len(refused) == 29  # 0-31 but tab, line feed, carriage return
    body = "".join(f"{i}A{ch}B;PME;1\n" for i, ch in enumerate(refused[1:]))  # (a NUL byte makes a file binary)
    c = load_census(("Nom de l'acteur;Type d'acteur;Niveau d'engagement estimé\n" + body).encode(), "tous.csv")
    names = c.actors["name"].tolist()
    assert sum(any(ch in n for ch in refused) for n in names) >= 20  # the loader strips some at the ends only
    report = xlsx_replacements(c)
    assert report.cells == sum(any(ch in n for ch in refused) for n in names)
    again = load_census(census_to_xlsx(c), "tous.xlsx")
    assert again.actors["name"].tolist() == [ILLEGAL_CHARACTERS_RE.sub("\ufffd", n) for n in names]
