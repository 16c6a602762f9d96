"""The store's objectives and actor pairings (issue 15, migration 0004), on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from nrdash import store as st
from nrdash.compare import Objective
from nrdash.store import Store, StoreError
from tests.conftest import actors_sheet
from tests.principals import OP

EPCI = "241700434"


@pytest.fixture
def store(db_url):
    s = Store(db_url, seed_sample=False)
    s.publish(OP, EPCI, actors_sheet([["Atelier Vélo", "Associations du NR", 1]]), "v1.xlsx")
    yield s
    s.close()


def objective(**kw) -> Objective:
    d = dict(indicator="engaged_actors", target=60, deadline=dt.date(2027, 12, 31), start_date=dt.date(2026, 1, 15),
             start_value=40, note="Stratégie 2027")
    d.update(kw)
    return Objective(**d)


def test_objectives_are_kept_with_the_territory_and_can_be_removed(store):
    assert store.objectives(OP, EPCI) == []
    first = store.add_objective(OP, EPCI, objective(), 1, author="marie@x.fr")
    second = store.add_objective(OP, EPCI, objective(indicator="family_in_circle_2", family="Entreprises", target=12.5,
                                                 start_value=3, note=""), None)
    got = store.objectives(OP, EPCI)
    assert [g.id for g in got] == [first, second]
    assert got[0].objective == objective() and got[0].start_version == 1 and got[0].created_by == "marie@x.fr"
    assert got[1].objective.family == "Entreprises" and got[1].objective.target == 12.5
    assert got[1].start_version is None and got[0].created_at.tzinfo is not None
    assert store.delete_objective(OP, EPCI, first) is True
    assert store.delete_objective(OP, EPCI, first) is False
    assert [g.id for g in store.objectives(OP, EPCI)] == [second]


def test_objectives_refused_in_french(store):
    with pytest.raises(StoreError, match="L'échéance .*31/12/2025.* doit suivre .*15/01/2026"):
        store.add_objective(OP, EPCI, objective(deadline=dt.date(2025, 12, 31)), 1)
    with pytest.raises(StoreError, match="La note"):
        store.add_objective(OP, EPCI, objective(note="x" * 3000), 1)
    with pytest.raises(StoreError, match="absent"):
        store.add_objective(OP, "99999", objective(), 1)
    assert store.objectives(OP, EPCI) == []


def test_pairings_link_and_unlink_replace_each_other(store):
    assert store.pairings(OP, EPCI) == ([], [])
    assert store.pairings(OP, "inconnu") == ([], [])
    store.set_pairing(OP, EPCI, "nom:velo|aytre", "nom:roue libre|aytre", st.PAIR_LINK, author="marie@x.fr")
    store.set_pairing(OP, EPCI, "siret:35600000000048", "nom:poste|lagord", st.PAIR_UNLINK)
    assert store.pairings(OP, EPCI) == ([("nom:velo|aytre", "nom:roue libre|aytre")],
                                    [("siret:35600000000048", "nom:poste|lagord")])
    store.set_pairing(OP, EPCI, "nom:velo|aytre", "nom:roue libre|aytre", st.PAIR_UNLINK)  # changed their mind
    assert store.pairings(OP, EPCI)[0] == []
    assert len(store.pairings(OP, EPCI)[1]) == 2
    assert store.remove_pairing(OP, EPCI, "nom:velo|aytre", "nom:roue libre|aytre") is True
    assert store.remove_pairing(OP, EPCI, "nom:velo|aytre", "nom:roue libre|aytre") is False
    assert store.pairings(OP, EPCI) == ([], [("siret:35600000000048", "nom:poste|lagord")])
    with pytest.raises(StoreError, match="Référence d'acteur invalide"):
        store.set_pairing(OP, EPCI, "", "nom:x|y", st.PAIR_LINK)
    with pytest.raises(StoreError, match="Référence d'acteur invalide"):
        store.set_pairing(OP, EPCI, "nom:" + "x" * 800, "nom:x|y", st.PAIR_LINK)


def test_migration_0004_is_the_head_and_goes_down(db_url):
    s = Store(db_url, seed_sample=False)
    try:
        assert st.head_revision() == "0004" or st.head_revision() > "0004"
        names = set(sa.inspect(s.engine).get_table_names())
        assert {"objectives", "actor_pairings"} <= names
        from alembic import command

        command.downgrade(st.database._alembic_config(s.url), "0003")
        assert not {"objectives", "actor_pairings"} & set(sa.inspect(s.engine).get_table_names())
    finally:
        s.close()
