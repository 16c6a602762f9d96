"""The census store (nrdash/store/) on both backends: SQLite and a real PostgreSQL (tests/pg.py)."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import multiprocessing
import os
import signal
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from nrdash import geography
from nrdash import store as st
from nrdash.store import schema
from nrdash.store.database import make_engine
from nrdash.store.versions import content_values
from nrdash.census import load_census
from nrdash.parquet import frame_to_parquet
from nrdash.store import Principal, PublishRefused, Store, StoreError
from tests.conftest import SAMPLE, actors_sheet
from tests.principals import OP, acct, anon

EPCI = "241700434"  # CA de La Rochelle, the sample's own territory
HEADER_P = ["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé", "Référent", "Contact"]
FORK = multiprocessing.get_context("fork")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def small(tag: str, people: list[tuple[str, str]] | None = None, errors: int = 0) -> bytes:
    people = people or [("Ana Lopez", "ana@example.org"), ("Léo Marchand", "leo@example.org")]
    rows = [[f"Acteur {tag} {i}", "PME", 1, ref, contact] for i, (ref, contact) in enumerate(people)]
    rows += [[f"Acteur {tag} faux {i}", "PME", "beaucoup", None, None] for i in range(errors)]
    return actors_sheet(rows, HEADER_P)


@pytest.fixture
def store(db_url):
    s = Store(db_url, seed_sample=False)
    yield s
    s.close()


def numbers(s: Store, code: str = EPCI) -> list[int]:
    return [v.number for v in s.versions(OP, code)]


# ---------------------------------------------------------------------------------------------
# Publish, versions, restore
# ---------------------------------------------------------------------------------------------
def test_publish_identical_bytes_and_restore(store):
    first = SAMPLE.read_bytes()
    r1 = store.publish(OP, EPCI, first, "recensement.xlsx", author="Marie", note="premier")
    assert (r1.number, r1.created) == (1, True)
    again = store.publish(OP, EPCI, first, "autre-nom.xlsx", author="Paul")
    assert (again.number, again.created) == (1, False)  # same bytes as the latest: nothing new
    second = small("b")
    assert store.publish(OP, EPCI, second, "v2.xlsx", note="deuxième").number == 2
    r3 = store.restore(OP, EPCI, 1, author="Zoé")
    assert (r3.number, r3.created, r3.version.restored_from) == (3, True, 1)
    assert numbers(store) == [1, 2, 3]
    assert store.publish(OP, EPCI, first, "r.xlsx").created is False  # latest (3) has the sample's bytes
    assert store.publish(OP, EPCI, second, "v2.xlsx").number == 4  # identical to an OLDER version: a new one
    infos = {v.number: v for v in store.versions(OP, EPCI)}
    assert infos[1].author == "Marie" and infos[1].note == "premier" and infos[3].author == "Zoé"
    assert infos[1].original_sha256 == infos[1].file_sha256 == sha(first) == infos[3].original_sha256
    assert infos[1].n_actors == 150 and infos[2].n_actors == 2 and infos[2].n_errors == 0
    assert store.original(OP, EPCI, 1) == ("recensement.xlsx", first)
    assert store.original(OP, EPCI, 3)[1] == first
    v1, v3 = store.open_version(OP, EPCI, 1, personal=True), store.open_version(OP, EPCI, 3, personal=True)
    pd.testing.assert_frame_equal(v1.census.actors, v3.census.actors)
    assert len(store.open_version(OP, EPCI).census.actors) == 2  # latest = version 4
    with pytest.raises(StoreError, match="Version 9 introuvable"):
        store.restore(OP, EPCI, 9)


def test_rows_in_error_need_a_reason(store):
    bad = small("x", errors=2)
    with pytest.raises(PublishRefused, match="2 lignes en erreur"):
        store.publish(OP, EPCI, bad, "bad.xlsx")
    with pytest.raises(StoreError):
        store.versions(OP, EPCI)  # refused before anything was stored: not even the territory
    r = store.publish(OP, EPCI, bad, "bad.xlsx", force_reason="  atelier demain, corrigé après  ")
    assert r.version.force_reason == "atelier demain, corrigé après"
    assert (r.version.n_error_rows, r.version.n_errors) == (2, 2)
    assert sum(i.severity == "error" for i in store.issues(OP, EPCI, 1)) == 2


def test_unusable_file(store):
    with pytest.raises(StoreError, match="Fichier inutilisable"):
        store.publish(OP, EPCI, b"", "vide.xlsx")


def test_territory_codes_checked_and_created(store):
    for code, why in (("12ab", "invalide"), ("999999999", "SIREN d'EPCI 999999999"),
                      ("99999", "code INSEE de commune 99999"), ("", "invalide")):
        with pytest.raises(StoreError, match=why):
            store.publish(OP, code, small("t"), "t.xlsx")
    assert store.territories(OP) == []
    store.publish(OP, "17300", small("c"), "c.xlsx")  # La Rochelle, the commune
    store.publish(OP, "2A004", small("d"), "d.xlsx")  # Ajaccio: a letter in the code
    got = {t["code"]: t for t in store.territories(OP)}
    assert set(got) == {"17300", "2A004"}
    assert "La Rochelle" in got["17300"]["name"] and got["17300"]["retention_months"] == 24
    assert got["17300"]["anonymous_read"] is False  # a new territory opens closed (issue 25; was True)
    store.set_territory(OP, "17300", anonymous_read=False, retention_months=6)
    settings = store.territory(OP, "17300")
    assert (settings["anonymous_read"], settings["retention_months"]) == (False, 6)


def test_sample_seeded_under_exemple_only(db_url):
    s = Store(db_url)
    assert [t["code"] for t in s.territories(OP)] == ["exemple"]  # never under the sample's real EPCI code
    assert load_census(SAMPLE).territory.epci_siren == EPCI
    assert [(v.number, v.original_sha256) for v in s.versions(OP, "exemple")] == [(1, sha(SAMPLE.read_bytes()))]
    s.close()
    s = Store(db_url)  # a second start seeds nothing more
    assert numbers(s, "exemple") == [1] and len(s.territories(OP)) == 1
    s.close()


# ---------------------------------------------------------------------------------------------
# Personal data apart
# ---------------------------------------------------------------------------------------------
def test_viewer_load_never_reads_personal_data(store, sample_census):
    from nrdash.dataset import prepare

    store.publish(OP, EPCI, SAMPLE.read_bytes(), "s.xlsx")
    statements: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    st.clear_cache()
    viewer = store.open_version(OP, EPCI)
    assert statements and not any("personal_data" in s for s in statements)
    expected = prepare(sample_census, "sample", geography.offline()).census
    assert "referent" not in viewer.census.actors and "contact" not in viewer.census.actors
    # Each actor's identifier is the stored census's last column (issue 26): the file's census besides.
    assert list(viewer.census.actors.columns)[-1] == "actor_id" and viewer.census.actors["actor_id"].is_unique
    pd.testing.assert_frame_equal(viewer.census.actors.drop(columns=["actor_id"]),
                                  expected.actors.drop(columns=["referent", "contact"]))
    pd.testing.assert_frame_equal(viewer.census.actions, expected.actions)
    assert viewer.census.issues == expected.issues and viewer.census.territory == expected.territory
    assert viewer.territory is not None and viewer.territory.code == EPCI and viewer.label == "Version publiée"
    editor = store.open_version(OP, EPCI, personal=True)
    pd.testing.assert_frame_equal(editor.census.actors.drop(columns=["actor_id"]), expected.actors)
    assert store.open_version(OP, EPCI) is viewer  # cached: versions are immutable
    assert "referent" not in store.open_version(OP, EPCI).census.actors  # the editor's join did not leak into it
    # the stored content itself has no personal value
    with store.engine.connect() as conn:
        blob = conn.execute(sa.select(schema.versions.c.actors_parquet)).scalar()
    assert b"Hugo" not in blob and b"example.org" not in frame_to_parquet(viewer.census.actors)


def _texts(data: bytes, name: str) -> tuple[set, set]:
    actors = load_census(data, name).actors
    return set(actors["referent"].dropna()), set(actors["contact"].dropna())


def _ods(people: list[tuple[str, str]]) -> bytes:
    df = pd.DataFrame([[f"Acteur {i}", "PME", 1, r, c] for i, (r, c) in enumerate(people)], columns=HEADER_P)
    buf = io.BytesIO()
    df.to_excel(buf, sheet_name="Acteurs", index=False, engine="odf")
    return buf.getvalue()


def test_erase_person_everywhere_and_redact_files(store, sample_census):
    from nrdash.template import census_to_xlsx

    people = [("Hugo Guérin", "hugo.guerin@example.org"), ("Alix Robin", "alix.robin@example.org")]
    csv_bytes = ("Nom de l'acteur;Type d'acteur;Niveau d'engagement estimé;Référent;Contact\r\n"
                 "Asso A;Association;1;Hugo Guérin;06 11 22 33 44\r\nAsso B;Association;2;Alix Robin;alix@ex.org\r\n"
                 ).encode("cp1252")
    files = [(SAMPLE.read_bytes(), "exemple.xlsx"), (census_to_xlsx(sample_census, with_contacts=True), "v2.xlsx"),
             (csv_bytes, "v3.csv"), (_ods(people), "v4.ods"), (small("z"), "sans-hugo.xlsx")]
    for data, name in files:
        store.publish(OP, EPCI, data, name)
    before = {v.number: v for v in store.versions(OP, EPCI)}
    assert "Hugo Guérin" in _texts(*store.original(OP, EPCI, 3)[::-1])[0]

    assert store.erase_person(OP, EPCI, "  HUGO   GUERIN ") == 4  # case, accents and spaces ignored
    after = {v.number: v for v in store.versions(OP, EPCI)}
    for n in (1, 2, 3, 4):
        name, data = store.original(OP, EPCI, n)
        referents, contacts = _texts(data, name)
        assert "Hugo Guérin" not in referents and not any("hugo.guerin" in c for c in contacts), n
        assert "Alix Robin" in referents, n  # nobody else is erased
        assert all(r["referent"] != "Hugo Guérin" for r in store.personal_rows(OP, EPCI, n))
        v = after[n]
        assert v.original_sha256 == before[n].original_sha256 == sha(files[n - 1][0])
        assert v.file_sha256 == sha(data) != v.original_sha256
        assert v.redacted_at is not None and v.original_sha256 in v.redaction_note
        editor = store.open_version(OP, EPCI, n, personal=True).census.actors
        assert "Hugo Guérin" not in set(editor["referent"].dropna()) and "Alix Robin" in set(editor["referent"])
    assert after[3].file_name == "v3.csv" and after[1].file_name == "exemple.xlsx"  # formats kept
    assert after[4].file_name == "v4-expurge.xlsx" and ".ods" in after[4].redaction_note  # said, not hidden
    assert after[5].file_sha256 == before[5].file_sha256 and after[5].redacted_at is None  # untouched
    # the sample's other cells are left as they were
    red = load_census(*store.original(OP, EPCI, 1)[::-1])
    pd.testing.assert_frame_equal(red.actors.drop(columns=["referent", "contact"]),
                                  sample_census.actors.drop(columns=["referent", "contact"]))
    assert store.erase_person(OP, EPCI, "hugo guerin") == 0
    assert store.erase_person(OP, EPCI, "hugo.guerin@example.org") == 0  # his contact went with his name
    with pytest.raises(StoreError, match="trop court"):
        store.erase_person(OP, EPCI, "a")


def test_erase_person_by_email_only_touches_that_row(store):
    store.publish(OP, EPCI, small("e", [("Ana Lopez", "ANA@Example.org"), ("Anaïs Lopez", "anais@example.org")]),
                  "e.xlsx")
    assert store.erase_person(OP, EPCI, "ana@example.org") == 1
    assert [r["referent"] for r in store.personal_rows(OP, EPCI, 1)] == ["Anaïs Lopez"]


def test_retention_removes_old_personal_data(store):
    store.publish(OP, EPCI, small("r1"), "r1.xlsx")
    store.publish(OP, EPCI, small("r2"), "r2.xlsx")
    now = st.utcnow()
    assert store.apply_retention(OP, now + dt.timedelta(days=700)) == {}  # 23 months: kept
    assert len(store.personal_rows(OP, EPCI, 1)) == 2
    assert store.apply_retention(OP, st.add_months(now, 24) + dt.timedelta(days=1)) == {EPCI: 2}
    for n in (1, 2):
        assert store.personal_rows(OP, EPCI, n) == []
        assert _texts(*store.original(OP, EPCI, n)[::-1]) == (set(), set())
        assert "conservation (24 mois)" in store.versions(OP, EPCI)[n - 1].redaction_note
    store.set_territory(OP, EPCI, retention_months=6)
    store.publish(OP, EPCI, small("r3"), "r3.xlsx")
    assert store.apply_retention(OP, st.add_months(st.utcnow(), 5)) == {}
    assert store.apply_retention(OP, st.add_months(st.utcnow(), 7)) == {EPCI: 1}


# ---------------------------------------------------------------------------------------------
# Concurrency and crashes
# ---------------------------------------------------------------------------------------------
def _check_exactly_once(s: Store, files: list[bytes]) -> None:
    got = s.versions(OP, EPCI)
    assert [v.number for v in got] == list(range(1, len(files) + 1))
    assert sorted(v.original_sha256 for v in got) == sorted(sha(f) for f in files)
    for v in got:
        assert sha(s.original(OP, EPCI, v.number)[1]) == v.original_sha256


def test_ten_publishers_in_threads(store):
    files = [small(f"thread{i}") for i in range(10)]
    geography.offline()
    results, errors = [], []
    barrier = threading.Barrier(10)

    def publish(data):
        try:
            barrier.wait()
            results.append(store.publish(OP, EPCI, data, "t.xlsx").number)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=publish, args=(f,)) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert sorted(results) == list(range(1, 11))
    _check_exactly_once(store, files)


def _child_publish(url: str, data: bytes, start: float, out) -> None:
    try:
        s = Store(url, migrate=False)
        time.sleep(max(0.0, start - time.time()))
        out.put(("ok", s.publish(OP, EPCI, data, "p.xlsx").number))
    except Exception as exc:  # noqa: BLE001
        out.put(("error", repr(exc)))


def test_ten_publishers_in_processes(store):
    files = [small(f"process{i}") for i in range(10)]
    geography.offline()  # loaded before the fork: the children start warm
    store.engine.dispose()
    out = FORK.Queue()
    start = time.time() + 1.5
    procs = [FORK.Process(target=_child_publish, args=(store.url, f, start, out)) for f in files]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    assert [r for r in results if r[0] != "ok"] == []
    assert sorted(r[1] for r in results) == list(range(1, 11))
    assert all(p.exitcode == 0 for p in procs)
    _check_exactly_once(store, files)


def _paused(run, marker: str) -> None:
    os.environ[st.PAUSE_ENV] = marker
    run()
    os._exit(0)


def kill_in_transaction(run) -> None:
    """``run()`` in a forked child told (NRDASH_TEST_PAUSE_IN_PUBLISH) to say, with a marker file, when it is inside
    its transaction and then wait: killed there with SIGKILL."""
    marker = Path(tempfile.gettempdir()) / f"nrdash-pause-{os.getpid()}-{time.time_ns()}"
    p = FORK.Process(target=_paused, args=(run, str(marker)))
    p.start()
    deadline = time.time() + 120
    while not marker.exists() and time.time() < deadline and p.is_alive():
        time.sleep(0.05)
    assert marker.exists(), "the child never reached the middle of its transaction"
    os.kill(p.pid, signal.SIGKILL)
    p.join(30)
    marker.unlink()
    assert p.exitcode == -signal.SIGKILL


def test_publisher_killed_inside_its_transaction(store):
    kept = [small("k1"), small("k2")]
    for f in kept:
        store.publish(OP, EPCI, f, "k.xlsx")
    store.engine.dispose()
    kill_in_transaction(lambda: Store(store.url, migrate=False).publish(OP, EPCI, small("half"), "killed.xlsx"))
    fresh = Store(store.url, seed_sample=False)  # the store opens afterwards…
    try:
        _check_exactly_once(fresh, kept)  # …with every committed version and no half one
        with fresh.engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(schema.versions)).scalar() == 2
            assert conn.execute(sa.select(sa.func.count()).select_from(schema.personal_data)).scalar() == 4
        assert fresh.publish(OP, EPCI, small("after"), "a.xlsx").number == 3  # no gap, no lock left behind
    finally:
        fresh.close()


def _child_open(url: str, start: float, out) -> None:
    try:
        time.sleep(max(0.0, start - time.time()))
        s = Store(url)
        out.put(("ok", st.upgrade_schema(s.engine)))
    except Exception as exc:  # noqa: BLE001
        out.put(("error", repr(exc)))


def test_two_processes_starting_together(db_url):
    geography.offline()
    out = FORK.Queue()
    start = time.time() + 1.0
    procs = [FORK.Process(target=_child_open, args=(db_url, start, out)) for _ in range(3)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    assert results == [("ok", st.head_revision())] * 3
    s = Store(db_url, migrate=False)
    assert numbers(s, "exemple") == [1]  # seeded exactly once
    s.close()


# ---------------------------------------------------------------------------------------------
# Migrations
# ---------------------------------------------------------------------------------------------
def test_migrations_from_empty_and_from_first_schema_with_data(db_url):
    engine = make_engine(db_url)
    assert sa.inspect(engine).get_table_names() == []
    assert st.upgrade_schema(engine, "0001") == "0001"
    insp = sa.inspect(engine)
    assert "restored_from" not in {c["name"] for c in insp.get_columns("versions")}
    # data written by the first schema
    census = load_census(small("m"), "m.xlsx")
    content = content_values(census, None, None)
    data = small("m")
    with engine.begin() as conn:
        tid = conn.execute(sa.text("INSERT INTO territories (code, name, anonymous_read, retention_months, "
                                   "created_at) VALUES ('17300', 'La Rochelle', true, 24, :t) RETURNING id"),
                           {"t": st.utcnow()}).scalar()
        cols = dict(territory_id=tid, number=1, created_at=st.utcnow(), author="ancien", note="avant 0002",
                    file_name="m.xlsx", file_bytes=data, file_sha256=sha(data), original_sha256=sha(data),
                    **content)
        vid = conn.execute(sa.text(f"INSERT INTO versions ({', '.join(cols)}) VALUES "
                                   f"({', '.join(':' + c for c in cols)}) RETURNING id"), cols).scalar()
        conn.execute(sa.text("INSERT INTO personal_data (version_id, row, referent, contact) VALUES "
                             "(:v, 2, 'Ana Lopez', 'ana@example.org')"), {"v": vid})
    engine.dispose()
    s = Store(db_url, seed_sample=False)  # upgrades 0001 -> head at start
    insp = sa.inspect(s.engine)
    assert "restored_from" in {c["name"] for c in insp.get_columns("versions")}
    assert "ix_login_attempts_ip_at" in {i["name"] for i in insp.get_indexes("login_attempts")}
    [v] = s.versions(OP, "17300")
    assert (v.number, v.author, v.note, v.restored_from, v.original_sha256) == (1, "ancien", "avant 0002", None,
                                                                                   sha(data))
    assert s.personal_rows(OP, "17300", 1) == [{"row": 2, "referent": "Ana Lopez", "contact": "ana@example.org"}]
    assert list(s.open_version(OP, "17300").census.actors["name"]) == ["Acteur m 0", "Acteur m 1"]
    assert s.restore(OP, "17300", 1).version.restored_from is None  # bytes as latest: nothing new
    assert s.publish(OP, "17300", small("n"), "n.xlsx").number == 2
    s.close()


# ---------------------------------------------------------------------------------------------
# Export / import
# ---------------------------------------------------------------------------------------------
def test_export_then_import_into_a_fresh_instance(store, tmp_path, request):
    store.publish(OP, EPCI, SAMPLE.read_bytes(), "exemple.xlsx", author="Marie", note="<i>v1</i>")
    store.publish(OP, EPCI, small("x", errors=1), "x.xlsx", force_reason="démo")
    store.restore(OP, EPCI, 1)
    store.erase_person(OP, EPCI, "Alix Robin")
    archive = store.export_territory(OP, EPCI)
    manifest = json.loads(__import__("zipfile").ZipFile(io.BytesIO(archive)).read("manifest.json"))
    assert [v["number"] for v in manifest["versions"]] == [1, 2, 3]
    assert manifest["versions"][1]["issues"] and manifest["versions"][0]["note"] == "<i>v1</i>"
    other_url = f"sqlite:///{tmp_path / 'other' / 'nrdash.db'}"
    if store.engine.dialect.name == "postgresql":
        from tests.pg import fresh_database

        other_url = fresh_database(request.getfixturevalue("pg_server"))
    other = Store(other_url)
    assert other.import_territory(OP, archive) == (EPCI, 3)
    a, b = store.versions(OP, EPCI), other.versions(OP, EPCI)
    assert [v.as_dict() for v in a] == [v.as_dict() for v in b]
    for v in a:
        assert other.original(OP, EPCI, v.number) == store.original(OP, EPCI, v.number)
        assert sha(other.original(OP, EPCI, v.number)[1]) == v.file_sha256
        assert other.personal_rows(OP, EPCI, v.number) == store.personal_rows(OP, EPCI, v.number)
        pd.testing.assert_frame_equal(other.open_version(OP, EPCI, v.number, personal=True).census.actors,
                                      store.open_version(OP, EPCI, v.number, personal=True).census.actors)
    assert other.territory(OP, EPCI)["name"] == store.territory(OP, EPCI)["name"]
    with pytest.raises(StoreError, match="déjà des versions"):
        other.import_territory(OP, archive)
    tampered = archive.replace(b"exemple.xlsx", b"exemple.xlsX")
    with pytest.raises(StoreError):
        Store(f"sqlite:///{tmp_path / 'third' / 'nrdash.db'}", seed_sample=False).import_territory(OP, tampered)
    other.close()


# ---------------------------------------------------------------------------------------------
# Hostile input, accounts
# ---------------------------------------------------------------------------------------------
HOSTILE = "<script>alert('x')</script> **gras** [lien](javascript:x) \x07\x1b[31m\u202e\ttab\nligne ' ; DROP TABLE versions; --"


def test_hostile_text_stored_as_typed_and_length_limited(store):
    r = store.publish(OP, EPCI, small("h"), "<img src=x onerror=alert(1)>.xlsx", author=HOSTILE[:200], note=HOSTILE)
    [v] = store.versions(OP, EPCI)
    assert (v.note, v.author, v.file_name) == (HOSTILE, HOSTILE[:200], "<img src=x onerror=alert(1)>.xlsx")
    assert r.version.note == HOSTILE
    huge = "é" * 100_000
    for kwargs, what in ((dict(note=huge), "La note fait 100\u202f000 caractères : 2\u202f000 au plus"),
                         (dict(author=huge), "Le nom de l'auteur fait 100\u202f000 caractères : 200 au plus"),
                         (dict(force_reason=huge), "La raison fait 100\u202f000"),
                         (dict(note="a\x00b"), "caractère nul")):
        with pytest.raises(StoreError, match=what.replace("(", "\\(")):
            store.publish(OP, EPCI, small("h2"), "h2.xlsx", **kwargs)
    assert numbers(store) == [1]
    assert store.add_user(OP, "<b>x</b>'@exemple.fr", "un mot de passe")["email"] == "<b>x</b>'@exemple.fr"
    for bad in ("a" * 100_000 + "@x.fr", "pas une adresse", "a@b.fr\x00", "a\x1b@b.fr"):
        with pytest.raises(StoreError, match="[Aa]dresse électronique"):
            store.add_user(OP, bad, "un mot de passe")
    assert store.sign_in(anon(HOSTILE), HOSTILE, HOSTILE).outcome == "wrong"
    assert store.sign_in(anon(HOSTILE * 10), HOSTILE * 10, HOSTILE).outcome == "wrong"


def test_accounts_roles_and_rate_limit(store):
    first = store.add_user(OP, "Admin@Exemple.fr", "correct horse battery")
    assert first == {"email": "Admin@Exemple.fr", "is_admin": True, "created": True}
    second = store.add_user(OP, "ed@exemple.fr", "autre mot de passe", "éditeur", "17300")
    assert second["is_admin"] is False and second["created"] is True
    assert store.role_of(OP, "admin@exemple.fr", "17300") == "administrateur"
    assert store.role_of(OP, "ED@exemple.fr", "17300") == "éditeur"
    assert store.role_of(OP, "ed@exemple.fr", EPCI) is None
    assert store.add_user(OP, "ed@exemple.fr", None, "lecteur", "17300")["created"] is False
    assert store.role_of(OP, "ed@exemple.fr", "17300") == "lecteur"
    with store.engine.connect() as conn:
        hashes = conn.execute(sa.select(schema.users.c.password_hash)).scalars().all()
    assert all(h.startswith("$argon2id$") for h in hashes) and not any("horse" in h for h in hashes)
    assert store.verify_password(OP, "ADMIN@exemple.fr", "correct horse battery") is True
    assert store.verify_password(OP, "admin@exemple.fr", "wrong") is False
    assert store.verify_password(OP, "nobody@exemple.fr", "x") is False
    with pytest.raises(StoreError, match="trop court"):
        store.add_user(OP, "new@exemple.fr", "court")
    with pytest.raises(StoreError, match="Rôle"):
        store.add_user(OP, "new@exemple.fr", "assez long mot", "chef", "17300")
    now = st.utcnow()  # sign_in counts and decides in one transaction (was check_rate, then record_login)
    for i in range(4):
        assert store.sign_in(anon("10.0.0.1"), "ed@exemple.fr", "faux", now=now - dt.timedelta(minutes=i)).outcome \
            == "wrong"
    ok = store.sign_in(anon("10.0.0.9"), "ed@exemple.fr", "autre mot de passe", now=now)
    assert ok.outcome == "ok" and ok.session  # a success does not count
    assert store.sign_in(anon("10.0.0.2"), "Ed@exemple.fr", "faux", now=now).outcome == "wrong"
    assert store.sign_in(anon("10.0.0.9"), "ed@exemple.fr", "autre mot de passe", now=now).outcome == "blocked"
    assert store.sign_in(anon("10.0.0.9"), "ed@exemple.fr", "autre mot de passe",
                         now=now + dt.timedelta(minutes=16)).outcome == "ok"  # 5 failures for this e-mail, then none
    for i in range(20):
        assert store.sign_in(anon("10.0.0.3"), f"u{i}@exemple.fr", "x", now=now).outcome == "wrong"
    assert store.sign_in(anon("10.0.0.3"), "other@exemple.fr", "x", now=now).outcome == "blocked"  # 20 failures
    assert store.sign_in(anon("10.0.0.4"), "other@exemple.fr", "x", now=now).outcome == "wrong"


def test_workshop_tokens(store):
    store.publish(OP, "17300", small("w"), "w.xlsx")
    token = store.create_workshop_token(OP, "17300", "atelier de mars", author="ed@exemple.fr")
    assert store.workshop_territory(Principal.workshop(token)) == "17300"
    assert store.workshop_territory(Principal.workshop(token + "x")) is None
    with store.engine.connect() as conn:
        assert token not in str(conn.execute(sa.select(schema.workshop_tokens)).all())  # only its hash is kept


# ---------------------------------------------------------------------------------------------
# Drafts
# ---------------------------------------------------------------------------------------------
def test_drafts_per_editor_publish_and_newer_version(store):
    store.publish(OP, EPCI, small("v1"), "v1.xlsx", author="a@x.fr")
    assert store.draft(OP, EPCI, author="marie@x.fr") is None
    first = small("brouillon")
    d = store.save_draft(OP, EPCI, first, "b.xlsx", base_version=1, author="Marie@X.fr")
    assert (d.base_version, d.file_name, d.author) == (1, "b.xlsx", "Marie@X.fr")
    assert store.draft(OP, EPCI, author="marie@x.fr").data == first  # the e-mail's case does not matter
    assert store.draft(OP, EPCI, author="paul@x.fr") is None  # visible to its author only
    second = small("brouillon 2")
    store.save_draft(OP, EPCI, second, "b2.xlsx", base_version=1, author="marie@x.fr")  # replaces hers
    assert store.draft(OP, EPCI, author="marie@x.fr").file_name == "b2.xlsx"
    # Paul publishes version 2 meanwhile: Marie, who saw version 1, is stopped and told
    store.publish(OP, EPCI, small("v2"), "v2.xlsx", author="paul@x.fr")
    with pytest.raises(st.NewerVersion, match="La version 2 a été publiée"):
        store.publish_draft(OP, EPCI, note="n", expected_latest=1, author="marie@x.fr")
    assert numbers(store) == [1, 2] and store.draft(OP, EPCI, author="marie@x.fr") is not None
    r = store.publish_draft(OP, EPCI, note="après relecture", expected_latest=2, author="marie@x.fr")
    assert r.number == 3 and r.version.base_version == 1 and r.version.author == "marie@x.fr"
    assert store.original(OP, EPCI, 3) == ("b2.xlsx", second)
    assert store.draft(OP, EPCI, author="marie@x.fr") is None  # published: the draft is gone
    with pytest.raises(StoreError, match="Aucun brouillon"):
        store.publish_draft(OP, EPCI, author="marie@x.fr")
    store.save_draft(OP, EPCI, small("x"), "x.xlsx", base_version=3, author="marie@x.fr")
    assert store.discard_draft(OP, EPCI, author="marie@x.fr") and store.draft(OP, EPCI, author="marie@x.fr") is None


def test_erasure_and_retention_reach_drafts(store):
    store.publish(OP, EPCI, small("v1"), "v1.xlsx")
    store.save_draft(OP, EPCI, small("b", [("Hugo Guérin", "hugo@example.org")]), "b.xlsx", 1, author="marie@x.fr")
    store.save_draft(OP, EPCI, small("c"), "c.xlsx", 1, author="paul@x.fr")
    store.erase_person(OP, EPCI, "hugo guerin")
    assert store.draft(OP, EPCI, author="marie@x.fr") is None  # it held the person: deleted whole
    assert store.draft(OP, EPCI, author="paul@x.fr") is not None
    store.apply_retention(OP, now=st.utcnow() + dt.timedelta(days=365 * 3))
    assert store.draft(OP, EPCI, author="paul@x.fr") is None  # older than the retention period


def test_readable_territories(store):
    store.publish(OP, EPCI, small("a"), "a.xlsx")
    store.publish(OP, "17300", small("b"), "b.xlsx")  # La Rochelle, the commune
    store.set_territory(OP, EPCI, anonymous_read=True)  # a new territory opens closed (issue 25): EPCI opened
    store.set_territory(OP, "17300", anonymous_read=False)
    store.add_user(OP, "admin@x.fr", "motdepasse-long")
    store.add_user(OP, "paul@x.fr", "motdepasse-long")
    store.add_user(OP, "marie@x.fr", "motdepasse-long", "lecteur", "17300")
    assert [c for c, _ in store.readable_territories(anon())] == [EPCI]
    assert [c for c, _ in store.readable_territories(acct("paul@x.fr"))] == [EPCI]
    assert sorted(c for c, _ in store.readable_territories(acct("Marie@x.fr"))) == ["17300", EPCI]
    assert sorted(c for c, _ in store.readable_territories(acct("admin@x.fr"))) == ["17300", EPCI]


def test_an_editors_dataset_is_reused_until_its_personal_data_change(store, db_url):
    import subprocess
    import sys

    store.publish(OP, EPCI, small("p"), "p.xlsx")
    first = store.open_version(OP, EPCI, personal=True)
    assert store.open_version(OP, EPCI, personal=True) is first  # an editor's rerun joins nothing again
    assert set(first.census.actors["referent"]) == {"Ana Lopez", "Léo Marchand"}
    assert "referent" not in store.open_version(OP, EPCI).census.actors  # a viewer's is still without them
    # Erased in another process (another replica): nothing tells this process, the version's stamp changes.
    res = subprocess.run([sys.executable, "-m", "nrdash", "erase-person", "--territoire", EPCI, "Ana Lopez"],
                         env={**os.environ, "NRDASH_DATABASE_URL": db_url}, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    second = store.open_version(OP, EPCI, personal=True)
    assert second is not first and set(second.census.actors["referent"].dropna()) == {"Léo Marchand"}
    # Erased in this process: its copy is dropped at once, not only at the next read.
    assert store.erase_person(OP, EPCI, "Léo Marchand") == 1
    assert not any(first_or_second is second for _, first_or_second in st.versions._personal_cache.values())
    assert store.open_version(OP, EPCI, personal=True).census.actors["referent"].dropna().empty
