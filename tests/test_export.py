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
        "Nom de l'acteur": "Atelier du réemploi", "Famille d'acteurs": ref.ASSOCIATIONS, "Type d'acteur": "Associations du NR",
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
