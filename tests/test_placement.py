"""Offline geocoding of census rows and the territory's legal context, on the real geography cache."""
import pytest
import shapely

from nrdash.census import load_census
from nrdash.geography import build_cache, load_geography, name_key
from nrdash.placement import (COORDS, INSEE, NAME, POSTCODE, obligations, place_actors, resolve_territory,
                              search_territories, territory_info)
from nrdash.census import Territory
from tests.conftest import HEADER, actors_sheet

LOC = HEADER + ["Commune", "Code INSEE", "Code postal", "Latitude", "Longitude"]


@pytest.fixture(scope="module")
def geo():
    return load_geography()


def place(geo, rows, territory=None):
    census = load_census(actors_sheet([["A", "PME", 1, *r] for r in rows], LOC), "t.xlsx")
    return place_actors(census, geo, territory)


def only(placed, i=0):
    return placed.actors.iloc[i]


@pytest.mark.parametrize("insee,name,dep", [
    ("2A004", "Ajaccio", "2A"), ("2b033", "Bastia", "2B"), ("97411", "Saint-Denis", "974"),
    ("97611", "Mamoudzou", "976"), (1053, "Bourg-en-Bresse", "01"), ("75101", "Paris 1er Arrondissement", "75"),
    ("69381", "Lyon 1er Arrondissement", "69"), ("13201", "Marseille 1er Arrondissement", "13"),
])
def test_insee_codes(geo, insee, name, dep):
    p = place(geo, [[None, insee, None, None, None]])
    a = only(p)
    assert (a["commune"], a["dep"], a["placement"]) == (name, dep, INSEE)
    assert a["lat"] == geo.by_code.loc[a["insee"], "lat"] and p.errors == []


def test_unknown_insee_and_postcode_in_insee_column(geo):
    p = place(geo, [[None, "99999", None, None, None], [None, "17000", None, None, None]])
    assert [e.row for e in p.errors] == [2, 3] and all(e.column == "Code INSEE" for e in p.errors)
    assert "code postal" in p.errors[1].message and "La Rochelle" in p.errors[1].message
    assert p.actors["placement"].isna().all()
    assert p.actors["unplaced_reason"].tolist() == ["code INSEE 99999 inconnu", "code INSEE 17000 inconnu"]


def test_old_commune_code_mapped_to_current_with_warning(geo):
    p = place(geo, [[None, "78485", None, None, None]])
    assert only(p)["insee"] == "94056" and only(p)["placement"] == INSEE
    assert "fusionnée" in p.warnings[0].message


def test_collectivite_without_contour_is_listed_not_dropped(geo):
    p = place(geo, [[None, "98818", None, None, None]])
    a = only(p)
    assert a["commune"] == "Nouméa" and a["placement"] is None and "pas de contour" in a["unplaced_reason"]
    assert len(p.actors) == 1


@pytest.mark.parametrize("postcode,insee", [("75001", "75101"), ("13001", "13201"), ("69001", "69381"),
                                            ("75116", "75116"), ("01280", "01313"), (1280, "01313")])
def test_postcodes_single_commune_or_arrondissement(geo, postcode, insee):
    a = only(place(geo, [[None, None, postcode, None, None]]))
    assert a["placement"] == POSTCODE and a["insee"] == insee


def test_postcode_covering_several_communes_centre_and_warning(geo):
    p = place(geo, [[None, None, "17220", None, None]])
    a = only(p)
    codes = geo.by_postcode["17220"]
    assert len(codes) > 5 and a["placement"] == POSTCODE and a["insee"] is None
    assert a["lat"] == pytest.approx(geo.by_code.loc[codes, "lat"].mean())
    assert p.warnings[0].column == "Code postal" and f"{len(codes)} communes" in p.warnings[0].message


def test_postcode_with_commune_name_disambiguates(geo):
    a = only(place(geo, [["La Jarrie", None, "17220", None, None]]))
    assert (a["insee"], a["placement"]) == ("17194", POSTCODE)


def test_unknown_postcode(geo):
    p = place(geo, [[None, None, "00001", None, None]])
    assert p.errors[0].column == "Code postal" and p.errors[0].row == 2


@pytest.mark.parametrize("written,insee", [
    ("St Médard d’Aunis", "17373"), ("SAINT-MEDARD-D'AUNIS", "17373"), ("Houmeau (L')", "17190"),
    ("chatelaillon plage", "17094"), ("Ste-Soulle", "17407"),
])
def test_commune_names_matched_tolerantly(geo, written, insee):
    p = place(geo, [[written, None, None, None, None]])
    assert (only(p)["insee"], only(p)["placement"]) == (insee, NAME) and p.issues == []


def test_homonyms_resolved_by_territory_with_warning(geo):
    members = set(territory_info(geo, "epci", "241700434").members)
    p = place(geo, [["La Rochelle", None, None, None, None]], territory=members)
    assert only(p)["insee"] == "17300"
    assert "celle du territoire" in p.warnings[0].message


