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
