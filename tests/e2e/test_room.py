"""What the room sees in a real browser (issue 13): a refused upload, the workshop layout, the keyboard focus."""
from tests.e2e.test_browser import _upload, main_text, nav_link
from tests.e2e.harness import wait_idle


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
