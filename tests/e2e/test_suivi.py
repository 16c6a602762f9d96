"""The Suivi page in a real browser (issue 15), normal and mode atelier: a territory with two published versions
and an objective; the comparison's words, the transitions matrix drawn by nrdash's plotly.js build, the objective's
figure and sentence; in mode atelier nothing to upload or edit."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from nrdash import compare as cp
from nrdash import suivi as sv
from nrdash.store import Store
from tests.conftest import SAMPLE
from tests.e2e.harness import goto, streamlit_server
from tests.e2e.test_browser import assert_no_exception, main_text
from tests.principals import OP

EPCI = "241700434"


def second_version() -> bytes:
    """The sample a year later: five actors moved to level 2, one gone."""
    wb = openpyxl.load_workbook(SAMPLE)
    ws = wb["Acteurs"]
    for r in range(2, 7):
        ws.cell(r, 14).value = "2 - Acteur du NR"
    ws.delete_rows(7)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def suivi_server(tmp_path_factory):
    data = tmp_path_factory.mktemp("suivi-e2e")
    s = Store(f"sqlite:///{data / 'nrdash.db'}", seed_sample=False)
    s.publish(OP, EPCI, SAMPLE.read_bytes(), "v1.xlsx")
    s.publish(OP, EPCI, second_version(), "v2.xlsx")
    # A new territory opens closed (issue 25): opened, as its administrator would, for the visitors of these tests.
    s.set_territory(OP, EPCI, anonymous_read=True)
    v1, v2 = (s.open_version(OP, EPCI, n).census for n in (1, 2))
    engaged = cp.indicator_value("engaged_actors", v1.actors, v1.actions)
    start = s.versions(OP, EPCI)[0].created_at.astimezone().date()
    s.add_objective(OP, EPCI, cp.Objective("engaged_actors", engaged + 40, start + dt.timedelta(days=730), start,
                                           engaged,
                                       note="Stratégie <i>NR</i>"), 1)
    cmp = cp.compare(v1, v2)
    expected = (cp.summary_sentence(cmp), sv.transitions_summary(cp.level_transitions(cmp)))
    s.close()
    with streamlit_server(env={"NRDASH_DATA_DIR": str(data)}) as url:
        yield url, expected


@pytest.mark.parametrize("mode", ["normal", "atelier"])
def test_suivi_page_in_the_browser(suivi_server, page, artifacts, mode):
    url, expected = suivi_server
    goto(page, f"{url}/suivi?territoire={EPCI}" + ("&atelier=1" if mode == "atelier" else ""))
    page.wait_for_selector(".nr-plot .main-svg", timeout=30_000)
    page.wait_for_timeout(800)
    assert_no_exception(page)
    text = main_text(page)
    summary, transitions = expected
    assert summary.split(" : ", 1)[1] in text  # the counts (the page labels the versions by number and date)
    assert "est passé de" in transitions and transitions in text
    assert "Acteurs de niveau ≥ 2 :" in text and "pour une cible de" in text
    assert "Note : Stratégie <i>NR</i>" in text  # the note as text, never as HTML
    # the transitions matrix and the objective's figure, drawn by the partial plotly.js build
    assert page.locator(".nr-plot .heatmaplayer").count() >= 1
    assert page.locator(".nr-plot .main-svg").count() >= 2
    uploads = page.locator('[data-testid="stFileUploader"]').count()
    if mode == "atelier":
        assert "Deux fichiers chargés" not in text and uploads == 0
        assert page.get_by_role("button", name="Apparier ces deux acteurs").count() == 0
    else:
        assert "Deux fichiers chargés" in text
    page.screenshot(path=str(artifacts / f"suivi-{mode}.png"))
    page.locator(".nr-plot").nth(1).scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / f"suivi-{mode}-objectif.png"))
    assert not page.js_errors
