"""AppTest of « Partager, retrouver »: filters in the address, the actor search and card, the level pills."""
from streamlit.testing.v1 import AppTest

from nrdash import referential as ref
from nrdash.filters import Filters, apply_filters
from nrdash.ui import FILTER_KEYS
from tests.mdtext import displayed
from tests.test_app import APP, assert_clean, caption_with, metric


def app_at(**params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    return at


def test_filters_are_written_in_the_address_on_every_page(sample_census):
    at = app_at()
    assert not {"famille", "niveau"} & set(at.query_params)
    at.multiselect(key=FILTER_KEYS["families"]).set_value([ref.COMPANIES]).run()
    at.multiselect(key=FILTER_KEYS["levels"]).set_value([2, 3]).run()
    assert at.query_params["famille"] == ref.COMPANIES and at.query_params["niveau"] == ["2", "3"]
    at.switch_page("pages/engagement.py").run()  # a page change drops the query: it is put back
    assert at.query_params["famille"] == ref.COMPANIES and at.query_params["niveau"] == ["2", "3"]
    next(b for b in at.button if b.label == "Réinitialiser les filtres").click().run()
    assert not {"famille", "niveau"} & set(at.query_params)


def test_a_new_session_starts_from_the_address(sample_census):
    at = app_at(famille=ref.COMPANIES, niveau=["2", "3"], non_residents="0", atelier="0")
    assert_clean(at)
    f = Filters(families=(ref.COMPANIES,), levels=(2, 3), include_non_residents=False)
    expected = apply_filters(sample_census.actors, f)
    assert 0 < len(expected) < 150
    assert metric(at, "Acteurs recensés") == str(len(expected))
    assert caption_with(at, "acteurs") == (f"{len(expected)} acteurs sur 150 — filtres : Entreprises, niveau ≥ 2, "
                                           "sans non-résidents")
    assert at.multiselect(key=FILTER_KEYS["levels"]).value == [2, 3]
    assert not at.warning or not any("Lien partagé" in w.value for w in at.warning)


def test_a_malformed_address_is_noted_never_an_exception(sample_census):
    at = app_at(famille=[ref.COMPANIES, "Martiens"], niveau="deux", commune="Paris", couleur="bleu")
    assert_clean(at)
    notes = [displayed(w.value) for w in at.sidebar.warning if "Lien partagé" in w.value]
    assert len(notes) == 1
    for fragment in ("« famille » : « Martiens » ignoré", "« niveau » : « deux » ignoré",
                     "« commune » : « Paris » ignoré, cette commune n'existe pas dans ce recensement",
                     "« couleur » ignoré : inconnu"):
        assert fragment in notes[0]
    expected = apply_filters(sample_census.actors, Filters(families=(ref.COMPANIES,)))
    assert metric(at, "Acteurs recensés") == str(len(expected))
    assert at.query_params.get("famille") == ref.COMPANIES and "couleur" in at.query_params  # not ours to remove
    at.multiselect(key=FILTER_KEYS["levels"]).set_value([1]).run()  # the note goes once the filters change
    assert not [w for w in at.sidebar.warning if "Lien partagé" in w.value]


def test_level_pills_show_a_level_filter_set_elsewhere(sample_census):
    at = app_at(niveau=["2", "3"])
    at.switch_page("pages/engagement.py").run()
    assert at.button_group(key="eng_legend").value == [2, 3]
    at.session_state[FILTER_KEYS["levels"]] = [1]  # as a chart click sets it
    at.run()
    assert at.button_group(key="eng_legend").value == [1]
    at.button_group(key="eng_legend").set_value([1, 3]).run()  # a click on a pill adds its level
    assert at.multiselect(key=FILTER_KEYS["levels"]).value == [1, 3]
    assert caption_with(at, "acteurs").endswith("filtres : niveaux 1, 3")
