"""Homonym communes settled as a person would (issue 12), step by step, on the real geography cache."""
import pandas as pd
import pytest

from nrdash.census import load_census
from nrdash.geography import load_geography
from nrdash.placement import (COORDS, INSEE, NAME, NAME_TIEBREAK, POSTCODE, dominant_departement, place_actors,
                              placement_codes, territory_info)
from tests.conftest import HEADER, actors_sheet

LOC = HEADER + ["Commune", "Code INSEE", "Code postal", "Latitude", "Longitude"]


@pytest.fixture(scope="module")
def geo():
    return load_geography()


def place(geo, rows, territory=None):
    census = load_census(actors_sheet([[f"Acteur {k}", "PME", 1, *r] for k, r in enumerate(rows)], LOC), "t.xlsx")
    assert census.issues == []
    return place_actors(census, geo, territory)


def name(written):
    return [written, None, None, None, None]


def insee(code):
    return [None, code, None, None, None]


def issues_of(placed, row):
    return [i for i in placed.issues if i.row == row]


AGGLOMERATION = ["Aytré", "LA ROCHELLE", "Lagord", "Puilboreau", "La Rochelle", "Dompierre-sur-Mer", "Périgny",
                 "St-Xandre"]


def test_names_only_agglomeration_settled_by_dominant_departement(geo):
    """The issue's census: names only, every unambiguous one in 17; La Rochelle and Périgny are homonyms."""
    p = place(geo, [name(w) for w in AGGLOMERATION])
    a = p.actors
    assert p.errors == []
    assert a["dep"].tolist() == ["17"] * len(AGGLOMERATION)
    assert a.loc[[1, 4], "insee"].tolist() == ["17300", "17300"] and a.loc[6, "insee"] == "17274"
    assert a.loc[[1, 4, 6], "placement"].tolist() == [NAME_TIEBREAK] * 3
    assert set(a.loc[[0, 2, 3, 5, 7], "placement"]) == {NAME}
    assert [w.row for w in p.warnings] == [3, 6, 8]  # rows of LA ROCHELLE, La Rochelle, Périgny
    rochelle, perigny = p.warnings[0].message, p.warnings[2].message
    assert "« LA ROCHELLE »" in rochelle and "retenue : La Rochelle (17)" in rochelle
    assert "département 17" in rochelle and "5 des 5 acteurs" in rochelle  # the 5 unambiguous names, not the 3 homonyms
    assert "écartée : La Rochelle (70)" in rochelle
    assert "retenue : Périgny (17)" in perigny and "5 communes portent ce nom" in perigny
    for other in ("Périgny (03)", "Périgny (14)", "Périgny (41)", "Périgny (94)"):
        assert other in perigny
    assert all(w.column == "Commune" for w in p.warnings)


def test_census_of_only_la_rochelle_settled_by_population(geo):
    p = place(geo, [name("La Rochelle"), name("LA ROCHELLE")])
    assert p.errors == [] and p.actors["insee"].tolist() == ["17300", "17300"]
    assert p.actors["placement"].tolist() == [NAME_TIEBREAK, NAME_TIEBREAK]
    assert len(p.warnings) == 2
    message = p.warnings[0].message
    assert "retenue : La Rochelle (17)" in message and "plus peuplée" in message and "79\u202f851" in message
    assert "écartée : La Rochelle (70)" in message and "département" not in message


def test_census_of_only_homonyms_without_a_clear_winner_is_an_error(geo):
    """Périgny (17) has 8,877 inhabitants, Périgny (94) 2,724: not 20 times, so no guess."""
    p = place(geo, [name("Périgny"), name("Saint-Denis")])
    assert p.actors["placement"].isna().all() and p.warnings == []
    assert [e.row for e in p.errors] == [2, 3] and all("ambiguë" in e.message for e in p.errors)
    assert "Saint-Denis (93)" in p.errors[1].message and "Saint-Denis (974)" in p.errors[1].message


