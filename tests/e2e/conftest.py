import os

import pytest

from tests.e2e.harness import ARTIFACTS, CHROMIUM_ARGS, chromium_path, streamlit_server


def _require_browser():
    missing = []
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("PyPI playwright")
    if chromium_path() is None:
        missing.append("Debian chromium")
    if missing:
        message = "browser tests need " + " and ".join(missing) + " (bash scripts/test.sh installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)  # never a silent skip in CI
        pytest.skip(message)


@pytest.fixture(scope="session")
def server():
    _require_browser()
    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1200}, accept_downloads=True, locale="fr-FR")
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.js_errors = errors
    yield pg
    context.close()


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
