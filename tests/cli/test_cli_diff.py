"""python -m nrdash diff ANCIEN NOUVEAU [--json] on two files made here."""
import json

from tests.conftest import xlsx_bytes
from tests.cli.test_cli import run

COLS = ["Nom de l'acteur", "SIRET", "Type d'acteur", "Niveau d'engagement estimé", "Commune", "Référent", "Contact"]


def write(tmp_path, name, rows):
    path = tmp_path / name
    path.write_bytes(xlsx_bytes({"Acteurs": [COLS, *rows]}))
    return path


def two_files(tmp_path):
    a = write(tmp_path, "ancien.xlsx", [
        ["Atelier SAS", None, "PME", 1, "St-Xandre", "Jeanne Secret", "jeanne@example.org"],
        ["Amis du vélo", "732 829 320 00074", "Associations du NR", 2, "Aytré", None, None],
        ["Vieux", None, "PME", 3, "Lagord", None, None],
        ["Stable", None, "PME", 1, "Lagord", None, None],
        ["Stable bis", None, "PME", 1, "Lagord", None, None],
    ])
    b = write(tmp_path, "nouveau.xlsx", [
        ["Stable", None, "PME", 1, "Lagord", None, None],
        ["atelier", None, "PME", 2, "Saint-Xandre", "Paul Secret", "paul@example.org"],
        ["Vélo solidaire", "73282932000074", "Associations du NR", 2, "Aytré", None, None],
        ["Neuf", None, "PME", 0, "Lagord", None, None],
        ["Stable bis", None, "PME", 2, "Lagord", None, None],
    ])
    return a, b


def test_diff_json(tmp_path):
    a, b = two_files(tmp_path)
    res = run("diff", str(a), str(b), "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["ancien"] == "ancien.xlsx" and out["nouveau"] == "nouveau.xlsx"
    assert out["counts"] == {"new": 1, "gone": 1, "changed": 3, "unchanged": 1}
    assert [(x["row"], x["name"], x["level"]) for x in out["new"]] == [(5, "Neuf", 0)]
    assert [(x["row"], x["name"], x["level"]) for x in out["gone"]] == [(4, "Vieux", 3)]
    assert out["transitions"] == {"nouveau": {"0": 1}, "1": {"1": 1, "2": 2}, "2": {"2": 1}, "3": {"sorti": 1}}
    assert sorted((p["row_a"], p["row_b"], p["method"]) for p in out["pairs"]) == [
        (2, 3, "nom+commune"), (3, 4, "siret"), (5, 2, "nom+commune"), (6, 6, "nom+commune")]
    changed = {c["name"]: c["fields"] for c in out["changed"]}
    assert changed["atelier"] == {"Nom de l'acteur": ["Atelier SAS", "atelier"],
                                  "Niveau d'engagement estimé": ["1 - Sensibilisé au NR", "2 - Acteur du NR"],
                                  "Cercle": [3, 2]}  # St-Xandre is Saint-Xandre: the commune did not change
    assert changed["Vélo solidaire"] == {"Nom de l'acteur": ["Amis du vélo", "Vélo solidaire"]}
    assert "Secret" not in res.stdout and "@example.org" not in res.stdout  # personal data never compared


def test_diff_text_report(tmp_path):
    a, b = two_files(tmp_path)
    res = run("diff", str(a), str(b))
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("Entre « ancien.xlsx » et « nouveau.xlsx » : 1 nouvel acteur, 1 sorti, "
                                 "3 modifiés, 1 inchangé.")
    assert "2 acteurs sont passés de « 1 — Sensibilisé au NR » à « 2 — Acteur du NR »." in res.stdout
    assert "Acteurs appariés : 3 par nom+commune, 1 par siret." in res.stdout
    assert "ligne 5 : Neuf, Lagord" in res.stdout and "Secret" not in res.stdout


def test_diff_exit_2_on_unusable_file_never_traceback(tmp_path):
    a, _ = two_files(tmp_path)
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"not a workbook at all \x00\x01")
    res = run("diff", str(a), str(bad), "--json")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    out = json.loads(res.stdout)
    assert out["file"] == "x.xlsx" and out["error"]
    res = run("diff", str(bad), str(a))
    assert res.returncode == 2 and "Traceback" not in res.stderr and "« x.xlsx »" in res.stderr
    missing = run("diff", str(tmp_path / "absent.xlsx"), str(a), "--json")
    assert missing.returncode == 2 and json.loads(missing.stdout)["file"] == "absent.xlsx"
