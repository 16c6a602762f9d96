"""Comparing two censuses (issue 15): matching, transitions, changes, plan, filters, sentences, freshness,
objectives."""
import datetime as dt
import json

import pytest

from nrdash import compare as cp
from nrdash import referential as ref
from nrdash.census import load_census
from nrdash.filters import Filters
from tests.conftest import xlsx_bytes

COLS = ["Nom de l'acteur", "SIRET", "Type d'acteur", "Niveau d'engagement estimé", "Cercle", "Commune", "Code INSEE",
        "Description des actions NR identifiées", "Date de mise à jour"]
ACTION_HEADER = [c.header for c in ref.ACTION_COLUMNS]
S1, S2, S3 = "73282932000074", "35600000000048", "35600000000010"  # valid SIRETs
BAD = "73282932000075"  # wrong key


def actor(name, level=1, siret=None, commune="La Rochelle", circle=None, type_="PME", insee=None, desc=None,
          updated=None):
    return [name, siret, type_, level, circle, commune, insee, desc, updated]


def census(rows, name="a.xlsx", actions=None, geo=None):
    sheets = {"Acteurs": [COLS, *rows]}
    if actions:
        sheets["Actions"] = [ACTION_HEADER, *actions]
    c = load_census(xlsx_bytes(sheets), name)
    if geo is not None:
        from nrdash.placement import place_actors
        c = place_actors(c, geo)
    return c


def pairs_by_name(cmp):
    """{(name in A, name in B): method}"""
    return {(cmp.a["name"].iat[i], cmp.b["name"].iat[j]): m
            for i, j, m in zip(cmp.pairs["ia"], cmp.pairs["ib"], cmp.pairs["method"])}


def names(frame, positions):
    return sorted(frame["name"].iloc[positions].tolist())


# ---------------------------------------------------------------------------------------------
# Names and matching
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("a,b", [
    ("SAS Dupont Numérique", "dupont numerique sarl"), ("Dupont-Numérique", "DUPONT NUMÉRIQUE"),
    ("Association Les Amis du Vélo", "AMIS DU VÉLO (association)"), ("S.A.S. Atelier", "Atelier"),
    ("L'Atelier", "atelier"), ("Café & Co", "cafe et co"), ("Œuvre", "oeuvre"), ("Asso Répar'", "repar"),
])
def test_name_key_same_actor(a, b):
    assert cp.name_key(a) == cp.name_key(b)


@pytest.mark.parametrize("a,b", [
    ("Atelier", "Atelier solidaire"), ("Le Sas numérique", "Numérique"), ("SA", "SAS"),
    ("Maison des associations", "Maison des"), ("Association", "Asso"),
])
def test_name_key_does_not_over_normalise(a, b):
    assert cp.name_key(a) != cp.name_key(b)
    assert cp.name_key("SA") == "sa" and cp.name_key("Le Sas numérique") == "sas numerique"


def test_matching_ignores_accents_case_punctuation_and_legal_forms():
    a = census([actor("Atelier du Réemploi SAS"), actor("Les Amis du Vélo", commune="Aytré")])
    b = census([actor("ATELIER DU REEMPLOI"), actor("Association amis du velo", commune="AYTRÉ")], "b.xlsx")
    cmp = cp.compare(a, b)
    assert pairs_by_name(cmp) == {("Atelier du Réemploi SAS", "ATELIER DU REEMPLOI"): cp.NAME,
                                  ("Les Amis du Vélo", "Association amis du velo"): cp.NAME}
    assert len(cmp.new) == len(cmp.gone) == 0
    assert cmp.pairs["changed"].tolist() == [("Nom de l'acteur",), ("Nom de l'acteur", "Commune")]


def test_same_name_in_another_commune_is_another_actor():
    cmp = cp.compare(census([actor("Atelier", commune="Aytré")]), census([actor("Atelier", commune="Lagord")]))
    assert len(cmp.pairs) == 0 and len(cmp.new) == len(cmp.gone) == 1


