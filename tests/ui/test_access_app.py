"""Access withdrawn from the Versions page (issue 23 §1): a workshop link created with the validity chosen, listed
with its state and revoked there; an instance administrator signing an account out everywhere. AppTest over a real
embedded store per test (tests/appstore.py)."""
from __future__ import annotations

import datetime as dt

from nrdash.store import Principal
from tests.ui import test_workspace_app
from tests.principals import OP
from tests.ui.test_first_hour_app import as_editor
from tests.ui.test_workspace_app import EPCI, texts

db = test_workspace_app.db  # the store fixture (pytest finds it by this name; not imported: each db parameter shadowed it)

PASSWORD = "motdepasse-long"


def test_a_link_made_for_seven_days_is_listed_then_revoked_on_the_versions_page(db, monkeypatch):
    monkeypatch.setenv("NRDASH_PUBLIC_URL", "https://nrdash.agglo.fr")
    at = as_editor(db, monkeypatch, "pages/versions.py")
    at.text_input(key="ws_link_label").input("Atelier du 12 mars")
    at.number_input(key="ws_link_days").set_value(7)
    before = dt.datetime.now(dt.timezone.utc)
    at.button(key="ws_link").click().run()
    assert not at.exception
    [made] = db.workshop_links(OP, EPCI)
    assert (made.label, made.state) == ("Atelier du 12 mars", "valide")
    assert dt.timedelta(days=7) <= made.expires_at - before <= dt.timedelta(days=7, minutes=5)
    [code] = [c.value for c in at.code]
    token = code.rsplit("jeton=", 1)[1]
    assert code.startswith("https://nrdash.agglo.fr/?territoire=") and db.workshop_territory(
        Principal.workshop(token)) == EPCI
    assert f"Il expire le {made.expires_at.astimezone():%d/%m/%Y à %H:%M}" in texts(at)
    assert "Atelier du 12 mars" in texts(at) and "valide" in texts(at)  # the links' table

    assert at.selectbox(key="ws_link_revoke").options == [f"n° {made.id} — Atelier du 12 mars (expire le "
                                                          f"{made.expires_at.astimezone():%d/%m/%Y})"]
    at.button(key="ws_link_revoke_button").click().run()
    assert not at.exception
    [gone] = db.workshop_links(OP, EPCI)
    assert gone.state == "révoqué" and gone.revoked_at is not None
    assert db.workshop_territory(Principal.workshop(token)) is None
    assert f"Lien d'atelier n° {made.id} révoqué" in texts(at)
    assert not [c.value for c in at.code]  # the address is not shown again
    assert "ws_link_revoke" not in [w.key for w in at.selectbox]  # nothing valid left to revoke


def test_an_instance_administrator_signs_an_account_out_everywhere(db, monkeypatch):
    db.add_user(OP, "admin@x.fr", PASSWORD)  # the instance's first account is its administrator
    db.add_user(OP, "ed@x.fr", PASSWORD, "éditeur", EPCI)
    phone, laptop = (Principal.session(db.sign_in(Principal.anonymous(f"192.0.2.{i}"), "ed@x.fr", PASSWORD).session)
                     for i in (1, 2))
    assert db.signed_in(phone) == db.signed_in(laptop) == "ed@x.fr"
    at = as_editor(db, monkeypatch, "pages/versions.py")  # marie, an editor: not for her
    assert not [w for w in at.text_input if w.key == "ws_end_email"]
    from tests.appstore import signed_in

    signed_in(monkeypatch, "admin@x.fr")
    at.run()
    at.text_input(key="ws_end_email").input(" ed@x.fr ")
    at.button(key="ws_end_sessions").click().run()
    assert not at.exception
    assert db.signed_in(phone) is None and db.signed_in(laptop) is None
    assert "ed@x.fr : 2 sessions fermées, sur tous les appareils." in texts(at)
    assert db.role_of(OP, "ed@x.fr", EPCI) == "éditeur"  # the role stays: signing in again works