def test_dominant_departement_needs_a_strict_majority(geo):
    p = place(geo, [insee("17300"), insee("17028"), insee("94001"), insee("94002"), name("Périgny")])
    assert pd.isna(p.actors["placement"].iat[4]) and "ambiguë" in p.errors[0].message
    p = place(geo, [insee("17300"), insee("17028"), insee("17200"), insee("94001"), insee("94002"), name("Périgny")])
    assert p.actors["insee"].iat[5] == "17274" and "3 des 5 acteurs" in p.warnings[0].message


def test_dominant_departement_rule():
    import numpy as np

    assert dominant_departement(np.array(["17", "17", "94", None], dtype=object))[0] == "17"
    assert dominant_departement(np.array(["17", "17", "94", "94"], dtype=object))[0] is None
    assert dominant_departement(np.array([None], dtype=object))[0] is None


def test_tiebreak_placements_never_feed_the_dominant_departement(geo):
    """2 actors in 17 and 2 in 94 by code: no majority. Three « La Rochelle » are settled by population (17); were
    they counted, 17 would hold 5 of 7 and Périgny would wrongly be settled too."""
    rows = [insee("17300"), insee("17028"), insee("94001"), insee("94002")] + [name("La Rochelle")] * 3
    p = place(geo, rows + [name("Périgny")])
    assert p.actors["insee"].iloc[4:7].tolist() == ["17300"] * 3
    assert all("plus peuplée" in w.message for w in p.warnings)
    assert pd.isna(p.actors["placement"].iat[7]) and "ambiguë" in p.errors[0].message


def test_coordinates_feed_the_dominant_departement(geo):
    """Actors placed by coordinates (commune found from the point) count for the dominant département."""
    xy = [[None, None, None, "46,1591", "-1,1520"], [None, None, None, "46,1380", "-1,1230"],
          [None, None, None, "46,1800", "-1,1900"]]
    p = place(geo, xy + [name("Périgny")])
    assert p.actors["placement"].iloc[:3].tolist() == [COORDS] * 3 and set(p.actors["dep"].iloc[:3]) == {"17"}
    assert p.actors["insee"].iat[3] == "17274" and p.actors["placement"].iat[3] == NAME_TIEBREAK
    assert "département 17" in p.warnings[0].message


def test_territory_comes_before_the_dominant_departement(geo):
    members = set(territory_info(geo, "epci", "241700434").members)  # CA de La Rochelle
    p = place(geo, [insee("94001"), insee("94002"), insee("94003"), name("Périgny")], territory=members)
    assert p.actors["insee"].iat[3] == "17274" and "celle du territoire" in p.warnings[0].message
    assert "Périgny (94)" in p.warnings[0].message


def test_territory_with_several_homonyms_narrows_then_population(geo):
    """Two Saint-Denis in the territory: the territory narrows, population then picks among those two only."""
    territory = {"93066", "11339"}
    p = place(geo, [name("Saint-Denis")], territory=territory)
    assert p.actors["insee"].iat[0] == "93066" and "plus peuplée" in p.warnings[0].message
    p = place(geo, [name("Saint-Denis")])  # nationwide, 93 and 974 are of the same size: no guess
    assert "ambiguë" in p.errors[0].message


def test_postal_code_comes_first(geo):
    """A homonym with its postal code is placed by the postal code, whatever the census's majority."""
    rows = [insee("17300"), insee("17028"), insee("17200"), ["Périgny", None, "94520", None, None]]
    p = place(geo, rows)
    assert (p.actors["insee"].iat[3], p.actors["placement"].iat[3]) == ("94056", POSTCODE)
    assert p.issues == []


def test_placement_codes_for_json(geo):
    rows = [[None, None, None, "46,1591", "-1,1520"], insee("17300"), [None, None, "17000", None, None],
            name("Lagord"), name("La Rochelle"), name("Trifouilly-les-Oies")]
    p = place(geo, rows)
    assert placement_codes(p.actors["placement"]).tolist() == ["coordinates", "insee", "postcode", "name",
                                                               "name-tiebreak", None]
    assert {COORDS, INSEE, POSTCODE, NAME, NAME_TIEBREAK} >= set(p.actors["placement"].dropna())
