"""A stable identifier per actor of a territory (issue 26, migration 0008): given at publish, kept from version to
version through the Suivi page's pairing, restorations, accepted questionnaire updates and a territory's archive,
re-linked by a pairing made by hand later, given to the versions that existed before the upgrade; on SQLite and
PostgreSQL for the store."""
from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from nrdash import compare as cp
from nrdash import questionnaire as quest
from nrdash.census import load_census
from nrdash.fields import luhn_ok
from nrdash.store import PAIR_LINK, PAIR_UNLINK, Store, identity, schema
from tests.conftest import actors_sheet
from tests.principals import OP

EPCI = "241700434"
HEADER = ["Nom de l'acteur", "SIRET", "Type d'acteur", "Niveau d'engagement estimé", "Commune", "Référent", "Contact"]


def siret(n: int) -> str:
    body = f"{732829320 + n:09d}{n:04d}"
    return next(body + k for k in "0123456789" if luhn_ok(body + k))


S1, S2 = siret(1), siret(2)


def sheet(rows: list[list]) -> bytes:
    return actors_sheet([list(r) + [None] * (len(HEADER) - len(r)) for r in rows], HEADER)


def actors(rows: list[list]) -> pd.DataFrame:
    return load_census(sheet(rows), "v.xlsx").actors


VELO = ["Atelier Vélo", None, "Associations du NR", 1, "Aytré", "Hugo Guérin", "hugo@example.org"]
MAIRIE = ["Mairie de Lagord", None, "Commune", 2, "Lagord"]
SOLIDAIRE = ["Numérique Solidaire", S1, "Entreprises du NR", 2, "Aytré"]
V1 = [VELO, MAIRIE, SOLIDAIRE]


def drawn(value: str) -> bool:
    return identity.is_actor_id(value) and value.startswith("nr-")


# ---------------------------------------------------------------------------------------------
# The rule, alone
# ---------------------------------------------------------------------------------------------
def test_a_first_version_gives_the_valid_siret_else_a_drawn_identifier_never_twice():
    twin = ["Numérique Solidaire (antenne)", S1, "Entreprises du NR", 1, "Lagord"]
    bad = ["SIRET faux", "73282932000075", "PME", 0, "Aytré"]
    got = identity.assign(actors([VELO, SOLIDAIRE, twin, bad]))
    assert got.ids[1] == S1 and got.how[1] == identity.SIRET
    assert [got.how[i] for i in (0, 2, 3)] == [identity.NEW] * 3  # the SIRET is taken; an invalid one is no id
    assert all(drawn(got.ids[i]) for i in (0, 2, 3)) and len(set(got.ids)) == 4
    assert got.refs[1] == f"siret:{S1}" and got.refs[0] == "nom:atelier velo|aytre"
    assert identity.is_actor_id(S1) and not identity.is_actor_id("73282932000075")
    assert not identity.is_actor_id("nr-ILOU000000") and len(identity.new_actor_id()) == 13


def test_the_next_version_keeps_them_through_the_suivi_pairing():
    v1 = actors(V1)
    first = identity.assign(v1)
    renamed = ["Atelier du Vélo solidaire", None, "Associations du NR", 2, "Aytré"]  # no SIRET: another actor
    solidaire = ["Numérique Solidaire SAS (nouveau nom)", S1, "Entreprises du NR", 3, "Aytré"]  # the same SIRET
    v2 = actors([solidaire, MAIRIE, renamed, ["Nouveau venu", None, "PME", 0, "Aytré"]])
    got = identity.assign(v2, previous=v1, previous_ids=first.ids)
    assert got.ids[0] == S1 and got.ids[1] == first.ids[1] and got.how[:2] == [identity.PAIRED] * 2
    assert got.how[2:] == [identity.NEW] * 2 and first.ids[0] not in got.ids  # the renamed one is new…
    refs1, refs2 = cp.actor_refs(v1), cp.actor_refs(v2)
    linked = identity.assign(v2, previous=v1, previous_ids=first.ids, links=[(refs1[0], refs2[2])])
    assert linked.ids[2] == first.ids[0] and linked.how[2] == identity.PAIRED  # …unless a person paired them
    apart = identity.assign(v2, previous=v1, previous_ids=first.ids, unlinks=[(refs1[1], refs2[1])])
    assert apart.ids[1] != first.ids[1] and drawn(apart.ids[1])  # a pair a person forbade is never made
    carried = identity.assign(v2, previous=v1, previous_ids=first.ids, carried={2: first.ids[0]})
    assert carried.ids[2] == first.ids[0] and carried.how[2] == identity.CARRIED  # named explicitly: wins