def test_homonyms_resolved_by_dominant_departement(geo):
    p = place(geo, [["Périgny", None, None, None, None], [None, "17300", None, None, None],
                    [None, "17028", None, None, None]])
    assert only(p)["insee"] == "17274"
    assert "département 17" in p.warnings[0].message and p.warnings[0].row == 2


def test_homonyms_left_ambiguous_are_errors(geo):
    p = place(geo, [["Périgny", None, None, None, None]])
    assert only(p)["placement"] is None and "ambiguë" in p.errors[0].message
    assert "(17)" in p.errors[0].message and "(94)" in p.errors[0].message


def test_unknown_commune_name(geo):
    p = place(geo, [["Trifouilly-les-Oies", None, None, None, None]])
    assert p.errors[0].column == "Commune" and "introuvable" in p.errors[0].message


def test_coordinates_kept_and_commune_found_from_them(geo):
    a = only(place(geo, [[None, None, None, "46,1591", "-1,1520"]]))
    assert a["placement"] == COORDS and a["insee"] == "17300" and a["commune"] == "La Rochelle"
    assert a["lat"] == pytest.approx(46.1591)


def test_swapped_coordinates_flagged_and_placed_by_commune(geo):
    p = place(geo, [[None, "17300", None, -1.152, 46.159]])
    assert p.errors[0].column == "Latitude" and "inversées" in p.errors[0].message
    assert only(p)["placement"] == INSEE


def test_foreign_coordinates_warned(geo):
    p = place(geo, [[None, None, None, 40.7, -74.0]])
    assert p.warnings[0].column == "Latitude" and only(p)["placement"] == COORDS


def test_no_location_listed(geo):
    p = place(geo, [[None, None, None, None, None]])
    assert only(p)["unplaced_reason"].startswith("aucune localisation") and p.warnings


def test_commune_name_contradicting_insee_warns(geo):
    p = place(geo, [["Aytré", "17300", None, None, None]])
    assert only(p)["commune"] == "La Rochelle" and "ne correspond pas" in p.warnings[0].message


def test_sample_all_placed(geo, sample_census):
    p = place_actors(sample_census, geo)
    assert p.actors["placement"].notna().all() and p.issues == []
    assert set(p.actors["placement"]) == {COORDS, INSEE}


@pytest.mark.parametrize("kind,pop,expected", [
    ("commune", 50_001, "obligatoire"), ("commune", 50_000, "volontaire"), ("epci", 20_001, "PCAET obligatoire"),
    ("epci", 20_000, "PCAET non obligatoire"), ("epci", 60_000, "Stratégie Numérique responsable obligatoire"),
])
def test_legal_thresholds(kind, pop, expected):
    assert any(expected in line for line in obligations(kind, pop))
    assert any("population municipale" in line for line in obligations(kind, pop))


def test_territory_resolution_and_search(geo):
    info, problem = resolve_territory(Territory(epci_siren="241700434"), geo)
    assert problem is None and info.name == "CA de La Rochelle" and len(info.members) == 28
    assert info.population == 181057 and any("PCAET obligatoire" in o for o in info.obligations)
    info, problem = resolve_territory(Territory(epci_siren="999999999"), geo)
    assert info is None and "inconnu" in problem
    paris = territory_info(geo, "commune", "75056")
    assert len(paris.members) == 20  # its arrondissements
    found = search_territories(geo, "rochelle")
    assert ("epci", "241700434", "CA de La Rochelle — EPCI CA 241700434") in found
    assert {c for k, c, _ in found if k == "commune"} == {"17300", "70450"}


def test_name_key():
    assert name_key("Rochelle (La)") == name_key("La Rochelle") == "rochelle"
    assert name_key("St-Médard-d’Aunis") == name_key("Saint Medard d'Aunis")


def test_cache_round_trip(tmp_path):
    meta = build_cache(tmp_path)
    geo = load_geography(tmp_path, build_if_missing=False)
    assert meta["communes"] == (geo.communes["kind"] == "commune").sum() > 34_000
    assert geo.meta["vintage"].startswith("découpage administratif 2026")
    la_rochelle = geo.by_code.loc["17300"]
    polygon = geo.contours(codes=["17300"]).geometry.iloc[0]
    assert polygon.contains(shapely.Point(la_rochelle["lon"], la_rochelle["lat"]))
    epci = geo.epci_contour("241700434").geometry.iloc[0]
    assert epci.contains(shapely.Point(la_rochelle["lon"], la_rochelle["lat"]))
    assert set(meta["without_contour"]) == set(geo.communes.loc[~geo.communes["has_contour"], "code"])


def test_warm_builds_the_lookup_tables_before_placement_needs_them(geo):
    # A fresh Geography object (the fixture's may already be warm): nothing built until asked, all built by warm().
    import dataclasses

    fresh = dataclasses.replace(geo, _contours={})
    tables = {"arrays", "code_index", "postcode_groups", "official_keys"}
    assert not tables & set(vars(fresh))
    assert fresh.warm() is fresh and tables <= set(vars(fresh))
