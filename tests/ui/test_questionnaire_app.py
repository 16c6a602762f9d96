"""The questionnaire in the app (issue 17): the editors' queue (accept, merge with the fields they pick, reject,
publish; hostile text shown as typed; nothing for a viewer). The public form: tests/web/test_public_form.py."""
from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from nrdash import questionnaire as quest
from nrdash import referential as ref
from nrdash.ui import review_queue as quest_ui
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


# The public form is a page the server writes itself (nrdash.web.public): its tests, ported from this module's form
# tests (same cases, same assertions), are in tests/web/test_public_form.py.


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


def test_hostile_markup_is_shown_as_typed_in_the_queue(db, monkeypatch):
    """(The form's half, stored as typed: tests/web/test_public_form.py.)"""
    submit(db, name=HOSTILE, needs=["Autre"], needs_text=HOSTILE)
    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
    signed_in(monkeypatch, "marie@x.fr")
    at = queue()
    shown = texts(at)
    assert f"- **Nom de la structure** : {HOSTILE}\n" in shown  # as typed, once the markdown escapes are read
    raw = "\n".join(e.value for e in at.markdown)
    assert not re.search(r"(?<!\\)<img", raw) and "](http" not in raw and "**gras**" not in raw  # escaped


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
