"""A closed session's census is not kept (issue 23 §3): in the real server (tests/e2e/memory_server.py, nrdash's app
plus a route listing the censuses alive in the server process), a tab uploads a census then closes; once Streamlit's
reconnection window (``server.disconnectedSessionTTL``, 2 s here) has passed, no reference to that census remains,
without any other visitor connecting. A tab still open keeps its own."""
from __future__ import annotations

import json
import time
import urllib.request

import pytest

from tests.conftest import ROOT, actors_sheet
from tests.e2e.conftest import _require_browser
from tests.e2e.harness import goto, streamlit_server, wait_idle


@pytest.fixture(scope="module")
def memory_server(tmp_path_factory):
    _require_browser()
    env = {"NRDASH_DATA_DIR": str(tmp_path_factory.mktemp("session-memory")),
           "STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": "2"}
    with streamlit_server(env=env, script=ROOT / "tests" / "e2e" / "memory_server.py") as url:
        yield url


def alive(url: str) -> list[str]:
    with urllib.request.urlopen(url + "/_test/recensements", timeout=60) as r:
        return json.loads(r.read())


def _upload(browser, url: str, name: str, actors: int):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    goto(page, url)
    page.get_by_test_id("stSidebar").get_by_text("Charger un recensement").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(files=[{
        "name": name, "mimeType": "application/octet-stream",
        "buffer": actors_sheet([[f"{name} {i}", "PME", i % 4] for i in range(actors)])}])
    page.wait_for_function(f"document.querySelector('[data-testid=stSidebar]').innerText.includes('« {name} »')",
                           timeout=60_000)
    wait_idle(page)
    return context


def test_the_server_runs_under_the_system_allocator_however_started(tmp_path):
    """Started without PYTHONMALLOC (as ``streamlit run nrdash/web/server.py`` by hand or by a service would be), the
    server starts itself again under PYTHONMALLOC=malloc (nrdash.allocator: what closed sessions freed goes back to
    the system), same process, and answers; an operator's own value is kept."""
    for given, expected in (("", b"PYTHONMALLOC=malloc"), ("pymalloc", b"PYTHONMALLOC=pymalloc")):
        with streamlit_server(env={"NRDASH_DATA_DIR": str(tmp_path / (given or "unset")),
                                   "PYTHONMALLOC": given}) as url:
            with open(f"/proc/{url.pid}/environ", "rb") as f:
                environ = f.read().split(b"\0")
            assert expected in environ, [v for v in environ if v.startswith(b"PYTHONMALLOC")]
            with urllib.request.urlopen(url + "/_stcore/health", timeout=30) as r:
                assert r.read() == b"ok"


def test_a_closed_sessions_census_is_freed_while_an_open_one_is_kept(memory_server, browser):
    closing = _upload(browser, memory_server, "ferme.xlsx", 500)
    staying = _upload(browser, memory_server, "reste.xlsx", 300)
    assert {"ferme.xlsx", "reste.xlsx"} <= set(alive(memory_server))
    closing.close()  # the tab is closed: its websocket ends
    deadline = time.monotonic() + 90  # a bound for the assertion's message, not a measure: it ends as soon as freed
    while "ferme.xlsx" in (names := alive(memory_server)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert "ferme.xlsx" not in names, names
    assert "reste.xlsx" in names  # an open session keeps its census
    page = staying.pages[0]
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Engagement", exact=True).click()
    wait_idle(page)
    assert "« reste.xlsx »" in page.get_by_test_id("stSidebar").inner_text()  # and goes on working
    staying.close()
