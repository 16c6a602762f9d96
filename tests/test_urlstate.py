"""Filters <-> query parameters (nrdash.urlstate): round trip, validation notes, never an exception."""
from hypothesis import given, settings, strategies as st

from nrdash import referential as ref
from nrdash.filters import Filters
from nrdash.urlstate import FILTER_PARAMS, OTHER_PARAMS, decode, encode, filter_options

COMMUNES = ["Aytré", "La Rochelle", "Périgny", "Saint-Xandrin, l'Île"]
OPTIONS = filter_options(COMMUNES)
DEFAULTS = Filters(include_nonlocal_companies=False)


def subset(field):
    return st.lists(st.sampled_from(OPTIONS[field]), unique=True).map(
        lambda vs: tuple(v for v in OPTIONS[field] if v in vs))


filters_strategy = st.builds(
    Filters, families=subset("families"), types=subset("types"), levels=subset("levels"),
    circles=subset("circles"), communes=subset("communes"), categories=subset("categories"),
    sources=subset("sources"), include_nonlocal_companies=st.booleans(),
    include_nonlocal_associations=st.booleans(), include_non_residents=st.booleans())


@settings(max_examples=200, deadline=None)
@given(filters_strategy)
def test_round_trip(f):
    params = encode(f, DEFAULTS)
    assert set(params) <= set(FILTER_PARAMS) and not set(params) & OTHER_PARAMS
    back = decode(params, OPTIONS, DEFAULTS)
    assert back.filters == f and back.notes == ()


def test_only_differences_are_written():
    assert encode(DEFAULTS, DEFAULTS) == {}
    f = DEFAULTS.with_values(families=(ref.COMPANIES,), levels=(2, 3), include_nonlocal_companies=True)
    assert encode(f, DEFAULTS) == {"famille": [ref.COMPANIES], "niveau": ["2", "3"], "entreprises_non_locales": ["1"]}


def test_values_are_matched_tolerantly_and_ordered():
    got = decode({"commune": ["la rochelle", "AYTRE"], "niveau": ["3", " 2", "3"]}, OPTIONS, Filters())
    assert got.filters == Filters(communes=("Aytré", "La Rochelle"), levels=(2, 3)) and got.notes == ()


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=12) | st.sampled_from(FILTER_PARAMS),
                       st.lists(st.text(max_size=12), max_size=3), max_size=5))
def test_any_query_decodes_without_exception(params):
    got = decode(params, OPTIONS, DEFAULTS)
    for field, values in OPTIONS.items():
        assert set(getattr(got.filters, field)) <= set(values)


def test_bad_parameters_are_left_out_with_a_note():
    got = decode({"famille": ["Martiens", ref.COMPANIES], "niveau": ["deux", "7"], "commune": ["Paris"],
                  "couleur": ["bleu"], "non_residents": ["peut-être"], "atelier": ["1"], "zone": ["x"]},
                 OPTIONS, DEFAULTS)
    assert got.filters == DEFAULTS.with_values(families=(ref.COMPANIES,))
    notes = "\n".join(got.notes)
    assert len(got.notes) == 6
    assert "« famille » : « Martiens » ignoré" in notes
    assert "« niveau » : « deux » ignoré, ce n'est pas un nombre" in notes
    assert "« niveau » : 7 ignoré" in notes
    assert "« commune » : « Paris » ignoré, cette commune n'existe pas dans ce recensement" in notes
    assert "Paramètre « couleur » ignoré : inconnu" in notes
    assert "« non_residents » ignoré : valeur « peut-être » invalide" in notes
    assert "atelier" not in notes and "zone" not in notes
