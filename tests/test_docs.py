"""README.md and docs/*.md stay true to the repository: every relative link reaches a file (and its heading, for a
link into a Markdown file), every ``python -m nrdash …`` line shown parses with the real argument parser (built by
nrdash.cli.main; nothing is run), every script named exists, and every NRDASH_* setting the code reads is in
the settings table of docs/exploitation.md (and every name of that table is still read somewhere)."""
from __future__ import annotations

import argparse
import contextlib
import io
import re
import shlex
from pathlib import Path
from unittest import mock

import pytest

from nrdash.cli import main

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SETTINGS_DOC = ROOT / "docs" / "exploitation.md"
SETTINGS_HEADING = "Réglages"
# Where the settings an operator may set are read: the package, the scripts, the pages and the deployment files.
SETTINGS_SOURCES = ["nrdash", "scripts", "app.py", "pages", "deploy"]
# Variables only tests read or set (never an operator's business): not in the settings table.
TEST_ONLY_SETTINGS = re.compile(r"NRDASH_TEST_\w+")

FENCE = re.compile(r"^\s*(```|~~~)")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
NRDASH_CLI = re.compile(r"(?:^|[\s/])python3? -m nrdash(?=\s|$)(.*)")
SCRIPT = re.compile(r"(?:^|[\s;&|(])(?:bash|sh|python3?|\.venv/bin/python)\s+((?:\./)?[\w./-]+\.(?:sh|py))\b")
SETTING = re.compile(r"\bNRDASH_[A-Z0-9_]*[A-Z0-9]\b")


