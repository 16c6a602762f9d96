"""AppTest over every page: renders on the sample, filters act on the numbers shown, uploads stay per session."""
import base64
import json
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from nrdash import referential as ref
from nrdash.filters import Filters, apply_filters
from nrdash.plotting import payload_figure
from nrdash.ui import FILTER_KEYS, PAGES, UNEXPECTED
from nrdash.ui.chart_component import COMPONENT_NAME
from tests.conftest import ROOT, actors_sheet
from tests.mdtext import displayed
from tests.principals import OP

APP = str(ROOT / "app.py")
PAGE_PATHS = [p for p, _, _ in PAGES]


def app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    return at


def assert_clean(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not [e for e in at.error if UNEXPECTED in e.value]


def metric(at: AppTest, label: str) -> str:
    """A key figure's value as displayed (ui.key_figures)."""
    import html

    pattern = re.compile(f'nr-kpi-label">{re.escape(html.escape(label))}</div><div class="nr-kpi-value">([^<]*)<')
    return next(html.unescape(m.group(1)) for e in at.markdown if (m := pattern.search(e.value)))


def _decode(value):
    """Plotly sends numeric arrays as base64 typed arrays: back to lists."""
    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        if "shape" in value:
            arr = arr.reshape([int(x) for x in str(value["shape"]).split(",")])
        return arr.tolist()
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def charts_of(at: AppTest) -> list:
    """The charts drawn (nrdash.plotting's component)."""
    return [el for el in at.get("bidi_component") if el.proto.component_name == COMPONENT_NAME]


def figures(at: AppTest) -> list[dict]:
    return [_decode(payload_figure(el.proto.json)) for el in charts_of(at)]


def chart_summaries(at: AppTest) -> list[str]:
    """The sentence under each chart (its text alternative: written by the chart component, issue 29)."""
    return [json.loads(el.proto.json)["summary"] for el in charts_of(at)]


def chart_config(at: AppTest, n: int = 0) -> dict:
    return json.loads(charts_of(at)[n].proto.json)["config"]


def caption_with(at: AppTest, fragment: str) -> str:
    """A caption's text as displayed (markdown escapes removed)."""
    texts = [displayed(c.value) for c in at.caption]
    return next(t for t in texts if fragment in t)


@pytest.mark.parametrize("path", PAGE_PATHS)
def test_every_page_renders_on_the_sample(path):
    at = app()
    at.switch_page(path).run()
    assert_clean(at)
    assert at.title, "each page has a title"
    assert caption_with(at, "acteurs").startswith("150 acteurs")


def test_home_key_figures(sample_census):
    from nrdash.indicators import kpis
    from nrdash.text import percent

    at = app()
    k = kpis(sample_census.actors, sample_census.actions)
    assert metric(at, "Acteurs engagés (niveau ≥ 2)") == percent(k.engaged_share)
    assert metric(at, "Leaders du NR (niveau 3)") == str(int((sample_census.actors["level"] == 3).sum()))
    assert metric(at, ref.CIRCLES[2].label) == str(int((sample_census.actors["circle"] == 2).sum()))
    block = next(e.value for e in at.markdown if '<ul class="nr-kpis">' in e.value)
    assert f'nr-kpi-note">{k.engaged} acteurs<' in block  # the detail is written, not hidden in a tooltip


def test_key_figures_escape_their_text(monkeypatch):
    import nrdash.ui as ui

    sent = []
    monkeypatch.setattr(ui.st, "markdown", lambda body, **kw: sent.append(body))
    ui.key_figures([("<img src=x onerror=alert(1)>", "<b>3</b>", "a & b")])
    assert "<img" not in sent[0] and "&lt;img src=x" in sent[0] and "&lt;b&gt;3" in sent[0] and "a &amp; b" in sent[0]


PAGE_TITLES = {
    "pages/accueil.py": "Numérique responsable : le territoire en un coup d'œil",
    "pages/recensement.py": "Recensement des acteurs",
    "pages/carte.py": "Carte des acteurs",
    "pages/engagement.py": "Engagement des acteurs",
    "pages/cercles.py": "Cercles de mobilisation",
    "pages/matrice.py": "Matrice d'actions",
    "pages/atelier.py": "Atelier : la salle choisit",
    "pages/suivi.py": "Suivi",
    "pages/versions.py": "Versions du recensement",
    "pages/rapport.py": "Rapport",
    "pages/soumissions.py": "Questionnaire",
    "pages/campagnes.py": "Campagnes d'actualisation",  # issue 26: a page of its own
}


def test_navigation_has_every_page():
    """The entrypoint opens on Accueil; every page of the navigation runs through it and shows its own title."""
    at = app()
    assert_clean(at)
    assert metric(at, "Acteurs recensés") == "150"
    assert [t.value for t in at.title] == [PAGE_TITLES["pages/accueil.py"]]
    assert set(PAGE_PATHS) == set(PAGE_TITLES)
    for path in PAGE_PATHS:
        at.switch_page(path).run()
        assert_clean(at)
        assert [t.value for t in at.title] == [PAGE_TITLES[path]], path


FILTER_CASES = {
    "families": [ref.COMPANIES],
    "types": ["PME"],
    "levels": [3],
    "circles": [1],
    "communes": ["Périgny"],
    "categories": ["Inclusion numérique"],
    "sources": ["Contact direct"],
}


@pytest.mark.parametrize("field", list(FILTER_CASES))
def test_each_filter_changes_the_numbers(field, sample_census):
    at = app()
    at.multiselect(key=FILTER_KEYS[field]).set_value(FILTER_CASES[field]).run()
    assert_clean(at)
    expected = apply_filters(sample_census.actors, Filters().with_values(**{field: FILTER_CASES[field]}))
    assert 0 < len(expected) < 150
    assert metric(at, "Acteurs recensés") == str(len(expected))
    assert caption_with(at, "acteurs").startswith(f"{len(expected)} acteurs sur 150 — filtres :")


@pytest.mark.parametrize("arbitration", ["include_nonlocal_companies", "include_nonlocal_associations",
                                         "include_non_residents"])
def test_each_arbitration_changes_the_numbers(arbitration, sample_census):
    at = app()
    at.checkbox(key=FILTER_KEYS[arbitration]).uncheck().run()
    expected = apply_filters(sample_census.actors, Filters(**{arbitration: False}))
    assert len(expected) < 150
    assert metric(at, "Acteurs recensés") == str(len(expected))


def test_filters_survive_page_switches_and_reset(sample_census):
    at = app()
    at.multiselect(key=FILTER_KEYS["families"]).set_value([ref.COMPANIES]).run()
    at.multiselect(key=FILTER_KEYS["levels"]).set_value([2, 3]).run()
    expected = apply_filters(sample_census.actors, Filters(families=(ref.COMPANIES,), levels=(2, 3)))
    at.switch_page("pages/engagement.py").run()
    assert caption_with(at, "acteurs") == f"{len(expected)} acteurs sur 150 — filtres : Entreprises, niveau ≥ 2"
    bars = figures(at)[0]["data"][0]
    assert bars["y"] == [0, 0, int((expected["level"] == 2).sum()), int((expected["level"] == 3).sum())]
    at.switch_page("pages/accueil.py").run()
    assert metric(at, "Acteurs recensés") == str(len(expected))
    reset = next(b for b in at.button if b.label == "Réinitialiser les filtres")
    reset.click().run()
    assert metric(at, "Acteurs recensés") == "150"


def test_engagement_charts_follow_filters(sample_census):
    at = app()
    at.switch_page("pages/engagement.py").run()
    first = figures(at)[0]["data"][0]
    counts = sample_census.actors["level"].value_counts()
    assert first["y"] == [int(counts.get(n, 0)) for n in ref.LEVELS]
    at.multiselect(key=FILTER_KEYS["circles"]).set_value([2]).run()
    filtered = sample_census.actors[sample_census.actors["circle"] == 2]
    assert figures(at)[0]["data"][0]["y"] == [int((filtered["level"] == n).sum()) for n in ref.LEVELS]
    # the filters are written in every figure, so a downloaded image says what it shows
    assert all(f["layout"]["title"]["subtitle"]["text"] == f"{len(filtered)} acteurs sur 150 — filtres : cercle 2"
               for f in figures(at))


def test_chart_click_callback_sets_shared_filters(monkeypatch):
    """The chart's click callback turns a clicked bar into shared filter values."""
    from nrdash.ui import elements

    state = {}
    monkeypatch.setattr(elements.st, "session_state", state)
    elements._on_chart_points([{"customdata": [ref.PUBLIC, 3], "x": 4, "y": "Public"}], "family")
    assert state[FILTER_KEYS["families"]] == [ref.PUBLIC] and state[FILTER_KEYS["levels"]] == [3]


def test_filters_set_by_a_click_apply_on_every_page():
    at = app()
    at.switch_page("pages/engagement.py").run()
    at.session_state[FILTER_KEYS["families"]] = [ref.PUBLIC]
    at.session_state[FILTER_KEYS["levels"]] = [3]
    at.run()
    assert caption_with(at, "acteurs").endswith("filtres : Acteurs publics & semi-publics, niveau 3")
    at.switch_page("pages/cercles.py").run()
    assert caption_with(at, "acteurs").endswith("filtres : Acteurs publics & semi-publics, niveau 3")


def test_matrix_page_values(sample_census):
    at = app()
    at.switch_page("pages/matrice.py").run()
    heat = figures(at)[0]["data"][0]
    from nrdash.matrix import plan_counts

    assert heat["z"] == plan_counts(sample_census.actions).to_numpy().tolist()
    at.multiselect(key=FILTER_KEYS["families"]).set_value([ref.CITIZENS]).run()
    heat = figures(at)[0]["data"][0]
    assert sum(map(sum, heat["z"])) < plan_counts(sample_census.actions).to_numpy().sum()
    assert_clean(at)


def test_matrix_and_circles_tables_load_when_asked(sample_census):
    from nrdash.matrix import quick_wins
    from nrdash.mobilisation import inward_candidates

    at = app()
    at.switch_page("pages/matrice.py").run()
    assert len(at.dataframe) == 0  # nothing heavy until asked
    at.toggle(key="plan_actions").set_value(True).run()
    assert len(at.dataframe[0].value) == len(sample_census.actions)
    at.toggle(key="quick_wins").set_value(True).run()
    assert len(at.dataframe[1].value) == len(quick_wins(sample_census.actions))
    at.switch_page("pages/cercles.py").run()
    assert len(at.dataframe) == 0
    at.toggle(key="inward_2").set_value(True).run()
    assert len(at.dataframe[0].value) == min(50, len(inward_candidates(sample_census.actors)[2]))
    assert_clean(at)


def test_circles_page_counts(sample_census):
    at = app()
    at.switch_page("pages/cercles.py").run()
    sizes = sample_census.actors["circle"].value_counts()
    subheaders = [s.value for s in at.subheader]
    for c, circle in ref.CIRCLES.items():
        assert f"{circle.label} — {sizes[c]} acteurs" in subheaders
    assert any(ref.CIRCLE_FOR_EVERYONE == i.value for i in at.info)


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader[0].upload(name, data).run()
    return at


def test_upload_with_errors_shows_the_report_and_valid_rows_go_on():
    at = app()
    data = actors_sheet([["Recyclerie", "Associations du NR", 3], ["Mystère", "PME", "beaucoup"],
                         ["Mairie", "Commune", 1]])
    _upload(at, "recensement.xlsx", data)
    assert_clean(at)
    assert metric(at, "Acteurs recensés") == "2"  # the row in error is set aside, not lost
    assert any("1 ligne en erreur" in w.value for w in at.warning)
    at.switch_page("pages/recensement.py").run()
    report = at.dataframe[0].value
    assert report.iloc[0]["Ligne"] == 3 and report.iloc[0]["Colonne"] == "Niveau d'engagement estimé"
    assert "beaucoup" in report.iloc[0]["Problème et correction"]
    at.checkbox(key="include_error_rows").check().run()
    at.switch_page("pages/accueil.py").run()
    assert metric(at, "Acteurs recensés") == "3"


def test_unusable_upload_gives_a_clear_error_and_keeps_the_sample():
    at = app()
    _upload(at, "photo.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(64))
    assert_clean(at)
    assert any("n'a pas pu être lu" in e.value for e in at.error)
    assert metric(at, "Acteurs recensés") == "150"


def test_two_sessions_do_not_see_each_other_uploads():
    one, two = app(), app()
    _upload(one, "a.xlsx", actors_sheet([[f"A{i}", "PME", 1] for i in range(7)]))
    _upload(two, "b.xlsx", actors_sheet([[f"B{i}", "ETI", 2] for i in range(3)]))
    one.run()
    assert metric(one, "Acteurs recensés") == "7"
    assert metric(two, "Acteurs recensés") == "3"
    three = app()
    assert metric(three, "Acteurs recensés") == "150"


def deck_spec(at: AppTest) -> dict:
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)


def interactive_map(at: AppTest) -> AppTest:
    """The Carte page opens on the still map (nrdash.svgmap, issue 29): the interactive one is switched on."""
    at.toggle(key="map_interactive").set_value(True).run()
    assert_clean(at)
    return at


def deck_layer(at: AppTest, layer_id: str) -> dict:
    return next(l for l in deck_spec(at)["layers"] if l["id"] == layer_id)


def test_map_opens_as_a_still_picture_then_interactive_on_demand(sample_census):
    """Issue 29: the Carte page's first view is an SVG written by the server (no deck.gl scripts: EcoIndex 46 ->
    60+), named for screen readers by the same words as the interactive map; the interactive map on demand."""
    at = app()
    at.switch_page("pages/carte.py").run()
    assert_clean(at)
    assert at.get("deck_gl_json_chart") == [] and at.toggle(key="map_interactive").value is False
    [svg] = [m.value for m in at.markdown if "<svg" in m.value]
    assert svg.count("<circle") == 150  # every actor placed, as the interactive map shows them
    assert 'aria-label="Carte des acteurs. 150 acteurs placés sur 150' in svg and "<script" not in svg
    assert "La Rochelle</text>" in svg and svg.count("<path") >= 28
    at.multiselect(key=FILTER_KEYS["levels"]).set_value([3]).run()
    [svg] = [m.value for m in at.markdown if "<svg" in m.value]
    assert svg.count("<circle") == int((sample_census.actors["level"] == 3).sum())
    assert not [r for r in at.radio if r.key == "map_basemap"]  # the base map belongs to the interactive map
    interactive_map(at)
    assert len(at.get("deck_gl_json_chart")) == 1 and not [m for m in at.markdown if "<svg" in m.value]
    assert at.radio(key="map_basemap").value == "none"


def test_map_points_follow_filters_and_choropleth(sample_census):
    at = app()
    at.switch_page("pages/carte.py").run()
    interactive_map(at)
    assert_clean(at)
    assert len(deck_layer(at, "acteurs")["data"]) == 150
    communes = deck_layer(at, "communes")["data"]["features"]
    assert len(communes) == 28 and all(f["properties"]["f"][3] == 0 for f in communes)  # no choropleth yet
    at.multiselect(key=FILTER_KEYS["levels"]).set_value([3]).run()
    assert len(deck_layer(at, "acteurs")["data"]) == int((sample_census.actors["level"] == 3).sum())
    at.radio(key="map_choropleth").set_value("actors").run()
    fills = [f["properties"]["f"] for f in deck_layer(at, "communes")["data"]["features"]]
    assert any(f[3] > 0 for f in fills) and "Nombre d'acteurs" in deck_layer(at, "communes")["data"]["features"][0]["properties"]["t"]
    assert deck_spec(at).get("mapProvider") in (None, "")


def interactive_map_with(monkeypatch, threshold: str, value: int):
    """Carte, its interactive map drawn, with one of nrdash.maps' thresholds lowered to the sample's scale."""
    from nrdash import maps

    monkeypatch.setattr(maps, threshold, value)
    at = app()
    at.switch_page("pages/carte.py").run()
    interactive_map(at)
    assert_clean(at)
    return at


def test_map_suggests_the_grid_when_points_are_many(monkeypatch):
    at = interactive_map_with(monkeypatch, "POINTS_SMOOTH_MAX", 100)
    assert "150 points" in caption_with(at, "sans carte graphique")
    at.toggle(key="map_grid").set_value(True).run()
    assert not [c for c in at.caption if "sans carte graphique" in c.value]
    assert "grille" in [l["id"] for l in deck_spec(at)["layers"]]


def test_map_opens_on_the_grid_for_large_censuses(monkeypatch):
    at = interactive_map_with(monkeypatch, "GRID_BY_DEFAULT_ABOVE", 100)
    assert at.toggle(key="map_grid").value is True
    # issue 25: the commune names are drawn over the grid's discs too (they were the last layer before the names)
    assert [l["id"] for l in deck_spec(at)["layers"]][-2:] == ["grille", "noms"]
    assert not [l for l in deck_spec(at)["layers"] if l["id"] == "acteurs"]


def test_map_lists_unplaced_actors_with_their_reason():
    at = app()
    data = actors_sheet([["Ici", "PME", 1, "17300"], ["Nulle part", "PME", 1, None], ["Inconnu", "ETI", 2, "99999"]],
                        header=["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé", "Code INSEE"])
    _upload(at, "r.xlsx", data)
    at.checkbox(key="include_error_rows").check().run()
    at.switch_page("pages/carte.py").run()
    interactive_map(at)
    assert_clean(at)
    assert len(deck_layer(at, "acteurs")["data"]) == 1
    table = at.dataframe[0].value
    assert table["Raison"].tolist() == ["aucune localisation (coordonnées, code INSEE, code postal ou commune)",
                                        "code INSEE 99999 inconnu"]


def test_territory_chosen_in_the_sidebar():
    at = app()
    at.text_input(key="territory_query").set_value("Périgny").run()
    options = at.radio(key="territory_pick").options
    assert sum(o.startswith("Périgny — commune") for o in options) == 5  # the five homonyms, plus look-alikes
    at.radio(key="territory_pick").set_value(next(o for o in options if "(94)" in o)).run()
    at.switch_page("pages/carte.py").run()
    assert_clean(at)
    assert any("Périgny (commune 94056)" in re.sub(r"\\(.)", r"\1", m.value) for m in at.markdown)
    at.text_input(key="territory_query").set_value("Zzqx").run()
    assert "Aucune commune ni aucun EPCI de ce nom." in [c.value for c in at.caption]


def _all_text(at: AppTest) -> str:
    """Every text the page sends: markdown, captions, metrics, tables, chart and map specs, widget labels."""
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption] + [e.value for e in at.title]
    parts += [e.value for e in at.subheader] + [e.value for e in at.info] + [e.value for e in at.warning]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [df.value.to_csv() for df in at.dataframe]
    parts += [el.proto.json for el in charts_of(at)] + [el.proto.json for el in at.get("deck_gl_json_chart")]
    parts += [str(w.label) for w in at.get("download_button")]
    return "\n".join(parts)


