"""Erased means gone (issue 23 §4): after ``erase-person`` (and after the retention period), the person's name and
e-mail are nowhere in the bytes the database keeps — every file of SQLite's data folder (the database, its WAL and
shared-memory files, whatever else is there), deflated streams (the .xlsx files stored in it) opened too, while the
server has the database open and after it has stopped; on PostgreSQL, every file of the database's own folder and
of the shared catalogs (its WAL segments keep them until they are recycled: docs/securite.md says so).

Debian's SQLite is built with SECURE_DELETE on (deleted cells are zeroed); other builds (Python's own, uv's) are
not: nrdash sets the pragma itself. What the erasure leaves here is in the WAL, which a TRUNCATE checkpoint empties."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import zlib
from pathlib import Path

import sqlalchemy as sa

from nrdash.store import Principal, Store, schema
from tests.conftest import ROOT, actors_sheet
from tests.e2e.harness import streamlit_server
from tests.principals import OP
from tests.test_questionnaire import HEADER, answer

T = "241700434"
NAME, EMAIL = "Zoé Effacée-Secrète", "zoe.effacee-secrete@exemple.org"
KEPT = "Ana Lopez"  # someone else, in the same files: kept
OLD_NAME, OLD_EMAIL = "Basile Périmé", "basile.perime@exemple.org"  # past the retention period


def needles(name: str, email: str) -> dict[str, bytes]:
    return {f"{name} (UTF-8)": name.encode(), f"{name} (Windows-1252)": name.encode("cp1252"),
            email: email.encode(), f"{email} (majuscules)": email.upper().encode()}


def _inflated(data: bytes) -> list[bytes]:
    """Every deflate stream of a zip entry found anywhere in ``data`` (an .xlsx kept in a page), decompressed."""
    out, at = [], data.find(b"PK\x03\x04")
    while at >= 0:
        if data[at + 8:at + 10] == b"\x08\x00" and at + 30 <= len(data):
            start = at + 30 + int.from_bytes(data[at + 26:at + 28], "little") \
                + int.from_bytes(data[at + 28:at + 30], "little")
            try:
                out.append(zlib.decompressobj(-15).decompress(data[start:start + 50_000_000]))
            except zlib.error:
                pass
        at = data.find(b"PK\x03\x04", at + 4)
    return out


def found(files: list[Path], wanted: dict[str, bytes]) -> list[str]:
    """Which of ``wanted`` each file holds, raw or inside a deflated zip entry: ["file: what", …]."""
    hits = []
    for f in files:
        try:
            data = f.read_bytes()
        except FileNotFoundError:  # removed since it was listed (PostgreSQL's pg_internal.init): it holds nothing
            continue
        texts = [data, *_inflated(data)]
        hits += [f"{f.name}: {label}" for label, needle in wanted.items() if any(needle in t for t in texts)]
    return hits


def every_file(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def fill(s: Store) -> None:
    """The person in a published .xlsx and .csv, an editor's draft and a questionnaire answer; someone else beside;
    another person in a version past the territory's retention period."""
    rows = [["Atelier Vélo", None, "Associations du NR", 1, "Aytré", NAME, EMAIL],
            ["Mairie de Lagord", None, "Commune", 2, "Lagord", KEPT, "ana@example.org"]]
    s.add_user(OP, "admin@x.fr", "motdepasse-long")
    s.add_user(OP, "ed@x.fr", "motdepasse-long", "éditeur", T)
    s.publish(OP, T, actors_sheet([rows[0][:5] + [OLD_NAME, OLD_EMAIL]], HEADER), "ancien.xlsx")
    with s.engine.begin() as conn:  # three years ago
        conn.execute(schema.versions.update().values(
            created_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=3 * 365)))
    s.publish(OP, T, actors_sheet(rows, HEADER), "recensement.xlsx")
    csv = ";".join(HEADER) + "\r\n" + "\r\n".join(";".join("" if c is None else str(c) for c in r) for r in rows)
    s.publish(OP, T, csv.encode("utf-8"), "recensement.csv")
    s.save_draft(OP, T, actors_sheet(rows, HEADER), "brouillon.xlsx", 3, author="ed@x.fr")
    s.submit(Principal.anonymous("203.0.113.5"), T, answer(referent=NAME, contact=EMAIL))


