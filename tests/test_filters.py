import pandas as pd
import pytest

from nrdash import referential as ref
from nrdash.filters import Filters, apply_filters, category_matrix, commune_labels, describe
from nrdash.text import thousands


def frame(rows):
    base = {"name": "x", "family": ref.COMPANIES, "type": "PME", "level": 1, "circle": 3, "commune": "Aytré",
            "insee": "17028", "source": "Recherche", "is_local": True, "action_types": [], "dimensions": []}
    df = pd.DataFrame([{**base, **r} for r in rows])
    df["level"] = df["level"].astype("Int64")
    df["circle"] = df["circle"].astype("Int64")
    df["is_local"] = df["is_local"].astype("boolean")
    return df


def test_each_filter_restricts(sample_census):
    a = sample_census.actors
    cases = {
        "families": ((ref.COMPANIES,), a["family"] == ref.COMPANIES),
        "types": (("PME", "ETI"), a["type"].isin(["PME", "ETI"])),
        "levels": ((2, 3), a["level"] >= 2),
        "circles": ((1,), a["circle"] == 1),
        "communes": (("Aytré",), a["commune"] == "Aytré"),
        "sources": (("Recensement",), a["source"] == "Recensement"),
        "categories": (("Mesure",), a["dimensions"].map(lambda d: "Mesure" in d)),
    }
    for field, (value, expected) in cases.items():
        got = apply_filters(a, Filters().with_values(**{field: value}))
        assert len(got) == int(expected.sum()) and 0 < len(got) < len(a), field


def test_arbitrations_and_unknown_local_status():
    df = frame([
        {"name": "local co"}, {"name": "remote co", "is_local": False}, {"name": "unknown co", "is_local": None},
        {"name": "remote asso", "family": ref.ASSOCIATIONS, "type": "Autres associations", "is_local": False},
        {"name": "tourists", "family": ref.CITIZENS, "type": ref.NON_RESIDENTS, "is_local": False},
    ])
    names = lambda f: apply_filters(df, f)["name"].tolist()  # noqa: E731
    assert names(Filters(include_nonlocal_companies=False)) == ["local co", "unknown co", "remote asso", "tourists"]
    assert names(Filters(include_nonlocal_associations=False)) == ["local co", "remote co", "unknown co", "tourists"]
    assert names(Filters(include_non_residents=False)) == ["local co", "remote co", "unknown co", "remote asso"]


def test_missing_level_never_matches_a_level_filter():
    df = frame([{"level": None}, {"level": 2}])
    assert len(apply_filters(df, Filters(levels=(0, 1, 2, 3)))) == 1


def test_category_matrix_and_commune_labels():
    df = frame([{"action_types": ["Inclusion numérique"], "dimensions": ["Mesure"]},
                {"commune": None, "insee": None}, {"commune": None}])
    m = category_matrix(df)
    assert m.loc[0, "Inclusion numérique"] and m.loc[0, "Mesure"] and not m.loc[1].any()
    assert commune_labels(df).tolist() == ["Aytré", "Commune non renseignée", "17028"]


@pytest.mark.parametrize("f,text", [
    (Filters(), "150 acteurs — aucun filtre"),
    (Filters(families=(ref.COMPANIES,), levels=(2, 3)), "64 acteurs sur 150 — filtres : Entreprises, niveau ≥ 2"),
    (Filters(levels=(0, 3)), "64 acteurs sur 150 — filtres : niveaux 0, 3"),
    (Filters(circles=(2,), include_non_residents=False), "64 acteurs sur 150 — filtres : cercle 2, sans non-résidents"),
    (Filters(communes=("A", "B", "C", "D")), "64 acteurs sur 150 — filtres : 4 communes"),
])
def test_describe_in_words(f, text):
    shown = 150 if f == Filters() else 64
    assert describe(f, shown, 150) == text


def test_from_territory(sample_census):
    t = sample_census.territory
    assert Filters.from_territory(t).is_default_for(t)
    assert not Filters(levels=(1,)).is_default_for(t)


def test_counts_are_written_the_french_way():
    assert thousands(181057) == "181\u202f057" and thousands(150) == "150" and thousands(0) == "0"
    assert describe(Filters(), 100_000, 100_000) == "100\u202f000 acteurs — aucun filtre"
    assert describe(Filters(levels=(3,)), 12_345, 100_000).startswith("12\u202f345 acteurs sur 100\u202f000")


def test_differences_counts_changed_filters():
    assert Filters().differences(Filters()) == 0
    assert Filters(levels=(3,), families=("x",)).differences(Filters()) == 2
    assert Filters(include_non_residents=False).differences(Filters()) == 1