def test_renamed_actor_paired_by_hand_and_unpaired_by_hand():
    a = census([actor("Les Amis du Vélo"), actor("Atelier")])
    b = census([actor("Vélo Solidaire"), actor("Atelier")], "b.xlsx")
    plain = cp.compare(a, b)
    assert names(plain.a, plain.gone) == ["Les Amis du Vélo"] and names(plain.b, plain.new) == ["Vélo Solidaire"]
    ra, rb = cp.actor_refs(a.actors)[0], cp.actor_refs(b.actors)[0]
    assert (ra, rb) == ("nom:amis du velo|rochelle", "nom:velo solidaire|rochelle")
    cmp = cp.compare(a, b, links=[(ra, rb)], unlinks=[(cp.actor_refs(a.actors)[1], cp.actor_refs(b.actors)[1])])
    assert pairs_by_name(cmp) == {("Les Amis du Vélo", "Vélo Solidaire"): cp.MANUAL}
    assert cmp.changed["changed"].tolist() == [("Nom de l'acteur",)]
    assert names(cmp.a, cmp.gone) == ["Atelier"] and names(cmp.b, cmp.new) == ["Atelier"]  # forbidden pair
    gone = cp.compare(a, b, links=[("nom:inconnu|rochelle", rb)])
    assert gone.unresolved_links == [("nom:inconnu|rochelle", rb)] and len(gone.pairs) == 1


def test_actor_ref_of_one_row_is_the_frames():
    a = census([actor("Atelier", siret=S1), actor("Les Amis")])
    rows = a.actors.to_dict("records")
    assert [cp.actor_ref(r) for r in rows] == cp.actor_refs(a.actors) == [f"siret:{S1}", "nom:amis|rochelle"]


def test_siret_wins_over_name():
    a = census([actor("Alpha", siret=S1), actor("Beta"), actor("Gamma", siret=S2)])
    b = census([actor("Beta", siret=S1), actor("Gamma", siret=S3)], "b.xlsx")
    cmp = cp.compare(a, b)
    # Alpha, renamed Beta, keeps its SIRET; the old Beta is gone; two Gammas with different SIRETs are two actors
    assert pairs_by_name(cmp) == {("Alpha", "Beta"): cp.SIRET}
    assert names(cmp.a, cmp.gone) == ["Beta", "Gamma"] and names(cmp.b, cmp.new) == ["Gamma"]


def test_invalid_siret_is_not_used_for_matching():
    a = census([actor("Delta", siret=BAD), actor("Epsilon", siret=BAD)])
    b = census([actor("Delta renommé", siret=BAD), actor("Epsilon", siret=S1)], "b.xlsx")
    cmp = cp.compare(a, b)
    assert pairs_by_name(cmp) == {("Epsilon", "Epsilon"): cp.NAME}
    assert names(cmp.a, cmp.gone) == ["Delta"] and names(cmp.b, cmp.new) == ["Delta renommé"]
    assert cmp.changed["changed"].tolist() == [("SIRET",)]


@pytest.fixture(scope="module")
def geo():
    from nrdash.geography import load_geography
    return load_geography()


def test_commune_spellings_are_one_commune_once_placed(geo):
    a = census([actor("Atelier", commune="St-Xandre"), actor("Repair café", commune="Aytre")], geo=geo)
    b = census([actor("Atelier", commune="Saint-Xandre"), actor("Repair Café", commune=None, insee="17028")],
               "b.xlsx", geo=geo)
    cmp = cp.compare(a, b)
    assert pairs_by_name(cmp) == {("Atelier", "Atelier"): cp.NAME, ("Repair café", "Repair Café"): cp.NAME}
    assert cmp.pairs["changed"].tolist() == [(), ("Nom de l'acteur",)]  # the commune did not change
    unplaced = cp.compare(census([actor("Atelier", commune="St-Xandre")]),
                          census([actor("Atelier", commune="Saint-Xandre")]))
    assert len(unplaced.pairs) == 1  # the commune text key knows « St » too


def test_homonym_communes_with_codes_are_not_matched_by_text(geo):
    a = census([actor("Atelier", commune=None, insee="97411")], geo=geo)  # Saint-Denis (La Réunion)
    b = census([actor("Atelier", commune=None, insee="93066")], "b.xlsx", geo=geo)  # Saint-Denis (93)
    assert a.actors["commune"].iat[0] == b.actors["commune"].iat[0] == "Saint-Denis"
    cmp = cp.compare(a, b)
    assert len(cmp.pairs) == 0 and len(cmp.new) == len(cmp.gone) == 1


def test_duplicates_are_paired_in_order_and_reported():
    a = census([actor("Atelier", level=1), actor("Atelier", level=2), actor("Autre")])
    b = census([actor("atelier", level=3)], "b.xlsx")
    cmp = cp.compare(a, b)
    assert cmp.pairs[["ia", "ib"]].values.tolist() == [[0, 0]]
    assert names(cmp.a, cmp.gone) == ["Atelier", "Autre"] and cmp.gone.tolist() == [1, 2]
    assert cmp.ambiguities == [{"method": cp.NAME, "key": ("atelier", "rochelle"), "rows_a": [2, 3], "rows_b": [2]}]


