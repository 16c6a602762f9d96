"""What AppTest cannot see: the real browser, uploads through the file input, downloads, chart clicks."""
import io

import pytest
from openpyxl import load_workbook

from nrdash.ui import PAGES, UNEXPECTED, url_path
from tests.conftest import actors_sheet
from tests.e2e.harness import goto, interactive_map, open_sidebar, wait_idle

URL_PATHS = {path: url_path(path) for path, _, _ in PAGES}


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def nav_link(page, title: str):
    return page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True)


def assert_no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Page not found" not in page.inner_text("body")  # Streamlit's dialog for an unknown page address
    assert UNEXPECTED not in main_text(page)


def assert_icons_drawn(page) -> None:
    """Every Material icon on screen is drawn as one glyph, about as wide as its font size: an icon missing from
    the font nrdash serves (nrdash.web.fonts) would be drawn as its name, or as nothing."""
    page.evaluate("document.fonts.ready")
    sizes = page.evaluate("""() => [...document.querySelectorAll('[data-testid=stIconMaterial]')]
        .filter(e => e.offsetParent !== null)
        .map(e => { const r = document.createRange(); r.selectNodeContents(e);  // the text drawn, not its box
                     return [e.textContent, r.getBoundingClientRect().width / parseFloat(getComputedStyle(e).fontSize)]; })""")
    assert sizes, "no icon on the page"
    assert [name for name, ratio in sizes if not 0.8 <= ratio <= 1.3] == [], sizes


@pytest.mark.parametrize("path", list(URL_PATHS))
def test_page_loads_without_exception_and_screenshots(server, page, artifacts, path):
    slug = URL_PATHS[path]
    outside = []
    # blob: URLs are read from the browser's memory (the chart component's script), never from a network
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((server, f"blob:{server}/")) else None)
    for width, height in ((1920, 1080), (1280, 720)):
        page.set_viewport_size({"width": width, "height": height})
        goto(page, f"{server}/{slug}")
        page.wait_for_timeout(800)
        assert_no_exception(page)
        assert "150 acteurs" in main_text(page)
        # The entrypoint's navigation is there even when the page URL is opened directly.
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Matrice d'actions" in nav and "Accueil" in nav
        assert_icons_drawn(page)
        page.screenshot(path=str(artifacts / f"{slug or 'accueil'}-{width}x{height}.png"))
    assert not page.js_errors
    assert outside == [], "the page works offline: no request leaves the app's server"


def test_charts_draw_in_the_browser(server, page):
    goto(page, f"{server}/engagement")
    page.wait_for_selector(".js-plotly-plot .bars path", state="attached", timeout=30_000)
    bars = page.locator(".js-plotly-plot").first.locator(".bars path")
    assert bars.count() == 4
    width = lambda: float(page.locator(".nr-plot .main-svg").first.get_attribute("width"))  # noqa: E731
    before = width()
    page.locator('[data-testid="stSidebar"]').hover()  # its collapse button shows on hover
    page.locator('[data-testid="stSidebarCollapseButton"] button').first.click()  # the column widens
    page.wait_for_function(f"parseFloat(document.querySelector('.nr-plot .main-svg').getAttribute('width')) > {before + 100}",
                           timeout=10_000)
    assert width() > before + 100


