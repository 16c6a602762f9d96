"""The questionnaire's logic and store (issue 17): checking an answer, matching it with the census, applying the
editors' decisions, the stored submissions (contacts apart, history, burst limit, closing, erasure, retention) and
the ``soumissions`` command."""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
import sqlalchemy as sa

from nrdash import questionnaire as quest
from nrdash import referential as ref
from nrdash import store as st
from nrdash.cli import main
from tests.conftest import actors_sheet
from tests.principals import OP, anon

EPCI = "241700434"
HEADER = ["Nom de l'acteur", "SIRET", "Type d'acteur", "Niveau d'engagement estimé", "Commune", "Référent",
          "Contact"]
SIRET_OK, SIRET_BAD_KEY = "73282932000074", "73282932000075"
V1 = actors_sheet([["Atelier Vélo", None, "Associations du NR", 1, "Aytré", "Hugo Guérin", "hugo@example.org"],
                   ["Mairie de Lagord", None, "Commune", 2, "Lagord", "Ana Lopez", "ana@example.org"],
                   ["Numérique Solidaire", SIRET_OK, "Entreprises du NR", 2, "Aytré", None, None]], HEADER)
COMMUNES = {"17028": "Aytré", "17200": "Lagord"}


def raw(**over):
    base = {"name": "La Ressourcerie", "actor_type": "Autres associations", "commune": "17028", "level": 1,
            "referent": "Zoé Martin", "contact": "zoe@example.org", "consent": True}
    return {**base, **over}


def answer(**over) -> quest.Answer:
    a, problems = quest.validate(raw(**over), COMMUNES)
    assert problems == [], problems
    return a


@pytest.fixture
def store(tmp_path):
    s = st.Store(f"sqlite:///{tmp_path / 'q.db'}", seed_sample=False)
    s.publish(OP, EPCI, V1, "v1.xlsx", author="marie@x.fr")
    s.set_territory(OP, EPCI, anonymous_read=True)  # open, as its administrator would: visitors are told the match
    yield s
    s.close()


# -- checking an answer ----------------------------------------------------------------------
def test_consent_is_required_and_said():
    a, problems = quest.validate(raw(consent=False), COMMUNES)
    assert a is None and [p.field for p in problems] == ["consent"]
    assert "Cochez « J'accepte … »" in problems[0].message


def test_siret_is_checked_with_its_key():
    assert answer(siret="732 829 320 00074").siret == SIRET_OK
    _, problems = quest.validate(raw(siret=SIRET_BAD_KEY), COMMUNES)
    assert [p.field for p in problems] == ["siret"] and "clé de contrôle" in problems[0].message
    _, problems = quest.validate(raw(siret="1234"), COMMUNES)
    assert "14 chiffres" in problems[0].message


def test_every_text_field_is_limited_with_a_message_naming_it():
    for key, (label, _limit) in quest.TEXT_FIELDS.items():
        _, problems = quest.validate(raw(**{key: "x" * 100_000, "commune": quest.OTHER_COMMUNE}), COMMUNES)
        mine = [p for p in problems if p.field == key]
        assert mine and f"« {label} » fait 100 000 caractères" in mine[0].message.replace("\u202f", " "), key


def test_markup_is_kept_as_typed_and_the_other_fields_checked():
    a = answer(name="<img src=x onerror=alert(1)> **Asso**", needs=["Financement", "Bidon"],
               action_types=["Inclusion numérique", "<script>"], is_local="oui")
    assert a.name == "<img src=x onerror=alert(1)> **Asso**"
    assert a.needs == ("Financement",) and a.action_types == ("Inclusion numérique",) and a.is_local is True
    assert a.family == ref.ASSOCIATIONS and a.commune == "Aytré" and a.insee == "17028"
    _, problems = quest.validate(raw(needs=["Autre"], level=7, actor_type="Robot", commune="99999"), COMMUNES)
    assert [p.field for p in problems] == ["actor_type", "commune", "level", "needs_text"]
    assert answer(commune=None, commune_text="Marans").commune == "Marans"


def test_robots_by_hidden_field_or_speed():
    assert quest.robot({"website": "http://spam"}, 60) and quest.robot({}, 1.0) and quest.robot({}, None)
    assert not quest.robot({"website": ""}, 30)


