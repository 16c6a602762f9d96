"""The page in a real browser: the document says French once Streamlit's frontend has run (RGAA 8.3)."""
from tests.e2e.harness import goto


def test_document_language_is_french(server, page):
    for path in ("", "engagement"):
        goto(page, f"{server}/{path}")
        page.wait_for_timeout(500)
        assert page.evaluate("document.documentElement.lang") == "fr", path
        assert page.evaluate("document.documentElement.getAttribute('lang')") == "fr"