def test_every_chart_type_drawn_by_nrdash_plotly_build(server, page):
    """Bars (multicategory too), heatmaps and scatter drawn by the partial plotly.js build (nrdash.plotting); Streamlit's
    own plotly chunk (all of plotly.js) is never fetched."""
    requested, encodings = [], []
    page.on("request", lambda r: requested.append(r.url))
    page.on("response", lambda r: encodings.append(r.headers.get("content-encoding"))
            if "/nrdash-static/plotly-" in r.url else None)
    drawn = {}
    for slug, selector in (("matrice", ".js-plotly-plot .hm image"), ("cercles", ".js-plotly-plot .scatterlayer .point"),
                           ("engagement", ".js-plotly-plot .bars path")):
        goto(page, f"{server}/{slug}")
        page.wait_for_selector(selector, state="attached", timeout=30_000)
        drawn[slug] = page.locator(selector).count()
    page.get_by_text("Types par famille", exact=True).click()  # replaces the sunburst (issue 13)
    wait_idle(page)
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .bars path').length > 40", timeout=30_000)
    drawn["types"] = page.locator(".js-plotly-plot .bars path").count()
    # matrice: the plan and the categories in two blocks (issue 25: the kit's dimensions, La Rochelle's action types)
    assert drawn["matrice"] == 3 and drawn["cercles"] == 150 and drawn["engagement"] >= 4 and drawn["types"] > 40
    assert [u for u in requested if "/nrdash-static/plotly-" in u]
    assert encodings and set(encodings) <= {"gzip", "br"}  # compressed like Streamlit's own scripts
    assert not [u for u in requested if "PlotlyChart" in u]
    assert not page.js_errors


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
    sidebar.get_by_text("Charger un recensement").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}])
    page.wait_for_timeout(800)
    wait_idle(page)


def test_upload_good_file(server, page):
    _upload(page, server, "recensement.xlsx", actors_sheet([[f"Acteur {i}", "PME", 2] for i in range(7)]))
    page.wait_for_function("document.body.innerText.includes('7 acteurs')", timeout=20_000)
    assert_no_exception(page)
    assert "Recensement chargé (cette session)" in page.locator('[data-testid="stSidebar"]').inner_text()
    assert_icons_drawn(page)  # with the upload popover open: the uploader's own icons


def test_uploaded_census_stays_after_the_popover_closes_and_pages_change(server, page):
    _upload(page, server, "recensement.xlsx", actors_sheet([[f"Acteur {i}", "PME", 2] for i in range(7)]))
    page.wait_for_function("document.body.innerText.includes('7 acteurs')", timeout=20_000)
    page.keyboard.press("Escape")  # the popover closes: the file input leaves the page
    page.wait_for_function("!document.querySelector('[data-testid=stFileUploaderDropzoneInput]')", timeout=10_000)
    for title in ("Engagement", "Carte", "Accueil"):
        nav_link(page, title).click()
        wait_idle(page)
        page.wait_for_function("document.querySelector('[data-testid=stMain]').innerText.includes('7 acteurs')",
                               timeout=20_000)
    assert page.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0
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
    from nrdash import referential as ref

    assert wb.sheetnames[:3] == [ref.INSTRUCTIONS_SHEET, ref.ACTORS_SHEET, ref.ACTIONS_SHEET]
    actors = wb[ref.ACTORS_SHEET]
    # Every column of the template, in order, required ones starred (personal columns included: it is blank).
    assert [c.value for c in actors[1]] == [c.header + (" *" if c.required else "") for c in ref.ACTOR_COLUMNS]
    assert all(v is None for row in actors.iter_rows(min_row=2, values_only=True) for v in row)  # blank
    assert len(actors.data_validations.dataValidation) >= 5  # the kit's drop-down lists


def _map_canvas(page):
    interactive_map(page)
    page.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas', state="attached", timeout=30_000)
    page.wait_for_timeout(1500)
    return page.locator('[data-testid="stDeckGlJsonChart"]').first


def _colour_pixels(png: bytes, rgb: tuple[int, int, int], tol: int = 12) -> int:
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    return int((np.abs(pixels - np.array(rgb)) <= tol).all(axis=2).sum())


def test_map_canvas_draws_without_tiles(server, page, artifacts):
    goto(page, f"{server}/carte")
    chart = _map_canvas(page)
    assert "Sans fond de carte" in main_text(page)
    png = chart.screenshot(path=str(artifacts / "carte-canvas.png"))
    # Points in the four level colours and the territory outline are drawn on the canvas itself.
    assert _colour_pixels(png, (11, 42, 107)) > 20  # level 3 points / outline blue
    assert _colour_pixels(png, (65, 182, 196)) > 20  # level 1 points
    assert not page.js_errors


