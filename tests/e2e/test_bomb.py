"""Issue 11 in a real browser: a crafted workbook uploaded in one session is refused with a French message, and the
server keeps serving every other session (before, one 5 KB file aborted the whole Streamlit process)."""
from __future__ import annotations

import resource

import pytest

from tests.bombs import sparse_xlsx
from tests.e2e.harness import goto, streamlit_server, wait_idle

SERVER_MEMORY_CAP = 8 << 30  # the server's address space: a regression fails the test, not the machine


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (SERVER_MEMORY_CAP, SERVER_MEMORY_CAP))


@pytest.fixture(scope="module")
def capped_server(browser):
    with streamlit_server(preexec_fn=_cap_memory) as url:
        yield url


def test_bomb_refused_in_one_session_while_another_renders_engagement(capped_server, browser):
    server = capped_server
    first = browser.new_context(viewport={"width": 1600, "height": 1200}, locale="fr-FR")
    second = browser.new_context(viewport={"width": 1600, "height": 1200}, locale="fr-FR")
    try:
        page = first.new_page()
        goto(page, server)
        page.locator('[data-testid="stSidebar"]').get_by_text("Charger un recensement").click()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            files=[{"name": "recensement.xlsx", "mimeType": "application/octet-stream",
                    "buffer": sparse_xlsx(200_000, 16_384)}])
        page.wait_for_function("document.body.innerText.includes(\"n'a pas pu être lu\")", timeout=30_000)
        body = page.inner_text("body")
        assert "« recensement.xlsx » n'a pas pu être lu" in body
        assert "La feuille « Acteurs » s'étend jusqu'à la ligne 200\u202f000" in body and "cellule XFD200000" in body
        assert "Supprimez les lignes au-delà" in body
        assert page.locator('[data-testid="stException"]').count() == 0

        other = second.new_page()
        goto(other, f"{server}/engagement")
        other.wait_for_function("document.body.innerText.includes('Engagement des acteurs')", timeout=30_000)
        other.wait_for_selector(".js-plotly-plot .bars path", state="attached", timeout=30_000)
        main = other.locator('[data-testid="stMain"]').inner_text()
        assert "150 acteurs" in main
        assert "Connection error" not in other.inner_text("body")

        page.keyboard.press("Escape")
        wait_idle(page)
        assert "150 acteurs" in page.locator('[data-testid="stMain"]').inner_text()  # the first session goes on too
    finally:
        first.close()
        second.close()
