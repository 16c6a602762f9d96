"""The backups of docs/exploitation.md (« Sauvegarde et restauration »), run as written there: a live store is backed
up with the documented command (SQLite: VACUUM INTO; PostgreSQL: pg_dump and pg_restore from Debian's client, on
tests/pg.py's cluster), restored into a fresh place, opened by nrdash, and everything is back: versions and their
files, the census with its personal data, erasures, accounts and roles, settings, workshop links, answers to the
questionnaire with their contacts."""
from __future__ import annotations

import hashlib
import re
import shlex
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from nrdash import questionnaire as quest
from nrdash.store import Principal, Store, head_revision
from tests.conftest import ROOT, SAMPLE, actors_sheet
from tests.principals import OP, anon
from tests.test_docs import split_markdown

DOC = ROOT / "docs" / "exploitation.md"
EPCI = "241700434"
ERASED, KEPT = "Hugo Guérin", "Alix Robin"  # two referents of the sample census


def documented_commands(section: str, inline: str | None = None) -> list[list[str]]:
    """The command lines of the fenced code under the heading ``### {section}`` of docs/exploitation.md; with
    ``inline``, the inline code spans of that section's prose that start with it instead."""
    lines, inside = [], False
    prose, code = split_markdown(DOC.read_text(encoding="utf-8"))
    code_numbers = {n for n, _ in code}
    for number, line in sorted(prose + code):
        if number not in code_numbers and line.startswith("#"):
            inside = line.strip() == f"### {section}"
        elif inside and inline and number not in code_numbers:
            lines += [shlex.split(span) for span in re.findall(r"`([^`]+)`", line) if span.startswith(inline + " ")]
        elif inside and not inline and number in code_numbers and line.strip():
            lines.append(shlex.split(line, comments=True))
    assert lines, f"no command under « ### {section} » in {DOC.name}"
    return lines


def fill(store: Store) -> str:
    """A territory's worth of data, as a real instance holds it; returns a workshop link's token."""
    store.publish(OP, EPCI, SAMPLE.read_bytes(), SAMPLE.name, author="Marie", note="premier recensement")
    people = actors_sheet([["Atelier vélo", "PME", 2, "Ana Lopez", "ana@example.org"]],
                          ["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé", "Référent", "Contact"])
    store.publish(OP, EPCI, people, "v2.xlsx", author="Paul")
    assert store.erase_person(OP, EPCI, ERASED) == 1
    store.add_user(OP, "chef@collectivite.fr", "un mot de passe long", "administrateur")
    store.add_user(OP, "ed@collectivite.fr", "autre mot de passe", "éditeur", EPCI)
    store.set_territory(OP, EPCI, anonymous_read=False, retention_months=12)
    answer, problems = quest.validate({"name": "La Ressourcerie", "actor_type": "Autres associations",
                                       "level": 1, "referent": "Zoé Martin", "contact": "zoe@example.org",
                                       "consent": True}, {})
    assert problems == []
    store.submit(anon("10.0.0.1"), EPCI, answer)
    return store.create_workshop_token(OP, EPCI, "Atelier du 12 mars", author="ed@collectivite.fr")


def state(store: Store, token: str) -> dict:
    """Everything the instance holds for the territory and its people, comparable."""
    infos = store.versions(OP, EPCI)
    return {
        "versions": [v.as_dict() for v in infos],
        "files": [hashlib.sha256(store.original(OP, EPCI, v.number)[1]).hexdigest() for v in infos],
        "personal": [store.personal_rows(OP, EPCI, v.number) for v in infos],
        "territory": {k: store.territory(OP, EPCI)[k] for k in ("anonymous_read", "retention_months")},
        "submissions": [s.as_dict(True) for s in store.submissions(OP, EPCI, with_contacts=True)],
        "roles": [store.role_of(OP, e, EPCI) for e in ("chef@collectivite.fr", "ed@collectivite.fr", "x@y.fr")],
        "passwords": [store.verify_password(OP, "chef@collectivite.fr", "un mot de passe long"),
                      store.verify_password(OP, "ed@collectivite.fr", "autre mot de passe")],
        "workshop": store.workshop_territory(Principal.workshop(token)),
    }