def test_hostile_actor_name_stays_text_on_the_map(server, page):
    evil = "<img src=x onerror=alert(1)>"
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    data = actors_sheet([[evil, "PME", 3, 46.1591, -1.1520]],
                        header=["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé", "Latitude",
                                "Longitude"])
    _upload(page, server, "hostile.xlsx", data)
    nav_link(page, "Carte").click()
    wait_idle(page)
    chart = _map_canvas(page)
    box = chart.locator("canvas").first.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx - 30, cy - 30)
    page.mouse.move(cx, cy, steps=5)
    tooltip = page.locator(".deck-tooltip")
    tooltip.wait_for(state="visible", timeout=10_000)
    assert evil in tooltip.inner_text()
    assert tooltip.locator("img").count() == 0
    # A click selects the actor and shows its card, where the name is text too.
    page.mouse.click(cx, cy)
    wait_idle(page)
    page.wait_for_function("document.querySelector('[data-testid=stMain]').innerText.includes('placé par')",
                           timeout=15_000)
    assert evil in main_text(page)
    assert page.locator('[data-testid="stMain"] img[src="x"]').count() == 0
    assert dialogs == []


@pytest.mark.parametrize("path", ["pages/accueil.py", "pages/engagement.py", "pages/carte.py", "pages/recensement.py"])
def test_workshop_mode_in_the_browser(server, page, artifacts, path, sample_census):
    slug = URL_PATHS[path]
    personal = list(sample_census.actors["referent"]) + list(sample_census.actors["contact"])
    for width, height in ((1920, 1080), (1280, 720)):
        page.set_viewport_size({"width": width, "height": height})
        goto(page, f"{server}/{slug}?atelier=1")
        page.wait_for_timeout(800)
        text = page.locator("body").inner_text()
        assert "Mode atelier" in text and "150 acteurs" in text
        assert [p for p in personal if p in text] == []
        assert page.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0
        page.screenshot(path=str(artifacts / f"atelier-{slug or 'accueil'}-{width}x{height}.png"))


def test_chart_downloads_as_svg_with_the_filters(server, page, tmp_path):
    goto(page, f"{server}/engagement")
    page.locator('[data-testid="stSidebar"]').get_by_text("Images des graphiques en SVG").click()
    wait_idle(page)
    chart = page.locator(".js-plotly-plot").first
    chart.hover()
    with page.expect_download() as info:
        # The toolbar speaks French (plotly's fr locale, nrdash.plotting) and keeps the image button only.
        assert chart.locator(".modebar-btn").count() == 1
        chart.locator('.modebar-btn[data-title="Télécharger le graphique"]').click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    svg = path.read_text(encoding="utf-8")
    assert path.suffix == ".svg" and svg.startswith("<svg") and "150 acteurs — aucun filtre" in svg


def test_editing_the_census_in_the_grid(server, page):
    """Type in the grid: the report updates live, 'Appliquer' feeds the dashboard, 'Annuler' restores."""
    goto(page, f"{server}/recensement")
    page.get_by_text("Modifier le recensement").click()
    wait_idle(page)
    grid = page.locator('[data-testid="stDataFrame"]').last
    grid.locator("canvas").first.wait_for(state="visible", timeout=20_000)
    for attempt in range(3):  # the grid's canvas may take clicks before it is ready on a cold server: try again
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 150, box["y"] + 36 + 18)  # first actor's name
        page.keyboard.type("   ", delay=30)  # a blank name: an error the loader reports
        page.keyboard.press("Enter")
        try:
            page.wait_for_function("document.body.innerText.includes('1 erreur, ')", timeout=10_000)
            break
        except Exception:
            if attempt == 2:
                raise
            wait_idle(page)
    page.get_by_role("button", name="Appliquer au tableau de bord").click()
    # The sidebar is drawn before the page (the script streams): wait for the page's own sentence.
    page.wait_for_function("""document.querySelector('[data-testid=stMain]').innerText
                              .includes('149 acteurs — aucun filtre (hors 1 ligne en erreur)')""", timeout=20_000)
    wait_idle(page)
    assert "1 ligne en erreur" in page.locator('[data-testid="stSidebar"]').inner_text()  # the error row set aside
    page.get_by_role("button", name="Annuler la dernière modification").click()
    wait_idle(page)
    page.wait_for_function("!document.body.innerText.includes('1 ligne en erreur')", timeout=20_000)
    page.wait_for_function("document.querySelector('[data-testid=stMain]').innerText.includes('0 erreur, ')",
                           timeout=20_000)
    assert "150 acteurs — aucun filtre" in main_text(page)