def test_the_time_rule_is_bounded_and_spares_personal_links():
    assert quest.min_fill_seconds({}) == quest.MIN_FILL_SECONDS <= 4
    assert quest.min_fill_seconds({quest.FILL_SECONDS_ENV: "2,5"}) == 2.5
    assert quest.min_fill_seconds({quest.FILL_SECONDS_ENV: "30"}) == 4.0  # never more than 4 s
    assert quest.min_fill_seconds({quest.FILL_SECONDS_ENV: "-1"}) == 0.0
    assert quest.min_fill_seconds({quest.FILL_SECONDS_ENV: "vite"}) == quest.MIN_FILL_SECONDS
    assert quest.min_fill_seconds({quest.FILL_SECONDS_ENV: "nan"}) == quest.MIN_FILL_SECONDS
    assert quest.too_fast(1.0, 3.0) and quest.too_fast(None, 3.0) and not quest.too_fast(3.0, 3.0)
    assert not quest.too_fast(0.1, 3.0, personal_link=True)  # its holder was written to: no time rule
    assert not quest.too_fast(0.0, 0.0)  # the rule turned off
    assert quest.robot({"website": "x"}, 60, personal_link=True)  # the hidden field still catches a robot


def test_consent_states_purpose_readers_retention_and_erasure():
    text = quest.consent_text("CA de La Rochelle", 24)
    assert text.startswith("J'accepte") and "recensement" in text and "seule l'équipe" in text
    assert "2 ans" in text and "effacer" in text
    assert "18 mois" in quest.consent_text("X", 18)


# -- matching --------------------------------------------------------------------------------
def test_matches_siret_then_name_and_commune_then_similar(store):
    actors = store.open_version(OP, EPCI).census.actors
    by_siret = quest.matches(answer(name="Autre nom", siret=SIRET_OK), actors)
    assert by_siret[0].how == quest.SIRET and by_siret[0].name == "Numérique Solidaire"
    same = quest.matches(answer(name="L'atelier  VELO", commune="17028"), actors)
    assert (same[0].how, same[0].name, same[0].ref) == (quest.NAME, "Atelier Vélo", "nom:atelier velo|aytre")
    assert quest.flagged(answer(name="Atelier Vélo", commune="17200"), actors) is None  # another commune
    similar = quest.matches(answer(name="Atelier du Vélo", commune="17200"), actors)
    assert similar and similar[0].how == quest.SIMILAR and similar[0].name == "Atelier Vélo"
    assert 80 <= similar[0].score < 100
    # two different valid SIRETs are two establishments, whatever their names
    other = "73282932000082" if quest.siret_ok("73282932000082") else "35600000000048"
    assert quest.flagged(answer(name="Numérique Solidaire", commune="17028", siret=other), actors) is None
    assert quest.matches(answer(name="Zzzz qqqq"), actors) == []


def test_apply_decisions_merges_only_the_chosen_fields_and_adds_new_actors(store):
    actors = store.open_version(OP, EPCI, personal=True).census.actors
    merge = quest.Decision(quest.MERGED, "nom:atelier velo|aytre", ("level", "contact"))
    new = answer(name="Nouvelle", actor_type="PME", level=3)
    out = quest.apply_decisions(actors, [(answer(name="Atelier Vélo", level=3, referent="Autre Personne",
                                                 contact="new@example.org", actor_type="PME"), merge),
                                         (new, quest.Decision(quest.ACCEPTED))], dt.date(2026, 3, 1))
    row = out[out["name"] == "Atelier Vélo"].iloc[0]
    assert (row["level"], row["contact"], row["referent"], row["type"]) == (3, "new@example.org", "Hugo Guérin",
                                                                            "Associations du NR")
    added = out.iloc[-1]
    assert (added["name"], added["source"], added["family"], added["referent"]) == (
        "Nouvelle", ref.QUESTIONNAIRE_SOURCE, ref.COMPANIES, "Zoé Martin")
    assert len(out) == len(actors) + 1
    with pytest.raises(quest.ApplyError, match="n'est plus dans le recensement"):
        quest.apply_decisions(actors, [(new, quest.Decision(quest.MERGED, "nom:disparu|x", ("level",)))],
                              dt.date(2026, 3, 1))