class Past:
    """The versions before the previous one, as identity.History reads them."""

    def __init__(self, *versions: tuple[pd.DataFrame, list[str]]):
        self.versions = versions

    def by_ref(self, keys):
        out = {}
        for frame, ids in reversed(self.versions):
            for ref, value in zip(cp.actor_refs(frame), ids):
                if identity.ref_key(ref) in keys:
                    out.setdefault(identity.ref_key(ref), []).append(value)
        return out

    def before(self, ids):
        return {v for _, got in self.versions for v in got} & set(ids)

    anywhere = before


def test_an_actor_left_out_of_one_version_takes_its_identifier_back():
    v1 = actors(V1)
    first = identity.assign(v1)
    v2 = actors([MAIRIE, SOLIDAIRE])  # the Atelier Vélo forgotten…
    second = identity.assign(v2, previous=v1, previous_ids=first.ids)
    v3 = actors([MAIRIE, SOLIDAIRE, VELO])  # …and back
    third = identity.assign(v3, previous=v2, previous_ids=second.ids, history=Past((v1, first.ids)))
    assert third.ids == [first.ids[1], S1, first.ids[0]] and third.how[2] == identity.RETURNED
    again = identity.assign(v3, previous=v2, previous_ids=second.ids, history=Past((v1, first.ids)),
                            former=third.ids)
    assert again.ids == third.ids  # computed again with nothing new: nothing changes
    forbidden = identity.assign(v3, previous=v2, previous_ids=second.ids, history=Past((v1, first.ids)),
                                unlinks=[(third.refs[2], third.refs[2])])
    assert forbidden.ids[2] != first.ids[0]


# ---------------------------------------------------------------------------------------------
# In the store
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def store(db_url):
    s = Store(db_url, seed_sample=False)
    yield s
    s.close()


def ids_of(s: Store, number: int | None = None) -> dict[str, str]:
    """{actor name: identifier} of a version, as open_version gives them."""
    a = s.open_version(OP, EPCI, number).census.actors
    return dict(zip(a["name"], a["actor_id"]))


def refs_of(s: Store, number: int) -> dict[str, str]:
    a = s.open_version(OP, EPCI, number).census.actors
    return dict(zip(a["name"], cp.actor_refs(a)))


RENAMED = ["Atelier du Vélo solidaire", None, "Associations du NR", 2, "Aytré"]


def test_published_versions_store_each_rows_identifier_and_a_pairing_by_hand_relinks(store):
    s = store
    s.publish(OP, EPCI, sheet(V1), "v1.xlsx")
    one = ids_of(s, 1)
    assert one["Numérique Solidaire"] == S1 and drawn(one["Atelier Vélo"]) and drawn(one["Mairie de Lagord"])
    s.publish(OP, EPCI, sheet([SOLIDAIRE, MAIRIE, RENAMED]), "v2.xlsx")
    s.publish(OP, EPCI, sheet([SOLIDAIRE, MAIRIE, RENAMED, ["Nouveau", None, "PME", 0, "Aytré"]]), "v3.xlsx")
    two, three = ids_of(s, 2), ids_of(s, 3)
    assert two["Mairie de Lagord"] == three["Mairie de Lagord"] == one["Mairie de Lagord"]
    assert two["Numérique Solidaire"] == S1
    born = two["Atelier du Vélo solidaire"]
    assert drawn(born) and born != one["Atelier Vélo"] and three["Atelier du Vélo solidaire"] == born
    with s.engine.connect() as conn:  # stored beside each row of each version
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.actor_ids)).scalar() == 3 + 3 + 4
    # A person pairs the renamed association with the old one on the Suivi page: it takes the old identifier,
    # in version 2 and in every later version; the census opened again says so (its cached copy is dropped).
    s.set_pairing(OP, EPCI, refs_of(s, 1)["Atelier Vélo"], refs_of(s, 2)["Atelier du Vélo solidaire"], PAIR_LINK)
    assert ids_of(s, 2)["Atelier du Vélo solidaire"] == ids_of(s, 3)["Atelier du Vélo solidaire"] == \
        one["Atelier Vélo"]
    assert ids_of(s, 1) == one and ids_of(s, 3)["Nouveau"] == three["Nouveau"]  # nothing else moves
    # The pair undone: the renamed one is another actor again, with an identifier of its own (never the old one).
    assert s.remove_pairing(OP, EPCI, refs_of(s, 1)["Atelier Vélo"], refs_of(s, 2)["Atelier du Vélo solidaire"])
    alone = ids_of(s, 2)["Atelier du Vélo solidaire"]
    assert drawn(alone) and alone != one["Atelier Vélo"] and ids_of(s, 3)["Atelier du Vélo solidaire"] == alone
    # Forbidding a pair the comparison made: the Mairie of version 2 is not the one of version 1. A forbidden pair
    # names two references (here the same one) and holds in every comparison, as on the Suivi page: version 3's
    # Mairie is not version 2's either.
    s.set_pairing(OP, EPCI, refs_of(s, 1)["Mairie de Lagord"], refs_of(s, 2)["Mairie de Lagord"], PAIR_UNLINK)
    mairies = [ids_of(s, n)["Mairie de Lagord"] for n in (1, 2, 3)]
    assert mairies[0] == one["Mairie de Lagord"] and len(set(mairies)) == 3 and all(map(drawn, mairies))


