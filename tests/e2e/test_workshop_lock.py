"""A locked workshop link stays locked in a real browser (issue 23, §2): through the menu, the slideshow and the
links inside pages the address keeps its token, a reload keeps the lock, and an address edited by hand either
stays locked on the link's territory or is refused, never unlocked.

The link's territory is closed to anonymous visitors (as a territory that hands out workshop links usually is):
without the token, a visitor sees nothing of it."""
from __future__ import annotations

import urllib.parse

import pytest

from nrdash.store import Store
from tests.e2e.conftest import _require_browser
from tests.e2e.harness import goto, open_sidebar, streamlit_server, wait_idle
from tests.principals import OP

EPCI, OTHER = "241700434", "17300"
LOCKED = "Lien d'atelier verrouillé"
REFUSED = "n'est visible que des personnes qui y ont un rôle"


@pytest.fixture(scope="module")
def locked_server(tmp_path_factory):
    from tests.conftest import SAMPLE

    _require_browser()
    data = tmp_path_factory.mktemp("workshop-lock")
    s = Store(f"sqlite:///{data / 'nrdash.db'}", seed_sample=False)
    s.publish(OP, EPCI, SAMPLE.read_bytes(), "recensement.xlsx")
    s.set_territory(OP, EPCI, anonymous_read=False)
    s.publish(OP, OTHER, SAMPLE.read_bytes(), "autre.xlsx")  # open to anyone
    token = str(s.create_workshop_token(OP, EPCI, "atelier de mars"))  # NewLink: its repr hides the secret
    s.close()
    with streamlit_server(env={"NRDASH_DATA_DIR": str(data)}) as url:
        url.token = token
        yield url


def _query(page) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)


def _sidebar(page) -> str:
    return page.get_by_test_id("stSidebar").text_content()


def _workshop_toggle(page):
    return page.get_by_test_id("stSidebar").get_by_role("switch", name="Mode atelier (projection)")


def assert_locked(page, token: str) -> None:
    """Locked on the link's territory: said in the sidebar, mode atelier on and not switchable, nothing to load,
    the address carries the token and names the link's territory; no note about the token."""
    page.wait_for_function(f"new URLSearchParams(location.search).get('jeton') === {token!r}", timeout=60_000)
    sidebar = _sidebar(page)
    assert LOCKED in sidebar and "CA de La Rochelle" in sidebar, sidebar
    toggle = _workshop_toggle(page)
    assert toggle.is_checked() and toggle.is_disabled()
    assert page.get_by_text("Charger un recensement").count() == 0
    assert "« jeton »" not in sidebar and "Lien partagé" not in sidebar
    query = _query(page)
    assert query.get("territoire") == [EPCI] and query.get("jeton") == [token] and "version" not in query


def _menu(page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click(force=True)
    wait_idle(page)


def test_the_menu_and_a_reload_keep_the_lock(locked_server, page):
    token = locked_server.token
    goto(page, f"{locked_server}/?territoire={EPCI}&atelier=1&jeton={token}")
    assert_locked(page, token)
    open_sidebar(page)  # mode atelier folds the sidebar away: open it
    for title, path in (("Engagement", "/engagement"), ("Cercles", "/cercles"), ("Carte", "/carte")):
        _menu(page, title)
        assert urllib.parse.urlsplit(page.url).path == path
        assert_locked(page, token)
        page.reload(wait_until="domcontentloaded")  # F5: a new session, from the address alone
        page.wait_for_selector('[data-testid="stApp"]')
        wait_idle(page)
        assert_locked(page, token)
        assert urllib.parse.urlsplit(page.url).path == path
        if not page.get_by_test_id("stSidebarNav").is_visible():
            open_sidebar(page)
    assert not page.js_errors


def test_links_inside_pages_carry_the_token(locked_server, page):
    token = locked_server.token
    goto(page, f"{locked_server}/?territoire={EPCI}&atelier=1&jeton={token}")
    assert_locked(page, token)
    links = page.get_by_test_id("stMain").get_by_test_id("stPageLink-NavLink")
    assert links.count() >= 1
    for i in range(links.count()):  # opened in a new tab (their address alone), each link stays locked
        href = links.nth(i).get_attribute("href")
        assert urllib.parse.parse_qs(urllib.parse.urlsplit(href).query).get("jeton") == [token], href
    links.last.click()
    wait_idle(page)
    assert urllib.parse.urlsplit(page.url).path == "/engagement"
    assert_locked(page, token)


def test_the_slideshow_keeps_the_lock(locked_server, page):
    token = locked_server.token
    goto(page, f"{locked_server}/?territoire={EPCI}&atelier=1&jeton={token}")
    open_sidebar(page)
    page.get_by_test_id("stSidebar").get_by_text("Diaporama (pages successives)").click()
    wait_idle(page)
    page.wait_for_url("**/engagement?**", timeout=60_000)  # the next page of the slideshow, after its period
    wait_idle(page)
    assert_locked(page, token)


@pytest.mark.parametrize("edited", ["territoire", "version", "atelier"])
def test_a_hand_edited_address_stays_locked_on_the_links_territory(locked_server, page, edited):
    token = locked_server.token
    query = {"territoire": EPCI, "atelier": "1", "jeton": token,
             **{"territoire": {"territoire": OTHER}, "version": {"version": "1"}, "atelier": {"atelier": "0"}}[edited]}
    goto(page, f"{locked_server}/engagement?{urllib.parse.urlencode(query)}")
    assert_locked(page, token)


def test_an_address_edited_in_the_open_session_stays_locked(locked_server, page):
    """The address changed without a reload (as a script in the page could), then the page changes: the session
    keeps its lock, and puts the token and the territory back into the address."""
    token = locked_server.token
    goto(page, f"{locked_server}/?territoire={EPCI}&atelier=1&jeton={token}")
    assert_locked(page, token)
    page.evaluate(f"history.replaceState(null, '', '/?territoire={OTHER}&atelier=0')")
    open_sidebar(page)
    _menu(page, "Engagement")
    assert_locked(page, token)


def test_without_its_token_the_address_reads_nothing(locked_server, page):
    """The token removed by hand: a new visitor without it, refused on the link's territory (closed to
    anonymous visitors); a wrong token is refused too."""
    goto(page, f"{locked_server}/engagement?territoire={EPCI}&atelier=1")
    main = page.get_by_test_id("stMain").inner_text()
    assert REFUSED in main and "acteurs" not in main.lower().split(REFUSED)[1]
    assert page.locator(".nr-kpi, .js-plotly-plot").count() == 0
    goto(page, f"{locked_server}/engagement?territoire={EPCI}&atelier=1&jeton={locked_server.token}x")
    # an unknown token (access branch: revoked and expired links are said as such, an unknown one as not valid)
    assert "Ce lien d'atelier n'est pas valide." in page.get_by_test_id("stMain").inner_text()
    assert page.locator(".nr-kpi, .js-plotly-plot").count() == 0
