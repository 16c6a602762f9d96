"""What the room sees (issue 13): a refused upload is stated in the main area of every page."""
import pytest
from streamlit.testing.v1 import AppTest

from nrdash.ui import PAGES
from tests.conftest import ROOT
from tests.mdtext import displayed

APP = str(ROOT / "app.py")
TEXT_AS_XLSX = "Ville;Date\nNiort;2024\n".encode()


def _refused(at: AppTest) -> str:
    return "\n".join(displayed(e.value) for e in at.main.error)


@pytest.mark.parametrize("path", [p for p, _, _ in PAGES])
def test_a_refused_upload_is_stated_in_the_main_area_of_every_page(path):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.file_uploader[0].upload("recensement.xlsx", TEXT_AS_XLSX).run()
    at.switch_page(path).run()
    assert not at.exception
    main = _refused(at)
    assert "Fichier refusé" in main and "« recensement.xlsx »" in main
    assert "feuilles lues : CSV" not in main
    assert "porte l'extension .xlsx mais n'est pas un classeur" in main  # why, with what was really read
    assert "Recensement d'exemple (fictif)" in main and "150 acteurs" in main  # which census is shown instead
    assert "python -m" not in main
    links = [p for p in at.get("page_link") if "modèle vierge" in p.proto.label]
    assert links and links[0].proto.page.endswith("recensement")
    for ok in at.success:  # a green light names what it is about: the sample, not the refused file
        assert "recensement-exemple.xlsx" in displayed(ok.value) and "recensement.xlsx »" not in displayed(ok.value)


def test_a_good_upload_after_a_refused_one_lifts_the_banner():
    from tests.conftest import actors_sheet

    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.file_uploader[0].upload("r.xlsx", TEXT_AS_XLSX).run()
    assert "Fichier refusé" in _refused(at)
    at.file_uploader[0].upload("r.xlsx", actors_sheet([[f"A{i}", "PME", 1] for i in range(4)])).run()
    assert "Fichier refusé" not in _refused(at)


def test_workshop_high_contrast_theme_reaches_the_page_and_the_charts():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["atelier"] = "1"
    at.run()
    at.switch_page("pages/engagement.py").run()
    assert "Contraste élevé" in at.toggle(key="atelier").help  # stated in the workshop help
    assert "color: #000000 !important" not in "".join(m.value for m in at.markdown if "<style>" in m.value)
    at.toggle(key="contraste").set_value(True).run()
    assert not at.exception
    styles = "".join(m.value for m in at.markdown if "<style>" in m.value)
    assert "color: #000000 !important" in styles  # assets/css/contrast.css
    import json

    from nrdash.plotting import payload_figure
    from nrdash.ui.chart_component import COMPONENT_NAME
    charts = [el for el in at.get("bidi_component") if el.proto.component_name == COMPONENT_NAME]
    layout = payload_figure(charts[0].proto.json)["layout"]
    assert layout["font"]["color"] == "#000000" and layout["xaxis"]["linewidth"] == 2
    assert layout["title"]["subtitle"]["font"]["size"] >= 14
    assert json.loads(charts[0].proto.json)["fit"]["min"] >= 300  # the main figure takes the screen's height


def test_levels_are_spelled_as_level_label_in_the_texts_users_read():
    from nrdash import referential as ref
    from nrdash.template import build_workbook

    spelled = ", ".join(ref.level_label(n) for n in ref.LEVELS)  # "0 — Non impliqué, 1 — Sensibilisé au NR, …"
    level_column = next(c for c in ref.ACTOR_COLUMNS if c.field == "level")
    assert level_column.help == spelled + "."
    guide = "\n".join(str(c.value) for row in build_workbook()[ref.INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value)
    assert spelled in guide


def test_high_contrast_draws_no_grid_line_through_the_columns_counts():
    from nrdash import charts
    import pandas as pd

    from nrdash.ui.elements import workshop_figure

    actors = pd.DataFrame({"level": [0, 1, 2, 2, 3]})
    fig = charts.level_distribution(actors)
    workshop_figure(fig, contrast=True)
    assert fig.layout.xaxis.showgrid is False and fig.layout.yaxis.gridcolor == "#595959"
