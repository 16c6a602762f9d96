"""Every current French commune as a census (issue 12): placed right by postal code; by name alone, no actor placed
without a warning is wrong, and every population tie-break says so."""
import numpy as np
import pytest

from nrdash.census import load_census
from nrdash.geography import GeographyUnavailable, load_geography
from nrdash.placement import NAME, NAME_TIEBREAK, POSTCODE, place_actors
from tests.all_communes import census_csv, official_communes

PARIS_LYON_MARSEILLE = {"75056", "69123", "13055"}


@pytest.fixture(scope="module")
def communes():
    try:
        return official_communes()
    except GeographyUnavailable as exc:
        pytest.skip(f"official list of communes not installed (scripts/geo.sh): {exc}")


@pytest.fixture(scope="module")
def geo():
    return load_geography()


def test_all_communes_by_postal_code_placed_right(communes, geo):
    census = load_census(census_csv(communes, with_postcode=True), "communes.csv")
    p = place_actors(census, geo)
    a = p.actors
    expected = np.array([c["code"] for c in communes], dtype=object)
    got = a["insee"].to_numpy(dtype=object)
    assert len(a) == len(communes) > 34_900
    wrong = np.flatnonzero(got != expected)
    # Paris, Lyon, Marseille: their first postal code is their 1st arrondissement's, a fine place for the actor.
    assert sorted(expected[wrong]) == sorted(PARIS_LYON_MARSEILLE)
    assert sorted(got[wrong]) == ["13201", "69381", "75101"]
    placed = a["placement"].notna()
    assert set(a.loc[placed, "placement"]) == {POSTCODE}
    no_point = set(geo.communes.loc[geo.communes["lat"].isna(), "code"])
    assert set(expected[~placed.to_numpy()]) <= no_point  # the only ones left off the map have no point in the cache
    assert (a.loc[~placed, "unplaced_reason"].str.startswith("pas de contour")).all()
    assert p.errors == [] and p.warnings == []


def test_all_communes_by_name_alone_never_wrong_without_warning(communes, geo):
    census = load_census(census_csv(communes, with_postcode=False), "communes.csv")
    p = place_actors(census, geo)
    a = p.actors
    expected = np.array([c["code"] for c in communes], dtype=object)
    right = a["insee"].to_numpy(dtype=object) == expected
    warned = {i.row for i in p.warnings}
    quiet = a["placement"].notna().to_numpy() & ~a["row"].isin(warned).to_numpy()
    assert quiet.sum() > 30_000
    assert not (quiet & ~right).any()  # no actor placed without a warning is wrong
    assert set(a.loc[quiet, "placement"]) == {NAME}
    # No département holds a majority of a nationwide file: tie-breaks are by population only, each with its warning.
    tiebreak = a["placement"] == NAME_TIEBREAK
    assert tiebreak.sum() > 100
    by_row = {i.row: i.message for i in p.warnings}
    assert all("plus peuplée" in by_row[r] and "écartée" in by_row[r] for r in a.loc[tiebreak, "row"])
    assert not any("majoritaire" in m for m in by_row.values())
    # The rest are homonyms without a clear winner: errors, never a guess.
    ambiguous = [e for e in p.errors if "ambiguë" in e.message]
    assert len(ambiguous) == len(p.errors) > 3_000
    assert a.loc[a["row"].isin({e.row for e in ambiguous}), "placement"].isna().all()
