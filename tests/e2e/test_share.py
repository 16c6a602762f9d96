"""Shareable views and finding an actor, in the browser: a copied address reproduces the view in another browser,
a reload keeps it, a malformed address is noted; the search opens an actor's card."""
import re

from playwright.sync_api import expect

from tests.e2e.harness import goto, wait_idle
from tests.e2e.test_browser import assert_no_exception, main_text


def _caption(page) -> str:
    """The filter sentence (ui.filter_caption) as shown."""
    return next(line for line in main_text(page).splitlines() if re.match(r"^\d+ acteurs? (sur \d+ )?— ", line))


def _key_figures(page, count: int = 7) -> list[str]:
    """The key figures once all of them are drawn: the filter sentence shows before them (Streamlit draws a page in
    pieces), so reading them the instant it shows can find none (a clean-clone run did, 07/12/2026)."""
    expect(page.locator(".nr-kpi")).to_have_count(count, timeout=15_000)
    return page.locator(".nr-kpi").all_inner_texts()


def test_a_copied_address_reproduces_the_view(server, page, browser):
    goto(page, f"{server}/engagement")
    for pill in ("2 — Acteur du NR", "3 — Leader du NR"):
        page.get_by_role("button", name=pill).click()
        wait_idle(page)
    page.wait_for_function("document.body.innerText.includes('filtres : niveau ≥ 2')", timeout=15_000)
    page.get_by_role("link", name="Accueil", exact=True).click()  # a page change keeps the filters in the address
    wait_idle(page)
    page.wait_for_function("location.search.includes('niveau=2') && location.search.includes('niveau=3')",
                           timeout=15_000)
    url, caption, figures = page.url, _caption(page), _key_figures(page)
    assert caption.endswith("— filtres : niveau ≥ 2") and not caption.startswith("150 ")
    other = browser.new_context(viewport={"width": 1600, "height": 1200}, locale="fr-FR")
    try:
        fresh = other.new_page()
        goto(fresh, url)
        fresh.wait_for_function("document.body.innerText.includes('filtres : niveau ≥ 2')", timeout=15_000)
        assert_no_exception(fresh)
        assert _caption(fresh) == caption and _key_figures(fresh) == figures
        fresh.reload(wait_until="domcontentloaded")
        fresh.wait_for_selector('[data-testid="stApp"]')
        wait_idle(fresh)
        fresh.wait_for_function("document.body.innerText.includes('filtres : niveau ≥ 2')", timeout=15_000)
        assert _caption(fresh) == caption and _key_figures(fresh) == figures
    finally:
        other.close()


def test_a_malformed_address_is_noted(server, page):
    goto(page, f"{server}/?niveau=deux&famille=Entreprises&couleur=bleu")
    page.wait_for_function("document.body.innerText.includes('Lien partagé')", timeout=15_000)
    assert_no_exception(page)
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert "« niveau » : « deux » ignoré, ce n'est pas un nombre" in sidebar
    assert "« couleur » ignoré : inconnu" in sidebar
    assert _caption(page).endswith("— filtres : Entreprises")
    assert not page.js_errors


def test_search_opens_the_card(server, page, artifacts):
    goto(page, f"{server}/recensement")
    box = page.get_by_role("textbox", name="Rechercher un acteur")
    box.fill("COMMUNE de la rochelle")
    box.press("Enter")
    wait_idle(page)
    page.wait_for_selector(".nr-card h4", timeout=15_000)
    card = page.locator(".nr-card").inner_text()
    assert card.startswith("Commune de La Rochelle") and "Ligne du classeur" in card
    assert "Dominique Guérin" not in card and "@" not in card
    page.locator(".nr-card").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "share-search-card.png"))
    assert_no_exception(page)
