"""What the room sees in a real browser (issue 13): a refused upload, the workshop layout, the keyboard focus."""
import pytest

from tests.e2e.harness import goto, open_sidebar, wait_idle
from tests.e2e.test_browser import _upload, main_text, nav_link


def test_a_refused_upload_is_said_in_the_main_area_not_only_in_the_sidebar(server, page):
    _upload(page, server, "recensement.xlsx", "Ville;Date\nNiort;2024\n".encode())
    page.keyboard.press("Escape")
    page.wait_for_function("document.querySelector('[data-testid=stMain]').innerText.includes('Fichier refusé')",
                           timeout=20_000)
    for title in ("Accueil", "Recensement"):
        nav_link(page, title).click()
        wait_idle(page)
        page.wait_for_function(
            "document.querySelector('[data-testid=stMain]').innerText.includes('Fichier refusé')", timeout=20_000)
        text = main_text(page)
        assert "« recensement.xlsx »" in text and "feuilles lues : CSV" not in text
        assert "Recensement d'exemple (fictif)" in text and "150 acteurs" in text
        banner = page.locator(".st-key-refused_upload")
        assert banner.is_visible() and banner.bounding_box()["y"] < page.viewport_size["height"]  # above the fold
    page.locator(".st-key-refused_upload").get_by_role("link", name="Télécharger le modèle vierge (page Recensement)"
                                                       ).click()
    wait_idle(page)
    page.get_by_role("button", name="Télécharger le modèle vierge (.xlsx)").wait_for(timeout=20_000)


MAIN_FIGURE_PAGES = ["", "engagement", "cercles", "matrice"]  # url paths (Accueil is "")


def _luminance(rgb: str) -> float:
    r, g, b = (int(v) / 255 for v in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3])
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["1280x720", "1920x1080"])
def test_workshop_main_figure_is_whole_on_screen_with_the_sidebar_folded(server, browser, size):
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    try:
        for path in MAIN_FIGURE_PAGES:
            goto(page, f"{server}/{path}?atelier=1")
            plot = page.locator("div.nr-plot").first
            plot.locator(".main-svg").first.wait_for(timeout=30_000)
            page.wait_for_timeout(2000)  # the figure refits once what stands above it has drawn
            sidebar = page.locator('[data-testid="stSidebar"]').bounding_box()
            assert sidebar is None or sidebar["x"] + sidebar["width"] <= 1, (path, "sidebar open", sidebar)
            box = plot.bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= height, (path, size, box)
            assert box["height"] >= 300, (path, size, box)  # and it uses the room it has
            assert page.evaluate("window.scrollY") == 0
            legend_right = page.evaluate("""(plot) => Math.max(0, ...[...plot.querySelectorAll('.legendtext')]
                .map(e => e.getBoundingClientRect().right))""", plot.element_handle())
            assert legend_right <= box["x"] + box["width"], (path, "legend entry cut")
            sizes = page.evaluate("""(plot) => [...plot.querySelectorAll('.gtitle-subtitle')]
                .map(e => parseFloat(getComputedStyle(e).fontSize))""", plot.element_handle())
            assert sizes and min(sizes) >= 14, (path, sizes)  # the filter line inside the chart
        # Carte: its main figure is the map and its legend beside it (Streamlit draws the map, not plotly).
        goto(page, f"{server}/carte?atelier=1")
        page.locator(".st-key-actor_map canvas").first.wait_for(timeout=30_000)
        page.wait_for_timeout(3000)  # the map refits once what stands above it has drawn
        sidebar = page.locator('[data-testid="stSidebar"]').bounding_box()
        assert sidebar is None or sidebar["x"] + sidebar["width"] <= 1, ("carte", "sidebar open", sidebar)
        assert not page.get_by_text("Couleur des points").is_visible()  # the map's settings are folded away
        for key in ("actor_map", "map_legend"):
            box = page.locator(f".st-key-{key}").bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= height, (key, size, box)
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (key, size, box)
        canvas = page.locator(".st-key-actor_map canvas").first.bounding_box()
        assert canvas["y"] + canvas["height"] <= height and canvas["height"] >= 300, (size, canvas)
        assert canvas["height"] >= height - canvas["y"] - 60, (size, canvas)  # and it uses the room it has
        assert page.evaluate("window.scrollY") == 0
        legend_right = page.evaluate("""() => Math.max(...[...document.querySelectorAll('.st-key-map_legend li')]
            .map(e => e.getBoundingClientRect().right))""")
        assert legend_right <= width, ("carte", "legend entry cut", legend_right)
    finally:
        context.close()


def test_a_focused_button_shows_a_visible_outline(server, page):
    goto(page, server + "/recensement")
    page.locator("h1").first.click()  # then the keyboard: :focus-visible applies to keyboard focus, not to a click
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "BUTTON":
            break
    style = page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
        return {tag: e.tagName, style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor}; }""")
    assert style["style"] not in ("none", "") and style["width"] >= 2, style
    white = 1.0
    ratio = (white + 0.05) / (_luminance(style["color"]) + 0.05)
    assert ratio >= 3, style


def test_high_contrast_theme_turns_the_texts_black_in_the_browser(server, browser):
    """« Contraste élevé » must reach the browser's computed styles, not only the page's source: every stylesheet
    rule parsed (several <style> elements in one markdown once lost the first rule of the next sheet)."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="fr-FR")
    page = context.new_page()
    try:
        goto(page, f"{server}/engagement?atelier=1")
        open_sidebar(page)
        page.get_by_text("Contraste élevé").click()
        wait_idle(page)
        colours = page.evaluate("""() => ['h1', '[data-testid=stCaptionContainer] p', '[data-testid=stSidebar] label']
            .map(s => [s, getComputedStyle(document.querySelector(s)).color])""")
        assert all(colour == "rgb(0, 0, 0)" for _, colour in colours), colours
        assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "21px"  # workshop.css too
        assert page.evaluate("getComputedStyle(document.querySelector('.nr-kpis, [data-testid=stMain]')).color") \
            == "rgb(0, 0, 0)"
    finally:
        context.close()


def test_chart_legends_are_whole_and_on_one_row_at_1280_in_normal_mode(server, browser):
    """Outside mode atelier too, a level legend is one row of whole entries at 1280 px (a half-width fraction per
    entry spread four levels over two rows, far apart at 1920 px)."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="fr-FR")
    page = context.new_page()
    try:
        for path in ("", "cercles"):
            goto(page, f"{server}/{path}")
            plot = page.locator("div.nr-plot").first
            plot.locator(".legendtext").first.wait_for(timeout=30_000)
            boxes = page.evaluate("""(plot) => [...plot.querySelectorAll('.legendtext')].map(e => {
                const b = e.getBoundingClientRect(); return [b.top, b.right]; })""", plot.element_handle())
            right = plot.bounding_box()["x"] + plot.bounding_box()["width"]
            assert len(boxes) == 4 and all(r <= right for _, r in boxes), (path, boxes, right)
            assert max(t for t, _ in boxes) - min(t for t, _ in boxes) < 5, (path, "legend on several rows", boxes)
    finally:
        context.close()
