"""The loader's tolerances and its error reports, each on a small file the test builds itself."""
import datetime as dt

import pytest

from nrdash import referential as ref
from nrdash.census import CensusError, load_census
from tests.conftest import HEADER, actors_sheet, xlsx_bytes

FULL_HEADER = [c.header for c in ref.ACTOR_COLUMNS]


def issues_at(census, row, column=None, severity=None):
    return [i for i in census.issues if i.row == row and (column is None or i.column == column)
            and (severity is None or i.severity == severity)]


def test_sample_loads_with_zero_errors_and_covers_the_kit(sample_census):
    c = sample_census
    a = c.actors
    assert c.errors == [] and c.warnings == []
    assert 140 <= len(a) <= 160
    assert set(a["family"]) == set(ref.FAMILIES)
    assert set(a["type"]) == set(ref.TYPES)
    assert set(a["level"]) == {0, 1, 2, 3}
    assert set(a["circle"]) == {1, 2, 3}
    assert set(a["source"]) == set(ref.SOURCES) - {ref.QUESTIONNAIRE_SOURCE}  # set by the questionnaire only
    assert {t for ts in a["action_types"] for t in ts} == set(ref.ACTION_TYPES)
    assert {d for ds in a["dimensions"] for d in ds} == set(ref.NR_DIMENSIONS)
    assert a["circle_derived"].any() and (~a["circle_derived"]).any()
    assert a["is_local"].eq(False).any()
    assert len(c.actions) == 12 and set(c.actions["axis"]) == set(ref.AXES)
    assert set(c.actions["status"]) == set(ref.STATUSES)
    assert c.territory.epci_siren == "241700434"
    assert a["insee"].str.startswith("17").all()


def test_title_block_instructions_sheet_and_odd_sheet_name():
    data = xlsx_bytes({
        "Lisez-moi": [["Ce classeur recense les acteurs"], ["Nom de l'acteur est obligatoire"]],
        "  ACTEURS ": [["Recensement NR 2026"], ["Agglomération test"], [], HEADER, ["Recyclerie", "Associations du NR", 2]],
    })
    c = load_census(data, "t.xlsx")
    assert c.sheet == "  ACTEURS "
    assert c.actors["row"].tolist() == [5]
    assert c.actors["family"].tolist() == [ref.ASSOCIATIONS]


def test_data_sheet_found_by_headers_when_not_named_acteurs():
    data = xlsx_bytes({"Consignes": [["Remplir l'onglet suivant"]], "Feuil2": [HEADER, ["Mairie", "Commune", 1]]})
    c = load_census(data, "t.xlsx")
    assert c.sheet == "Feuil2" and c.actors["type"].tolist() == ["Commune"]


def test_headers_tolerant_to_apostrophes_case_accents_spaces():
    header = ["NOM DE L’ACTEUR ", "type d'acteur*", "Niveau d’engagement estime", "code insee (5 caractères)",
              " Local (oui / non)"]
    c = load_census(actors_sheet([["Atelier", "PME", "2", 1053, "Non"]], header), "t.xlsx")
    a = c.actors.iloc[0]
    assert (a["name"], a["type"], a["level"], a["insee"], a["is_local"]) == ("Atelier", "PME", 2, "01053", False)
    assert c.issues == []


def test_empty_rows_in_the_middle_keep_excel_row_numbers():
    c = load_census(actors_sheet([["A", "PME", 1], [], [None, None, None], ["B", "ETI", "niveau 4"]]), "t.xlsx")
    assert c.actors["row"].tolist() == [2, 5]
    err = issues_at(c, 5, "Niveau d'engagement estimé", "error")
    assert len(err) == 1 and "niveau 4" in err[0].message and "Valeurs attendues" in err[0].message
    assert c.actors["has_error"].tolist() == [False, True]


def test_numbers_as_text_and_text_as_numbers():
    header = HEADER + ["Code INSEE", "Code postal", "Latitude", "Longitude", "Cercle"]
    c = load_census(actors_sheet([["A", "PME", "3", "1053", 1000, "46,16", "-1,15", "2"]], header), "t.xlsx")
    a = c.actors.iloc[0]
    assert (a["level"], a["insee"], a["postcode"], a["circle"]) == (3, "01053", "01000", 2)
    assert a["lat"] == pytest.approx(46.16) and a["lon"] == pytest.approx(-1.15)
    assert a["placement"] == "coordonnées" and not a["circle_derived"]


