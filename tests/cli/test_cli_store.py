"""Store commands of ``python -m nrdash`` on both backends (through NRDASH_DATABASE_URL)."""
from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from nrdash.cli import main
from tests.conftest import ROOT, SAMPLE, actors_sheet
from tests.principals import OP

EPCI = "241700434"


@pytest.fixture
def cli(db_url, monkeypatch, capsys):
    monkeypatch.setenv("NRDASH_DATABASE_URL", db_url)

    def run(*args, stdin: str | None = None):
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err
    return run


def test_publish_versions_restore_export_import(cli, tmp_path, monkeypatch, request):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(actors_sheet([["A", "PME", 1], ["B", "PME", "beaucoup"]]))
    assert cli("db", "upgrade")[0] == 0
    assert cli("publish", str(SAMPLE), "--territoire", EPCI, "--note", "<b>n</b>", "--auteur", "Marie")[:2] == (0, "1\n")
    code, out, err = cli("publish", str(SAMPLE), "--territoire", EPCI)
    assert (code, out) == (0, "1\n") and "identique" in err
    code, out, err = cli("publish", str(bad), "--territoire", EPCI)
    assert code == 1 and out == "" and "--forcer-erreurs" in err and "1 ligne en erreur" in err
    assert cli("publish", str(bad), "--territoire", EPCI, "--forcer-erreurs", "démo")[:2] == (0, "2\n")
    code, out, err = cli("publish", str(SAMPLE), "--territoire", "99999")
    assert code == 2 and "Territoire inconnu" in err and "Traceback" not in err
    code, out, err = cli("publish", str(tmp_path / "absent.xlsx"), "--territoire", EPCI)
    assert code == 2 and "absent.xlsx" in err
    assert cli("restore", "1", "--territoire", EPCI)[:2] == (0, "3\n")
    code, out, _ = cli("versions", "--territoire", EPCI, "--json")
    rows = json.loads(out)
    assert [(r["number"], r["restored_from"], r["n_error_rows"]) for r in rows] == [(1, None, 0), (2, None, 1),
                                                                                    (3, 1, 0)]
    assert rows[0]["note"] == "<b>n</b>" and rows[0]["author"] == "Marie" and rows[1]["force_reason"] == "démo"
    code, out, _ = cli("versions", "--territoire", EPCI)
    assert code == 0 and "v2" in out and "restauration de la v1" in out
    assert cli("versions", "--territoire", "17300")[0] == 2
    code, out, err = cli("erase-person", "--territoire", EPCI, "Hugo Guérin")
    assert code == 0 and out.startswith("2 version(s) modifiée(s)")
    archive = tmp_path / "t.zip"
    exported = json.loads(cli("versions", "--territoire", EPCI, "--json")[1])
    assert exported[0]["redacted_at"] and exported[0]["original_sha256"] == rows[0]["original_sha256"]
    assert cli("export-territoire", EPCI, str(archive))[0] == 0
    if "postgresql" in request.node.callspec.id:
        from tests.pg import fresh_database

        monkeypatch.setenv("NRDASH_DATABASE_URL", fresh_database(request.getfixturevalue("pg_server")))
    else:
        monkeypatch.setenv("NRDASH_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    assert cli("import-territoire", str(archive)) == (0, f"Territoire {EPCI} importé : 3 version(s).\n", "")
    assert json.loads(cli("versions", "--territoire", EPCI, "--json")[1]) == exported
    assert cli("import-territoire", str(archive))[0] == 2


def test_user_add_reads_the_password_from_stdin(cli):
    code, out, err = cli("user", "add", "chef@exemple.fr", "--role", "administrateur", stdin="un mot de passe long\n")
    assert code == 0 and "administrateur de l'instance" in out
    code, out, _ = cli("user", "add", "ed@exemple.fr", "--role", "éditeur", "--territoire", "17300",
                       stdin="autre mot de passe\n")
    assert code == 0 and "rôle éditeur sur le territoire 17300" in out and "administrateur" not in out
    from nrdash.store import Store

    s = Store(seed_sample=False)
    assert s.verify_password(OP, "ed@exemple.fr", "autre mot de passe")
    assert s.role_of(OP, "ed@exemple.fr", "17300") == "éditeur"
    assert cli("user", "add", "x@exemple.fr", "--role", "lecteur", "--territoire", "17300", stdin="court\n")[0] == 2


def test_data_dir_is_honoured_and_no_traceback(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "NRDASH_DATA_DIR": str(tmp_path / "d")}
    res = subprocess.run([sys.executable, "-m", "nrdash", "versions", "--territoire", "exemple"], capture_output=True,
                         text=True, cwd=ROOT, env=env, timeout=120)
    assert res.returncode == 0 and "v1" in res.stdout, res.stderr
    assert (tmp_path / "d" / "nrdash.db").exists()
    env["NRDASH_DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    res = subprocess.run([sys.executable, "-m", "nrdash", "versions", "--territoire", "exemple"], capture_output=True,
                         text=True, cwd=ROOT, env=env, timeout=120)
    assert res.returncode == 2 and "NRDASH_DATABASE_URL" in res.stderr and "Traceback" not in res.stderr


def test_export_import_say_what_the_archive_carries_besides_versions(cli, tmp_path, db_url, monkeypatch):
    import datetime as dt

    from nrdash import compare as cp
    from nrdash.store import PAIR_LINK, Store

    assert cli("publish", str(SAMPLE), "--territoire", EPCI)[0] == 0
    s = Store(db_url, seed_sample=False)
    s.add_objective(OP, EPCI, cp.Objective("engaged_actors", 40.0, dt.date(2027, 12, 31), dt.date(2026, 1, 1), 20.0), 1)
    s.set_pairing(OP, EPCI, "nom:a|", "nom:b|", PAIR_LINK)
    s.set_pairing(OP, EPCI, "nom:c|", "nom:d|", PAIR_LINK)
    archive = tmp_path / "t.zip"
    code, out, err = cli("export-territoire", EPCI, str(archive))
    assert (code, err) == (0, "") and out == (f"Territoire {EPCI} exporté : {archive}\n"
                                              "Avec 1 objectif et 2 choix d'appariement manuels.\n")
    s.close()
    monkeypatch.setenv("NRDASH_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    assert cli("import-territoire", str(archive)) == (
        0, f"Territoire {EPCI} importé : 1 version(s).\nAvec 1 objectif et 2 choix d'appariement manuels.\n", "")
