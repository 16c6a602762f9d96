"""What AppTest cannot see: the real browser, uploads through the file input, downloads, chart clicks."""
import io

import pytest
from openpyxl import load_workbook

from nrdash.ui import PAGES, UNEXPECTED
from tests.conftest import SAMPLE, actors_sheet
from tests.e2e.harness import goto, wait_idle

URL_PATHS = {path: path.split("/")[-1].removesuffix(".py") for path, _, _ in PAGES}


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def nav_link(page, title: str):
    return page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True)


def assert_no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert UNEXPECTED not in main_text(page)


@pytest.mark.parametrize("path", list(URL_PATHS))
def test_page_loads_without_exception_and_screenshots(server, page, artifacts, path):
    slug = URL_PATHS[path]
    for width, height in ((1920, 1080), (1280, 720)):
        page.set_viewport_size({"width": width, "height": height})
        goto(page, f"{server}/{slug}")
        page.wait_for_timeout(800)
        assert_no_exception(page)
        assert "150 acteurs" in main_text(page)
        # The entrypoint's navigation is there even when the page URL is opened directly.
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Matrice d'actions" in nav and "Accueil" in nav
        page.screenshot(path=str(artifacts / f"{slug}-{width}x{height}.png"))
    assert not page.js_errors


def test_charts_draw_in_the_browser(server, page):
    goto(page, f"{server}/engagement")
    page.wait_for_selector(".js-plotly-plot .bars path", state="attached", timeout=30_000)
    bars = page.locator(".js-plotly-plot").first.locator(".bars path")
    assert bars.count() == 4


def test_clicking_a_bar_filters_the_dashboard(server, page):
    goto(page, f"{server}/engagement")
    page.wait_for_selector(".js-plotly-plot .bars path", state="attached", timeout=30_000)
    leader_bar = page.locator(".js-plotly-plot").first.locator(".bars path").nth(3)
    leader_bar.click(force=True)
    page.wait_for_timeout(500)
    wait_idle(page)
    page.wait_for_function("document.body.innerText.includes('filtres : niveau 3')", timeout=15_000)
    assert "13 acteurs sur 150 — filtres : niveau 3" in main_text(page)
    nav_link(page, "Accueil").click()
    wait_idle(page)
    assert "13 acteurs sur 150 — filtres : niveau 3" in main_text(page)


def _upload(page, server, name: str, data: bytes) -> None:
    goto(page, server)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Source des données").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}])
    page.wait_for_timeout(800)
    wait_idle(page)


def test_upload_good_file(server, page):
    _upload(page, server, "recensement.xlsx", actors_sheet([[f"Acteur {i}", "PME", 2] for i in range(7)]))
    page.wait_for_function("document.body.innerText.includes('7 acteurs')", timeout=20_000)
    assert_no_exception(page)
    assert "Recensement chargé (cette session)" in page.locator('[data-testid="stSidebar"]').inner_text()


def test_upload_file_with_errors(server, page):
    _upload(page, server, "erreurs.xlsx", actors_sheet([["A", "PME", 1], ["B", "PME", "énorme"]]))
    page.wait_for_function("document.body.innerText.includes('1 ligne en erreur')", timeout=20_000)
    nav_link(page, "Recensement").click()
    wait_idle(page)
    page.wait_for_function("document.body.innerText.includes('Rapport de vérification')", timeout=20_000)
    assert_no_exception(page)


def test_upload_not_a_spreadsheet(server, page):
    _upload(page, server, "photo.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(200))
    page.wait_for_function("document.body.innerText.includes(\"n'a pas pu être lu\")", timeout=20_000)
    assert "150 acteurs" in main_text(page)  # the sample stays
    assert_no_exception(page)


def test_template_download_opens(server, page, tmp_path):
    goto(page, f"{server}/recensement")
    with page.expect_download() as info:
        page.get_by_role("button", name="Télécharger le modèle vierge (.xlsx)").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    wb = load_workbook(path)
    assert "Acteurs" in wb.sheetnames and wb["Acteurs"]["A1"].value.startswith("Nom de l'acteur")
    assert SAMPLE.exists()