def test_family_derived_from_type_and_circle_from_the_kit_rules():
    rows = [["Service info", ref.ADMINISTRATION, 0], ["ADEME", "Partenaire ou financeur", 3],
            ["Startup", "Entreprises du numérique", 2], ["Club", "Autres associations", 1]]
    a = load_census(actors_sheet(rows), "t.xlsx").actors
    assert a["family"].tolist() == [ref.PUBLIC, ref.PUBLIC, ref.COMPANIES, ref.ASSOCIATIONS]
    assert a["circle"].tolist() == [1, 1, 2, 3]
    assert a["circle_derived"].all()


def test_unknown_type_with_family_kept_as_autre_with_warning():
    header = HEADER + ["Famille d'acteurs"]
    c = load_census(actors_sheet([["Coop", "Coopérative", 1, "Entreprises"], ["Club", "Autres", 1, "Associations"]],
                                 header), "t.xlsx")
    assert c.actors["type"].tolist() == [ref.OTHER_TYPE, "Autres associations"]
    w = issues_at(c, 2, "Type d'acteur", "warning")
    assert len(w) == 1 and "Coopérative" in w[0].message and "PME" in w[0].message
    assert c.errors == []


def test_multi_valued_cells_split():
    header = HEADER + ["Type d'action NR", "Dimension NR"]
    c = load_census(actors_sheet([["A", "PME", 2, "Réemploi / Inclusion numérique\nopen source", "Mesure; Achats"]],
                                 header), "t.xlsx")
    a = c.actors.iloc[0]
    assert a["action_types"] == ["Gestion de la fin de vie du matériel", "Utilisation de l'open source et des logiciels libres",
                                 "Inclusion numérique"]
    assert a["dimensions"] == ["Mesure", "Achats"]


# ---- one test per error kind: row number and column in the issue -----------------------------------------
ERROR_CASES = [
    ("missing name", ["", "PME", 1], {}, "Nom de l'acteur", "Nom de l'acteur manquant"),
    ("unknown level", ["A", "PME", "beaucoup"], {}, "Niveau d'engagement estimé", "0, 1, 2 ou 3"),
    ("missing level", ["A", "PME", None], {}, "Niveau d'engagement estimé", "manquant"),
    ("unknown type no family", ["A", "Coopérative", 1], {}, "Type d'acteur", "famille non précisée"),
    ("missing type", ["A", None, 1], {}, "Type d'acteur", "Type d'acteur manquant"),
    ("family mismatch", ["A", "PME", 1], {"Famille d'acteurs": "Citoyens"}, "Famille d'acteurs", "ne correspond pas"),
    ("unknown family", ["A", "PME", 1], {"Famille d'acteurs": "Bidule"}, "Famille d'acteurs", "Bidule"),
    ("bad insee", ["A", "PME", 1], {"Code INSEE": "ABCDE"}, "Code INSEE", "5 caractères"),
    ("bad postcode", ["A", "PME", 1], {"Code postal": "1700"[:3]}, "Code postal", "5 chiffres"),
    ("latitude out of range", ["A", "PME", 1], {"Latitude": 146.2, "Longitude": 1.0}, "Latitude", "hors bornes"),
    ("lat without lon", ["A", "PME", 1], {"Latitude": 46.2, "Longitude": None}, "Longitude", "incomplètes"),
    ("unknown source", ["A", "PME", 1], {"Source d'identification": "Rumeur"}, "Source d'identification", "Recherche"),
    ("unknown circle", ["A", "PME", 1], {"Cercle": "7"}, "Cercle", "1, 2 ou 3"),
    ("bad local", ["A", "PME", 1], {"Local (oui/non)": "bof"}, "Local (oui/non)", "oui"),
]