def test_sqlite_files_hold_nothing_of_an_erased_person(tmp_path):
    data = tmp_path / "data"
    url = f"sqlite:///{data / 'nrdash.db'}"
    s = Store(url, seed_sample=False)
    fill(s)
    s.close()
    person, old = needles(NAME, EMAIL), needles(OLD_NAME, OLD_EMAIL)
    assert found(every_file(data), person) and found(every_file(data), old)  # the search finds them
    env = {**os.environ, "NRDASH_DATA_DIR": str(data), "NRDASH_DATABASE_URL": ""}
    with streamlit_server(env={"NRDASH_DATA_DIR": str(data), "NRDASH_DATABASE_URL": ""}):  # the database open
        erase = subprocess.run([sys.executable, "-m", "nrdash", "erase-person", "--territoire", T, NAME], cwd=ROOT,
                               env=env, capture_output=True, text=True, timeout=300)
        assert erase.returncode == 0, erase.stderr
        assert "3 version(s) modifiée(s)" in erase.stdout  # two versions and the answer
        # the server applied the retention period when it started (the old version), or the command does it now
        retention = subprocess.run([sys.executable, "-m", "nrdash", "retention"], cwd=ROOT, env=env,
                                   capture_output=True, text=True, timeout=300)
        assert retention.returncode == 0, retention.stderr
        assert found(every_file(data), {**person, **old}) == []  # while the server has the database open
    assert {p.name for p in every_file(data)} >= {"nrdash.db"}
    assert found(every_file(data), {**person, **old}) == []  # and once it has stopped
    s = Store(url, migrate=False)
    try:  # the rest is still there
        rows = [r["referent"] for n in (2, 3) for r in s.personal_rows(OP, T, n)]
        assert rows == [KEPT, KEPT] and s.personal_rows(OP, T, 1) == []
    finally:
        s.close()


def test_postgresql_files_hold_nothing_of_an_erased_person(pg_server):
    from tests.pg import fresh_database

    url = fresh_database(pg_server)
    s = Store(url, seed_sample=False)
    try:
        fill(s)
        with s.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))  # as autovacuum would: statistics sample the columns' values
            folder = Path(conn.execute(sa.text("SHOW data_directory")).scalar())
            oid = conn.execute(sa.text("SELECT oid FROM pg_database WHERE datname = current_database()")).scalar()

        def files() -> list[Path]:
            with s.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("CHECKPOINT"))  # what the server would write sooner or later, written now
            return every_file(folder / "base" / str(oid)) + every_file(folder / "global")

        person, old = needles(NAME, EMAIL), needles(OLD_NAME, OLD_EMAIL)
        assert found(files(), person) and found(files(), old)
        assert s.erase_person(OP, T, NAME) == 3
        assert s.apply_retention(OP) == {T: 1}
        assert found(files(), {**person, **old}) == []
        assert [r["referent"] for n in (2, 3) for r in s.personal_rows(OP, T, n)] == [KEPT, KEPT]
    finally:
        s.close()


def _pg_store_and_files(pg_server):
    """A filled store on a fresh PostgreSQL database, and a function listing its files after a checkpoint."""
    from tests.pg import fresh_database

    url = fresh_database(pg_server)
    s = Store(url, seed_sample=False)
    fill(s)
    with s.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        folder = Path(conn.execute(sa.text("SHOW data_directory")).scalar())
        oid = conn.execute(sa.text("SELECT oid FROM pg_database WHERE datname = current_database()")).scalar()

    def files() -> list[Path]:
        with s.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("CHECKPOINT"))
        return every_file(folder / "base" / str(oid))

    return s, url, files


