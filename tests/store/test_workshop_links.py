"""Workshop links that can be withdrawn (issue 23 §1), in the store on SQLite and PostgreSQL: an expiry chosen at
creation (30 days by default, 1 to 365), listed with their state, revoked by an editor of the territory or by the
operator; a revoked or expired link opens nothing from its holder's next operation, and the store says why."""
from __future__ import annotations

import datetime as dt

import pytest

from nrdash.store import Forbidden, Principal, Store, StoreError
from tests.principals import OP
from tests.test_questionnaire import V1

T, OTHER = "241700434", "17300"
NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


@pytest.fixture
def s(db_url):
    store = Store(db_url, seed_sample=False)
    store.add_user(OP, "admin@x.fr", "motdepasse-long")
    store.add_user(OP, "editeur@x.fr", "motdepasse-long", "éditeur", T)
    store.add_user(OP, "lecteur@x.fr", "motdepasse-long", "lecteur", T)
    store.publish(OP, T, V1, "v1.xlsx")
    store.publish(OP, OTHER, V1, "v1.xlsx")
    yield store
    store.close()


def test_a_link_lasts_the_days_chosen(s):
    default = s.create_workshop_token(OP, T, "Atelier", author="editeur@x.fr", now=NOW)
    week = s.create_workshop_token(OP, T, "Semaine", days=7)
    assert default.expires_at == NOW + dt.timedelta(days=30) and isinstance(default.id, int)
    assert str(default) not in repr(default)  # the secret is never printed
    holder = Principal.workshop(default)
    assert s.workshop_territory(holder) == T and s.access(holder, T).may_read
    assert s.access(Principal.workshop(week), T).may_read
    expired = s.create_workshop_token(OP, T, "Hier", days=1, now=dt.datetime.now(dt.timezone.utc)
                                      - dt.timedelta(days=1, seconds=1))
    acc = s.access(Principal.workshop(expired), T)
    assert not acc.may_read and acc.link_problem == "Ce lien d'atelier a expiré."
    assert s.workshop_territory(Principal.workshop(expired)) is None
    with pytest.raises(Forbidden):
        s.open_version(Principal.workshop(expired), T)
    for wrong in (0, 366, -1, "deux", "3.5", True):
        with pytest.raises(StoreError, match="de 1 à 365"):
            s.create_workshop_token(OP, T, "x", days=wrong)
    assert s.create_workshop_token(OP, T, "Un an", days=365, now=NOW).expires_at == NOW + dt.timedelta(days=365)


def test_links_listed_and_revoked(s):
    editor, reader = Principal.account("editeur@x.fr"), Principal.account("lecteur@x.fr")
    first = s.create_workshop_token(editor, T, "Atelier de mars")
    second = s.create_workshop_token(editor, T, "Stand", days=2)
    elsewhere = s.create_workshop_token(OP, OTHER, "Ailleurs")
    listed = s.workshop_links(editor, T)
    assert [(x.id, x.label, x.state, x.created_by) for x in listed] == [
        (second.id, "Stand", "valide", "editeur@x.fr"), (first.id, "Atelier de mars", "valide", "editeur@x.fr")]
    with pytest.raises(Forbidden):
        s.workshop_links(reader, T)
    holder = Principal.workshop(first)
    assert s.open_version(holder, T).census is not None
    with pytest.raises(Forbidden):
        s.revoke_workshop_link(reader, first.id, T)
    with pytest.raises(StoreError, match=f"Aucun lien d'atelier n° {elsewhere.id} sur ce territoire"):
        s.revoke_workshop_link(editor, elsewhere.id, T)  # another territory's link: not through this one
    with pytest.raises(Forbidden):
        s.revoke_workshop_link(editor, elsewhere.id)  # without a territory: the instance's rights
    assert s.revoke_workshop_link(editor, first.id, T) == T
    acc = s.access(holder, T)
    assert not acc.may_read and acc.link_problem == "Ce lien d'atelier a été révoqué."
    with pytest.raises(Forbidden):
        s.open_version(holder, T)
    with pytest.raises(StoreError, match=f"Le lien d'atelier n° {first.id} est déjà révoqué"):
        s.revoke_workshop_link(editor, first.id, T)
    assert s.revoke_workshop_link(OP, elsewhere.id) == OTHER  # the operator names the id only
    with pytest.raises(StoreError, match="Aucun lien d'atelier n° 99999 :"):
        s.revoke_workshop_link(OP, 99999)
    with pytest.raises(StoreError, match="Identifiant de lien invalide"):
        s.revoke_workshop_link(OP, "deux")
    states = {x.label: x.state for x in s.workshop_links(OP, T, now=dt.datetime.now(dt.timezone.utc)
                                                          + dt.timedelta(days=3))}
    assert states == {"Atelier de mars": "révoqué", "Stand": "expiré"}
    assert s.access(Principal.workshop("inconnu"), None).link_problem == "Ce lien d'atelier n'est pas valide."
