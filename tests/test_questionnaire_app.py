"""The questionnaire in the app (issue 17): the public form (no sidebar, errors listed at the top, consent, SIRET
key, hostile and huge text, robots, a closed questionnaire, the known structure told only on an open census) and
the editors' queue (accept, merge with the fields they pick, reject, publish; nothing for a viewer)."""
from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from nrdash import questionnaire as quest
from nrdash import referential as ref
from nrdash import store as st_store
from nrdash.ui import questionnaire as quest_ui
from nrdash.ui import source
from tests.appstore import fresh_store, signed_in
from tests.conftest import ROOT, actors_sheet
from tests.mdtext import displayed
from tests.principals import OP, anon

APP = str(ROOT / "app.py")
EPCI = "241700434"
HEADER = ["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé", "Commune", "Référent", "Contact"]
V1 = actors_sheet([["Atelier Vélo", "Associations du NR", 1, "Aytré", "Hugo Guérin", "hugo@example.org"],
                   ["Mairie de Lagord", "Commune", 2, "Lagord", "Ana Lopez", "ana@example.org"]], HEADER)
HOSTILE = "<img src=x onerror=alert(1)> **gras** [lien](http://evil.example)"


@pytest.fixture
def db(tmp_path, monkeypatch):
    yield fresh_store(tmp_path, monkeypatch, ("v1.xlsx", V1))
    source.store.clear()




def texts(at: AppTest) -> str:
    return "\n".join(displayed(e.value) for kind in ("markdown", "caption", "error", "warning", "info", "success")
                     for e in getattr(at, kind))


def form(territory: str | None = EPCI) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    if territory:
        at.query_params["territoire"] = territory
    at.switch_page(quest_ui.FORM_PAGE).run()  # opened by its own link: the first run is the form
    assert not at.exception
    at.session_state[quest_ui.STARTED_KEY] = quest.clock() - 60  # a person took a minute to fill it
    return at


def fill(at: AppTest, **over) -> AppTest:
    values = {"q_name": "La Ressourcerie", "q_actor_type": "Autres associations", "q_level": 2,
              "q_referent": "Zoé Martin", "q_contact": "zoe@example.org", "q_consent": True, **over}
    for key, value in values.items():
        if key in ("q_consent",) or key.startswith("q_need_"):
            at.checkbox(key=key).set_value(value)
        elif key == "q_commune":
            at.selectbox(key=key).set_value(value)
        elif key in ("q_actor_type", "q_level", "q_is_local"):
            at.radio(key=key).set_value(value)
        elif key == "q_action_types":
            at.multiselect(key=key).set_value(value)
        elif key in ("q_actions_text", "q_needs_text"):
            at.text_area(key=key).input(value)
        else:
            at.text_input(key=key).input(value)
    return at