@pytest.mark.parametrize("path", PAGE_PATHS)
def test_workshop_mode_shows_no_personal_data(path, sample_census):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["atelier"] = "1"
    at.run()
    at.switch_page(path).run()
    for toggle in at.toggle:  # open every table the page offers
        if toggle.key != "atelier":
            toggle.set_value(True)
    at.run()
    assert_clean(at)
    assert at.toggle(key="atelier").value is True
    assert len(at.file_uploader) == 0
    assert not [c for c in at.checkbox if c.key == "export_contacts"]
    text = _all_text(at)
    leaks = [v for v in list(sample_census.actors["referent"]) + list(sample_census.actors["contact"]) if v in text]
    assert leaks == []
    assert "150 acteurs" in text


def test_personal_data_export_needs_an_editor_and_the_explicit_option(monkeypatch):
    from nrdash.ui import account, source

    at = app()  # anonymous: the census it received has no Référent/Contact, and no option offers them
    at.switch_page("pages/recensement.py").run()
    assert not [c for c in at.checkbox if c.key == "export_contacts"]
    assert any("réservés aux éditeurs du territoire" in c.value for c in at.caption)
    s = source.store()
    if not s.user_exists(OP, "admin@exemple.fr"):
        s.add_user(OP, "admin@exemple.fr", "motdepasse-long")  # the instance's first account: its administrator
    s.add_user(OP, "ed@exemple.fr", "motdepasse-long", "éditeur", "exemple")
    monkeypatch.setattr(account, "current_account", lambda: account.Account("ed@exemple.fr", "Ed", "local"))
    at = app()
    at.switch_page("pages/recensement.py").run()
    labels = [c.label for c in at.checkbox]
    assert "Inclure référents et contacts (données personnelles)" in labels
    at.checkbox(key="export_contacts").check().run()
    assert any("RGPD" in w.value for w in at.warning)