def test_restorations_updates_and_archives_keep_them(store, db_url, tmp_path):
    s = store
    s.publish(OP, EPCI, sheet(V1), "v1.xlsx")
    s.publish(OP, EPCI, sheet([SOLIDAIRE, MAIRIE]), "v2.xlsx")
    one = ids_of(s, 1)
    s.restore(OP, EPCI, 1)
    assert ids_of(s, 3) == one  # a restoration continues the version restored, row for row
    # An update accepted from the questionnaire renames the association: it keeps its identifier.
    a, problems = quest.validate({"name": "Atelier Vélo et Couture", "actor_type": "Associations du NR", "level": 3,
                                  "commune": "17028", "referent": "Zoé", "contact": "z@example.org",
                                  "consent": True}, {"17028": "Aytré"})
    assert not problems
    sid = s.submit_paper(OP, EPCI, [a], author="ed@x.fr")[0]
    target = refs_of(s, 3)["Atelier Vélo"]
    s.review_submission(OP, EPCI, sid, decision=quest.Decision(quest.MERGED, target, ("name", "level")),
                        author="ed@x.fr")
    s.publish_questionnaire(OP, EPCI, author="ed@x.fr")
    four = ids_of(s, 4)
    assert four["Atelier Vélo et Couture"] == one["Atelier Vélo"] and "Atelier Vélo" not in four
    assert {four["Mairie de Lagord"], four["Numérique Solidaire"]} == {one["Mairie de Lagord"], S1}
    # A territory's archive carries them to another instance.
    archive = s.export_territory(OP, EPCI)
    other = Store(f"sqlite:///{tmp_path / 'autre.db'}", seed_sample=False)
    try:
        other.import_territory(OP, archive)
        for n in (1, 2, 3, 4):
            a = other.open_version(OP, EPCI, n).census.actors
            assert dict(zip(a["name"], a["actor_id"])) == ids_of(s, n), n
    finally:
        other.close()


def test_versions_published_before_the_upgrade_get_theirs_by_the_same_rules(store, db_url):
    from alembic import command

    from nrdash import store as st

    s = store
    s.publish(OP, EPCI, sheet(V1), "v1.xlsx")
    s.publish(OP, EPCI, sheet([SOLIDAIRE, MAIRIE, RENAMED]), "v2.xlsx")
    s.restore(OP, EPCI, 1)
    command.downgrade(st.database._alembic_config(s.url), "0005")
    assert "actor_ids" not in sa.inspect(s.engine).get_table_names()
    st.clear_cache()
    assert st.upgrade_schema(s.engine) == st.head_revision()
    one, two, three = ids_of(s, 1), ids_of(s, 2), ids_of(s, 3)
    assert three == one and one["Numérique Solidaire"] == two["Numérique Solidaire"] == S1
    assert two["Mairie de Lagord"] == one["Mairie de Lagord"] and drawn(one["Mairie de Lagord"])
    assert two["Atelier du Vélo solidaire"] not in one.values()
    with s.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.actor_ids)).scalar() == 3 + 3 + 3
