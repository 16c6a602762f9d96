"""A territory's archive (Store.export_territory / import_territory, format 2): versions and everything kept with
the territory — objectives, manual pairings, questionnaire answers with their statuses, history and personal data,
the questionnaire's open/closed setting — round-tripped exactly on SQLite and PostgreSQL; altered files refused by
name; format 1 archives (versions only) still imported."""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import zipfile

import pytest
import sqlalchemy as sa

from nrdash import compare as cp
from nrdash import questionnaire as quest
from nrdash import referential as ref
from nrdash import store as st
from nrdash.sandbox import load_census_isolated
from nrdash.store import Store, StoreError
from tests.conftest import ROOT
from tests.principals import OP, anon
from tests.test_questionnaire import V1, answer
from tests.store.test_store import kill_in_transaction, small

EPCI = "241700434"
FORMAT1 = ROOT / "tests" / "fixtures" / "territoire-format1.zip"  # written by nrdash before format 2


def members(archive: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def rezip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, blob in files.items():
            zf.writestr(name, blob)
    return buf.getvalue()


def other_store(request, tmp_path, name: str = "other") -> Store:
    url = request.getfixturevalue("db_url")
    if url.startswith("sqlite"):
        return Store(f"sqlite:///{tmp_path / name / 'nrdash.db'}")
    from tests.pg import fresh_database

    return Store(fresh_database(request.getfixturevalue("pg_server")))


def kept(s: Store) -> dict:
    """Everything kept with the territory besides versions, without the instance's own ids."""
    objectives = [(dataclasses.asdict(o.objective), o.start_version, o.created_by, o.created_at)
                  for o in s.objectives(OP, EPCI)]
    answers = []
    for sub in s.submissions(OP, EPCI, with_contacts=True):
        d = sub.as_dict(with_contacts=True)
        d.pop("id")
        answers.append(d)
    draft = s.questionnaire_draft(OP, EPCI)
    t = s.territory(OP, EPCI)
    return {"objectives": objectives, "pairings": s.pairings(OP, EPCI), "answers": answers,
            "open": s.questionnaire_open(OP, EPCI), "draft_base": draft and draft.base_version,
            "draft_actors": draft and sorted(load_census_isolated(draft.data, draft.file_name)
                                             .actors["name"].tolist()),
            "territory": {k: t[k] for k in ("name", "anonymous_read", "retention_months", "created_at")}}


def exported(tmp_path) -> tuple[bytes, Store]:
    """The archive of a populated territory (from a first SQLite instance) and a second, empty instance."""
    s = Store(f"sqlite:///{tmp_path / 'a.db'}", seed_sample=False)
    populate(s)
    return s.export_territory(OP, EPCI), Store(f"sqlite:///{tmp_path / 'b.db'}", seed_sample=False)


def populate(s: Store) -> None:
    """Two versions, one more from the questionnaire; objectives; a pairing and an unpairing; answers in every
    status, one still in the shared draft, one whose person asked for erasure; the questionnaire closed."""
    s.publish(OP, EPCI, V1, "v1.xlsx", author="marie@x.fr", note="première")
    s.publish(OP, EPCI, small("b"), "v2.xlsx", author="paul@x.fr")
    s.set_territory(OP, EPCI, anonymous_read=True)  # a new territory opens closed (issue 25): visitors see a match
    s.restore(OP, EPCI, 1, author="marie@x.fr")
    objective = cp.Objective("engaged_actors", 12.5, dt.date(2027, 12, 31), dt.date(2026, 1, 15), 2.0,
                             note="<b>Cap</b> 2027")
    s.add_objective(OP, EPCI, objective, 1, author="marie@x.fr")
    s.add_objective(OP, EPCI, cp.Objective("family_in_circle_2", 3.0, dt.date(2028, 6, 30), dt.date(2026, 1, 15),
                                           0.0, family=next(iter(ref.FAMILIES))), 3)
    s.set_pairing(OP, EPCI, "nom:atelier velo|aytre", "nom:acteur b 0|", st.PAIR_LINK, author="marie@x.fr")
    s.set_pairing(OP, EPCI, "nom:mairie de lagord|lagord", "nom:acteur b 1|", st.PAIR_UNLINK)
    published, _ = s.submit(anon("10.0.0.1"), EPCI, answer(name="La Ressourcerie", level=2))
    paper = dataclasses.replace(answer(name="Spam"), referent="", contact="")
    [rejected] = s.submit_paper(OP, EPCI, [paper], author="10.0.0.2")
    s.review_submission(OP, EPCI, published, decision=quest.Decision(quest.ACCEPTED), author="ed@x.fr")
    s.review_submission(OP, EPCI, rejected, reason="Pas une structure du territoire", author="ed@x.fr")
    s.publish_questionnaire(OP, EPCI, note="Réponses de mars", author="paul@x.fr")
    merged, match = s.submit(anon("10.0.0.3"), EPCI, answer(name="Atelier Vélo", level=3, actor_type="PME",
                                                             referent="Nina Roux", contact="nina@example.org"))
    s.review_submission(OP, EPCI, merged, decision=quest.Decision(quest.MERGED, match.ref, ("level",)),
                        author="paul@x.fr")
    s.submit(anon("10.0.0.4"), EPCI,
             answer(name="Tiers-lieu", referent="Effacée Personne", contact="effacee@example.org"))
    s.submit(anon("10.0.0.5"), EPCI, answer(name="Nouveau venu", referent="Yves Tan", contact="yves@example.org"))
    s.erase_person(OP, EPCI, "Effacée Personne")
    s.set_questionnaire_open(OP, EPCI, False)
    s.set_territory(OP, EPCI, anonymous_read=False, retention_months=36)


def test_everything_kept_with_the_territory_round_trips_exactly(db_url, request, tmp_path):
    s = Store(db_url, seed_sample=False)
    populate(s)
    before = kept(s)
    assert len(before["objectives"]) == 2 and before["pairings"][0] and before["pairings"][1]
    assert [a["statut"] for a in before["answers"]] == ["accepted", "rejected", "merged", "new", "new"]
    assert before["answers"][3]["referent"] == before["answers"][3]["contact"] == ""  # erased
    assert before["answers"][4]["contact"] == "yves@example.org" and before["open"] is False
    assert before["draft_base"] == 4 and "Atelier Vélo" in before["draft_actors"]
    archive = s.export_territory(OP, EPCI)
    files = members(archive)
    manifest = json.loads(files["manifest.json"])
    assert manifest["format_version"] == 2 and manifest["territory"]["questionnaire_open"] is False
    assert set(manifest["files"]) == set(st.KEPT_FILES) <= set(files)
    answers = json.loads(files[st.SUBMISSIONS_FILE])
    assert "effacee@example.org" not in files[st.SUBMISSIONS_FILE].decode()
    assert answers[4]["contacts"] == {"referent": "Yves Tan", "contact": "yves@example.org"}
    assert answers[3]["contacts"] is None and all("client_key" not in a for a in answers)
    assert not any(n.startswith("brouillon") or "draft" in n for n in files)  # drafts are not carried

    other = other_store(request, tmp_path)
    assert other.import_territory(OP, archive) == (EPCI, 4)
    assert kept(other) == before
    again = members(other.export_territory(OP, EPCI))
    assert again.keys() == files.keys()
    for name in files:
        if name != "manifest.json":
            assert again[name] == files[name], name
    m2 = json.loads(again["manifest.json"])
    assert m2.pop("exported_at") and manifest.pop("exported_at") and m2 == manifest
    # the imported answers go on living: the pending merge publishes from the rebuilt shared draft
    assert other.publish_questionnaire(OP, EPCI, author="paul@x.fr").number == 5
    assert other.open_version(OP, EPCI).census.actors.set_index("name").loc["Atelier Vélo", "level"] == 3
    s.close()
    other.close()


def _rows(s: Store) -> dict[str, list]:
    """Every row of every table but the migrations' own."""
    with s.engine.connect() as conn:
        return {t.name: sorted(map(repr, conn.execute(sa.select(t)).all())) for t in st.schema.metadata.sorted_tables}


def test_an_import_killed_in_the_middle_leaves_the_instance_as_it_was(db_url, request, tmp_path):
    """« import-territoire » is one transaction: a SIGKILL after every row of the archive was written, before
    the commit, leaves nothing of it (not even the territory), and the same archive then imports whole."""
    source = Store(db_url, seed_sample=False)
    populate(source)
    archive, expected = source.export_territory(OP, EPCI), kept(source)
    source.close()
    target = other_store(request, tmp_path)  # the instance under test: the sample, and an account
    target.add_user(OP, "admin@x.fr", "motdepasse-long")
    before = _rows(target)
    target.engine.dispose()
    kill_in_transaction(lambda: Store(target.url, migrate=False).import_territory(OP, archive))
    fresh = Store(target.url, seed_sample=False)
    try:
        assert _rows(fresh) == before  # not a row of the archive, and nothing else changed
        assert fresh.import_territory(OP, archive) == (EPCI, 4)  # no lock left behind, nothing half there
        assert kept(fresh) == expected
    finally:
        fresh.close()


@pytest.mark.parametrize("name, expected", [
    (st.OBJECTIVES_FILE, "objectifs.json (objectifs) n'a pas le SHA-256"),
    (st.PAIRINGS_FILE, "appariements.json (appariements manuels) n'a pas le SHA-256"),
    (st.SUBMISSIONS_FILE, "questionnaire/reponses.json (réponses au questionnaire) n'a pas le SHA-256"),
    ("versions/0001/donnees-personnelles.json", "données personnelles de la version 1 n'a pas le SHA-256"),
])
def test_an_altered_file_is_refused_by_name_and_nothing_is_written(tmp_path, name, expected):
    archive, other = exported(tmp_path)
    files = members(archive)
    altered = files[name].replace(b"@x.fr", b"@y.fr").replace(b"Ana Lopez", b"Ana Lopes")
    assert altered != files[name]
    files[name] = altered
    with pytest.raises(StoreError, match="Archive altérée : .*" + re.escape(expected)):
        other.import_territory(OP, rezip(files))
    assert other.territories(OP) == []
    del files[name]
    with pytest.raises(StoreError, match="Archive incomplète"):
        other.import_territory(OP, rezip(files))
    assert other.territories(OP) == []


def test_a_malformed_kept_file_is_refused_by_name(tmp_path):
    archive, other = exported(tmp_path)
    files = members(archive)
    blob = json.dumps([{"ref_a": "x", "ref_b": "y", "kind": "peut-être", "created_by": "",
                        "created_at": None}]).encode()
    files[st.PAIRINGS_FILE] = blob
    manifest = json.loads(files["manifest.json"])
    manifest["files"][st.PAIRINGS_FILE] = st.common.sha256(blob)
    files["manifest.json"] = json.dumps(manifest).encode()
    with pytest.raises(StoreError, match="appariements.json .*forme attendue.*peut-être"):
        other.import_territory(OP, rezip(files))
    manifest["format_version"] = 3
    files["manifest.json"] = json.dumps(manifest).encode()
    with pytest.raises(StoreError, match="format 3 .*formats 1 à 2"):
        other.import_territory(OP, rezip(files))
    assert other.territories(OP) == []


def test_a_format_1_archive_still_imports(db_url, request, tmp_path):
    old = FORMAT1.read_bytes()
    assert json.loads(members(old)["manifest.json"])["format_version"] == 1
    s = Store(db_url, seed_sample=False)
    assert s.import_territory(OP, old) == (EPCI, 2)
    assert [v.note for v in s.versions(OP, EPCI)] == ["première", "deuxième"]
    assert s.personal_rows(OP, EPCI, 1) == [{"row": 3, "referent": "Léo Marchand", "contact": "leo@example.org"}]
    assert [r["referent"] for r in s.personal_rows(OP, EPCI, 2)] == ["Zoé Petit"]  # Ana Lopez was erased before
    assert (s.objectives(OP, EPCI), s.pairings(OP, EPCI), s.submissions(OP, EPCI)) == ([], ([], []), [])
    assert s.questionnaire_open(OP, EPCI) is True and s.questionnaire_draft(OP, EPCI) is None
    files, new = members(old), members(s.export_territory(OP, EPCI))
    for name, blob in files.items():
        if name != "manifest.json":
            assert new[name] == blob, name
    assert json.loads(new["manifest.json"])["format_version"] == 2
    s.close()


def resigned(files: dict[str, bytes], name: str, rows) -> bytes:
    """The archive with ``name`` replaced by ``rows`` and its SHA-256 updated in the manifest (a hand-edited
    archive, consistent but wrong)."""
    files = dict(files)
    files[name] = json.dumps(rows, ensure_ascii=False).encode()
    manifest = json.loads(files["manifest.json"])
    manifest["files"][name] = st.common.sha256(files[name])
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    return rezip(files)


def test_a_kept_row_without_its_date_or_an_answer_that_no_longer_applies_leaves_nothing(tmp_path):
    archive, other = exported(tmp_path)
    files = members(archive)
    pairings = json.loads(files[st.PAIRINGS_FILE])
    pairings[0]["created_at"] = None
    with pytest.raises(StoreError, match=r"appariements.json .*forme attendue.*date manquante"):
        other.import_territory(OP, resigned(files, st.PAIRINGS_FILE, pairings))
    pairings = json.loads(files[st.PAIRINGS_FILE])
    with pytest.raises(StoreError, match=r"appariements.json .*deux choix sur les mêmes acteurs"):
        other.import_territory(OP, resigned(files, st.PAIRINGS_FILE, pairings + pairings[:1]))
    assert other.territories(OP) == []
    # the pending merge names an actor the latest version does not have: the shared draft cannot be rebuilt,
    # and the versions already written are removed again
    answers = json.loads(files[st.SUBMISSIONS_FILE])
    answers[2]["decision"]["target"] = "nom:disparu|x"
    undone = (f"Import du territoire {EPCI} annulé, rien n'a été gardé : "
              ".*Atelier Vélo.*n'est plus dans le recensement")
    with pytest.raises(StoreError, match=undone):
        other.import_territory(OP, resigned(files, st.SUBMISSIONS_FILE, answers))
    assert other.territories(OP) == []
    assert other.import_territory(OP, rezip(files)) == (EPCI, 4)  # the archive as exported still imports


def test_a_territory_with_objectives_but_no_version_is_not_overwritten(tmp_path):
    archive, other = exported(tmp_path)
    other.add_user(OP, "admin@x.fr", "un mot de passe long")  # the instance's first account: its administrator
    other.add_user(OP, "chef@x.fr", "un mot de passe long", "éditeur", EPCI)  # creates the territory, no version
    other.set_pairing(OP, EPCI, "nom:a|", "nom:b|", st.PAIR_LINK)
    with pytest.raises(StoreError, match=f"Le territoire {EPCI} a déjà des appariements"):
        other.import_territory(OP, archive)
    other.remove_pairing(OP, EPCI, "nom:a|", "nom:b|")
    assert other.import_territory(OP, archive) == (EPCI, 4)
    assert other.role_of(OP, "chef@x.fr", EPCI) == "éditeur" and len(other.objectives(OP, EPCI)) == 2


def test_an_objective_the_page_could_not_show_is_refused(tmp_path):
    archive, other = exported(tmp_path)
    files = members(archive)
    objectives = json.loads(files[st.OBJECTIVES_FILE])
    for change, said in (({"indicator": "bonheur"}, "Indicateur « bonheur » inconnu"),
                         ({"target": float("nan")}, "non numérique")):
        with pytest.raises(StoreError, match=f"objectifs.json .*forme attendue.*{said}"):
            other.import_territory(OP, resigned(files, st.OBJECTIVES_FILE, [{**objectives[0], **change}]))
    answers = json.loads(files[st.SUBMISSIONS_FILE])
    answers[2]["decision"] = {"cible": "x"}
    with pytest.raises(StoreError, match="reponses.json .*forme attendue.*action"):
        other.import_territory(OP, resigned(files, st.SUBMISSIONS_FILE, answers))
    assert other.territories(OP) == []