def _older_snapshot(url: str):
    """Another connection of the same database in a transaction whose snapshot was taken before the erasure (a
    report, a backup, autovacuum's ANALYZE): PostgreSQL keeps every row version it may still read."""
    engine = sa.create_engine(url)
    conn = engine.connect()
    conn.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
    # The snapshot is taken by reading another table: a lock on the scrubbed ones would only make VACUUM FULL wait
    # for the lock (``test_postgresql_erasure_left_pending_when_a_reader_holds_the_table``).
    assert conn.execute(sa.text("SELECT count(*) FROM territories")).scalar() > 0
    return engine, conn


def test_postgresql_erasure_waits_for_the_readers_of_an_older_snapshot(pg_server):
    """Seen failing before the scrub waited (07/12/2026): VACUUM FULL copied the rows that reader could still see
    into the new files, and a clean-clone run once found the erased name so (autovacuum's ANALYZE, most likely)."""
    s, url, files = _pg_store_and_files(pg_server)
    engine, reader = _older_snapshot(url)
    waited = []

    def sleep(seconds: float) -> None:  # the scrub's wait: the reader ends its transaction meanwhile
        waited.append(seconds)
        reader.rollback()

    s._sleep = sleep
    try:
        assert s.erase_person(OP, T, NAME) == 3
        assert waited, "the scrub did not wait for the older snapshot"
        assert found(files(), needles(NAME, EMAIL)) == []
        assert s._scrub_pending() is False
    finally:
        reader.close()
        engine.dispose()
        s.close()


def test_postgresql_erasure_left_pending_is_finished_by_the_next_retention(pg_server, caplog):
    """A reader that outlasts the scrub's bound (a long backup): the erasure returns, says so in the log, and the
    next retention run (daily, or ``python -m nrdash retention``) finishes it, even with nothing to retain."""
    s, url, files = _pg_store_and_files(pg_server)
    engine, reader = _older_snapshot(url)
    now = [0.0]
    s._clock = lambda: now[0]
    s._sleep = lambda seconds: now.__setitem__(0, now[0] + seconds)  # time passes, the reader stays
    try:
        with caplog.at_level("WARNING", logger="nrdash"):
            assert s.erase_person(OP, T, NAME) == 3
        assert now[0] >= s.SCRUB_WAIT and "prochaine application de la durée de conservation" in caplog.text
        assert found(files(), needles(NAME, EMAIL)) != []  # still in the files: that is why it is pending
        assert s._scrub_pending() is True
        reader.rollback()
        assert s.apply_retention(OP) == {T: 1}  # (the old version) and the pending scrub
        assert found(files(), needles(NAME, EMAIL)) == []
        assert s._scrub_pending() is False
        assert s.apply_retention(OP) == {}  # nothing left to do
    finally:
        reader.close()
        engine.dispose()
        s.close()


def test_postgresql_erasure_left_pending_when_a_reader_holds_the_table(pg_server):
    """A transaction that holds a scrubbed table (pg_dump does, for its whole run) without an older snapshot: VACUUM
    FULL gives up after its lock timeout instead of waiting, with every later reader of the table queued behind it;
    the scrub stays pending."""
    s, url, files = _pg_store_and_files(pg_server)
    engine = sa.create_engine(url)
    holder = engine.connect()
    holder.execute(sa.text("LOCK TABLE personal_data IN ACCESS SHARE MODE"))  # (read committed: no snapshot kept)
    s.SCRUB_LOCK_TIMEOUT_MS = 300
    try:
        assert s.erase_person(OP, T, NAME) == 3
        assert s._scrub_pending() is True
        with engine.connect() as other:  # the table was not left locked for the others
            assert other.execute(sa.text("SELECT count(*) FROM personal_data")).scalar() >= 1
        holder.rollback()
        s.apply_retention(OP)
        assert found(files(), needles(NAME, EMAIL)) == [] and s._scrub_pending() is False
    finally:
        holder.close()
        engine.dispose()
        s.close()