def send(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Envoyer").click().run()
    assert not at.exception
    return at


def problems(at: AppTest) -> str:
    return "\n".join(displayed(e.value) for e in at.get("error"))


def test_the_form_has_no_sidebar_and_lists_the_kits_words(db):
    at = form()
    assert [t.value for t in at.title] == ["Questionnaire des acteurs du Numérique responsable"]
    assert len(at.sidebar) == 0 and source.SOURCE_KEY not in at.session_state  # no census resolved, none sent
    types = at.radio(key="q_actor_type")  # a radio: a long type is read whole on a phone (issue 25)
    assert types.options == [quest.type_label(t) for t in ref.TYPES] and types.value is None
    assert "Associations du Numérique responsable" in types.options and not any("NR" in o for o in types.options)
    intro = next(m.value for m in at.markdown if m.value.startswith("Ce questionnaire recense"))
    assert "Numérique responsable (NR)" in intro  # the kit's abbreviation said in full before the form uses it
    assert at.multiselect(key="q_action_types").options == list(ref.ACTION_TYPES)
    communes = at.selectbox(key="q_commune").options
    assert "Aytré" in communes and "Lagord" in communes and communes[-1].startswith("Autre commune")
    levels = at.radio(key="q_level").options
    assert levels[2].startswith("2 — Acteur du NR : ") and len(levels) == 4
    assert [c.label for c in at.checkbox][:5] == list(quest.NEEDS)
    consent = at.checkbox(key="q_consent").label
    assert consent.startswith("J'accepte") and "2 ans" in consent and "effacer" in consent


def test_consent_is_required(db):
    at = send(fill(form(), q_consent=False))
    assert "Consentement" in problems(at) and "Cochez « J'accepte … »" in problems(at)
    assert db.submissions(OP, EPCI) == []
    assert at.text_input(key="q_name").value == "La Ressourcerie"  # nothing typed is lost


def test_siret_key_and_every_problem_listed_at_the_top(db):
    at = send(fill(form(), q_siret="732 829 320 00075", q_name="", q_level=None))
    text = problems(at)
    assert "3 points à corriger" in text and "clé de contrôle" in text and "Nom de la structure" in text
    assert "Niveau d'engagement" in text
    beside = [displayed(e.value) for e in at.error if e.value != at.error[0].value]
    assert any("clé de contrôle" in b for b in beside) and any("3 points à corriger, signalés" in b for b in beside)
    assert db.submissions(OP, EPCI) == []
    at = send(fill(at, q_siret="732 829 320 00074", q_name="La Ressourcerie", q_level=2))
    assert db.submissions(OP, EPCI)[0].answer.siret == "73282932000074"


def test_a_100_kb_field_is_refused_with_a_message(db):
    at = send(fill(form(), q_actions_text="x" * 100_000))
    assert "« Vos actions de Numérique responsable » fait 100 000 caractères : 4 000 au plus" in \
        problems(at).replace("\u202f", " ")
    assert db.submissions(OP, EPCI) == []


def test_hostile_markup_is_stored_and_shown_as_typed(db, monkeypatch):
    at = send(fill(form(), q_name=HOSTILE, q_needs_text=HOSTILE, q_need_4=True))
    assert "Merci, votre réponse est envoyée." in texts(at)
    sub = db.submissions(OP, EPCI)[0]
    assert sub.answer.name == HOSTILE and sub.answer.needs == ("Autre",) and sub.answer.needs_text == HOSTILE
    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
    signed_in(monkeypatch, "marie@x.fr")
    at = queue()
    shown = texts(at)
    assert f"- **Nom de la structure** : {HOSTILE}\n" in shown  # as typed, once the markdown escapes are read
    raw = "\n".join(e.value for e in at.markdown)
    assert not re.search(r"(?<!\\)<img", raw) and "](http" not in raw and "**gras**" not in raw  # escaped


class FakeClock:
    """The form's clock, moved by hand: the robot rule is tested without waiting and whatever the machine's speed."""

    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_robots_hidden_field_and_speed(db, monkeypatch):
    at = send(fill(form(), q_website="http://spam.example"))
    assert "Merci, votre réponse est envoyée." in texts(at) and db.submissions(OP, EPCI) == []  # told nothing
    clock = FakeClock()
    monkeypatch.setattr(quest, "clock", clock)
    monkeypatch.delenv(quest.FILL_SECONDS_ENV, raising=False)
    at = form()
    at.session_state[quest_ui.STARTED_KEY] = clock.now  # the form opens now
    clock.now += 1.0
    at = send(fill(at))
    assert "envoyé très vite" in problems(at) and db.submissions(OP, EPCI) == []
    clock.now += 0.5
    at = send(at)  # an immediate second click is judged like the first (it used to be waved through)
    assert "envoyé très vite" in problems(at) and db.submissions(OP, EPCI) == []
    clock.now += quest.MIN_FILL_SECONDS  # the form has now been open longer than the rule asks
    at = send(at)
    assert "Merci, votre réponse est envoyée." in texts(at) and len(db.submissions(OP, EPCI)) == 1


def test_the_time_rule_never_asks_more_than_four_seconds_and_can_be_turned_off(db, monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(quest, "clock", clock)
    monkeypatch.setenv(quest.FILL_SECONDS_ENV, "60")  # an operator's typo: bounded to 4 s
    at = form()
    at.session_state[quest_ui.STARTED_KEY] = clock.now
    clock.now += 4.0
    at = send(fill(at))
    assert "Merci, votre réponse est envoyée." in texts(at) and len(db.submissions(OP, EPCI)) == 1
    monkeypatch.setenv(quest.FILL_SECONDS_ENV, "0")  # no time rule: the hidden field and the burst limit stay
    at = form()
    at.session_state[quest_ui.STARTED_KEY] = clock.now
    at = send(fill(at, q_name="Envoyée aussitôt"))
    assert "Merci, votre réponse est envoyée." in texts(at) and len(db.submissions(OP, EPCI)) == 2


def test_a_known_structure_is_told_only_when_the_census_is_public(db):
    at = send(fill(form(), q_name="L'atelier vélo", q_commune="17028"))
    assert "connaît déjà une structure de ce nom" in texts(at)
    assert db.submissions(OP, EPCI)[0].match_ref == "nom:atelier velo|aytre"
    db.set_territory(OP, EPCI, anonymous_read=False)
    at = send(fill(form(), q_name="L'atelier vélo", q_commune="17028"))
    assert "Merci, votre réponse est envoyée." in texts(at) and "connaît déjà" not in texts(at)
    assert db.submissions(OP, EPCI)[1].match_ref == "nom:atelier velo|aytre"  # flagged all the same


def test_closed_questionnaire_and_unknown_territory(db):
    db.set_questionnaire_open(OP, EPCI, False)
    at = form()
    assert "Ce questionnaire est fermé" in texts(at) and not [b for b in at.button if b.label == "Envoyer"]
    at = form("17300")
    assert "n'existe pas sur ce serveur" in texts(at)
    at = form(None)
    assert "lien de questionnaire est incomplet" in texts(at)


def test_burst_from_the_form_is_told_to_wait(db, monkeypatch):
    monkeypatch.setattr(st_store.questionnaire, "SUBMISSION_BURST", 2)
    at = form()
    for i in range(3):
        at = send(fill(at, q_name=f"Structure {i}"))
        if i < 2:
            assert "Merci" in texts(at)
            next(b for b in at.button if b.key == "q_again").click().run()
            at.session_state[quest_ui.STARTED_KEY] = quest.clock() - 60
    assert "patientez" in problems(at) and len(db.submissions(OP, EPCI)) == 2
    assert at.text_input(key="q_name").value == "Structure 2"  # kept for the next try


# -- the queue -----------------------------------------------------------------------------
def queue(**params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["territoire"] = EPCI
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(quest_ui.QUEUE_PAGE).run()
    assert not at.exception
    return at


def submit(db, **over) -> int:
    raw = {"name": "La Ressourcerie", "actor_type": "Autres associations", "level": 2, "referent": "Zoé Martin",
           "contact": "zoe@example.org", "consent": True, "commune": "17028", **over}
    answer, problems_ = quest.validate(raw, {"17028": "Aytré", "17200": "Lagord"})
    assert not problems_
    return db.submit(anon("198.51.100.7"), EPCI, answer)[0]


def test_a_viewer_sees_the_link_but_no_answer(db, monkeypatch):
    submit(db)
    at = queue()
    assert "/questionnaire?territoire=241700434" in [c.value for c in at.code]
    assert "ne sont visibles que des éditeurs" in texts(at)
    assert "zoe@example.org" not in texts(at) and "La Ressourcerie" not in texts(at)
    db.add_user(OP, "admin@x.fr", "motdepasse-long")  # the instance's first account is its administrator
    db.add_user(OP, "paul@x.fr", "motdepasse-long", "lecteur", EPCI)
    signed_in(monkeypatch, "paul@x.fr")
    assert "La Ressourcerie" not in texts(queue())


def test_editor_accepts_merges_with_chosen_fields_rejects_and_publishes(db, monkeypatch):
    s_new = submit(db, needs=["Formation"])
    s_merge = submit(db, name="Atelier du Vélo", actor_type="PME", level=3, contact="velo@example.org")
    s_spam = submit(db, name="Pub pour des montres")
    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
    signed_in(monkeypatch, "marie@x.fr")
    home = AppTest.from_file(APP, default_timeout=90)
    home.query_params["territoire"] = EPCI
    home.run()
    assert "3 nouvelles réponses au questionnaire à examiner." in texts(home)
    at = queue()
    assert "Zoé Martin" in texts(at) and "zoe@example.org" in texts(at)  # the editor reads the contact
    # accept the first as a new actor
    at.radio(key=f"{quest_ui.ACTION_KEY}_{s_new}").set_value("accept").run()
    at.button(key="q_decide").click().run()
    assert "Réponse n° 1 acceptée" in texts(at)
    # merge the second: its similar name is proposed; only the level is taken
    at.selectbox(key=quest_ui.PICK_KEY).set_value(s_merge).run()
    assert "Atelier Vélo — Aytré (nom proche" in texts(at)
    at.radio(key=f"{quest_ui.ACTION_KEY}_{s_merge}").set_value("merge").run()
    boxes = {c.key: c for c in at.checkbox if c.key and c.key.startswith(f"q_field_{s_merge}_")}
    assert set(boxes) >= {f"q_field_{s_merge}_level", f"q_field_{s_merge}_type", f"q_field_{s_merge}_contact"}
    assert not any(c.value for c in boxes.values())  # nothing is taken unless picked
    boxes[f"q_field_{s_merge}_level"].check().run()
    at.button(key="q_decide").click().run()
    assert "fusionnée (1 champ repris)" in texts(at)
    # reject the third, with a reason
    at.radio(key=f"{quest_ui.ACTION_KEY}_{s_spam}").set_value("reject").run()
    at.text_input(key=f"{quest_ui.REASON_KEY}_{s_spam}").input("Publicité").run()
    at.button(key="q_decide").click().run()
    assert "Réponse n° 3 refusée." in texts(at)
    statuses = {x.id: x.status for x in db.submissions(OP, EPCI)}
    assert statuses == {s_new: quest.ACCEPTED, s_merge: quest.MERGED, s_spam: quest.REJECTED}
    assert "Aucune nouvelle réponse." in texts(at)
    at.button(key="q_publish").click().run()
    assert "Version 2 publiée" in texts(at)
    actors = db.open_version(OP, EPCI, personal=True).census.actors.set_index("name")
    assert actors.loc["Atelier Vélo", "level"] == 3 and actors.loc["Atelier Vélo", "contact"] == "hugo@example.org"
    assert actors.loc["Atelier Vélo", "type"] == "Associations du NR"
    assert actors.loc["La Ressourcerie", "source"] == ref.QUESTIONNAIRE_SOURCE
    assert "Pub pour des montres" not in actors.index
    assert db.versions(OP, EPCI)[-1].author == "marie@x.fr"
    assert "Besoins exprimés" in [h.value for h in at.subheader]
    assert "1 structure a exprimé 1 besoin (réponses refusées exclues)." in texts(at)
    assert {b.proto.label for b in at.get("download_button")} >= {"Télécharger (.csv)", "Télécharger (.xlsx)"}


def test_editor_closes_the_questionnaire(db, monkeypatch):
    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
    signed_in(monkeypatch, "marie@x.fr")
    at = queue()
    at.toggle(key="q_open").set_value(False).run()
    assert db.questionnaire_open(OP, EPCI) is False and "Questionnaire fermé" in texts(at)


def test_editor_imports_paper_answers_whole_or_not_at_all(db, monkeypatch):
    from tests.conftest import xlsx_bytes

    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
    signed_in(monkeypatch, "marie@x.fr")
    header = [h for _, h in quest.PAPER_COLUMNS]
    row = ["Café <b>Réparation</b>", None, "Association", "Aytré", "oui", None, None, 2, "Formation", None, "Léo",
           "leo@example.org", "oui"]
    bad = [*row[:2], "Martien", *row[3:]]
    at = queue()
    assert {b.proto.label for b in at.get("download_button")} >= {"Questionnaire vierge à imprimer (.html)",
                                                                  "Modèle de saisie des réponses (.xlsx)"}
    at.file_uploader(key="q_paper_file").upload("papier.xlsx", xlsx_bytes({"Réponses": [header, row, bad]})).run()
    assert "rien n'est importé tant qu'il en reste" in texts(at) and "Ligne 3, colonne « Type d'acteur »" in texts(at)
    assert db.submissions(OP, EPCI) == []
    at.file_uploader(key="q_paper_file").upload("papier.xlsx", xlsx_bytes({"Réponses": [header, row, row]})).run()
    assert "2 réponses papier importées dans la file." in texts(at)
    subs = db.submissions(OP, EPCI, with_contacts=True)
    assert [(x.origin, x.answer.name, x.answer.contact) for x in subs] == [
        ("papier", "Café <b>Réparation</b>", "leo@example.org")] * 2


def test_editor_sees_the_needs_map_by_commune_filtered_by_kind(db, monkeypatch):
    import json

    submit(db, needs=["Financement", "Formation"], contact="secret-a@example.org")  # Aytré
    submit(db, name="Atelier du Vélo", needs=["Financement"])  # Aytré
    submit(db, name="Mairie annexe", commune="17200", needs=["Collaboration"])  # Lagord
    submit(db, name="Loin <b>d'ici</b>", commune=quest.OTHER_COMMUNE, commune_text="Rochefort", needs=["Financement"])
    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
    signed_in(monkeypatch, "marie@x.fr")
    at = queue()

    def discs() -> tuple[dict, list]:
        charts = [json.loads(c.proto.json) for c in at.get("deck_gl_json_chart")]
        deck = next(d for d in charts if any(layer["id"] == "besoins" for layer in d["layers"]))
        layer = next(layer for layer in deck["layers"] if layer["id"] == "besoins")
        return deck, sorted((r["name"], r["n"]) for r in layer["data"])

    deck, found = discs()
    assert found == [("Aytré", 3), ("Lagord", 1)]
    layer = next(layer for layer in deck["layers"] if layer["id"] == "besoins")
    assert layer["radiusUnits"] == "pixels" and layer["getRadius"] == "@@=r"  # sizes in pixels, not metres
    sent = json.dumps(deck, ensure_ascii=False)
    for private in ("secret-a@example.org", "Zoé Martin", "La Ressourcerie", "Rochefort", "<b>d'ici</b>"):
        assert private not in sent  # counts per commune and kind only
    alt = ("Carte des besoins exprimés par commune (tous les besoins) : 4 besoins dans 2 communes — Aytré 3, "
           "Lagord 1 ; 1 besoin sans commune de la liste du territoire, non placé.")
    assert alt in texts(at)
    assert "3 besoins" in "\n".join(m.value for m in at.markdown if "nrdash-map-legend" in m.value)
    at.selectbox(key="q_needs_kind").set_value("Collaboration").run()
    assert discs()[1] == [("Lagord", 1)]
    assert "(besoin « Collaboration ») : 1 besoin dans 1 commune — Lagord 1." in texts(at)
