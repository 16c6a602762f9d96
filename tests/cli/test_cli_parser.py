"""The command line's words and language (nrdash.cli): English command words with the former French ones still
accepted, help and errors in French (exit 2), no option prefixes, and nothing imports nrdash.__main__."""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys

import pytest

from nrdash.cli import build_parser, main
from tests.conftest import ROOT, SAMPLE
from tests.cli.test_cli import run

EPCI = "241700434"
FORMER_WORDS = {"export-territoire": "export", "import-territoire": "import", "erase-person": "erase",
                "soumissions": "submissions"}
ARGUMENTS = {"export": ["17300", "t.zip"], "import": ["t.zip"], "erase": ["Hugo Guérin", "--territoire", EPCI],
             "submissions": ["--territoire", EPCI, "--json", "--with-contacts"]}
ENGLISH = re.compile(r"usage:|error:|\binvalid\b|\brequired\b|unrecognized|choose from|positional arguments|"
                     r"show this help")


def parsed(argv: list[str]) -> argparse.Namespace:
    return build_parser(argv).parse_args(argv)


@pytest.mark.parametrize("former", sorted(FORMER_WORDS))
def test_each_former_word_is_the_same_command_as_the_new_one(former):
    new = FORMER_WORDS[former]
    a, b = parsed([new, *ARGUMENTS[new]]), parsed([former, *ARGUMENTS[new]])
    assert a.command == new and b.command == former
    assert a.func is b.func
    assert {k: v for k, v in vars(a).items() if k != "command"} == {k: v for k, v in vars(b).items() if k != "command"}


def test_the_new_words_run_the_store_commands(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NRDASH_DATABASE_URL", f"sqlite:///{tmp_path / 'a.db'}")
    assert main(["publish", str(SAMPLE), "--territoire", EPCI]) == 0
    assert main(["erase", "Hugo Guérin", "--territoire", EPCI]) == 0
    assert main(["export", EPCI, str(tmp_path / "t.zip")]) == 0
    assert main(["submissions", "--territoire", EPCI, "--json"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "1" and out[1].startswith("1 version(s) modifiée(s)")
    assert out[2] == f"Territoire {EPCI} exporté : {tmp_path / 't.zip'}" and json.loads(out[-1]) == []
    monkeypatch.setenv("NRDASH_DATABASE_URL", f"sqlite:///{tmp_path / 'b.db'}")
    assert main(["import", str(tmp_path / "t.zip")]) == 0
    assert capsys.readouterr().out == f"Territoire {EPCI} importé : 1 version(s).\n"


@pytest.mark.parametrize("argv, message", [
    (["chek", "f.xlsx"], "argument COMMANDE : choix invalide : 'chek' (choisir parmi 'check', 'template', "),
    (["check"], "arguments obligatoires manquants : FICHIER"),
    (["check", "f.xlsx", "--bad"], "arguments non reconnus : --bad"),
    (["check", "f.xlsx", "--jso"], "arguments non reconnus : --jso"),  # not taken for --json
    (["publish", "f.xlsx", "--territoire", EPCI, "--aut", "Marie"], "arguments non reconnus : --aut Marie"),
    (["restore", "deux", "--territoire", EPCI], "argument VERSION : valeur invalide : 'deux'"),
    (["user", "ajouter", "a@b.fr"], "argument action : choix invalide : 'ajouter' (choisir parmi 'add', 'role', 'remove', 'logout')"),
], ids=["wrong command", "missing argument", "unknown option", "option prefix", "option prefix of a store command",
        "invalid value", "invalid choice"])
def test_errors_are_french_and_exit_2(argv, message):
    res = run(*argv)
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.startswith("utilisation : python -m nrdash")
    last = res.stderr.strip().splitlines()[-1]
    assert re.match(r"python -m nrdash( \w+)? : erreur : ", last) and message in last, res.stderr
    assert not ENGLISH.search(res.stderr), res.stderr


def test_help_is_french():
    res = run("--help")
    assert res.returncode == 0 and res.stderr == ""
    assert res.stdout.startswith("utilisation : python -m nrdash [-h] COMMANDE ...\n")
    for text in ("\ncommandes:\n", "-h, --help            afficher cette aide et quitter", "\n    check ",
                 "\n    export (export-territoire)\n", "\n    import (import-territoire)\n",
                 "\n    erase (erase-person)\n", "\n    submissions (soumissions)\n"):
        assert text in res.stdout
    assert not ENGLISH.search(res.stdout), res.stdout
    res = run("publish", "--help")
    assert res.returncode == 0 and res.stdout.startswith("utilisation : python -m nrdash publish [-h] --territoire")
    assert "\narguments:\n  FICHIER\n" in res.stdout and "SIREN de l'EPCI ou code INSEE de la commune" in res.stdout
    assert not ENGLISH.search(res.stdout), res.stdout


def test_other_parsers_in_the_process_keep_their_language(capsys):
    with pytest.raises(SystemExit):
        parsed(["check"])
    assert "obligatoires" in capsys.readouterr().err
    other = argparse.ArgumentParser(prog="autre")
    other.add_argument("file")
    assert "show this help message and exit" in other.format_help()
    with pytest.raises(SystemExit):
        other.parse_args([])
    assert "autre: error: the following arguments are required: file" in capsys.readouterr().err


def test_nothing_imports_the_entry_module(tmp_path):
    entry = re.compile(r"nrdash\.__main__|from \.__main__|from nrdash import __main__|from \. import __main__")
    sources = [p for folder in ("nrdash", "tests", "scripts", "benchmarks", "pages") for p in (ROOT / folder).rglob("*.py")]
    sources += [ROOT / "app.py"]
    assert len(sources) > 100
    found = [str(p.relative_to(ROOT)) for p in sources if p != ROOT / "tests" / "cli" / "test_cli_parser.py"
             and entry.search(p.read_text(encoding="utf-8"))]
    assert not found
    # and when it runs: diff loads its helpers without loading the entry module a second time as nrdash.__main__
    res = subprocess.run([sys.executable, "-X", "importtime", "-m", "nrdash", "diff", str(tmp_path / "a.xlsx"),
                          str(tmp_path / "b.xlsx")], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 2 and "a.xlsx" in res.stderr
    imported = {line.rsplit("|", 1)[1].strip() for line in res.stderr.splitlines() if line.startswith("import time:")}
    assert "nrdash.cli.diff" in imported and "nrdash.cli.placing" in imported  # the harvest works
    assert "nrdash.__main__" not in imported