def test_census_editor_revalidates_live_without_applying():
    at = app()
    at.switch_page("pages/recensement.py").run()
    at.toggle(key="edit_mode").set_value(True).run()
    assert_clean(at)
    assert len(at.data_editor) == 1 and len(at.data_editor[0].value) == 150
    # What the grid would hold after a person typed a wrong level on the 3rd actor:
    frame = at.session_state["edit_base"].copy()
    frame.loc[2, "Niveau d'engagement estimé"] = "beaucoup"
    at.session_state["edit_base"] = frame
    at.session_state["edit_version"] = 1
    at.run()
    report = at.dataframe[-1].value
    assert report.iloc[0]["Ligne"] == 4 and "beaucoup" in report.iloc[0]["Problème et correction"]
    assert any("1 erreur, " in c.value for c in at.caption)
    # Not applied: the dashboard still shows the census as loaded. (The click on « Appliquer », which AppTest
    # cannot make after a grid edit, is tested in the browser: tests/e2e/test_browser.py.)
    assert "dataset" not in at.session_state
    at.switch_page("pages/engagement.py").run()
    assert_clean(at)
    assert any(c.value.startswith("150 acteurs — aucun filtre") for c in at.caption)
    assert not any("ligne en erreur" in c.value for c in at.caption)


def test_clickable_level_legend_filters(sample_census):
    at = app()
    at.switch_page("pages/engagement.py").run()
    assert at.button_group(key="eng_legend").value == []
    at.button_group(key="eng_legend").set_value([3]).run()
    leaders = int((sample_census.actors["level"] == 3).sum())
    assert caption_with(at, "acteurs") == f"{leaders} acteurs sur 150 — filtres : niveau 3"
    assert figures(at)[0]["data"][0]["y"] == [0, 0, 0, leaders]
    assert at.button_group(key="eng_legend").value == [3]  # the legend shows the level filtered
    at.button_group(key="eng_legend").set_value([]).run()  # a second click on it lifts the filter
    assert caption_with(at, "acteurs") == "150 acteurs — aucun filtre"
    at.switch_page("pages/accueil.py").run()
    at.multiselect(key=FILTER_KEYS["levels"]).set_value([1]).run()
    at.switch_page("pages/engagement.py").run()
    assert at.button_group(key="eng_legend").value == [1]  # a level filtered elsewhere is shown too


