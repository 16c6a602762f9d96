import json
import os
import subprocess
import sys

from nrdash import referential as ref
from tests.conftest import ROOT, SAMPLE, actors_sheet


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "nrdash", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, env=env)


def test_check_json_on_sample(sample_census):
    res = run("check", str(SAMPLE), "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)  # exactly one JSON object
    assert set(out) == {"file", "rows", "actors", "issues"}
    assert out["rows"] == len(out["actors"]) == len(sample_census.actors)
    first = out["actors"][0]
    assert set(first) == {"row", "name", "siret", "family", "type", "level", "circle", "is_local", "insee", "postcode",
                          "commune", "lat", "lon", "placement", "action_types", "dimensions", "source"}
    assert isinstance(first["level"], int) and isinstance(first["circle"], int)
    assert first["row"] == 2
    assert all(a["lat"] is None or isinstance(a["lat"], float) for a in out["actors"])
    assert not any("referent" in a or "contact" in a for a in out["actors"])
    assert "@example.org" not in res.stdout


def test_check_json_with_contacts():
    out = json.loads(run("check", str(SAMPLE), "--json", "--with-contacts").stdout)
    assert all("@example.org" in a["contact"] for a in out["actors"])


def test_check_text_report_and_exit_1_on_row_errors(tmp_path):
    f = tmp_path / "r.xlsx"
    f.write_bytes(actors_sheet([["A", "PME", 1], ["B", "PME", "beaucoup"]]))
    res = run("check", str(f))
    assert res.returncode == 1
    assert "ligne 3" in res.stdout and "Niveau d'engagement estimé" in res.stdout and "ERREUR" in res.stdout
    assert f"{ref.COMPANIES}" in res.stdout
    js = json.loads(run("check", str(f), "--json").stdout)
    assert js["issues"][0]["row"] == 3 and "error" not in js
    assert js["actors"][1]["level"] is None


def test_check_exit_2_unusable_never_traceback(tmp_path):
    f = tmp_path / "x.xlsx"
    f.write_bytes(b"not a workbook at all \x00\x01")
    res = run("check", str(f), "--json")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    out = json.loads(res.stdout)
    assert out["error"] and out["actors"] == []
    res = run("check", str(f))
    assert res.returncode == 2 and "Traceback" not in res.stderr and "classeur" in res.stderr


def test_template_command(tmp_path):
    out = tmp_path / "modele.xlsx"
    res = run("template", str(out))
    assert res.returncode == 0 and out.exists()


def test_check_unexpected_error_is_one_message_never_traceback(tmp_path, monkeypatch, capsys):
    from nrdash import cli

    def broken(path, **options):
        raise RuntimeError("boom")

    monkeypatch.setattr(cli.census_file, "load_census_isolated", broken)
    f = tmp_path / "r.xlsx"
    f.write_bytes(b"x")
    message = "Erreur inattendue à la lecture (RuntimeError). Signalez-la avec le fichier si possible."
    assert cli.main(["check", str(f), "--json"]) == 2
    out = capsys.readouterr()
    assert json.loads(out.out) == {"file": "r.xlsx", "rows": 0, "actors": [], "issues": [], "error": message}
    assert cli.main(["check", str(f)]) == 2
    out = capsys.readouterr()
    assert out.err == message + "\n" and out.out == ""


def test_check_and_diff_print_all_of_a_large_output_before_their_quick_exit(tmp_path):
    # check and diff end with os._exit once their output is flushed: megabytes through a pipe must arrive whole,
    # and a short report too, which stays in Python's buffer until flushed (buffered output, as on most machines).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    path = tmp_path / "grand.xlsx"
    path.write_bytes(actors_sheet([[f"Structure {i}", "PME", i % 4] for i in range(3000)]))
    res = run("check", str(path), "--json", env=env)
    assert res.returncode == 0, res.stderr
    assert len(res.stdout) > 500_000 and len(json.loads(res.stdout)["actors"]) == 3000
    res = run("diff", str(path), str(path), "--json", env=env)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["counts"]["new"] == 0 and len(json.loads(res.stdout)["pairs"]) == 3000
    res = run("check", str(SAMPLE), env=env)
    assert res.returncode == 0 and res.stdout.startswith("Recensement « recensement-exemple.xlsx »"), res.stdout
    res = run("diff", str(SAMPLE), str(SAMPLE), env=env)
    assert res.returncode == 0 and "0 nouvel acteur, 0 sorti, 0 modifié, 150 inchangés" in res.stdout, res.stdout
