"""The vectorised comparison (nrdash.compare) gives exactly what the old dictionary-based one gave
(tests/compare_reference.py): pairs, methods, new and gone actors, ambiguities, unresolved links, changed fields.

The censuses are synthetic and shuffled, with what makes matching hard: renamed actors, dropped and added ones,
duplicate names in one commune, valid, invalid and differing SIRETs, names written with legal forms, initials,
accents and articles, communes without an INSEE code (on one side or both) and spelled two ways, manual pairs
(some naming duplicates, some unresolvable) and manual separations, unreadable cells, types outside the kit."""
import random

import numpy as np
import pytest

from nrdash import compare as cp
from nrdash.census import load_census
from nrdash.fields import luhn_ok
from nrdash.filters import Filters
from tests.compare_reference import actor_refs, reference_compare, reference_level_transitions
from tests.conftest import xlsx_bytes

COLS = ["Nom de l'acteur", "SIRET", "Famille d'acteurs", "Type d'acteur", "Local", "Niveau d'engagement estimé",
        "Cercle", "Commune", "Code INSEE", "Code postal", "Latitude", "Longitude", "Type d'action NR",
        "Description des actions NR identifiées", "Source d'identification", "Date de mise à jour"]
WORDS = ["Atelier", "Réemploi", "Vélo", "Numérique", "Solidaire", "Recyclerie", "Amis", "Café", "Œuvre", "Fablab",
         "Repair", "Info"]
FORMS = ["", "", "", "SAS ", "Association ", "L'", "Les ", "S.A.S. ", "asso "]
TAILS = ["", "", "", " SARL", " (association)", " & Co", " SA"]
COMMUNES = [("La Rochelle", "17300"), ("Saint-Xandre", "17414"), ("St-Xandre", "17414"), ("Périgny", "17274"),
            ("Aytré", "17028"), ("Lagord", "17200"), ("Puilboreau", "17291"), ("Dompierre-sur-Mer", "17136")]
TYPES = ["PME", "Autres associations", "Commune", "Habitants", "Entreprises du numérique", "Type maison"]
LEVELS = [0, 1, 2, 3, "2 - Acteur du NR", None, "peut-être"]


def siret(k: int, valid: bool = True) -> str:
    body = f"{732829320 + k:09d}{k % 10000:04d}"
    good = next(body + d for d in "0123456789" if luhn_ok(body + d))
    return good if valid else good[:-1] + str((int(good[-1]) + 1) % 10)


def random_actor(rnd: random.Random, k: int) -> list:
    name = f"{rnd.choice(FORMS)}{rnd.choice(WORDS)} {rnd.choice(WORDS)}{rnd.choice(TAILS)}"
    if rnd.random() < 0.5:
        name += f" {k % 97}"
    commune, insee = rnd.choice(COMMUNES)
    r = rnd.random()
    s = siret(k) if r < 0.4 else siret(k, valid=False) if r < 0.5 else None
    return [name, s, None, rnd.choice(TYPES), rnd.choice(["oui", "non", None]), rnd.choice(LEVELS),
            rnd.choice([None, 1, 2, 3]), commune, insee if rnd.random() < 0.7 else None, "17000",
            *((round(46.1 + rnd.random() / 10, 7), -1.15) if rnd.random() < 0.5 else (None, None)),
            rnd.choice([None, "Inclusion numérique", "Souveraineté des données ; Inclusion numérique"]),
            rnd.choice([None, "Ateliers", "Ateliers de réparation"]), "Recherche", None]