def assert_restored(live: Store, restored: Store, token: str) -> None:
    before, after = state(live, token), state(restored, token)
    assert after == before
    # The values themselves, not only their equality: a restore of an empty store would be equal to nothing here.
    assert [v["number"] for v in after["versions"]] == [1, 2] and after["versions"][0]["redacted_at"]
    referents = {r["referent"] for r in after["personal"][0]}
    assert KEPT in referents and ERASED not in referents and len(after["personal"][0]) == 149
    assert after["personal"][1] == [{"row": 2, "referent": "Ana Lopez", "contact": "ana@example.org"}]
    assert after["submissions"][0]["contact"] == "zoe@example.org"
    assert after["roles"] == ["administrateur", "éditeur", None] and after["passwords"] == [True, True]
    assert after["territory"] == {"anonymous_read": False, "retention_months": 12} and after["workshop"] == EPCI
    pd.testing.assert_frame_equal(restored.open_version(OP, EPCI, 1, personal=True).census.actors,
                                  live.open_version(OP, EPCI, 1, personal=True).census.actors)


@pytest.mark.parametrize("tool", ["python", "sqlite3"])
def test_sqlite_backup_of_a_live_store_restores_everything(tmp_path, tool):
    """The documented command (Python's sqlite3 module, always there), and the sqlite3 shell the page names beside it
    (Debian's package sqlite3, optional: skipped when absent)."""
    if tool == "sqlite3" and not shutil.which("sqlite3"):
        pytest.skip("the sqlite3 shell (Debian's package sqlite3) is not installed")
    instance, fresh = tmp_path / "instance", tmp_path / "ailleurs"
    live = Store(f"sqlite:///{instance / 'nrdash.db'}", seed_sample=False)
    token = fill(live)
    wal = instance / "nrdash.db-wal"
    assert wal.exists() and wal.stat().st_size > 0  # live: part of the data is still in the write-ahead log
    backup = tmp_path / "sauvegarde-nrdash.db"
    (command,) = documented_commands("SQLite", inline="sqlite3" if tool == "sqlite3" else None)
    argv = [sys.executable if a == ".venv/bin/python" else
            a.replace("instance/nrdash.db", str(instance / "nrdash.db"))
             .replace("sauvegarde-nrdash.db", str(backup)) for a in command]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # What VACUUM INTO writes holds the live rows only: the erased person's data is not in the copy's bytes.
    data = backup.read_bytes()
    assert KEPT.encode() in data and ERASED.encode() not in data

    fresh.mkdir()
    shutil.copy(backup, fresh / "nrdash.db")  # « copiez la sauvegarde en instance/nrdash.db »
    restored = Store(f"sqlite:///{fresh / 'nrdash.db'}", seed_sample=False)
    try:
        assert restored.ensure_schema(OP, False) == head_revision()
        assert_restored(live, restored, token)
    finally:
        restored.close()
        live.close()


def _client(name: str) -> str:
    from tests.pg import pg_bin, unavailable

    bindir = pg_bin()
    path = bindir / name if bindir and (bindir / name).exists() else shutil.which(name)
    if not path:
        unavailable(f"{name} absent: apt-get install postgresql-client (Debian)")
    return str(path)


@pytest.mark.pg  # pg_server taken by request.getfixturevalue
def test_postgresql_backup_of_a_live_store_restores_everything(tmp_path, request):
    from tests.pg import fresh_database

    server = request.getfixturevalue("pg_server")
    source_url, target_url = fresh_database(server), fresh_database(server)
    live = Store(source_url, seed_sample=False)
    token = fill(live)
    libpq = {"postgresql://nrdash@10.0.0.10/nrdash": source_url, "postgresql://nrdash@10.0.0.11/nrdash": target_url}
    libpq = {doc: re.sub(r"^postgresql\+psycopg://", "postgresql://", url) for doc, url in libpq.items()}
    dump = tmp_path / "nrdash.dump"
    commands = documented_commands("PostgreSQL")
    assert [c[0] for c in commands] == ["pg_dump", "pg_restore"]
    try:
        for command in commands:
            argv = [_client(command[0])]
            for a in command[1:]:
                for doc, url in libpq.items():
                    a = a.replace(doc, url)
                argv.append(a.replace("nrdash.dump", str(dump)))
            done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, f"{shlex.join(argv)}\n{done.stderr}"
        restored = Store(target_url, seed_sample=False)
        try:
            assert restored.ensure_schema(OP, False) == head_revision()
            assert_restored(live, restored, token)
        finally:
            restored.close()
    finally:
        live.close()