def test_workshop_slideshow_moves_to_the_next_page(server, page):
    goto(page, f"{server}/?atelier=1")
    open_sidebar(page)  # mode atelier opens with the sidebar folded
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Diaporama (pages successives)").click()
    wait_idle(page)
    page.wait_for_url("**/engagement**", timeout=40_000)  # 20 seconds per page by default
    page.wait_for_function("document.body.innerText.includes('Engagement des acteurs')", timeout=20_000)
    # Still in workshop mode on the next page: the address keeps it and no personal column is offered.
    assert "atelier=1" in page.url
    assert page.get_by_role("switch", name="Mode atelier").is_checked()


def test_static_files_are_served_compressed(server):
    """nrdash/web/server.py compresses Streamlit's scripts: gzip at once, Brotli once made in the background; the bytes
    are the served file's once decompressed (translated into French where it holds English words), and a client
    without either gets that file as is."""
    import gzip
    import hashlib
    import re
    import time
    import urllib.request
    from pathlib import Path

    import brotli
    import streamlit

    from nrdash.web import frontend

    html = urllib.request.urlopen(server).read().decode()
    script = re.search(r'src="\./(static/js/index\.[^"]+\.js)"', html).group(1)

    # what nrdash serves: Streamlit's script, in French when it holds English words (nrdash.web.frontend, issue 29)
    original = frontend.translated_scripts()[0].get(Path(script).name) or \
        (Path(streamlit.__file__).parent / "static" / script).read_bytes()

    def fetch(accept: str) -> tuple[str | None, bytes]:
        req = urllib.request.Request(f"{server}/{script}", headers={"Accept-Encoding": accept})
        with urllib.request.urlopen(req) as r:
            return r.headers.get("Content-Encoding"), r.read()

    def digest(data: bytes) -> str:  # compared by digest: a failure's message stays short (a diff of 4 MB takes hours)
        return hashlib.sha256(data).hexdigest()

    encoding, body = fetch("gzip")
    assert encoding == "gzip" and digest(gzip.decompress(body)) == digest(original) and len(body) < len(original) / 2
    deadline = time.monotonic() + 60
    while (answer := fetch("gzip, deflate, br"))[0] != "br" and time.monotonic() < deadline:
        time.sleep(0.5)
    encoding, body = answer
    assert encoding == "br" and digest(brotli.decompress(body)) == digest(original)
    assert len(body) < len(gzip.compress(original, 9))
    encoding, body = fetch("identity")
    assert encoding is None and digest(body) == digest(original)


def test_territory_chosen_through_its_popover(server, page):
    goto(page, server)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Choisir le territoire").click()
    page.get_by_label("Chercher une commune ou un EPCI").fill("Périgny")
    page.keyboard.press("Enter")
    page.get_by_role("radio", name="Périgny — commune 94056 (94)").check(force=True)
    page.wait_for_function("document.querySelector('[data-testid=stSidebar]').innerText"
                           ".includes('Territoire : Périgny (commune 94056)')", timeout=20_000)
    wait_idle(page)
    assert "Périgny (commune 94056) : 1 commune, 2" in main_text(page)
    assert_no_exception(page)
