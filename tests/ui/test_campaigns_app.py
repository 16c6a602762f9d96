"""Campaigns in the app (issue 26), by AppTest: the personal link's form filled in with its actor's record (never
its referent nor contact), sent as an update; an expired link; the refusal page; the « Campagnes » page (editors
only: whom a campaign reaches, making it, sending it in the background through a real SMTP server, the mail-merge
file); the review queue showing an update field by field, accepted and published."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from nrdash import questionnaire as quest
from nrdash.store import Principal, schema
from nrdash.ui import campaign_page as camp_ui
from nrdash.ui import review_queue as quest_ui
from nrdash.ui import source
from tests.appstore import fresh_store, signed_in
from tests.conftest import ROOT
from tests.mdtext import displayed
from tests.principals import OP
from tests.test_campaigns import EPCI, sheet

APP = str(ROOT / "app.py")


@pytest.fixture
def db(tmp_path, monkeypatch):
    for name in ("NRDASH_SMTP_URL", "NRDASH_MAIL_FROM", "NRDASH_PUBLIC_URL", "NRDASH_MAIL_RATE"):
        monkeypatch.delenv(name, raising=False)
    yield fresh_store(tmp_path, monkeypatch, ("v1.xlsx", sheet()))
    source.store.clear()


def texts(at: AppTest) -> str:
    return "\n".join(displayed(e.value) for kind in ("markdown", "caption", "error", "warning", "info", "success")
                     for e in getattr(at, kind))


def link(db, name: str = "Atelier Vélo") -> str:
    c = db.create_campaign(OP, EPCI, None)
    return {n: t for n, _, t, _ in db.campaign_links(OP, EPCI, c.id)}[name]


def opened(token: str, **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["territoire"] = EPCI
    at.query_params["acteur"] = token
    for k, v in params.items():
        at.query_params[k] = v
    at.switch_page(quest_ui.FORM_PAGE).run()
    assert not at.exception
    return at


def test_the_personal_link_opens_the_form_filled_in_and_sends_an_update(db):
    token = link(db)
    at = opened(token)
    assert at.text_input(key="q_name").value == "Atelier Vélo"
    assert at.radio(key="q_actor_type").value == "Associations du NR" and at.radio(key="q_level").value == 1
    assert at.selectbox(key="q_commune").value == "17028"
    assert at.multiselect(key="q_action_types").value == ["Sensibilisation des collaborateurs"]
    assert at.multiselect(key="q_dimensions").value == ["Mesure"]
    assert at.text_area(key="q_actions_text").value == "Ateliers de réparation"
    assert at.text_input(key="q_referent").value == "" and at.text_input(key="q_contact").value == ""
    shown = texts(at)
    assert "Hugo" not in shown and "hugo@example.org" not in shown and "Mairie de Lagord" not in shown
    assert "Voici la fiche de « Atelier Vélo »" in shown
    # escaped as a whole (the territory's name and contact address are typed by people): read as displayed
    assert displayed(at.checkbox(key="q_consent").label).startswith("Si vous donnez un référent ou un contact : ")
    at.radio(key="q_level").set_value(2)  # sent at once: its holder was written to (no time rule)
    next(b for b in at.button if b.label == "Envoyer").click().run()
    assert not at.exception and "Merci, votre réponse est envoyée." in texts(at)
    (sub,) = db.submissions(OP, EPCI, with_contacts=True)
    assert sub.origin == "lien personnel" and sub.answer.level == 2 and sub.answer.dimensions == ("Mesure",)
    assert sub.answer.contact == "" and sub.actor_id == db.open_version(OP, EPCI).census.actors.set_index(
        "name").loc["Atelier Vélo", "actor_id"]


def test_an_expired_link_says_so_and_offers_the_public_questionnaire(db):
    token = link(db)
    with db.engine.begin() as conn:
        conn.execute(schema.campaigns.update().values(ends_on=__import__("datetime").date(2020, 1, 1)))
    for value in (token, "inconnu"):
        at = opened(value)
        assert "n'est pas (ou plus) valide" in texts(at)
        assert [p.proto.label for p in at.get("page_link")] == ["Ouvrir le questionnaire public du territoire"]
        assert not [t for t in at.text_input if t.key == "q_name"]


def test_the_refusal_page_records_the_refusal(db):
    token = link(db, "Mairie de Lagord")
    at = opened(token, courriels="refus")
    assert "Ne plus recevoir ces courriels" in [h.value for h in at.subheader]
    at.button(key="q_refuse").click().run()
    assert "C'est noté" in texts(at)
    later = db.create_campaign(OP, EPCI, None)
    assert later.counts.get("refus d'e-mails") == 2  # its address, for both actors that share it


def campagnes(monkeypatch, email: str | None = "marie@x.fr") -> AppTest:
    signed_in(monkeypatch, email)
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["territoire"] = EPCI
    at.run()
    at.switch_page(camp_ui.PAGE).run()
    assert not at.exception
    return at


def test_only_editors_see_the_campaigns(db, monkeypatch):
    db.create_campaign(OP, EPCI, None)
    at = campagnes(monkeypatch, None)
    assert "ne sont visibles que des éditeurs" in texts(at) and "ana@example.org" not in texts(at)


def test_an_editor_makes_a_campaign_and_sends_it_in_the_background(db, monkeypatch, tmp_path):
    from tests.smtp import smtp_server

    db.add_user(OP, "admin@x.fr", "motdepasse-long")
    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
    at = campagnes(monkeypatch)
    shown = texts(at)
    assert "4 acteurs : 3 ont une adresse électronique dans « Contact », 1 n'en a pas." in shown
    assert "Envoi par courriel impossible" not in shown  # said on the follow tab, once there is a campaign
    assert "L'acteur sans adresse électronique (à joindre autrement : son lien est dans le fichier de publipostage)" \
        in [e.label for e in at.expander]
    at.checkbox(key="camp_stale").check().run()
    assert "3 acteurs : 2 ont une adresse électronique" in texts(at)  # the Mairie was updated recently
    at.checkbox(key="camp_stale").uncheck().run()
    at.text_input(key="camp_title").input("Actualisation 2026").run()
    next(b for b in at.button if b.label.startswith("Créer la campagne")).click().run()
    assert "Campagne n° 1 créée : 4 destinataires." in texts(at)
    assert "Envoi par courriel impossible" in texts(at) and "publipostage" in texts(at)
    with smtp_server("plain") as (url, got):
        monkeypatch.setenv("NRDASH_SMTP_URL", url)
        monkeypatch.setenv("NRDASH_MAIL_FROM", "nr@agglo.test")
        monkeypatch.setenv("NRDASH_PUBLIC_URL", "https://nrdash.agglo.test")
        monkeypatch.setenv("NRDASH_MAIL_RATE", "6000")
        at.run()
        at.button(key="camp_send").click().run()
        assert "Envoi lancé" in texts(at)
        entry = camp_ui.last_sending(EPCI, 1)
        entry["thread"].join(60)
        assert not entry["thread"].is_alive() and entry["error"] is None
    assert len(got.messages) == 3
    at.run()
    assert "envoyé : 3" in texts(at) and "Envoi en cours" not in texts(at)
    at.button(key="camp_prepare_csv").click().run()
    (download,) = [d for d in at.get("download_button") if d.proto.label == "Télécharger le fichier de publipostage"]
    tables_ = [d.value for d in at.dataframe]
    recipients = next(t for t in tables_ if "Adresse électronique" in t.columns)
    assert set(recipients["Adresse électronique"]) == {"hugo@example.org", "ana@example.org", "ANA@example.org", "—"}
    assert set(recipients["Statut"]) == {"envoyé", "sans adresse"}
    assert {"Par niveau d'engagement", "Par cercle"} <= {t.label for t in at.tabs}  # the rates, one tab each
    rates = next(t for t in tables_ if "Niveau d'engagement" in t.columns)
    assert rates["Destinataires"].tolist()[-1] == 4 and rates["Taux de réponse"].tolist()[-1] == "0 %"


def test_the_queue_shows_an_update_field_by_field_and_publishes_it(db, monkeypatch):
    db.add_user(OP, "admin@x.fr", "motdepasse-long")
    db.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
    token = link(db)
    who = Principal.actor_link(token)
    record = db.personal_form(who, EPCI).record
    sid = db.submit_update(who, EPCI, quest.Answer(record["name"], record["type"], commune=record["commune"],
                                                   insee=record["insee"], level=3,
                                                   action_types=tuple(record["action_types"]),
                                                   actions_text=record["description"]))
    signed_in(monkeypatch, "marie@x.fr")
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["territoire"] = EPCI
    at.run()
    at.switch_page(quest_ui.QUEUE_PAGE).run()
    assert not at.exception
    assert "Mise à jour par lien personnel de « Atelier Vélo »" in texts(at)
    boxes = {c.key: c for c in at.checkbox if c.key and c.key.startswith(f"q_field_{sid}_")}
    assert set(boxes) == {f"q_field_{sid}_level"} and boxes[f"q_field_{sid}_level"].value  # checked by default
    assert at.radio(key=f"{quest_ui.ACTION_KEY}_{sid}").value == "update"
    at.button(key="q_decide").click().run()
    assert "acceptée (1 champ mis à jour)" in texts(at)
    at.button(key="q_publish").click().run()
    a = db.open_version(OP, EPCI).census.actors.set_index("name")
    assert a.loc["Atelier Vélo", "level"] == 3 and a.loc["Mairie de Lagord", "level"] == 2
