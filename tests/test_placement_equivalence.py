"""The vectorised placement gives the same results as the row-by-row one it replaced (tests/placement_reference.py).

The census (10,000 actors, shuffled) mixes every kind of evidence and problem: coordinates (with and without INSEE
code, swapped, foreign), INSEE codes (current, old, unknown, a postal code in the INSEE column, a name
contradicting the code), postal codes (one commune, several, several with the name written, unknown), names
(unambiguous, written as people do, unknown), homonyms and actors without location.

Where the homonym rules changed (issue 12), the census is built so that they agree: actors are mostly in
Charente-Maritime (17), so the reference's dominant département (plurality of coded actors) and the new one
(strict majority of every actor placed without a tie-break) are both 17; the homonyms used either have exactly one
commune in 17, or none and no commune 20 times as populous as the others (an error both ways); there is no
territory. What still differs is compared after normalisation: the new label of a tie-break placement
(``NAME_TIEBREAK`` for the reference's ``NAME``) and the end of its warning (both name the commune chosen; the new
one also names the communes set aside), and the ellipsis that now marks a list of homonyms cut after six.
"""
import csv
import io
import random
import re

import numpy as np
import pandas as pd
import pytest

from nrdash import referential as ref
from nrdash.census import load_census
from nrdash.geography import load_geography
from nrdash.placement import NAME, NAME_TIEBREAK, place_actors
from tests.placement_reference import _place_rowwise_reference

N = 10_000
COMPARED = ["insee", "commune", "dep", "lat", "lon", "placement", "unplaced_reason", "has_error"]


def _written(name: str, rnd: random.Random) -> str:
    """A commune name as people type it: capitals, no accents, « St- »."""
    way = rnd.randrange(4)
    if way == 1:
        return name.upper()
    if way == 2:
        return ref.norm_key(name).replace("saint ", "st-")
    return name


def synthetic_rows(geo, n: int, seed: int = 12) -> list[dict]:
    rnd = random.Random(seed)
    c = geo.communes
    communes = c[c["kind"] == "commune"]
    in17 = communes[(communes["dep"] == "17") & communes["has_contour"]]
    elsewhere = communes[(communes["dep"] != "17") & communes["has_contour"]]
    key_count = c["key"].value_counts()
    unique17 = in17[in17["key"].map(key_count) == 1]
    unique_else = elsewhere[elsewhere["key"].map(key_count) == 1]
    homonyms = c[c["key"].map(key_count) > 1]
    per_key = homonyms.groupby("key").agg(n17=("dep", lambda d: int((d == "17").sum())),
                                          pops=("population", list), name=("name", "first"))
    one_in_17 = per_key[per_key["n17"] == 1]["name"].tolist()

    def no_winner(pops):
        p = sorted((np.nan if pd.isna(x) else x for x in pops), reverse=True)
        return any(np.isnan(p)) or p[0] < 20 * p[1]

    none_in_17 = per_key[(per_key["n17"] == 0) & per_key["pops"].map(no_winner)]["name"].tolist()
    old = [o for o in geo.old_codes if o not in geo.code_index][:200]
    groups = geo.postcode_groups
    pc17 = [pc for g, pc in enumerate(groups.index) if pc.startswith("17")]
    pc_single = [pc for pc in pc17 if groups.count[groups.index.get_loc(pc)] == 1]
    pc_multi = [pc for pc in pc17 if groups.count[groups.index.get_loc(pc)] > 1]

    def pick(df):
        return df.iloc[rnd.randrange(len(df))]

    def row(**kw):
        return {"commune": None, "insee": None, "postcode": None, "lat": None, "lon": None, **kw}

    makers = [  # (weight, maker)
        (30, lambda: row(insee=pick(in17)["code"])),
        (4, lambda: row(insee=pick(elsewhere)["code"])),
        (1, lambda: row(insee=rnd.choice(old))),
        (1, lambda: row(insee=rnd.choice(["99999", "17000", "2A999"]))),
        (1, lambda: (lambda r: row(insee=r["code"], commune=pick(unique17)["name"]))(pick(in17))),
        (8, lambda: row(postcode=rnd.choice(pc_single))),
        (2, lambda: row(postcode=rnd.choice(pc_multi))),
        (3, lambda: (lambda pc: row(postcode=pc, commune=_written(
            geo.arrays["name"][rnd.choice(list(groups.members(groups.index.get_loc(pc))))], rnd)))(rnd.choice(pc_multi))),
        (1, lambda: row(postcode="00001")),
        (15, lambda: row(commune=_written(pick(unique17)["name"], rnd))),
        (3, lambda: row(commune=_written(pick(unique_else)["name"], rnd))),
        (1, lambda: row(commune=rnd.choice(["Trifouilly-les-Oies", "Pétaouchnok", "Rochelle-sur-Lune"]))),
        (5, lambda: row(commune=_written(rnd.choice(one_in_17), rnd))),
        (1, lambda: row(commune=_written(rnd.choice(none_in_17), rnd))),
        (8, lambda: (lambda r: row(lat=r["lat"], lon=r["lon"]))(pick(in17))),
        (4, lambda: (lambda r: row(lat=r["lat"], lon=r["lon"], insee=r["code"]))(pick(in17))),
        (1, lambda: (lambda r: row(lat=r["lon"], lon=r["lat"], insee=r["code"]))(pick(in17))),
        (1, lambda: (lambda r: row(lat=r["lat"], lon=r["lon"], commune=_written(r["name"], rnd)))(pick(in17))),
        (1, lambda: row(lat=40.7, lon=-74.0)),
        (1, lambda: row()),
    ]
    weights = [w for w, _ in makers]
    rows = [rnd.choices(makers, weights)[0][1]() for _ in range(n)]
    rnd.shuffle(rows)
    return rows