def test_home_states_the_territory_and_its_legal_context():
    at = app()
    text = displayed(" ".join(m.value for m in at.markdown))
    assert "CA de La Rochelle (EPCI 241700434) : 28 communes, 181\u202f057 habitants" in text
    assert "Stratégie Numérique responsable obligatoire" in text


def test_chart_image_format_follows_the_sidebar_choice():
    at = app()
    at.switch_page("pages/engagement.py").run()
    config = chart_config(at)
    assert config["toImageButtonOptions"]["format"] == "png" and config["locale"] == "fr"
    assert config["modeBarButtons"] == [["toImage"]]  # the toolbar keeps the image button only
    at.toggle(key="image_svg").set_value(True).run()
    assert chart_config(at)["toImageButtonOptions"]["format"] == "svg"
    at.switch_page("pages/accueil.py").run()  # its level bar is a chart too
    assert at.toggle(key="image_svg").value is True and chart_config(at)["toImageButtonOptions"]["format"] == "svg"
    at.switch_page("pages/recensement.py").run()
    assert not [t for t in at.toggle if t.key == "image_svg"]  # only where there are charts
    at.switch_page("pages/matrice.py").run()
    assert at.toggle(key="image_svg").value is True  # the choice survived the page without charts
    assert chart_config(at)["toImageButtonOptions"]["format"] == "svg"