# ---------------------------------------------------------------------------------------------
# What changed
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pair():
    a = census([actor("Un", 1, desc="x", updated="01/01/2025"), actor("Deux", 1), actor("Trois", 2),
                actor("Quatre", 0), actor("Cinq", 3), actor("Six", 1, circle=3)],
               actions=[["Réseau", ref.AXES[1], "Entreprises", "Idée"],
                        ["Mesure", ref.AXES[0], "Citoyens", "En cours"],
                        ["Guide", ref.AXES[2], "Associations", "Planifiée"]])
    b = census([actor("Un", 2, desc="y", updated="01/01/2026"), actor("Deux", 2), actor("Trois", 1),
                actor("Quatre", 0, updated="01/01/2026"), actor("Sept", 2), actor("Huit", 2), actor("Six", 1)],
               "b.xlsx",
               actions=[["Réseau", ref.AXES[1], "Entreprises", "En cours"],
                        ["Mesure", ref.AXES[0], "Citoyens", "Réalisée"],
                        ["Conseil citoyen", ref.AXES[1], "Citoyens", "Idée"]])
    return cp.compare(a, b)


def test_changed_fields_by_french_header(pair):
    changed = {pair.b["name"].iat[j]: c for j, c in zip(pair.pairs["ib"], pair.pairs["changed"])}
    assert changed == {
        # the effective circle follows the kit's rule: level 1 -> 2 moves a derived circle from 3 to 2
        "Un": ("Description des actions NR identifiées", "Niveau d'engagement estimé", "Cercle"),
        "Deux": ("Niveau d'engagement estimé", "Cercle"), "Trois": ("Niveau d'engagement estimé", "Cercle"),
        "Quatre": (),  # a new update date alone is no change
        "Six": (),  # circle 3 given, then derived as 3: the same circle
    }
    assert len(pair.changed) == 3 and len(pair.unchanged) == 2
    assert cp.change_details(pair, 0, 0, ["Niveau d'engagement estimé", "Cercle"]) == {
        "Niveau d'engagement estimé": ["1 - Sensibilisé au NR", "2 - Acteur du NR"], "Cercle": [3, 2]}


def test_level_transitions_matrix(pair):
    assert cp.level_transitions(pair) == {
        cp.NEW: {2: 2},
        0: {0: 1},
        1: {1: 1, 2: 2},
        2: {1: 1},
        3: {cp.GONE: 1},
    }


def test_transition_sentences_with_plurals(pair):
    assert cp.transition_sentences(cp.level_transitions(pair)) == [
        "2 acteurs sont passés de « 1 — Sensibilisé au NR » à « 2 — Acteur du NR »",
        "1 acteur est passé de « 2 — Acteur du NR » à « 1 — Sensibilisé au NR »",
        "2 nouveaux acteurs au niveau « 2 — Acteur du NR »",
        "1 acteur sorti du recensement était au niveau « 3 — Leader du NR »",
        "1 acteur est resté au niveau « 0 — Non impliqué »",
        "1 acteur est resté au niveau « 1 — Sensibilisé au NR »",
    ]
    assert cp.transition_sentences({"non renseigné": {2: 3}, cp.NEW: {"non renseigné": 1}}) == [
        "3 acteurs sont passés de « Non renseigné » à « 2 — Acteur du NR »",
        "1 nouvel acteur au niveau « Non renseigné »"]


def test_summary_sentence_plurals(pair):
    assert cp.summary_sentence(pair) == ("Entre « a.xlsx » et « b.xlsx » : 2 nouveaux acteurs, 1 sorti, "
                                         "3 modifiés, 2 inchangés.")
    one = cp.compare(census([actor("A"), actor("B", 2)]), census([actor("A"), actor("B", 1), actor("C")], "b.xlsx"))
    assert cp.summary_sentence(one) == ("Entre « a.xlsx » et « b.xlsx » : 1 nouvel acteur, 0 sorti, 1 modifié, "
                                        "1 inchangé.")