def versions(seed: int, n: int = 400):
    rnd = random.Random(seed)
    a = [random_actor(rnd, k) for k in range(n)]
    for _ in range(n // 10):  # duplicates: same name and commune, another row
        a.append(list(rnd.choice(a)))
    b = []
    for row in a:
        r = rnd.random()
        if r < 0.08:
            continue  # gone
        row = list(row)
        if r < 0.18:
            row[0] = row[0] + " Nouveau"  # renamed
        elif r < 0.22:
            row[0] = row[0].upper().replace("É", "E")  # same key
        if rnd.random() < 0.2:
            row[5] = rnd.choice(LEVELS)
        if rnd.random() < 0.05:
            row[6] = rnd.choice([None, 1, 2, 3])
        if rnd.random() < 0.05:
            row[8] = None  # INSEE code lost
        if rnd.random() < 0.05:
            row[7] = "St-Xandre" if row[7] == "Saint-Xandre" else row[7]
        if rnd.random() < 0.04:
            row[1] = siret(10000 + len(b))  # another valid SIRET: another establishment
        if rnd.random() < 0.04:
            row[1] = None
        if rnd.random() < 0.05:
            row[13] = "Nouvelle description"
        b.append(row)
    b += [random_actor(rnd, 5000 + k) for k in range(n // 10)]
    for _ in range(n // 20):
        b.append(list(rnd.choice(b)))
    rnd.shuffle(a)
    rnd.shuffle(b)
    ca = load_census(xlsx_bytes({"Acteurs": [COLS, *a]}), "a.xlsx")
    cb = load_census(xlsx_bytes({"Acteurs": [COLS, *b]}), "b.xlsx")
    refs_a, refs_b = actor_refs(ca.actors), actor_refs(cb.actors)
    links = [(rnd.choice(refs_a), rnd.choice(refs_b)) for _ in range(12)]
    links += [("nom:inconnu|nulle part", refs_b[0]), (refs_a[0], "siret:00000000000000")]
    links += [(refs_a[k], refs_b[k]) for k in range(3)] * 2  # the same pair twice: the second takes duplicates
    unlinks = [(ra, rb) for ra in rnd.sample(refs_a, 20) for rb in refs_b if rb == ra][:15]
    unlinks += [(rnd.choice(refs_a), rnd.choice(refs_b)) for _ in range(5)]
    return ca, cb, links, unlinks


def as_plain(cmp: cp.Comparison) -> dict:
    p = cmp.pairs
    return {"pairs": list(zip(p["ia"].tolist(), p["ib"].tolist(), p["method"].tolist(), p["changed"].tolist())),
            "new": cmp.new.tolist(), "gone": cmp.gone.tolist(), "ambiguities": cmp.ambiguities,
            "unresolved": cmp.unresolved_links}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("manual", [False, True])
def test_same_result_as_the_reference(seed, manual):
    ca, cb, links, unlinks = versions(seed)
    if not manual:
        links, unlinks = [], []
    want = reference_compare(ca, cb, links, unlinks)
    cmp = cp.compare(ca, cb, links, unlinks)
    got = as_plain(cmp)
    methods = {m for *_, m, _ in want["pairs"]}
    # the data exercise every path
    assert {cp.SIRET, cp.NAME} <= methods and (cp.MANUAL in methods) == manual
    assert want["ambiguities"] and want["new"] and want["gone"] and any(c for *_, c in want["pairs"])
    assert (bool(want["unresolved"])) == manual
    assert got == want
    transitions = cp.level_transitions(cmp)
    assert cp.UNKNOWN_LEVEL in transitions and cp.NEW in transitions
    assert transitions == reference_level_transitions(cmp)
    assert list(transitions) == list(reference_level_transitions(cmp))  # the same order
    assert [list(row) for row in transitions.values()] == [list(row) for row in
                                                            reference_level_transitions(cmp).values()]
    shown = cp.filter_comparison(cmp, Filters(levels=(2,)))
    assert cp.level_transitions(shown) == reference_level_transitions(shown)


def test_same_result_with_personal_columns_and_both_orders():
    ca, cb, links, unlinks = versions(4, n=200)
    assert as_plain(cp.compare(cb, ca, unlinks, links, include_personal=True)) == reference_compare(
        cb, ca, unlinks, links, include_personal=True)


def test_name_keys_are_the_scalar_name_key():
    rnd = random.Random(7)
    alphabet = "aAéÉèçœŒæß’'`&-. ()0123456789SsLl\u00a0ﬁ²İǅ한\u0301😀\n\x00½℅"
    names = [f"{rnd.choice(['', 'S.A.S. ', 'l’', 'LES ', 'asso ', 'A B C '])}"
             + "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 14)))
             + rnd.choice(["", " sarl", " SA SAS", " association", " e i"]) for _ in range(3000)]
    names += ["S.A.S. L'Atelier du Réemploi", "Les Amis du Vélo (association)", "Le Sas numérique", "SA", "SAS SA",
              "sas atelier sas", "L'", "a b atelier c d", "Asso", "la la", "", "   ", "&", None, float("nan"), 12]
    got = cp.name_keys(np.array(names, dtype=object))
    assert got.tolist() == [cp.name_key(n) if isinstance(n, str) else "" for n in names]


def test_same_result_on_censuses_read_back_from_the_store():
    """As the Suivi page compares them: the placed columns in pandas' text dtype, read back from Parquet."""
    from dataclasses import replace

    from nrdash import parquet

    ca, cb, links, unlinks = versions(6)

    def stored(c):
        actors = c.actors.astype({"commune": "str", "insee": "str"})
        return replace(c, actors=parquet.frame_from_parquet(parquet.frame_to_parquet(actors)))

    sa, sb = stored(ca), stored(cb)
    assert str(sa.actors["insee"].dtype) == "str" and sa.actors["insee"].isna().any()
    want = reference_compare(sa, sb, links, unlinks)
    assert as_plain(cp.compare(sa, sb, links, unlinks)) == want
    assert want == reference_compare(ca, cb, links, unlinks)  # the stored census compares as the file did


def test_an_unreadable_coordinate_is_compared_as_typed():
    """A latitude without its longitude is kept as typed (text): the comparison used to crash on it (round() of a
    text); it is now compared as the text it is."""
    def one(lat, level):
        return load_census(xlsx_bytes({"Acteurs": [COLS, ["Atelier", None, None, "PME", "oui", level, None,
                                                          "La Rochelle", "17300", "17000", lat, None, None, None,
                                                          "Recherche", None]]}), "x.xlsx")

    a, same, moved = one("46.1", 1), one("46.1", 2), one("46.2", 1)
    assert a.actors["unread"].iat[0] and '"lat"' in a.actors["unread"].iat[0]
    with pytest.raises(TypeError):
        reference_compare(a, moved)
    assert cp.compare(a, same).pairs["changed"].tolist() == [("Niveau d'engagement estimé", "Cercle")]  # not the latitude
    cmp = cp.compare(a, moved)
    assert cmp.pairs["changed"].tolist() == [("Latitude",)]
    assert cp.change_details(cmp, 0, 0, ["Latitude"]) == {"Latitude": ["46.1", "46.2"]}