def test_carousel_order_and_toggle_in_workshop_mode():
    from nrdash.ui import CAROUSEL_PAGES, carousel_next

    assert carousel_next("pages/accueil.py") == "pages/engagement.py"
    assert carousel_next(CAROUSEL_PAGES[-1]) == CAROUSEL_PAGES[0]
    assert carousel_next("pages/recensement.py") == CAROUSEL_PAGES[0]
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["atelier"] = "1"
    at.run()
    at.toggle(key="carousel").set_value(True).run()
    assert_clean(at)
    assert at.select_slider(key="carousel_period").value == 20
    plain = app()
    assert not [t for t in plain.toggle if t.key == "carousel"]  # only in workshop mode


def test_engagement_compares_one_view_at_a_time(sample_census):
    at = app()
    at.switch_page("pages/engagement.py").run()
    assert len(figures(at)) == 2 and figures(at)[1]["layout"]["title"]["text"] == "Engagement par famille"
    at.button_group(key="eng_view").set_value("commune").run()
    commune = figures(at)[1]
    assert commune["layout"]["title"]["text"] == "Engagement par commune"
    assert len(commune["data"][0]["y"]) == sample_census.actors["commune"].nunique()
    at.button_group(key="eng_view").set_value("family_type").run()  # replaces the sunburst (issue 13)
    by_type = figures(at)[1]
    assert by_type["layout"]["title"]["text"] == "Types d&#x27;acteurs par famille"
    headings = sample_census.actors["family"].nunique()
    assert len(by_type["data"][0]["y"]) == sample_census.actors["type"].nunique() + headings


