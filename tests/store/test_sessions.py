"""Access that can be withdrawn (issue 23 §1), in the store, on SQLite and PostgreSQL: a local sign-in is a session
row that every operation reads again; signing out, signing out everywhere, an administrator ending them, a role
removed or changed and the account removed end it from the next operation. Roles are changed and removed (downgrades
included, never the last instance administrator), typed with or without accents."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from nrdash.store import Forbidden, Principal, Store, StoreError, schema
from tests.principals import OP
from tests.test_questionnaire import V1

T, OTHER = "241700434", "17300"
PASSWORD = "motdepasse-long"
ADMIN, EDITOR, READER = "admin@x.fr", "editeur@x.fr", "lecteur@x.fr"


@pytest.fixture
def s(db_url):
    store = Store(db_url, seed_sample=False)
    store.add_user(OP, ADMIN, PASSWORD)  # the first account: the instance's administrator
    store.publish(OP, T, V1, "v1.xlsx")
    store.set_territory(OP, T, anonymous_read=False)
    store.add_user(OP, EDITOR, PASSWORD, "éditeur", T)
    store.add_user(OP, READER, PASSWORD, "lecteur", T)
    yield store
    store.close()


def session(s: Store, email: str, client: str = "192.0.2.10", **kwargs) -> Principal:
    signed = s.sign_in(Principal.anonymous(client), email, PASSWORD, **kwargs)
    assert signed.outcome == "ok" and signed.session, signed
    return Principal.session(signed.session, client)


def can_edit(s: Store, who: Principal) -> bool:
    return s.access(who, T).editor


def test_a_session_has_its_accounts_rights_until_signed_out(s):
    who = session(s, EDITOR)
    assert s.signed_in(who) == EDITOR and can_edit(s, who)
    s.save_draft(who, T, V1, "brouillon.xlsx", 1)  # acts as its account: the draft is the editor's
    assert s.draft(OP, T, author=EDITOR, data=False).author == EDITOR
    with s.engine.connect() as conn:  # only the id's hash is kept
        assert who.session_id not in str(conn.execute(sa.select(schema.sessions)).all())
    other = session(s, EDITOR, "192.0.2.11")  # the same account on another device
    assert s.sign_out(who) == 1
    assert s.signed_in(who) is None and not can_edit(s, who) and not s.access(who, T).may_read
    with pytest.raises(Forbidden):
        s.draft(who, T)
    assert s.signed_in(other) == EDITOR  # signing out ends this session only
    assert s.sign_out(who) == 0  # already ended
    assert s.signed_in(Principal.session("pas une session")) is None
    assert s.signed_in(Principal.anonymous()) is None and s.signed_in(Principal.account(READER)) == READER


def test_a_session_expires(s):
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=13)
    old = session(s, EDITOR, now=past)  # opened 13 hours ago, for 12 hours
    assert s.signed_in(old) is None and not can_edit(s, old)
    short = session(s, EDITOR, lifetime=dt.timedelta(hours=1))
    assert s.signed_in(short) == EDITOR


def test_signing_out_everywhere_and_an_administrator_ending_them(s):
    a, b = session(s, EDITOR, "192.0.2.20"), session(s, EDITOR, "192.0.2.21")
    reader = session(s, READER)
    assert s.sign_out(a, everywhere=True) == 2
    assert s.signed_in(a) is None and s.signed_in(b) is None and s.signed_in(reader) == READER
    c = session(s, EDITOR)
    with pytest.raises(Forbidden, match="administrateurs de l'instance"):
        s.end_sessions(reader, EDITOR)
    assert s.signed_in(c) == EDITOR
    assert s.end_sessions(session(s, ADMIN), EDITOR) == 1
    assert s.signed_in(c) is None and not can_edit(s, c)
    with pytest.raises(StoreError, match="Aucun compte pour « personne@x.fr »"):
        s.end_sessions(OP, "personne@x.fr")
    with s.engine.connect() as conn:
        why = dict(conn.execute(sa.select(schema.sessions.c.id, schema.sessions.c.ended_why)).all())
    assert sorted(filter(None, why.values())) == ["ended-by-admin", "signed-out-everywhere", "signed-out-everywhere"]


def test_a_role_changed_or_removed_ends_the_sessions(s):
    who = session(s, EDITOR)
    reader = session(s, READER)
    assert s.set_role(OP, EDITOR, "lecteur", T)["sessions_ended"] == 1  # a downgrade
    assert s.signed_in(who) is None and not can_edit(s, who)
    assert s.role_of(OP, EDITOR, T) == "lecteur" and s.signed_in(reader) == READER
    again = session(s, EDITOR)  # signing in again: the new role
    assert s.access(again, T).may_read and not can_edit(s, again)
    assert s.set_role(OP, EDITOR, "lecteur", T)["sessions_ended"] == 0  # nothing changed: nothing ended
    assert s.signed_in(again) == EDITOR
    removed = s.remove_user(OP, EDITOR, T)
    assert removed == {"email": EDITOR, "territory": T, "role": "lecteur", "sessions_ended": 1}
    assert s.signed_in(again) is None and s.role_of(OP, EDITOR, T) is None
    with pytest.raises(StoreError, match="n'a aucun rôle sur"):
        s.remove_user(OP, EDITOR, T)
    fresh = session(s, EDITOR)
    s.add_user(OP, EDITOR, None, "éditeur", OTHER)  # a new role elsewhere: nothing withdrawn, the session goes on
    assert s.signed_in(fresh) == EDITOR


def test_removing_an_account(s):
    who = session(s, READER)
    s.save_draft(OP, T, V1, "brouillon.xlsx", 1, author=READER)
    territory_admin = session(s, EDITOR)
    s.set_role(OP, EDITOR, "administrateur", T)
    territory_admin = session(s, EDITOR)
    with pytest.raises(Forbidden, match="administrateurs de l'instance"):  # a whole account: the instance's
        s.remove_user(territory_admin, READER)
    assert s.remove_user(territory_admin, READER, T)["role"] == "lecteur"  # a role on its territory: may
    out = s.remove_user(OP, READER)
    assert out == {"email": READER, "territory": None, "role": None, "sessions_ended": 0}
    assert s.signed_in(who) is None and not s.user_exists(OP, READER)
    assert s.sign_in(Principal.anonymous("192.0.2.30"), READER, PASSWORD).outcome == "wrong"
    assert s.draft(OP, T, author=READER) is None  # its drafts go with it
    with s.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.sessions).where(
            schema.sessions.c.user_id.notin_(sa.select(schema.users.c.id)))).scalar() == 0
    with pytest.raises(StoreError, match="Aucun compte pour « lecteur@x.fr »"):
        s.remove_user(OP, READER)


def test_the_last_instance_administrator_stays(s):
    before = s.role_of(OP, ADMIN, T)
    for call in (lambda: s.remove_user(OP, ADMIN), lambda: s.set_role(OP, ADMIN, "lecteur", T),
                 lambda: s.add_user(OP, ADMIN, None, "éditeur", T)):  # `user add` was the way around (issue 23)
        with pytest.raises(StoreError, match="dernier administrateur de l'instance"):
            call()
    assert before == s.role_of(OP, ADMIN, T) == "administrateur"
    with pytest.raises(StoreError, match="administrateur de l'instance : il a tous les droits"):
        s.remove_user(OP, ADMIN, T)
    s.set_role(OP, READER, "administrateur")  # a second one: now the first may go down
    admin = session(s, ADMIN)
    out = s.add_user(OP, ADMIN, None, "lecteur", T)
    assert out["is_admin"] is False and s.role_of(OP, ADMIN, T) == "lecteur"  # downgraded, was left administrator
    assert s.signed_in(admin) is None  # and signed out
    assert s.role_of(OP, ADMIN, OTHER) is None


def test_only_an_instance_administrator_downgrades_one(s):
    s.set_role(OP, EDITOR, "administrateur", T)
    territory_admin = session(s, EDITOR)
    s.add_user(OP, "second@x.fr", PASSWORD, "administrateur")
    with pytest.raises(Forbidden, match="seul un administrateur de l'instance peut changer son rôle"):
        s.set_role(territory_admin, "second@x.fr", "lecteur", T)
    with pytest.raises(Forbidden):
        s.set_role(territory_admin, READER, "administrateur")  # the instance's role
    assert s.set_role(territory_admin, READER, "éditeur", T)["role"] == "éditeur"  # on its territory: may
    assert s.role_of(OP, "second@x.fr", OTHER) == "administrateur"


@pytest.mark.parametrize("typed", ["editeur", "Éditeur", " EDITEUR ", "éditeur"])
def test_roles_typed_with_or_without_accents(s, typed):
    assert s.set_role(OP, READER, typed, T)["role"] == "éditeur"
    assert s.role_of(OP, READER, T) == "éditeur"


def test_wrong_roles_and_unknown_accounts_change_nothing(s):
    with pytest.raises(StoreError, match="Rôle « chef » inconnu : « lecteur », « éditeur » ou « administrateur »"):
        s.set_role(OP, READER, "chef", T)
    with pytest.raises(StoreError, match="se donne sur un territoire"):
        s.set_role(OP, READER, "lecteur")
    with pytest.raises(StoreError, match="Aucun compte pour « inconnu@x.fr »"):
        s.set_role(OP, "inconnu@x.fr", "lecteur", T)
    with pytest.raises(StoreError, match="Aucun compte"):
        s.remove_user(OP, "inconnu@x.fr", T)
    assert s.role_of(OP, READER, T) == "lecteur" and not s.user_exists(OP, "inconnu@x.fr")