def test_differences_name_what_the_answer_would_change():
    actor = {"name": "Atelier Vélo", "type": "Associations du NR", "level": 1, "commune": "Aytré"}
    diffs = {f: (new, old) for f, _, new, old in quest.differences(answer(name="Atelier Vélo", level=2), actor)}
    assert diffs["level"] == ("2 — Acteur du NR", "1 — Sensibilisé au NR") and "name" not in diffs
    assert diffs["type"] == ("Autres associations", "Associations du NR")


# -- the store -------------------------------------------------------------------------------
def test_submission_stored_with_contacts_apart_and_flagged(store):
    sid, match = store.submit(anon("10.0.0.1"), EPCI, answer(name="Atelier  vélo", commune="17028"))
    assert match is not None and match.ref == "nom:atelier velo|aytre"
    sub = store.submission(OP, EPCI, sid)
    assert sub.status == quest.NEW and sub.match_how == quest.NAME
    assert sub.answer.referent == "" and sub.answer.contact == ""  # not read unless asked for
    full = store.submission(OP, EPCI, sid, with_contacts=True)
    assert (full.answer.referent, full.answer.contact) == ("Zoé Martin", "zoe@example.org")
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(st.schema.submissions.c.answer, st.schema.submissions.c.client_key)).one()
    assert "zoe@example.org" not in stored.answer and "Zoé" not in stored.answer
    assert stored.client_key == st.common.sha256(b"10.0.0.1")  # the address itself is not kept
    assert store.count_submissions(OP, EPCI) == 1


def test_store_refuses_too_long_text_and_closed_questionnaire(store):
    long = quest.Answer(name="x" * 100_000, actor_type="PME", level=1)
    with pytest.raises(st.StoreError, match="Nom de la structure"):
        store.submit(anon("10.0.0.1"), EPCI, long)
    store.set_questionnaire_open(OP, EPCI, False)
    assert store.questionnaire_open(OP, EPCI) is False
    with pytest.raises(st.StoreError, match="questionnaire est fermé"):
        store.submit(anon("10.0.0.1"), EPCI, answer())
    store.set_questionnaire_open(OP, EPCI, True)
    assert store.submit(anon("10.0.0.1"), EPCI, answer())[0] == 1


def test_a_burst_of_100_from_one_address_is_slowed_and_every_accepted_one_stored(store):
    now = st.utcnow()
    accepted, refused = [], []
    for i in range(100):
        try:
            accepted.append(store.submit(anon("203.0.113.9"), EPCI, answer(name=f"Structure {i}"),
                                         now=now + dt.timedelta(seconds=i))[0])
        except st.TooManySubmissions as exc:
            refused.append(str(exc))
    assert len(accepted) == st.SUBMISSION_BURST and len(refused) == 100 - st.SUBMISSION_BURST
    assert all("patientez" in m and "minute" in m for m in refused)
    stored = store.submissions(OP, EPCI)
    assert [s.id for s in stored] == accepted
    assert [s.answer.name for s in stored] == [f"Structure {i}" for i in range(st.SUBMISSION_BURST)]
    # another address is not slowed down; the same one is, until the window has passed
    assert store.submit(anon("203.0.113.10"), EPCI, answer(), now=now + dt.timedelta(seconds=100))
    later = now + st.SUBMISSION_WINDOW + dt.timedelta(seconds=30)
    assert store.submit(anon("203.0.113.9"), EPCI, answer(name="Après"), now=later)


