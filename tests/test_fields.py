import datetime as dt

import pytest

from nrdash import fields as fx
from nrdash import referential as ref


@pytest.mark.parametrize("raw,expected", [
    (2, 2), (2.0, 2), ("2", 2), ("2.0", 2), ("2,0", 2), ("Niveau 2", 2), ("niveau 2", 2), ("N2", 2), ("n 2", 2),
    ("2 - Acteur du NR", 2), ("2 – Acteur du NR", 2), ("Acteur du NR", 2), ("acteur", 2), ("LEADER", 3),
    ("Leader du NR", 3), ("0", 0), ("Non impliqué", 0), ("non implique", 0), ("1 Sensibilisé au NR", 1),
    ("Sensibilisé", 1), ("  Niveau 3 : Leader du NR ", 3), (0, 0), (3.0, 3),
])
def test_level_written_many_ways(raw, expected):
    assert fx.parse_level(raw) == (expected, None)


@pytest.mark.parametrize("raw", ["4", 4, 2.5, "Niveau 5", "expert", "2 - Leader du NR", "-1", True])
def test_level_errors_are_never_defaulted(raw):
    value, problem = fx.parse_level(raw)
    assert value is None
    assert problem[0] == "error" and "Valeurs attendues" in problem[1]


def test_level_missing_is_an_error():
    assert fx.parse_level(None)[1][0] == "error"
    assert fx.parse_level("  ")[1][0] == "error"


@pytest.mark.parametrize("raw,expected", [
    (1053, "01053"), (1053.0, "01053"), ("1053", "01053"), ("17300", "17300"), ("2a004", "2A004"),
    ("2B033", "2B033"), ("97411", "97411"), (" 17 300 ", "17300"),
])
def test_insee_normalised(raw, expected):
    assert fx.parse_insee(raw) == (expected, None)


@pytest.mark.parametrize("raw", ["173", "123456", "2C004", "La Rochelle"])
def test_insee_invalid(raw):
    value, problem = fx.parse_insee(raw)
    assert value is None and problem[0] == "error" and "5 caractères" in problem[1]


@pytest.mark.parametrize("raw,expected", [(1000, "01000"), (17000.0, "17000"), ("17 000", "17000")])
def test_postcode_normalised(raw, expected):
    assert fx.parse_postcode(raw) == (expected, None)


@pytest.mark.parametrize("raw,expected", [
    ("46,1591", 46.1591), ("46.1591", 46.1591), (46.1591, 46.1591), (" -1,15 ", -1.15), ("46,1591°", 46.1591),
])
def test_coordinates_decimal_comma(raw, expected):
    assert fx.parse_coordinate(raw, "lat") == (pytest.approx(expected), None)


def test_coordinates_out_of_range_and_garbage():
    assert fx.parse_coordinate("95", "lat")[1][0] == "error"
    assert fx.parse_coordinate("181", "lon")[1][0] == "error"
    assert "illisible" in fx.parse_coordinate("46°09'N", "lat")[1][1]


def test_split_multi_respects_parentheses():
    cell = "Gestion de la fin de vie du matériel (réemploi, recyclage); Inclusion numérique / Souveraineté\nMesure"
    assert fx.split_multi(cell) == ["Gestion de la fin de vie du matériel (réemploi, recyclage)",
                                    "Inclusion numérique", "Souveraineté", "Mesure"]


def test_categories_either_vocabulary_either_column():
    (types, dims, free), problem = fx.parse_categories(
        "Achat de matériels reconditionnés; Sensibilisation; open source; Mesure", "action_types")
    assert types == ["Achat de matériels reconditionnés", "Utilisation de l'open source et des logiciels libres"]
    assert dims == ["Sensibilisation", "Mesure"]
    assert free == [] and problem is None


def test_categories_long_kit_wording_matches():
    cell = ("Sensibilisation des collaborateurs au Numérique Responsable (écogestes, réduction des volumes "
            "d'impression)")
    (types, dims, free), _ = fx.parse_categories(cell, "action_types")
    assert types == ["Sensibilisation des collaborateurs"] and dims == []


def test_categories_free_text_kept_with_warning():
    (types, dims, free), problem = fx.parse_categories("Jardin partagé; Inclusion", "dimensions")
    assert free == ["Jardin partagé"] and types == ["Inclusion numérique"]
    assert problem[0] == "warning" and "Jardin partagé" in problem[1]


@pytest.mark.parametrize("raw,expected", [("oui", True), ("Non", False), ("X", True), (True, True), (0, False),
                                          ("OUI ", True)])
def test_yes_no(raw, expected):
    assert fx.parse_yes_no(raw) == (expected, None)


def test_yes_no_unknown_is_error():
    assert fx.parse_yes_no("peut-être")[1][0] == "error"


@pytest.mark.parametrize("raw,expected", [(1, 1), ("2", 2), ("Cercle 3", 3), ("C1", 1), (2.0, 2)])
def test_circle(raw, expected):
    assert fx.parse_circle(raw) == (expected, None)