@pytest.mark.parametrize("label,base,extra,column,fragment", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_each_error_kind_names_row_and_column(label, base, extra, column, fragment):
    header = HEADER + list(extra)
    good = ["Ok", "PME", 1] + [None] * len(extra)
    c = load_census(actors_sheet([good, good[:0] + ["Ok2", "ETI", 2] + [None] * len(extra),
                                  base + list(extra.values())], header), "t.xlsx")
    errs = [i for i in c.errors]
    assert len(errs) == 1, errs
    assert (errs[0].sheet, errs[0].row, errs[0].column) == ("Acteurs", 4, column)
    assert fragment in errs[0].message
    assert c.actors["has_error"].tolist() == [False, False, True]  # the row stays, flagged
    assert len(c.actors) == 3


def test_missing_required_column_reported_once_at_header():
    c = load_census(xlsx_bytes({"Acteurs": [["Nom de l'acteur", "Type d'acteur"], ["A", "PME"], ["B", "ETI"]]}), "t.xlsx")
    errs = c.errors
    assert len(errs) == 1 and errs[0].row == 1 and errs[0].column == "Niveau d'engagement estimé"
    assert "absente" in errs[0].message
    assert c.actors["has_error"].all()


def test_unknown_columns_and_duplicates_are_warnings():
    header = HEADER + ["Commentaire interne", "Commune"]
    c = load_census(actors_sheet([["A", "PME", 1, "x", "Aytré"], ["A", "PME", 2, "y", "Aytré"]], header), "t.xlsx")
    assert [i.column for i in c.warnings if i.row == 1] == ["Commentaire interne"]
    dup = [i for i in c.warnings if i.row == 3]
    assert len(dup) == 1 and "ligne 2" in dup[0].message
    assert c.errors == []


def test_csv_semicolon_cp1252_and_line_numbers():
    text = "Recensement\n\nNom de l'acteur;Type d'acteur;Niveau d'engagement estimé;Latitude;Longitude\n" \
           "Atelier du réemploi;Associations du NR;2;46,15;-1,15\n\nÉlu référent;Élus;niveau 9;;\n"
    c = load_census(text.encode("cp1252"), "r.csv")
    assert c.actors["name"].tolist() == ["Atelier du réemploi", "Élu référent"]
    assert c.actors["row"].tolist() == [4, 6]
    assert c.actors["lat"].iloc[0] == pytest.approx(46.15)
    assert [(i.row, i.column) for i in c.errors] == [(6, "Niveau d'engagement estimé")]


@pytest.mark.parametrize("delim", [",", "\t", ";"])
def test_csv_delimiters_utf8_bom(delim):
    rows = [HEADER + ["Dimension NR"], ["A", "PME", "1", "Mesure"], ["B, et fils", "ETI", "2", "Achats"]]
    import csv
    import io
    buf = io.StringIO()
    csv.writer(buf, delimiter=delim).writerows(rows)
    c = load_census(("\ufeff" + buf.getvalue()).encode("utf-8"), "r.csv")
    assert c.actors["name"].tolist() == ["A", "B, et fils"]
    assert c.actors["dimensions"].tolist() == [["Mesure"], ["Achats"]]


def test_csv_multiline_cell_keeps_line_numbers():
    text = 'Nom de l\'acteur;Type d\'acteur;Niveau d\'engagement estimé\n"Atelier\nsur deux lignes";PME;1\nB;ETI;x\n'
    c = load_census(text.encode(), "r.csv")
    assert c.actors["row"].tolist() == [2, 4]
    assert c.errors[0].row == 4


def test_ods_and_xls_read(tmp_path):
    import pandas as pd
    df = pd.DataFrame([["A", "PME", 2, 1053]], columns=HEADER + ["Code INSEE"])
    ods = tmp_path / "r.ods"
    df.to_excel(ods, sheet_name="Acteurs", index=False, engine="odf")
    c = load_census(ods)
    assert c.actors[["name", "level", "insee"]].values.tolist() == [["A", 2, "01053"]]
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook()
    ws = wb.add_sheet("Acteurs")
    for j, h in enumerate(HEADER + ["Code INSEE"]):
        ws.write(0, j, h)
    for j, v in enumerate(["A", "PME", 2, 1053]):
        ws.write(1, j, v)
    xls = tmp_path / "r.xls"
    wb.save(str(xls))
    c = load_census(xls)
    assert c.actors[["name", "level", "insee"]].values.tolist() == [["A", 2, "01053"]]


def test_actions_and_territory_sheets():
    data = xlsx_bytes({
        "Acteurs": [HEADER, ["Recyclerie", "Associations du NR", 3]],
        "Actions": [["Action", "Axe", "Cibles", "Statut", "Porteur", "Échéance", "Gain rapide"],
                    ["Collecte", "Soutenir", "Entreprises; citoyens", "en cours", "Recyclerie", dt.date(2027, 1, 1), "oui"],
                    ["Mystère", "Rêver", "Martiens", "bientôt", "Inconnu", "jamais", "peut-être"]],
        "Territoire": [["Paramètre", "Valeur"], ["Nom du territoire", "CA test"], ["Code SIREN de l'EPCI", 241700434],
                       ["Inclure les non-résidents (touristes…)", "non"]],
    })
    c = load_census(data, "t.xlsx")
    a = c.actions
    assert a.iloc[0][["axis", "status", "quick_win"]].tolist() == [ref.AXES[2], "En cours", True]
    assert a.iloc[0]["targets"] == ["Entreprises", "Citoyens"]
    assert a.iloc[0]["due"] == dt.date(2027, 1, 1)
    bad = {i.column for i in c.issues if i.sheet == "Actions" and i.row == 3}
    assert bad == {"Axe", "Cibles", "Statut", "Porteur", "Échéance", "Gain rapide"}
    assert a["has_error"].tolist() == [False, True]
    assert (c.territory.name, c.territory.epci_siren, c.territory.include_non_residents) == ("CA test", "241700434", False)
    assert c.territory.include_nonlocal_companies is True


def test_table_less_workbook_is_unusable():
    with pytest.raises(CensusError, match="Aucun tableau d'acteurs"):
        load_census(xlsx_bytes({"Feuil1": [["Bonjour"], ["rien ici"]]}), "t.xlsx")


def test_header_only_is_unusable():
    with pytest.raises(CensusError, match="aucun acteur"):
        load_census(actors_sheet([]), "t.xlsx")


def _unicode_text(encoding: str) -> bytes:
    """A census saved as Excel's « Texte Unicode » (UTF-16 with its byte-order mark, tab-separated)."""
    text = "\t".join(HEADER + ["Commune"]) + "\r\n" + "Atelier du réemploi\tPME\t2\tÎle-d'Aix\r\nŒuvre\tETI\t1\t\r\n"
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[encoding]
    return bom + text.encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_csv_utf16_with_bom(encoding):
    c = load_census(_unicode_text(encoding), "texte-unicode.txt")
    assert c.actors["name"].tolist() == ["Atelier du réemploi", "Œuvre"]
    assert c.actors["commune"].tolist() == ["Île-d'Aix", None]
    assert c.actors["level"].tolist() == [2, 1] and c.issues == []


def test_binary_file_still_refused_even_after_a_utf16_bom():
    with pytest.raises(CensusError, match="pas un classeur lisible"):
        load_census(b"\xff\xfe\x00\x00" + bytes(range(256)) * 4, "r.csv")  # a UTF-32 mark, or garbage
    with pytest.raises(CensusError, match="pas un classeur lisible"):
        load_census(b"\x00\x01\x02binary" * 50, "r.csv")


def test_csv_pipe_separator():
    text = "|".join(HEADER + ["Dimension NR"]) + "\nAtelier, réemploi|PME|2|Mesure ; Achats\nB|ETI|1|\n"
    c = load_census(text.encode(), "r.csv")
    assert c.actors["name"].tolist() == ["Atelier, réemploi", "B"]
    assert c.actors["dimensions"].tolist() == [["Mesure", "Achats"], []]


@pytest.fixture(params=["default", "raised"])
def csv_module_limit(request):
    """The csv module's process-wide cell limit as Python sets it, and as a library may raise it at import
    (frictionless sets 2**31 - 1): the reader's bound must not depend on it."""
    import csv
    before = csv.field_size_limit()
    csv.field_size_limit(131_072 if request.param == "default" else 2**31 - 1)
    yield request.param
    csv.field_size_limit(before)


@pytest.mark.parametrize("quoted", [True, False])
def test_csv_over_long_cell_named_with_row_and_column(quoted, csv_module_limit):
    from nrdash.workbook import CSV_CELL_LIMIT as limit
    long = "x" * (limit + 10)
    cell = f'"{long}"' if quoted else long
    text = ";".join(HEADER + ["Description des actions NR identifiées"]) + "\nA;PME;1;court\n\nB;ETI;2;" + cell + "\n"
    with pytest.raises(CensusError) as err:
        load_census(text.encode(), "r.csv")
    message = str(err.value)
    assert "Cellule trop longue ligne 4, colonne D" in message
    assert f"{limit:,}".replace(",", "\u202f") in message and "mal formé" not in message


def test_csv_unclosed_quote_reported_where_the_cell_starts(csv_module_limit):
    text = ";".join(HEADER) + '\nA;PME;1\nB;"ETI;2\n' + "C;PME;1\n" * 20_000
    with pytest.raises(CensusError, match=r"Cellule trop longue ligne 3, colonne B .*guillemet"):
        load_census(text.encode(), "r.csv")