def test_circle_movements(pair):
    counts, rows = cp.circle_movements(pair)
    # default circles: level >= 2 -> 2, else 3 (Un, Deux: 3 -> 2; Trois: 2 -> 3)
    assert counts == {2: {3: 1}, 3: {2: 2}}
    assert sorted(zip(rows["name"], rows["from"], rows["to"])) == [("Deux", 3, 2), ("Trois", 2, 3), ("Un", 3, 2)]
    assert cp.circle_sentences(counts) == ["1 acteur est passé du cercle 2 au cercle 3",
                                           "2 acteurs sont passés du cercle 3 au cercle 2"]


def test_engagement_progress_per_family_and_commune(pair):
    fam = cp.engagement_progress(pair, "family").set_index("family")
    assert fam.index.tolist() == [ref.COMPANIES]  # only the families present
    row = fam.loc[ref.COMPANIES]
    assert (row["actors_a"], row["engaged_a"], row["actors_b"], row["engaged_b"]) == (6, 2, 7, 4)
    assert row["share_a"] == pytest.approx(2 / 6) and row["share_b"] == pytest.approx(4 / 7)
    assert row["progress_points"] == pytest.approx((4 / 7 - 2 / 6) * 100)
    com = cp.engagement_progress(pair, "commune")
    assert com["commune"].tolist() == ["La Rochelle"]
    assert cp.engagement_sentences(fam.reset_index()) == [f"{ref.COMPANIES} : 33 % des acteurs au niveau ≥ 2 → "
                                                          "57 % (+24 points)."]


def test_plan_changes_and_matrix_coverage(pair):
    changes = cp.action_changes(pair.actions_a, pair.actions_b)
    assert changes["advanced"] == [{"action": "Réseau", "from": "Idée", "to": "En cours"},
                                   {"action": "Mesure", "from": "En cours", "to": "Réalisée"}]
    assert changes["moved_back"] == [] and changes["removed"] == [{"action": "Guide", "status": "Planifiée"}]
    assert changes["new"] == [{"action": "Conseil citoyen", "status": "Idée"}]
    coverage = cp.coverage_changes(pair.actions_a, pair.actions_b)
    assert coverage == {"covered": [(ref.AXES[1], "Citoyens")], "uncovered": [(ref.AXES[2], "Associations")]}
    assert cp.plan_sentences(changes, coverage) == [
        "2 actions ont avancé (« Réseau » : Idée → En cours ; « Mesure » : En cours → Réalisée).",
        "1 action nouvelle.", "1 action retirée du plan.",
        "1 case de la matrice est nouvellement couverte : Sensibiliser × Citoyens.",
        "1 case de la matrice n'est plus couverte : Soutenir × Associations."]


# ---------------------------------------------------------------------------------------------
# Filters: a state in either version
# ---------------------------------------------------------------------------------------------
def test_level_filter_selects_actors_by_either_version(pair):
    f = cp.filter_comparison(pair, Filters(levels=(2,)))
    kept = sorted(pair.b["name"].iat[j] for j in f.pairs["ib"])
    assert kept == ["Deux", "Trois", "Un"]  # 1 -> 2, 1 -> 2 and 2 -> 1; not Quatre (0 -> 0) nor Six (1 -> 1)
    assert names(f.b, f.new) == ["Huit", "Sept"] and len(f.gone) == 0  # the gone actor was at level 3
    assert cp.level_transitions(f) == {cp.NEW: {2: 2}, 1: {2: 2}, 2: {1: 1}}
    g = cp.filter_comparison(pair, Filters(levels=(3,)))
    assert names(g.a, g.gone) == ["Cinq"] and len(g.pairs) == 0 and len(g.new) == 0
    assert cp.transition_filters(Filters(levels=(3,), families=(ref.COMPANIES,))) == Filters(families=(ref.COMPANIES,))


def test_circle_and_family_filters_on_either_version(pair):
    f = cp.filter_comparison(pair, Filters(circles=(3,)))
    assert sorted(pair.b["name"].iat[j] for j in f.pairs["ib"]) == ["Deux", "Quatre", "Six", "Trois", "Un"]
    a = census([actor("Mairie", type_="Commune"), actor("Atelier")], actions=[
        ["Réseau", ref.AXES[1], "Entreprises", "Idée"], ["Élus", ref.AXES[1], "Institutions publiques", "Idée"]])
    b = census([actor("Mairie", type_="Commune"), actor("Atelier", type_="Associations du NR")], "b.xlsx")
    fam = cp.filter_comparison(cp.compare(a, b), Filters(families=(ref.COMPANIES,)))
    assert sorted(fam.b["name"].iat[j] for j in fam.pairs["ib"]) == ["Atelier"]  # a company in A only
    assert fam.actions_a["action"].tolist() == ["Réseau"]  # the plan follows the family filter