def test_review_accept_merge_reject_then_publish_the_shared_draft(store):
    s1, m1 = store.submit(anon("a"), EPCI, answer(name="Atelier Vélo", level=3, actor_type="PME",
                                       contact="nouveau@example.org"))
    s2, _ = store.submit(anon("b"), EPCI, answer(name="La Ressourcerie", level=2))
    s3, _ = store.submit(anon("c"), EPCI, answer(name="Spam"))
    with pytest.raises(st.StoreError, match="raison du refus"):
        store.review_submission(OP, EPCI, s3, reason="  ", author="ed@x.fr")
    assert store.review_submission(OP, EPCI, s3, reason="Pas une structure du territoire",
                                   author="ed@x.fr") == quest.REJECTED
    store.review_submission(OP, EPCI, s1, decision=quest.Decision(quest.MERGED, m1.ref, ("level",)), author="ed@x.fr")
    store.review_submission(OP, EPCI, s2, decision=quest.Decision(quest.ACCEPTED), author="paul@x.fr")
    with pytest.raises(st.StoreError, match="déjà été traitée"):
        store.review_submission(OP, EPCI, s2, decision=quest.Decision(quest.ACCEPTED), author="ed@x.fr")
    draft = store.questionnaire_draft(OP, EPCI)
    assert draft is not None and draft.base_version == 1
    assert store.draft(OP, EPCI, author="ed@x.fr") is None  # the shared draft is not an editor's own
    result = store.publish_questionnaire(OP, EPCI, note="Réponses de mars", author="paul@x.fr")
    assert result.number == 2 and result.version.author == "paul@x.fr"
    assert store.questionnaire_draft(OP, EPCI) is None
    actors = store.open_version(OP, EPCI, personal=True).census.actors.set_index("name")
    assert actors.loc["Atelier Vélo", "level"] == 3 and actors.loc["Atelier Vélo", "type"] == "Associations du NR"
    assert actors.loc["Atelier Vélo", "contact"] == "hugo@example.org"  # not chosen: not overwritten
    assert actors.loc["La Ressourcerie", "source"] == ref.QUESTIONNAIRE_SOURCE
    assert actors.loc["La Ressourcerie", "contact"] == "zoe@example.org" and "Spam" not in actors.index
    subs = {s.id: s for s in store.submissions(OP, EPCI)}
    assert [h[1] for h in subs[s1].history] == ["new", "merged", "published"]
    assert subs[s3].reason == "Pas une structure du territoire" and subs[s3].history[-1][2] == "ed@x.fr"
    assert subs[s1].published_version == subs[s2].published_version == 2 and subs[s3].published_version is None
    with pytest.raises(st.StoreError, match="Aucune réponse"):
        store.publish_questionnaire(OP, EPCI, author="paul@x.fr")


def test_the_shared_draft_follows_a_version_published_meanwhile(store):
    sid, _ = store.submit(anon("a"), EPCI, answer(name="Nouvelle structure"))
    store.review_submission(OP, EPCI, sid, decision=quest.Decision(quest.ACCEPTED), author="ed@x.fr")
    store.publish(OP, EPCI, actors_sheet([["Seul acteur", None, "PME", 1, "Aytré", None, None]], HEADER), "v2.xlsx")
    result = store.publish_questionnaire(OP, EPCI, author="ed@x.fr")
    assert result.number == 3
    assert sorted(store.open_version(OP, EPCI).census.actors["name"]) == ["Nouvelle structure", "Seul acteur"]


def test_a_decision_writes_no_workbook_the_shared_draft_is_written_on_demand(store, monkeypatch):
    from nrdash import template
    from nrdash.census import load_census

    s1, m1 = store.submit(anon("a"), EPCI, answer(name="Atelier Vélo", level=3, commune="17028"))
    s2, _ = store.submit(anon("b"), EPCI, answer(name="La Ressourcerie", level=2))
    real = template.census_to_xlsx
    monkeypatch.setattr(template, "census_to_xlsx", lambda *a, **k: pytest.fail("a decision wrote a workbook"))
    store.review_submission(OP, EPCI, s1, decision=quest.Decision(quest.MERGED, m1.ref, ("level",)), author="ed@x.fr")
    light = store.questionnaire_draft(OP, EPCI, data=False)
    assert (light.data, light.base_version, light.author) == (b"", 1, "ed@x.fr")
    store.review_submission(OP, EPCI, s2, decision=quest.Decision(quest.ACCEPTED), author="paul@x.fr")
    after = store.questionnaire_draft(OP, EPCI, data=False)
    assert after.author == "paul@x.fr" and after.sha256 != light.sha256  # another decision: another draft
    monkeypatch.setattr(template, "census_to_xlsx", real)
    full = store.questionnaire_draft(OP, EPCI)
    assert full.sha256 == after.sha256 and full.base_version == 1
    actors = load_census(full.data, full.file_name).actors.set_index("name")
    assert actors.loc["Atelier Vélo", "level"] == 3 and actors.loc["Atelier Vélo", "contact"] == "hugo@example.org"
    assert actors.loc["La Ressourcerie", "source"] == ref.QUESTIONNAIRE_SOURCE
    assert actors.loc["La Ressourcerie", "contact"] == "zoe@example.org"  # personal data kept for the editors
    assert len(actors) == 4