def test_circle_unknown():
    assert fx.parse_circle("4")[1][0] == "error"


def test_targets_and_axis():
    assert fx.parse_targets("Toutes") == (list(ref.TARGETS), None)
    assert fx.parse_targets("citoyens; Entreprise") == (["Entreprises", "Citoyens"], None)
    assert fx.parse_targets("Martiens")[1][0] == "error"
    assert fx.parse_axis("Connaitre")[0] == ref.AXES[0]
    assert fx.parse_axis("sensibiliser")[0] == ref.AXES[1]
    assert fx.parse_axis("Soutenir un numérique plus sobre et responsable")[0] == ref.AXES[2]
    assert fx.parse_axis("Autre")[1][0] == "error"


def test_dates():
    assert fx.parse_date("15/03/2026") == (dt.date(2026, 3, 15), None)
    assert fx.parse_date(dt.datetime(2026, 3, 15, 10)) == (dt.date(2026, 3, 15), None)
    assert fx.parse_date(46096) == (dt.date(2026, 3, 15), None)
    assert fx.parse_date("bientôt")[1][0] == "warning"


def test_text_numbers_lose_spurious_decimal():
    assert fx.text(17000.0) == "17000"
    assert fx.text("  Atelier   du\u00a0réemploi ") == "Atelier du réemploi"


# ---------------------------------------------------------------------------------------------
# SIRET
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw,expected", [
    ("732 829 320 00074", "73282932000074"),  # spaces
    ("732.829.320.00074", "73282932000074"),  # dots
    ("73282932000074", "73282932000074"),
    (73282932000074, "73282932000074"),  # an int cell
    (73282932000074.0, "73282932000074"),  # Excel's number cell: a float, exact at 14 digits
    (7.3282932000074e13, "73282932000074"),
    ("73282932000074.0", "73282932000074"),  # a number cell written out as text
    ("7,3282932000074E+13", "73282932000074"),  # scientific notation that kept every digit
    ("356 000 000 00048", "35600000000048"),  # La Poste's head office: a Luhn key
    ("35600000000010", "35600000000010"),  # a La Poste establishment: digits sum to 15, Luhn fails
])
def test_siret_valid(raw, expected):
    assert fx.parse_siret(raw) == (expected, None)


def test_la_poste_rule_applies_to_la_poste_only():
    assert not fx.luhn_ok("35600000000010") and sum(map(int, "35600000000010")) % 5 == 0
    assert fx.siret_ok("35600000000010")
    # the same digit sum outside SIREN 356000000 is not a key
    assert not fx.luhn_ok("35700000000010") and sum(map(int, "35700000000010")) % 5 == 1
    assert not fx.siret_ok("35600000000011")  # La Poste, sum 16: neither rule
    body = "4000000010000"
    mult5 = next(body + k for k in "0123456789" if sum(map(int, body + k)) % 5 == 0 and not fx.luhn_ok(body + k))
    assert not fx.siret_ok(mult5)  # a digit sum multiple of 5 is no key outside La Poste


@pytest.mark.parametrize("raw,why", [
    ("73282932000075", "clé de contrôle"),  # one digit wrong
    ("73282932000047", "clé de contrôle"),  # two digits swapped
    ("7328293200007", "14 chiffres attendus"),  # 13 digits typed as text
    ("732829320000745", "14 chiffres attendus"),
    ("SIRET 73282932000074", "14 chiffres attendus"),
    ("3,56E+13", "notation scientifique"),  # digits lost by a number format
    (1.5, "nombre entier"),
    (1e15, "nombre entier"),
])
def test_siret_invalid_is_a_warning_naming_the_value(raw, why):
    value, problem = fx.parse_siret(raw)
    assert value is None
    assert problem[0] == "warning" and why in problem[1] and f"« {fx.text(raw)} »" in problem[1]
    assert "ne sert pas à reconnaître l'acteur" in problem[1]


def test_siret_number_cell_gets_its_leading_zero_back():
    body = "0123456780001"
    siret = next(body + k for k in "0123456789" if fx.luhn_ok(body + k))
    assert fx.parse_siret(float(siret)) == (siret, None)
    assert fx.parse_siret(None) == (None, None) and fx.parse_siret("  ") == (None, None)


def test_census_keeps_an_invalid_siret_as_typed():
    from nrdash.census import load_census
    from tests.conftest import HEADER, actors_sheet

    c = load_census(actors_sheet([["A", "PME", 1, "732 829 320 00074"], ["B", "PME", 1, "732 829 320 00075"],
                                  ["C", "PME", 1, None]], HEADER + ["SIRET"]), "t.xlsx")
    assert c.actors["siret"].tolist() == ["73282932000074", None, None]
    assert c.actors["siret_text"].tolist() == [None, "732 829 320 00075", None]
    assert [(i.severity, i.row, i.column) for i in c.issues] == [("warning", 3, "SIRET")]
    assert not c.actors["has_error"].any()