def test_every_trace_drawn_is_in_the_plotly_build():
    """The partial plotly.js build (nrdash.plotting) must hold every trace type a page draws: plotly.js silently
    ignores a type it does not know."""
    from nrdash.plotting import BUNDLE_MANIFEST

    built = set(json.loads(BUNDLE_MANIFEST.read_text(encoding="utf-8"))["traces"])
    drawn = set()
    at = app()
    for path in ("pages/engagement.py", "pages/cercles.py", "pages/matrice.py"):
        at.switch_page(path).run()
        drawn |= {t["type"] for f in figures(at) for t in f["data"]}
    for view in ("type", "commune", "source", "family_type"):
        at.switch_page("pages/engagement.py").run()
        at.segmented_control(key="eng_view").set_value(view).run()
        drawn |= {t["type"] for f in figures(at) for t in f["data"]}
    assert drawn == {"bar", "scatter", "heatmap"} and drawn <= built


def test_tables_of_census_text_are_spreadsheet_safe():
    """Streamlit's table toolbar downloads (and a copy takes) what the table holds: never a live formula."""
    from nrdash.export import FORMULA_START

    formulas = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1", "@SUM(A1)"]
    at = app()
    _upload(at, "formules.xlsx", actors_sheet([[f, "PME", 2] for f in formulas] + [["Mystère", "PME", "beaucoup"]]))
    at.switch_page("pages/recensement.py").run()
    at.toggle(key="census_table").set_value(True).run()
    at.toggle(key="edit_mode").set_value(True).run()
    assert_clean(at)
    tables = [t.value for t in at.dataframe]
    assert len(tables) >= 3  # the check report, the actors, the editor (and its report)
    cells = [v for t in tables for col in t for v in t[col]] + [c for t in tables for c in t.columns]
    assert [v for v in cells if isinstance(v, str) and v.startswith(FORMULA_START)] == []
    assert {"'" + f for f in formulas} <= set(cells)