def test_a_merge_whose_actor_left_the_latest_version_is_refused_when_decided(store):
    s1, m1 = store.submit(anon("a"), EPCI, answer(name="Atelier Vélo", level=3, commune="17028"))
    store.publish(OP, EPCI, actors_sheet([["Seul acteur", None, "PME", 1, "Aytré", None, None]], HEADER), "v2.xlsx")
    with pytest.raises(st.StoreError, match="n'est plus dans le recensement"):
        store.review_submission(OP, EPCI, s1, decision=quest.Decision(quest.MERGED, m1.ref, ("level",)),
                                author="ed@x.fr")
    assert store.submission(OP, EPCI, s1).status == quest.NEW and store.questionnaire_draft(OP, EPCI) is None


def test_erasure_and_retention_reach_the_answers_contacts(store):
    now = st.utcnow()
    old, _ = store.submit(anon("a"), EPCI, answer(referent="Jean Ancien", contact="jean@example.org"),
                          now=now - dt.timedelta(days=800))
    sid, _ = store.submit(anon("b"), EPCI, answer(referent="Léa Durand", contact="lea@example.org"))
    assert store.erase_person(OP, EPCI, "lea durand") == 1
    a = store.submission(OP, EPCI, sid, with_contacts=True).answer
    assert (a.referent, a.contact, a.name) == ("", "", "La Ressourcerie")
    assert store.submission(OP, EPCI, old, with_contacts=True).answer.contact == "jean@example.org"
    assert store.apply_retention(OP, now) == {EPCI: 1}  # 24 months by default: the 800-day-old answer's contact
    assert store.submission(OP, EPCI, old, with_contacts=True).answer.contact == ""


