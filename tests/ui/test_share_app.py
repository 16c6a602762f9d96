"""AppTest of « Partager, retrouver »: filters in the address, the actor search and card, the level pills."""
from streamlit.testing.v1 import AppTest

from nrdash import referential as ref
from nrdash.filters import Filters, apply_filters
from nrdash.ui import FILTER_KEYS
from tests.mdtext import displayed
from tests.ui.test_app import APP, assert_clean, caption_with, metric


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


def _card_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown if 'class="nr-card"' in m.value)


def _personal(sample_census) -> list[str]:
    a = sample_census.actors
    return [v for v in list(a["referent"]) + list(a["contact"]) if isinstance(v, str)]


def test_search_finds_an_actor_whatever_the_case_and_accents(sample_census):
    at = app_at()
    at.switch_page("pages/recensement.py").run()
    for query in ("commune de la rochelle", "COMMUNE DE LA ROCHELLE", "Commune de La Rochelle"):
        at.text_input(key="actor_search").input(query).run()
        assert_clean(at)
        card = _card_text(at)
        assert "<h4>Commune de La Rochelle</h4>" in card
        for label, value in (("Type d&#x27;acteur", "Commune"), ("Ligne du classeur", "19"),
                             ("Niveau d&#x27;engagement", "1 — Sensibilisé au NR"), ("Commune", "La Rochelle")):
            assert f'<dt style="font-weight:600">{label}</dt><dd style="margin:0">{value}</dd>' in card
        assert "Dominique Guérin" not in card and "dominique.guerin@example.org" not in card
    at.text_input(key="actor_search").input("editeur LOGICIEL la rochelle").run()  # « Éditeur logiciel … »
    assert "<h4>Éditeur logiciel La Rochelle</h4>" in _card_text(at)
    at.text_input(key="actor_search").input("la rochelle").run()  # many: a choice, the first one's card
    assert at.selectbox(key="actor_search_pick").options and len(at.selectbox(key="actor_search_pick").options) > 5
    at.selectbox(key="actor_search_pick").select(19).run()
    assert "<h4>Commune de La Rochelle</h4>" in _card_text(at)
    at.text_input(key="actor_search").input("zzz introuvable").run()
    assert not _card_text(at) and any("Aucun acteur dont le nom contient" in i.value for i in at.info)


def test_cards_never_hold_personal_data(sample_census):
    from nrdash.search import card_fields

    personal = set(_personal(sample_census))
    for _, actor in sample_census.actors.iterrows():
        assert not {text for _, text in card_fields(actor)} & personal


def test_selecting_a_table_row_opens_the_card(sample_census):
    at = app_at()
    at.switch_page("pages/recensement.py").run()
    at.toggle(key="census_table").set_value(True).run()
    assert not _card_text(at)
    at.session_state["census_table_rows"] = {"selection": {"rows": [2], "columns": [], "cells": []}}
    at.run()
    assert_clean(at)
    third = sample_census.actors.iloc[2]
    card = _card_text(at)
    assert f"<h4>{third['name']}</h4>" in card.replace("&#x27;", "'")
    assert f'Ligne du classeur</dt><dd style="margin:0">{third["row"]}</dd>' in card
    assert not [v for v in _personal(sample_census) if v in card]