# ---------------------------------------------------------------------------------------------
# Freshness
# ---------------------------------------------------------------------------------------------
def test_months_before_calendar():
    assert cp.months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert cp.months_before(dt.date(2026, 3, 15), 12) == dt.date(2025, 3, 15)
    assert cp.months_before(dt.date(2026, 1, 10), 3) == dt.date(2025, 10, 10)


def test_freshness_flags_actors_not_updated(pair):
    c = census([actor("Vieux", updated="14/03/2025"), actor("Limite", updated="15/03/2025"),
                actor("Récent", updated="01/03/2026"), actor("Sans date"), actor("Très vieux", updated="2019")])
    fr = cp.freshness(c.actors, dt.date(2026, 3, 15))
    assert fr.stale["name"].tolist() == ["Vieux", "Très vieux"] and fr.count == 2 and fr.undated == 1
    assert fr.sentence() == ("2 acteurs n'ont pas été mis à jour depuis plus de 12 mois (avant le 15/03/2025) : "
                             "actualisation conseillée. 1 acteur n'a pas de « Date de mise à jour ».")
    six = cp.freshness(c.actors, dt.date(2026, 3, 15), months=6)
    assert six.count == 3 and six.sentence().startswith("3 acteurs n'ont pas été mis à jour depuis plus de 6 mois")
    assert cp.freshness(c.actors.iloc[[2]], dt.date(2026, 3, 15)).sentence().startswith(
        "0 acteur n'a pas été mis à jour")


# ---------------------------------------------------------------------------------------------
# Objectives
# ---------------------------------------------------------------------------------------------
def test_indicator_values(pair):
    b = pair.b
    assert cp.indicator_value("engaged_actors", b, pair.actions_b) == 4
    assert cp.indicator_value("actions_done", b, pair.actions_b) == 1
    assert cp.indicator_value("cells_covered", b, pair.actions_b) == 3
    assert cp.indicator_value("family_in_circle_2", b, pair.actions_b, family=ref.COMPANIES) == 4
    assert cp.indicator_value("family_in_circle_2", b, pair.actions_b, family=ref.CITIZENS) == 0
    c = census([actor("A", 2, commune=None, insee="17300"), actor("B", 1, commune=None, insee="17028"),
                actor("C", 2, commune="Lagord"), actor("D", 3, commune="lagord")])
    assert cp.indicator_value("engaged_communes_share", c.actors, c.actions) == pytest.approx(100 * 2 / 3)
    members = ["17300", "17028", "17200", "17190"]
    assert cp.indicator_value("engaged_communes_share", c.actors, c.actions, members) == pytest.approx(25.0)
    assert cp.indicator_label("family_in_circle_2", ref.COMPANIES) == "Acteurs « Entreprises » dans le cercle 2"
    assert {d.unit for d in cp.INDICATORS.values()} == {"acteurs", "%", "cases", "actions"}


def test_objective_json_round_trip_and_checks():
    o = cp.Objective("family_in_circle_2", 30, dt.date(2026, 12, 31), dt.date(2026, 1, 1), 10, ref.COMPANIES)
    again = cp.Objective.from_json(o.to_json())
    assert again == o and json.loads(o.to_json())["deadline"] == "2026-12-31"
    assert o.label == "Acteurs « Entreprises » dans le cercle 2" and o.unit == "acteurs"
    with pytest.raises(ValueError):
        cp.Objective("family_in_circle_2", 30, dt.date(2026, 12, 31), dt.date(2026, 1, 1), 10)
    with pytest.raises(ValueError):
        cp.Objective("inconnu", 30, dt.date(2026, 12, 31), dt.date(2026, 1, 1), 10)


START, DEADLINE = dt.date(2026, 1, 1), dt.date(2027, 1, 1)  # 365 days


def test_straight_path():
    assert cp.expected_value(10, START, 40, DEADLINE, START) == 10
    assert cp.expected_value(10, START, 40, DEADLINE, dt.date(2026, 7, 2)) == pytest.approx(10 + 30 * 182 / 365)
    assert cp.expected_value(10, START, 40, DEADLINE, dt.date(2028, 1, 1)) == 40
    assert cp.expected_value(10, START, 40, DEADLINE, dt.date(2025, 1, 1)) == 10