def test_command_lists_submissions_without_contacts_unless_asked(store, monkeypatch, capsys):
    monkeypatch.setenv("NRDASH_DATABASE_URL", store.url)
    store.submit(anon("a"), EPCI, answer(name="<b>Asso</b>", needs=["Formation"]))
    assert main(["soumissions", "--territoire", EPCI, "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert items[0]["reponse"]["name"] == "<b>Asso</b>" and items[0]["statut"] == "new"
    assert "referent" not in items[0] and "zoe@example.org" not in json.dumps(items)
    assert main(["soumissions", "--territoire", EPCI, "--json", "--with-contacts"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["contact"] == "zoe@example.org"
    assert main(["soumissions", "--territoire", EPCI]) == 0
    out = capsys.readouterr().out
    assert "n° 1" in out and "<b>Asso</b>" in out and "Formation" in out and "zoe@" not in out
    assert main(["soumissions", "--territoire", "17300"]) == 2
    assert "absent" in capsys.readouterr().err


# -- needs -----------------------------------------------------------------------------------
def test_needs_by_kind_family_and_commune_exported_inert(store):
    import io

    from openpyxl import load_workbook

    store.submit(anon("a"), EPCI, answer(name="=HYPERLINK(\"http://x\")", needs=["Financement", "Formation"],
                              needs_text="+33 6 00"))
    store.submit(anon("b"), EPCI, answer(name="PME", actor_type="PME", needs=["Financement"], commune="17200"))
    spam, _ = store.submit(anon("c"), EPCI, answer(name="Spam", needs=["Collaboration"]))
    store.review_submission(OP, EPCI, spam, reason="spam", author="ed@x.fr")
    subs = store.submissions(OP, EPCI, with_contacts=True)
    rows = quest.needs_rows(subs)
    assert list(rows["Besoin"]) == ["Financement", "Formation", "Financement"]  # the refused one left out
    assert "Contact" not in rows and "zoe@example.org" not in rows.to_csv()
    assert quest.needs_rows(subs, with_contacts=True)["Contact"].tolist() == ["zoe@example.org"] * 3
    by_family = quest.needs_counts(rows, "Famille d'acteurs")
    assert list(by_family.index) == list(quest.NEEDS)
    assert by_family.loc["Financement", ref.ASSOCIATIONS] == 1 and by_family.loc["Financement", ref.COMPANIES] == 1
    assert by_family.loc["Financement", "Total"] == 2 and by_family.loc["Collaboration", "Total"] == 0
    assert quest.needs_counts(rows, "Commune").loc["Financement", "Lagord"] == 1
    csv_text = quest.needs_csv(rows).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and ";'+33 6 00;" in csv_text
    ws = load_workbook(io.BytesIO(quest.needs_xlsx(rows))).active
    assert ws["C2"].value == "'=HYPERLINK(\"http://x\")" and ws["C2"].data_type == "s"
    assert quest.need_formats("Formation")[0].startswith("Cercle 1 : Ateliers de formation")
    assert quest.need_formats("Autre") == [ref.CIRCLE_FOR_EVERYONE]
    fig = quest.needs_figure(by_family)
    bars = {t.name: list(t.x) for t in fig.data}
    assert bars == {ref.ASSOCIATIONS: [1, 0, 1, 0, 0], ref.COMPANIES: [1, 0, 0, 0, 0]}  # in NEEDS order
    assert list(fig.data[0].y) == list(quest.NEEDS)
    assert quest.needs_summary(by_family) == "Besoins exprimés (réponses) — Financement : 2 ; Formation : 1."


# -- paper -----------------------------------------------------------------------------------
def _paper(rows: list[list]) -> bytes:
    from tests.conftest import xlsx_bytes

    return xlsx_bytes({quest.PAPER_SHEET: [[h for _, h in quest.PAPER_COLUMNS], *rows]})


def test_paper_answers_are_read_whole_or_not_at_all(store):
    good = ["Café Réparation", None, "Association", "aytre", "oui", "Inclusion ; Réemploi", "Ateliers", "2 - Acteur",
            "Formation; mise en relation", None, "Léo", "leo@example.org", "oui"]
    answers, problems = quest.read_paper(_paper([good]), "p.xlsx", COMMUNES)
    assert problems == [] and len(answers) == 1
    a = answers[0]
    assert (a.actor_type, a.commune, a.insee, a.is_local, a.level) == ("Autres associations", "Aytré", "17028", True, 2)
    assert a.action_types == ("Gestion de la fin de vie du matériel", "Inclusion numérique")
    assert a.needs == ("Formation", "Mise en relation") and a.contact == "leo@example.org"
    bad = list(good)
    bad[2], bad[8], bad[12] = "Martien", "Argent ; Formation", "non"
    answers, problems = quest.read_paper(_paper([good, bad]), "p.xlsx", COMMUNES)
    assert answers == []  # nothing imported while a row is wrong
    assert any(p.startswith("Ligne 3, colonne « Besoins (séparés par « ; ») » : Besoin « Argent » inconnu")
               for p in problems)
    assert any(p.startswith("Ligne 3, colonne « Type d'acteur »") for p in problems)
    assert any(p.startswith("Ligne 3, colonne « Consentement signé (oui/non) » : le consentement signé est requis")
               for p in problems)
    assert not any(p.startswith("Ligne 2") for p in problems)
    with pytest.raises(quest.PaperError, match="Colonnes absentes"):
        quest.read_paper(actors_sheet([["x", "PME", 1]]), "p.xlsx", COMMUNES)
    with pytest.raises(quest.PaperError):
        quest.read_paper(b"\x00\x01garbage" * 100, "p.xlsx", COMMUNES)


def test_paper_answers_join_the_queue_and_the_blank_form_escapes(store):
    answers, _ = quest.read_paper(_paper([["Café", None, "PME", "Marans", None, None, None, 1, None, None, "Léo",
                                           "0600000000", "oui"]]), "p.xlsx", COMMUNES)
    for _ in range(st.SUBMISSION_BURST + 5):  # typed by an editor: no burst limit
        store.submit_paper(OP, EPCI, [answers[0]], author="ed@x.fr")
    subs = store.submissions(OP, EPCI)
    assert len(subs) == st.SUBMISSION_BURST + 5 and subs[0].origin == "papier" and subs[0].answer.commune == "Marans"
    page = quest.printable_form("CA <script>x</script>", 24)
    assert "<script>x" not in page and "&lt;script&gt;" in page and "☐ Financement" in page
    assert "2 ans" in page and "Leader du NR" in page
    assert "☐ Associations du Numérique responsable" in page and "Associations du NR" not in page  # issue 25


# -- the needs map ---------------------------------------------------------------------------
def _stored(sid: int, a: quest.Answer, status: str = quest.NEW):
    return st.Submission(sid, dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc), "formulaire", status, a, None, None,
                         None, None, None)


def _needs_subs():
    return [_stored(1, answer(name="<b>A</b>", commune="17028", needs=["Financement", "Formation"],
                              contact="secret-a@example.org")),
            _stored(2, answer(name="B", commune="17028", needs=["Financement"]), quest.ACCEPTED),
            _stored(3, answer(name="C", commune="17200", needs=["Collaboration"])),
            _stored(4, answer(name="D", commune=quest.OTHER_COMMUNE, commune_text="Rochefort", needs=["Financement"])),
            _stored(5, answer(name="E", commune="17200", needs=["Financement"]), quest.REJECTED)]


def test_needs_per_commune_counts_kinds_and_the_unplaced():
    counts, unplaced = quest.needs_per_commune(_needs_subs())
    assert counts.to_dict(orient="index") == {
        "17028": {"Financement": 2, "Collaboration": 0, "Formation": 1, "Mise en relation": 0, "Autre": 0},
        "17200": {"Financement": 0, "Collaboration": 1, "Formation": 0, "Mise en relation": 0, "Autre": 0}}
    assert unplaced.to_dict() == {"Financement": 1, "Collaboration": 0, "Formation": 0, "Mise en relation": 0,
                                  "Autre": 0}  # the commune written by hand; the refused answer not counted
    empty, nothing = quest.needs_per_commune([])
    assert empty.empty and list(empty.columns) == list(quest.NEEDS) and int(nothing.sum()) == 0


GEO = pd.DataFrame({"name": ["Aytré", "Lagord", "@@=alert(1)"], "lon": [-1.115, -1.153, -1.0],
                    "lat": [46.134, 46.189, 46.0]}, index=pd.Index(["17028", "17200", "17999"], name="code"))


def test_needs_layer_holds_counts_per_commune_and_kind_only():
    from nrdash import maps

    counts, unplaced = quest.needs_per_commune(_needs_subs())
    layer = maps.needs_layer(counts, unplaced, GEO)
    by = {r["name"]: r for r in layer.records}
    assert {k: r["n"] for k, r in by.items()} == {"Aytré": 3, "Lagord": 1} and layer.unplaced == 1
    assert by["Aytré"]["p"] == [-1.115, 46.134] and by["Aytré"]["s"] == "3"
    assert by["Aytré"]["t"] == "Aytré (17028)\n3 besoins\nFinancement : 2\nFormation : 1"
    assert by["Aytré"]["r"] == maps.NEEDS_DISC_MAX and by["Lagord"]["r"] < by["Aytré"]["r"]  # area by count
    assert by["Aytré"]["c"] != by["Lagord"]["c"]  # darker for more
    blob = maps.needs_deck(layer).to_json()
    for private in ("<b>A</b>", "secret-a@example.org", "Zoé Martin", "Rochefort"):  # names, texts, contacts
        assert private not in blob
    financing = maps.needs_layer(counts, unplaced, GEO, "Financement")
    assert [(r["name"], r["n"]) for r in financing.records] == [("Aytré", 2)] and financing.unplaced == 1
    assert financing.records[0]["t"].splitlines()[1] == "2 besoins « Financement »"
    assert financing.summary() == ("Carte des besoins exprimés par commune (besoin « Financement ») : 2 besoins "
                                   "dans 1 commune — Aytré 2 ; 1 besoin sans commune de la liste du territoire, "
                                   "non placé.")
    assert maps.needs_layer(counts, unplaced, GEO, "Autre").summary() == (
        "Carte des besoins exprimés par commune (besoin « Autre ») : aucun besoin placé sur la carte.")
    legend = maps.needs_legend(layer)
    assert [label for label, _ in legend.items] == ["1 besoin", "2 besoins", "3 besoins"]


def test_needs_layer_text_is_never_read_by_deck_gl_and_unknown_communes_are_unplaced():
    from nrdash import maps

    counts = pd.DataFrame({n: [0, 0] for n in quest.NEEDS}, index=["17999", "99999"])
    counts["Formation"] = [2, 4]
    layer = maps.needs_layer(counts, pd.Series(0, index=list(quest.NEEDS)), GEO)
    assert [r["n"] for r in layer.records] == [2] and layer.unplaced == 4  # 99999: not in the geography
    assert layer.records[0]["name"] == " @@=alert(1)" and layer.records[0]["t"].startswith(" @@=")