def census_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";")
    w.writerow(["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé", "Commune", "Code INSEE",
                "Code postal", "Latitude", "Longitude"])
    for k, r in enumerate(rows):
        w.writerow([f"Acteur {k}", "PME", 1, r["commune"] or "", r["insee"] or "", r["postcode"] or "",
                    "" if r["lat"] is None else r["lat"], "" if r["lon"] is None else r["lon"]])
    return out.getvalue().encode("utf-8")


TIEBREAK_TAIL = re.compile(r"(retenue : [^,]+\)).*$")


def normalised(issues):
    """Tie-break warnings cut after the commune chosen; the ellipsis the new ambiguity error puts after its first six
    homonyms (the reference cut the list silently) removed."""
    return [(i.severity, i.sheet, i.row, i.column, TIEBREAK_TAIL.sub(r"\1", i.message).replace("…. Indiquez", ". Indiquez"))
            for i in issues]


@pytest.fixture(scope="module")
def placed_both_ways():
    geo = load_geography()
    census = load_census(census_csv(synthetic_rows(geo, N)), "synthetique.csv")
    return census, place_actors(census, geo), _place_rowwise_reference(census, geo)


def test_synthetic_census_covers_every_case(placed_both_ways):
    census, new, _ = placed_both_ways
    a = new.actors
    assert len(a) == N and a["row"].tolist() == list(range(2, N + 2))
    counts = a["placement"].value_counts()
    assert min(counts.get(k, 0) for k in ("coordonnées", "code INSEE", "code postal", NAME, NAME_TIEBREAK)) > 200
    messages = " ".join(i.message for i in new.issues)
    for fragment in ("inversées", "hors de France", "fusionnée", "inconnu du code officiel", "C'est un code postal",
                     "ne correspond pas", "couvre", "Code postal 00001 inconnu", "introuvable", "ambiguë",
                     "département 17", "sans localisation"):
        assert fragment in messages, fragment


def test_vectorised_placement_equals_rowwise_reference(placed_both_ways):
    _, new, old = placed_both_ways
    got = new.actors[COMPARED].copy()
    got["placement"] = got["placement"].replace(NAME_TIEBREAK, NAME)
    expected = old.actors[COMPARED]
    for column in ("lat", "lon"):
        np.testing.assert_allclose(got[column].to_numpy(dtype=float, na_value=np.nan),
                                   expected[column].to_numpy(dtype=float, na_value=np.nan), rtol=1e-12, err_msg=column)
    for column in ("insee", "commune", "dep", "placement", "unplaced_reason", "has_error"):
        assert got[column].tolist() == expected[column].tolist(), column
    assert normalised(new.issues) == normalised(old.issues)
    assert new.actors.drop(columns=COMPARED).equals(old.actors.drop(columns=COMPARED))
