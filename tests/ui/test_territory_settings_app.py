"""A territory's reading and contact settings in the app (issue 25): the Versions page of a new territory says it
is closed; its administrator opens it after a confirmation saying that every published version, earlier ones
included, becomes readable without an account, and closes it; « Publier » says who will read the version; the
contact address is set on the Versions page or from the review queue's prompt, and the public form's consent gives
it (or names the collectivité while there is none)."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from nrdash import questionnaire as quest
from nrdash.store import Forbidden
from nrdash.ui import review_queue as quest_ui
from nrdash.ui import source
from tests.appstore import fresh_store, signed_in
from tests.conftest import ROOT
from tests.mdtext import displayed
from tests.principals import OP, anon
from tests.ui.test_workspace_app import V1, census

APP = str(ROOT / "app.py")
EPCI = "241700434"


@pytest.fixture
def db(tmp_path, monkeypatch):
    s = fresh_store(tmp_path, monkeypatch, ("v1.xlsx", V1), public=False)  # as it is created: closed
    s.publish(OP, EPCI, census(["Seul acteur", "PME", 3, "Aytré", None, None]), "v2.xlsx")
    s.add_user(OP, "admin@x.fr", "motdepasse-long")  # the instance's first account is its administrator
    s.add_user(OP, "chef@x.fr", "motdepasse-long", "administrateur", EPCI)
    s.add_user(OP, "marie@x.fr", "motdepasse-long", "éditeur", EPCI)
    yield s
    source.store.clear()


def texts(at: AppTest) -> str:
    """What the page says, bold markers dropped."""
    return "\n".join(displayed(e.value).replace("**", "") for kind in ("markdown", "caption", "error", "warning",
                                                                       "info", "success") for e in getattr(at, kind))


def page(path: str = "pages/versions.py") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["territoire"] = EPCI
    at.run()
    at.switch_page(path).run()
    assert not at.exception
    return at


def anonymously_readable(db) -> bool:
    try:
        db.open_version(anon(), EPCI, 1)
    except Forbidden:
        return False
    return True


def test_the_administrator_opens_the_territory_after_a_confirmation_and_closes_it(db, monkeypatch):
    signed_in(monkeypatch, "chef@x.fr")
    at = page()
    assert "Lecture sans connexion : fermée." in texts(at)
    assert "ws_anon" not in [c.key for c in at.checkbox]  # no longer a box, ticked by default
    at.button(key="ws_open_reading").click().run()
    warning = texts(at)
    assert "Ouvrir « CA de La Rochelle" in warning and "sans compte" in warning
    assert "chaque version publiée du territoire (aujourd'hui 2 versions publiées), les versions antérieures " \
           "comprises" in warning
    assert f"aussi publiées comme données ouvertes à l'adresse /donnees/{EPCI}/" in warning  # issue 27's open data
    assert not anonymously_readable(db)  # nothing done before the confirmation
    at.button(key="ws_open_cancel").click().run()
    assert not anonymously_readable(db) and "Lecture sans connexion : fermée." in texts(at)
    at.button(key="ws_open_reading").click().run()
    at.button(key="ws_open_confirm").click().run()
    assert not at.exception
    assert db.territory(OP, EPCI)["anonymous_read"] is True and anonymously_readable(db)  # version 1 too
    assert "Lecture sans connexion ouverte" in texts(at) and "Lecture sans connexion : ouverte." in texts(at)
    at.button(key="ws_close_reading").click().run()
    assert db.territory(OP, EPCI)["anonymous_read"] is False and not anonymously_readable(db)
    assert "Lecture sans connexion fermée" in texts(at)


def test_publish_says_who_will_read_the_version(db, monkeypatch):
    db.save_draft(OP, EPCI, census(["Nouvelle PME", "PME", 1, "Aytré", None, None]), "b.xlsx", 2,
                  author="marie@x.fr")
    signed_in(monkeypatch, "marie@x.fr")  # an editor: told who will read, offered no opening
    at = page()
    assert "La version 3 sera réservée aux comptes du territoire" in texts(at)
    assert "lisible par tous" not in texts(at)
    assert not {"ws_open_reading", "ws_close_reading"} & {b.key for b in at.button}
    db.set_territory(OP, EPCI, anonymous_read=True)
    at = page()
    assert "La version 3 sera lisible par tous, sans connexion" in texts(at)


def test_the_contact_address_on_the_versions_page(db, monkeypatch):
    signed_in(monkeypatch, "chef@x.fr")
    at = page()
    at.text_input(key="ws_contact").input("pas une adresse")
    at.button(key="ws_settings").click().run()
    assert "Adresse électronique invalide" in texts(at) and db.territory(OP, EPCI)["contact_email"] is None
    at.text_input(key="ws_contact").input("numerique@agglo-larochelle.fr")
    at.button(key="ws_settings").click().run()
    assert "Réglages enregistrés." in texts(at)
    assert db.territory(OP, EPCI)["contact_email"] == "numerique@agglo-larochelle.fr"
    assert db.territory(OP, EPCI)["anonymous_read"] is False  # saving the settings opens nothing


def consent_html(db) -> str:
    """The public form's consent label as the server writes it (the public form is plain HTML since issue 29:
    nrdash.web.public, nrdash.web.form_page)."""
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from nrdash.web import public

    app = Starlette(routes=public.routes(trusted=[], store_factory=lambda: db, secret_factory=lambda: "secret"))
    with TestClient(app) as client:
        page = client.get(f"/questionnaire?territoire={EPCI}").text
    return page.split('id="champ-consent"')[1].split("</label>")[0]


def _consent(db) -> str:
    from tests.web.test_public_form import text

    return text(consent_html(db))


def test_the_queue_asks_for_the_contact_and_the_form_gives_it(db, monkeypatch):
    consent = _consent(db)  # a closed territory's questionnaire is open
    assert "écrivez à la collectivité qui tient ce recensement, CA de La Rochelle" in consent and "@" not in consent
    signed_in(monkeypatch, "marie@x.fr")  # an editor: told what is missing and who sets it
    at = page(quest_ui.QUEUE_PAGE)
    assert "Adresse de contact du questionnaire à renseigner." in texts(at)
    assert "Un administrateur du territoire la renseigne" in texts(at)
    assert "q_contact_email" not in [t.key for t in at.text_input]
    signed_in(monkeypatch, "chef@x.fr")  # its administrator: the field
    at = page(quest_ui.QUEUE_PAGE)
    at.text_input(key="q_contact_email").input("numerique@agglo-larochelle.fr")
    at.button(key="q_contact_save").click().run()
    assert not at.exception and db.territory(OP, EPCI)["contact_email"] == "numerique@agglo-larochelle.fr"
    assert "Adresse de contact du questionnaire à renseigner." not in texts(at)
    consent = _consent(db)
    assert "écrivez à numerique@agglo-larochelle.fr" in consent
    printable = quest.printable_form("CA de La Rochelle", 24, db.questionnaire_form(anon(), EPCI).contact_email)
    assert "numerique@agglo-larochelle.fr" in printable


def test_the_contact_address_is_shown_as_typed(db):
    hostile = "[clic](http://evil.example)@x.fr"  # a valid address for the check, markdown for the page
    db.set_territory(OP, EPCI, contact_email=hostile)
    label = consent_html(db)  # plain HTML: escaped there, never a link
    assert "<a" not in label and f"écrivez à {hostile}" in _consent(db)


def test_the_settings_fields_follow_the_territory_shown(db, monkeypatch):
    """An administrator of two territories looks at one, then the other in the same session: the fields show the
    second one's values, and saving them there does not carry the first one's address."""
    db.publish(OP, "17300", census(["Acteur", "PME", 1, "La Rochelle", None, None]), "c.xlsx")
    db.set_territory(OP, EPCI, contact_email="numerique@agglo-larochelle.fr", retention_months=12)
    signed_in(monkeypatch, "admin@x.fr")
    at = page()
    assert at.text_input(key="ws_contact").value == "numerique@agglo-larochelle.fr"
    assert at.number_input(key="ws_retention").value == 12
    at.selectbox(key="ws_territory_pick").select("17300").run()  # the sidebar's chooser
    assert at.session_state[source.SOURCE_KEY].code == "17300"
    assert at.text_input(key="ws_contact").value == "" and at.number_input(key="ws_retention").value == 24
    at.button(key="ws_settings").click().run()
    assert db.territory(OP, "17300")["contact_email"] is None and db.territory(OP, "17300")["retention_months"] == 24
