"""A fresh server opened straight on a page URL (a bookmark, the projector laptop's start page)."""
from tests.e2e.harness import goto, streamlit_server


def test_fresh_server_opened_on_a_page_url_runs_it_through_the_app(browser):
    """With a folder named pages/ beside app.py, Streamlit first runs a requested page alone, with a navigation of
    its own made from the file names; nrdash must show its own navigation, sidebar and page instead."""
    with streamlit_server() as url:  # a server of its own: no run has called st.navigation yet
        context = browser.new_context(viewport={"width": 1600, "height": 1200}, locale="fr-FR")
        try:
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            goto(page, f"{url}/engagement?atelier=1")
            page.wait_for_function("document.body.innerText.includes('Engagement des acteurs')", timeout=30_000)
            nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
            # nrdash's page titles (st.Page), not Streamlit's names made from file names ("app", "matrice")
            assert "Matrice d'actions" in nav and "Accueil" in nav
            assert "app" not in nav.split() and "matrice" not in nav
            assert page.url.endswith("/engagement?atelier=1")
            sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
            assert "Filtres" in sidebar and "Mode atelier" in sidebar
            assert errors == []
        finally:
            context.close()