# ---------------------------------------------------------------------------------------------
# Reading Markdown: prose, fenced code, headings
# ---------------------------------------------------------------------------------------------
def split_markdown(text: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(prose lines, code lines), each with its line number; fences themselves in neither."""
    prose, code, fenced = [], [], None
    for number, line in enumerate(text.splitlines(), start=1):
        fence = FENCE.match(line)
        if fence and (fenced is None or fence.group(1) == fenced):
            fenced = None if fenced else fence.group(1)
            continue
        (code if fenced else prose).append((number, line))
    return prose, code


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (letters with accents kept), spaces -> '-'."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(text: str) -> set[str]:
    found, seen = set(), {}
    for _, line in split_markdown(text)[0]:
        m = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if m:
            base = slug(m.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            found.add(base if n == 0 else f"{base}-{n}")
    return found


def broken_links(doc: Path, text: str | None = None) -> list[str]:
    """Every relative link of a Markdown file that reaches no file, or no heading of the Markdown file it names."""
    text = doc.read_text(encoding="utf-8") if text is None else text
    problems = []
    for number, line in split_markdown(text)[0]:
        for target in LINK.findall(CODE_SPAN.sub("", line)):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # https:, mailto:…
                continue
            path, _, anchor = target.partition("#")
            dest = (doc.parent / path).resolve()
            where = f"{doc.relative_to(ROOT) if doc.is_relative_to(ROOT) else doc.name}:{number}: {target}"
            if path and not dest.exists():
                problems.append(f"{where} (no such file)")
            elif anchor and (not path or dest.suffix == ".md"):
                if anchor not in anchors(dest.read_text(encoding="utf-8") if path else text):
                    problems.append(f"{where} (no heading #{anchor} in {dest.name if path else doc.name})")
    return problems


def code_texts(text: str) -> list[tuple[int, str]]:
    """What a reader may copy: each line of fenced code (continuation lines joined) and each inline code span."""
    prose, code = split_markdown(text)
    out, pending, start = [], "", 0
    for number, line in code:
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        out.append((start, pending + line))
        pending = ""
    for number, line in prose:
        out += [(number, span) for _, span in CODE_SPAN.findall(line)]
    return out


def nrdash_commands(text: str) -> list[tuple[int, list[str]]]:
    """The arguments of every ``python -m nrdash …`` shown (shell comments dropped)."""
    found = []
    for number, snippet in code_texts(text):
        m = NRDASH_CLI.search(snippet)
        argv = shlex.split(m.group(1), comments=True) if m else []
        if argv:  # a bare `python -m nrdash` names the program, it is not a command line
            found.append((number, argv))
    return found


class _Parsed(Exception):
    pass


def parse_error(argv: list[str]) -> str | None:
    """None when the real parser of ``python -m nrdash`` accepts argv; else its message. Nothing is run: the
    parser's own parse_args is called, then main() is stopped before the command."""
    real = argparse.ArgumentParser.parse_args

    def parse_only(self, args=None, namespace=None):
        raise _Parsed(real(self, args, namespace))

    err = io.StringIO()
    with mock.patch.object(argparse.ArgumentParser, "parse_args", parse_only), contextlib.redirect_stderr(err):
        try:
            main(list(argv))
        except _Parsed:
            return None
        except SystemExit as exc:
            return None if exc.code == 0 else (err.getvalue().strip() or f"exit {exc.code}")
    return "the command ran instead of stopping after parsing"


def settings_in_code() -> set[str]:
    names = set()
    for source in SETTINGS_SOURCES:
        path = ROOT / source
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        for f in files:
            names |= set(SETTING.findall(f.read_text(encoding="utf-8", errors="replace")))
    return {n for n in names if not TEST_ONLY_SETTINGS.fullmatch(n)}


def settings_table(text: str) -> set[str]:
    """The names in the first column of the tables under the settings heading."""
    names, inside = set(), False
    for _, line in split_markdown(text)[0]:
        heading = re.match(r"^(#{1,6})\s+(.*)", line)
        if heading:
            inside = heading.group(2).strip() == SETTINGS_HEADING
        elif inside and line.startswith("|"):
            first = line.strip("|").split("|")[0]
            names |= set(SETTING.findall(first))
    return names


# ---------------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------------
def test_every_relative_link_reaches_a_file_and_its_heading():
    problems = [p for doc in DOCS for p in broken_links(doc)]
    assert not problems, "\n".join(problems)


def test_every_nrdash_command_shown_parses():
    commands = [(doc, number, argv) for doc in DOCS for number, argv in nrdash_commands(doc.read_text(encoding="utf-8"))]
    assert len(commands) >= 20  # the documentation shows the commands; an empty harvest would prove nothing
    shown = {argv[0] for _, _, argv in commands if argv}
    assert {"check", "template", "diff", "publish", "user", "db", "export", "import", "erase", "submissions"} <= shown
    problems = [f"{doc.relative_to(ROOT)}:{number}: python -m nrdash {shlex.join(argv)}\n    {error}"
                for doc, number, argv in commands if (error := parse_error(argv))]
    assert not problems, "\n".join(problems)


def test_every_script_named_exists():
    named = [(doc, number, m.group(1)) for doc in DOCS for number, snippet in code_texts(doc.read_text(encoding="utf-8"))
             for m in SCRIPT.finditer(snippet)]
    assert {"scripts/run.sh", "scripts/test.sh"} <= {path for _, _, path in named}
    missing = [f"{doc.relative_to(ROOT)}:{number}: {path}" for doc, number, path in named if not (ROOT / path).is_file()]
    assert not missing, "\n".join(missing)


def test_every_setting_is_in_the_settings_table():
    in_code, documented = settings_in_code(), settings_table(SETTINGS_DOC.read_text(encoding="utf-8"))
    assert {"NRDASH_DATABASE_URL", "NRDASH_MAX_CELLS", "NRDASH_TRUSTED_PROXIES"} <= in_code  # the harvest works
    assert not in_code - documented, f"missing from the table « {SETTINGS_HEADING} » of docs/exploitation.md: " \
        f"{sorted(in_code - documented)}"
    assert not documented - in_code, f"documented but read nowhere: {sorted(documented - in_code)}"


def test_readme_is_for_the_user():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    assert "benchmarks/" not in text  # measurements live in docs/performances.md


# The checkers themselves catch what they are for.
def test_the_checks_catch_a_broken_link_a_bad_command_and_a_missing_setting(tmp_path):
    (tmp_path / "autre.md").write_text("# Titre\n\n## Une section à part\n", encoding="utf-8")
    doc = tmp_path / "doc.md"
    text = ("# Doc\n\n[bon](autre.md#une-section-à-part) [ici](#doc) [web](https://example.org/x)\n"
            "[absent](absent.md) [ancre](autre.md#pas-de-section) `[pas un lien](nulle-part.md)`\n\n"
            "```bash\n# [pas un lien non plus](rien.md)\n.venv/bin/python -m nrdash check f.xlsx --json\n"
            "python -m nrdash check   # sans fichier\npython -m nrdash publish f.xlsx \\\n  --territoire 17300\n```\n"
            "Et `python -m nrdash versions --territory 17300`.\n")
    assert [p.split(": ", 1)[1] for p in broken_links(doc, text)] == [
        "absent.md (no such file)", "autre.md#pas-de-section (no heading #pas-de-section in autre.md)"]
    commands = nrdash_commands(text)
    assert [argv for _, argv in commands] == [["check", "f.xlsx", "--json"], ["check"],
                                             ["publish", "f.xlsx", "--territoire", "17300"],
                                             ["versions", "--territory", "17300"]]
    assert [parse_error(argv) is None for _, argv in commands] == [True, False, True, False]
    assert "arguments obligatoires manquants : FICHIER" in parse_error(["check"])
    table = "## Réglages\n\n| Variable | Défaut |\n|---|---|\n| `NRDASH_DATA_DIR` | `instance/` |\n"
    assert settings_table(table) == {"NRDASH_DATA_DIR"}
    assert "NRDASH_DATABASE_URL" in settings_in_code() - settings_table(table)
    assert slug("Comparer deux classeurs : `diff`") == "comparer-deux-classeurs--diff"
    assert slug("Liens d'atelier verrouillés") == "liens-datelier-verrouillés"


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_document_is_linked_from_the_readme(doc):
    if doc.name == "README.md":
        return
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"(docs/{doc.name})" in readme or f"(docs/{doc.name}#" in readme
