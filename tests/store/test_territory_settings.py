"""A territory's reading and contact settings in the store (issue 25), on SQLite and PostgreSQL: a new territory
opens closed by every way it is created (publish, an account's role, the questionnaire's publication) but the
sample and an imported archive, which keep their own; opening it makes every published version readable without an
account, earlier ones included; the questionnaire is a separate setting; the contact address is checked, shown on
the public form's information, carried by the archive; the migration changes no territory's setting."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from nrdash import store as st
from nrdash.store import Forbidden, Store, StoreError
from nrdash.store.database import make_engine
from tests.principals import OP, acct, anon
from tests.test_questionnaire import V1, answer
from tests.store.test_store import small
from tests.store.test_store_exchange import members, other_store, rezip

EPCI, COMMUNE = "241700434", "17300"  # CA de La Rochelle, La Rochelle


@pytest.fixture
def store(db_url):
    s = Store(db_url, seed_sample=False)
    yield s
    s.close()


def readable(s: Store, who, code: str) -> bool:
    try:
        s.open_version(who, code)
    except Forbidden:
        return False
    return True


def test_a_new_territory_opens_closed_by_every_way_it_is_created(store):
    store.publish(OP, EPCI, V1, "v1.xlsx")
    store.add_user(OP, "admin@x.fr", "motdepasse-long")  # the instance's administrator
    store.add_user(OP, "lea@x.fr", "motdepasse-long", "éditeur", COMMUNE)  # creates COMMUNE, not yet published
    for code in (EPCI, COMMUNE):
        assert store.territory(OP, code)["anonymous_read"] is False, code
    assert not readable(store, anon(), EPCI)
    assert store.readable_territories(anon()) == []
    assert store.access(anon(), EPCI).may_read is False
    store.publish(acct("lea@x.fr"), COMMUNE, small("c"), "c.xlsx")  # its first version: still closed
    assert store.territory(OP, COMMUNE)["anonymous_read"] is False and not readable(store, anon(), COMMUNE)
    assert readable(store, acct("lea@x.fr"), COMMUNE)  # the territory's accounts read it


def test_the_sample_stays_open(db_url):
    s = Store(db_url)  # seeds « exemple »
    try:
        assert s.territory(OP, st.SAMPLE_CODE)["anonymous_read"] is True
        assert readable(s, anon(), st.SAMPLE_CODE)
        assert s.access(anon(), st.SAMPLE_CODE).public is True
    finally:
        s.close()


def test_opening_makes_every_version_readable_and_closing_undoes_it(store):
    store.publish(OP, EPCI, V1, "v1.xlsx")
    store.publish(OP, EPCI, small("b"), "v2.xlsx")
    store.add_user(OP, "admin@x.fr", "motdepasse-long")
    store.add_user(OP, "chef@x.fr", "motdepasse-long", "administrateur", EPCI)
    store.add_user(OP, "ed@x.fr", "motdepasse-long", "éditeur", EPCI)
    assert store.access(acct("ed@x.fr"), EPCI).public is False  # said to whom reads it
    assert store.access(anon(), EPCI).public is None  # not said to whom may not
    with pytest.raises(Forbidden):  # an editor may not open it
        store.set_territory(acct("ed@x.fr"), EPCI, anonymous_read=True)
    assert store.territory(OP, EPCI)["anonymous_read"] is False
    store.set_territory(acct("chef@x.fr"), EPCI, anonymous_read=True)  # its administrator may
    assert [v.number for v in store.versions(anon(), EPCI)] == [1, 2]
    assert list(store.open_version(anon(), EPCI, 1).census.actors["name"])[0] == "Atelier Vélo"  # the earlier one
    assert store.readable_territories(anon()) == [(EPCI, store.territory(OP, EPCI)["name"])]
    assert store.access(anon(), EPCI).public is True and store.access(acct("ed@x.fr"), EPCI).public is True
    store.set_territory(OP, EPCI, anonymous_read=False)
    assert not readable(store, anon(), EPCI) and store.readable_territories(anon()) == []


def test_a_closed_territory_s_questionnaire_still_takes_answers(store):
    store.publish(OP, EPCI, V1, "v1.xlsx")
    assert store.territory(OP, EPCI)["anonymous_read"] is False and store.questionnaire_open(OP, EPCI) is True
    form = store.questionnaire_form(anon(), EPCI)
    assert form.open is True and form.name
    sid, match = store.submit(anon("10.0.0.1"), EPCI, answer(name="Atelier Vélo"))
    assert sid and match is None  # stored; whether the census knows it is not said to a visitor of a closed one
    assert [x.answer.name for x in store.submissions(OP, EPCI)] == ["Atelier Vélo"]
    assert not readable(store, anon(), EPCI)  # answering gives no reading
    store.set_questionnaire_open(OP, EPCI, False)
    with pytest.raises(StoreError, match="fermé"):
        store.submit(anon("10.0.0.1"), EPCI, answer(name="Autre"))
    store.set_territory(OP, EPCI, anonymous_read=True)  # opening the reading does not open the questionnaire
    assert store.questionnaire_open(OP, EPCI) is False
    assert store.territory(OP, EPCI)["questionnaire_open"] is False


def test_the_contact_address(store):
    store.publish(OP, EPCI, V1, "v1.xlsx")
    store.add_user(OP, "admin@x.fr", "motdepasse-long")
    store.add_user(OP, "ed@x.fr", "motdepasse-long", "éditeur", EPCI)
    assert store.territory(OP, EPCI)["contact_email"] is None
    assert store.questionnaire_form(anon(), EPCI).contact_email is None
    store.set_territory(OP, EPCI, contact_email="  numerique@agglo-larochelle.fr ")
    assert store.territory(OP, EPCI)["contact_email"] == "numerique@agglo-larochelle.fr"
    assert store.questionnaire_form(anon(), EPCI).contact_email == "numerique@agglo-larochelle.fr"
    for bad in ("pas une adresse", "a@b", "x" * 250 + "@x.fr", "a\x00@x.fr"):
        with pytest.raises(StoreError, match="[Aa]dresse électronique|caractère nul"):
            store.set_territory(OP, EPCI, contact_email=bad, retention_months=6)
    t = store.territory(OP, EPCI)  # nothing of a refused change was kept
    assert (t["contact_email"], t["retention_months"]) == ("numerique@agglo-larochelle.fr", 24)
    with pytest.raises(Forbidden):
        store.set_territory(acct("ed@x.fr"), EPCI, contact_email="moi@x.fr")
    store.set_territory(OP, EPCI, anonymous_read=True)  # another setting leaves it as it is
    assert store.territory(OP, EPCI)["contact_email"] == "numerique@agglo-larochelle.fr"
    store.set_territory(OP, EPCI, contact_email="")  # unset
    assert store.territory(OP, EPCI)["contact_email"] is None


def test_the_archive_carries_the_settings_and_an_import_keeps_them(store, request, tmp_path):
    store.publish(OP, EPCI, V1, "v1.xlsx")
    store.set_territory(OP, EPCI, anonymous_read=True, contact_email="numerique@agglo.fr")
    archive = store.export_territory(OP, EPCI)
    manifest = json.loads(members(archive)["manifest.json"])
    assert manifest["territory"]["contact_email"] == "numerique@agglo.fr"
    assert manifest["territory"]["anonymous_read"] is True
    other = other_store(request, tmp_path)
    try:
        # An account's role created the territory on the other instance first (closed): the archive's settings win.
        other.add_user(OP, "chef@x.fr", "motdepasse-long", "administrateur", EPCI)
        assert other.territory(OP, EPCI)["anonymous_read"] is False
        other.import_territory(OP, archive)
        t = other.territory(OP, EPCI)
        assert (t["anonymous_read"], t["contact_email"]) == (True, "numerique@agglo.fr")
        assert readable(other, anon(), EPCI)
    finally:
        other.close()
    closed = rezip({**members(archive), "manifest.json": json.dumps(
        {**manifest, "territory": {**manifest["territory"], "code": COMMUNE, "anonymous_read": False}}).encode()})
    older = {**manifest["territory"], "code": "17028"}
    older.pop("contact_email")  # an archive written before the contact address
    older_archive = rezip({**members(archive), "manifest.json": json.dumps({**manifest, "territory": older})
                           .encode()})
    store.import_territory(OP, closed)
    store.import_territory(OP, older_archive)
    assert store.territory(OP, COMMUNE)["anonymous_read"] is False and not readable(store, anon(), COMMUNE)
    assert store.territory(OP, "17028")["contact_email"] is None
    bad = {**manifest["territory"], "code": "17200", "contact_email": "pas une adresse"}
    with pytest.raises(StoreError, match="adresse de contact"):
        store.import_territory(OP, rezip({**members(archive), "manifest.json": json.dumps(
            {**manifest, "territory": bad}).encode()}))
    assert "17200" not in {t["code"] for t in store.territories(OP)}


def test_the_migration_keeps_every_territory_s_setting(db_url):
    engine = make_engine(db_url)
    st.upgrade_schema(engine, "0005")
    with engine.begin() as conn:
        for code, name, is_open in ((EPCI, "CA de La Rochelle", True), (COMMUNE, "La Rochelle", False)):
            conn.execute(sa.text("INSERT INTO territories (code, name, anonymous_read, retention_months, created_at) "
                                 "VALUES (:c, :n, :o, 24, :t)"), {"c": code, "n": name, "o": is_open,
                                                                   "t": st.utcnow()})
    engine.dispose()
    s = Store(db_url, seed_sample=False)
    try:
        got = {t["code"]: (t["anonymous_read"], t["contact_email"]) for t in s.territories(OP)}
        assert got == {EPCI: (True, None), COMMUNE: (False, None)}
    finally:
        s.close()


def test_the_consent_text_gives_the_address_or_names_the_collectivite():
    from nrdash import questionnaire as quest

    with_address = quest.consent_text("CA de La Rochelle", 24, "numerique@agglo-larochelle.fr")
    assert "écrivez à numerique@agglo-larochelle.fr" in with_address and "2 ans" in with_address
    assert "écrivez à l'équipe" not in with_address
    without = quest.consent_text("CA de La Rochelle", 24)
    assert "écrivez à la collectivité qui tient ce recensement, CA de La Rochelle : elle" in without
    assert "@" not in without and "l'équipe du recensement :" not in without
    page = quest.printable_form("CA de La Rochelle", 24, "numerique@agglo.fr")  # the printed form says it too
    assert "écrivez à numerique@agglo.fr" in page
    assert "écrivez à la collectivité" in quest.printable_form("CA <b>x</b>", 24)