def test_progress_ahead_behind_reached():
    mid = dt.date(2026, 7, 2)  # the path expects 10 + 30 * 182/365 = 24.96
    p = cp.progress({START: 10, mid: 26}, 10, START, 40, DEADLINE, dt.date(2026, 8, 1))
    assert (p.status, p.value, p.value_date) == (cp.AHEAD, 26, mid) and p.expected == pytest.approx(24.96, abs=.01)
    assert cp.progress({START: 10, mid: 24}, 10, START, 40, DEADLINE, dt.date(2026, 8, 1)).status == cp.BEHIND
    assert cp.progress({START: 10, mid: 40}, 10, START, 40, DEADLINE, dt.date(2026, 8, 1)).status == cp.REACHED
    # the version current on 'today' counts, not a later one
    later = {START: 10, mid: 24, dt.date(2026, 9, 1): 39}
    assert cp.progress(later, 10, START, 40, DEADLINE, dt.date(2026, 8, 1)).value == 24
    assert cp.progress({}, 10, START, 40, DEADLINE, dt.date(2026, 8, 1)).status is None
    # a falling target (fewer actors at level 0…): ahead when at or below the path
    assert cp.progress({mid: 20}, 40, START, 10, DEADLINE, mid).status == cp.AHEAD
    assert cp.progress({mid: 30}, 40, START, 10, DEADLINE, mid).status == cp.BEHIND
    assert cp.progress({mid: 10}, 40, START, 10, DEADLINE, mid).status == cp.REACHED
    # past the deadline the path is the target: short of it is late
    assert cp.progress({dt.date(2027, 2, 1): 39}, 10, START, 40, DEADLINE, dt.date(2027, 3, 1)).status == cp.BEHIND


def test_objective_sentence():
    o = cp.Objective("engaged_actors", 60, dt.date(2026, 12, 31), START, 30)
    p = cp.progress({dt.date(2026, 3, 15): 45}, 30, START, 60, o.deadline, dt.date(2026, 4, 1))
    assert cp.objective_sentence(o, p) == (
        "Acteurs de niveau ≥ 2 : 45 acteurs au 15/03/2026 pour une cible de 60 acteurs au 31/12/2026 — en avance "
        "(le chemin prévu en attendait 36 acteurs).")
    assert cp.objective_sentence(o, cp.progress({}, 30, START, 60, o.deadline, START)) == (
        "Acteurs de niveau ≥ 2 : aucune version publiée à ce jour, pour une cible de 60 acteurs au 31/12/2026.")


def test_action_moved_back_and_missing_status_compared_with_nothing():
    a = census([actor("A")], actions=[["Réseau", ref.AXES[1], "Entreprises", "En cours"],
                                      ["Guide", ref.AXES[0], "Citoyens", None]])
    b = census([actor("A")], "b.xlsx", actions=[["Réseau", ref.AXES[1], "Entreprises", "Planifiée"],
                                                ["Guide", ref.AXES[0], "Citoyens", "Réalisée"]])
    changes = cp.action_changes(a.actions, b.actions)
    assert changes == {"advanced": [], "moved_back": [{"action": "Réseau", "from": "En cours", "to": "Planifiée"}],
                       "new": [], "removed": []}
    assert cp.plan_sentences(changes, cp.coverage_changes(a.actions, b.actions)) == [
        "1 action a reculé (« Réseau » : En cours → Planifiée)."]
    assert cp.plan_sentences(cp.action_changes(a.actions, a.actions), {}) == ["Le plan d'actions n'a pas changé."]


def test_keys_and_cells_are_derived_once_per_census_frame(sample_census, monkeypatch):
    """A published version's census is one object per process: compare derives its keys and cells once, and
    forgets them with the frame."""
    import gc

    from nrdash import compare as cp

    calls = []
    real = cp.compared_cells
    monkeypatch.setattr(cp, "compared_cells", lambda actors, p=False: calls.append(len(actors)) or real(actors, p))
    first = cp.compare(sample_census, sample_census)
    again = cp.compare(sample_census, sample_census)
    assert calls == [len(sample_census.actors)]  # once for the frame, shared by both sides and both calls
    assert first.pairs.equals(again.pairs) and len(first.changed) == 0
    frame = sample_census.actors.copy()
    key = id(frame)
    cp._derived_of(frame)["x"] = 1
    del frame
    gc.collect()
    assert key not in cp._derived  # the entry went with its frame
