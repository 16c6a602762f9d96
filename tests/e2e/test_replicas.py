"""The reference deployment (tests/e2e/topology.py: PostgreSQL + two replicas of nrdash/web/server.py + HAProxy with
deploy/haproxy.cfg as shipped), in a real browser, through HAProxy only.

- A browser is pinned to one replica by HAProxy's SERVERID cookie, and its Streamlit session (the websocket)
  and its upload stay there: HAProxy's own statistics say how many streams are open to each replica.
- An editor signs in, uploads a census as a draft and publishes it on replica A; a viewer pinned to replica B
  sees the new version (B's process never saw the upload: the shared PostgreSQL is all they have in common).
- The local sign-in cookie made by A is accepted by B (the same server.cookieSecret): a signed-in browser
  whose SERVERID is switched to B is still signed in, now served by B.
- Access withdrawn (issue 23): a session is a row of the shared database. Signing out, « Se déconnecter partout »,
  a role changed by the command line and the account removed end the open sessions — tabs whose websockets stay
  open on A and on B — at their next run.

HAProxy missing: skipped locally, a failure in CI (CI=true), as tests/pg.py does for PostgreSQL."""
from __future__ import annotations

import os
import time
import urllib.parse

import pytest

from nrdash.web import auth
from nrdash.store import Store
from tests.conftest import SAMPLE, actors_sheet
from tests.e2e.harness import wait_idle
from tests.e2e.topology import REPLICAS, STICKY_COOKIE, Unavailable, deployment
from tests.principals import OP

EPCI = "241700434"
EDITOR = "ed@exemple.fr"
PASSWORD = "un mot de passe long"
NOTE = "Recensement de mars, après l'atelier"
NEW_CENSUS = actors_sheet([[f"Acteur {i}", "PME", 2] for i in range(7)])
TABS, DEVICES, DOWNGRADED, REMOVED = "onglets@exemple.fr", "appareils@exemple.fr", "role@exemple.fr", "retire@exemple.fr"
pytestmark = pytest.mark.pg  # its own PostgreSQL cluster (tests/e2e/topology.py); browser as every test here


def _prepare(database_url: str) -> None:
    s = Store(database_url)
    s.add_user(OP, "admin@exemple.fr", PASSWORD)  # the first account is the instance's administrator
    s.add_user(OP, EDITOR, PASSWORD, "éditeur", EPCI)
    for email in (TABS, DEVICES, DOWNGRADED, REMOVED):
        s.add_user(OP, email, PASSWORD, "éditeur", EPCI)
    s.publish(OP, EPCI, SAMPLE.read_bytes(), "recensement.xlsx", author="test", note="version de départ")
    # A new territory opens closed (issue 25): opened, as its administrator would, for the visitors of these tests.
    s.set_territory(OP, EPCI, anonymous_read=True)
    s.close()


@pytest.fixture(scope="module")
def topology(browser):  # `browser` first: no topology is started when the browser tests cannot run
    try:
        with deployment(_prepare) as d:
            yield d
    except Unavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))  # never a silent skip in CI
        pytest.skip(str(exc))


@pytest.fixture
def new_page(browser):
    """Pages of fresh browser contexts (each its own cookies: one person each), closed at the end."""
    contexts = []

    def make(pinned: str | None = None, url: str | None = None):
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
        contexts.append(context)
        if pinned:
            context.add_cookies([{"name": STICKY_COOKIE, "value": pinned, "url": url}])
        page = context.new_page()
        page.js_errors = []
        page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()


def open_app(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    wait_idle(page, timeout=60_000)


def sidebar(page) -> str:
    return page.get_by_test_id("stSidebar").inner_text()


def pinned_to(page) -> str | None:
    values = [c["value"] for c in page.context.cookies() if c["name"] == STICKY_COOKIE]
    return values[0] if values else None


def streams(d, want: dict[str, int], timeout: float = 15) -> dict[str, int]:
    """HAProxy's open streams per replica once they equal ``want`` (a closed page's websocket takes a moment to
    close); the last ones seen otherwise."""
    deadline = time.time() + timeout
    while True:
        now = d.open_streams()
        if now == want or time.time() > deadline:
            return now
        time.sleep(0.2)


def sign_in(page, d, back: str, email: str = EDITOR) -> None:
    page.goto(f"{d.url}/connexion?suivant={urllib.parse.quote(back, safe='/')}")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(d.url + back)
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    wait_idle(page, timeout=60_000)


def test_published_on_one_replica_is_seen_on_the_other(topology, new_page):
    d = topology
    home = f"/?territoire={EPCI}"
    # The editor's browser: HAProxy picks a replica and pins the browser to it with SERVERID.
    editor = new_page()
    open_app(editor, d.url + home)
    a = pinned_to(editor)
    assert a in REPLICAS, editor.context.cookies()
    [b] = [name for name in REPLICAS if name != a]
    assert streams(d, {a: 1, b: 0}) == {a: 1, b: 0}  # its Streamlit session: one websocket, on A
    # The viewer's browser, pinned to B, before the publication: version 1 (the sample, 150 actors).
    viewer = new_page(pinned=b, url=d.url)
    open_app(viewer, d.url + home)
    assert pinned_to(viewer) == b
    assert streams(d, {a: 1, b: 1}) == {a: 1, b: 1}
    before = sidebar(viewer)
    assert "Version 1 publiée le" in before and "150 acteurs" in before, before

    # On A: sign in, upload a census as a draft (the upload is a request of its own: it must reach A too).
    sign_in(editor, d, home)
    assert pinned_to(editor) == a
    assert f"Connecté : {EDITOR}" in sidebar(editor)
    editor.get_by_test_id("stSidebar").get_by_text("Charger un recensement").click()
    editor.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "recensement-mars.xlsx", "mimeType": "application/octet-stream", "buffer": NEW_CENSUS}])
    editor.wait_for_function("document.body.innerText.includes('Brouillon (non publié)')", timeout=60_000)
    wait_idle(editor, timeout=60_000)
    assert "7 acteurs" in sidebar(editor)
    # ...and publish it from the Versions page, with a note.
    open_app(editor, d.url + f"/versions?territoire={EPCI}")
    editor.get_by_label("Note de version (ce qui change, pourquoi)").fill(NOTE)
    editor.keyboard.press("Tab")  # the text area sends its value when it loses focus
    wait_idle(editor, timeout=60_000)
    editor.get_by_role("button", name="Publier la version 2").click()
    wait_idle(editor, timeout=60_000)
    editor.get_by_role("button", name="Confirmer : publier la version 2").click()  # issue 25: asked, then confirmed
    editor.wait_for_function("document.body.innerText.includes('Version 2 publiée.')", timeout=60_000)
    assert pinned_to(editor) == a
    s = Store(d.database_url, migrate=False)
    try:
        latest = s.versions(OP, EPCI)[-1]
    finally:
        s.close()
    assert (latest.number, latest.author, latest.note, latest.file_name, latest.n_actors) == (
        2, EDITOR, NOTE, "recensement-mars.xlsx", 7)
    assert streams(d, {a: 1, b: 1}) == {a: 1, b: 1}

    # On B: the viewer reloads and sees version 2.
    viewer.reload()
    viewer.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    wait_idle(viewer, timeout=60_000)
    after = sidebar(viewer)
    assert "Version 2 publiée le" in after and "7 acteurs — « recensement-mars.xlsx »" in after, after
    assert pinned_to(viewer) == b
    assert streams(d, {a: 1, b: 1}) == {a: 1, b: 1}
    assert editor.js_errors == [] and viewer.js_errors == []


def test_a_sign_in_made_on_one_replica_is_valid_on_the_other(topology, new_page):
    d = topology
    home = f"/?territoire={EPCI}"
    page = new_page(pinned="a", url=d.url)
    sign_in(page, d, home)
    assert f"Connecté : {EDITOR}" in sidebar(page)
    assert streams(d, {"a": 1, "b": 0}) == {"a": 1, "b": 0}
    [session] = [c for c in page.context.cookies() if c["name"] == auth.COOKIE_NAME]
    assert auth.verify_session(session["value"], d.cookie_secret)  # a session id, signed by A (issue 23: no e-mail)
    # The same browser, its stickiness cookie now naming B (as when A goes down and HAProxy moves it).
    page.context.add_cookies([{"name": STICKY_COOKIE, "value": "b", "url": d.url}])
    page.reload()
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    wait_idle(page, timeout=60_000)
    assert streams(d, {"a": 0, "b": 1}) == {"a": 0, "b": 1}  # served by B now
    assert pinned_to(page) == "b"
    assert f"Connecté : {EDITOR}" in sidebar(page)
    assert "Se connecter" not in sidebar(page)
    assert page.js_errors == []


# -- access withdrawn (issue 23) ----------------------------------------------------------------------------------

def next_run(page, title: str = "Recensement") -> str:
    """The open session's next run (no reload: the same websocket, the cookies it opened with): a page of the menu.
    Returns the sidebar's text."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
    page.wait_for_url(f"**/{title.lower()}**")
    wait_idle(page, timeout=60_000)
    return sidebar(page)


def signed_out(text: str) -> bool:
    return "Connecté" not in text and "Votre session a pris fin" in text and "Se connecter" in text


def operator_command(d, *argv: str) -> str:
    import subprocess
    import sys

    from tests.conftest import ROOT

    done = subprocess.run([sys.executable, "-m", "nrdash", *argv], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "NRDASH_DATABASE_URL": d.database_url}, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_signing_out_ends_the_session_open_on_both_replicas(topology, new_page):
    d = topology
    home = f"/?territoire={EPCI}"
    on_a = new_page(pinned="a", url=d.url)
    sign_in(on_a, d, home, TABS)
    on_a.context.add_cookies([{"name": STICKY_COOKIE, "value": "b", "url": d.url}])  # the same browser's next tab
    on_b = on_a.context.new_page()
    on_b.js_errors = []
    open_app(on_b, d.url + home)
    assert f"Connecté : {TABS}" in sidebar(on_a) and f"Connecté : {TABS}" in sidebar(on_b)
    assert streams(d, {"a": 1, "b": 1}) == {"a": 1, "b": 1}  # one open session on each replica
    out = on_a.context.new_page()  # a third tab signs out (its request reaches B)
    out.goto(f"{d.url}/deconnexion?suivant=/")
    with out.expect_response(lambda r: r.url.endswith("/deconnexion") and r.status == 303):
        out.get_by_role("button", name="Se déconnecter", exact=True).click()
    # Closed only once the page it was sent to (the app, after the 303) has loaded: Chromium takes a close asked
    # for the instant a navigation commits (Target.closeTarget answers success) and never ends the tab, and
    # Playwright's Page.close waits for that end with no timeout. Caught with DEBUG=pw:protocol, 07/12/2026: the
    # hang of this test in clean-clone runs, in 3 of about 25 local runs and at once under load.
    out.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    wait_idle(out, timeout=60_000)
    out.close()
    assert signed_out(next_run(on_a)) and signed_out(next_run(on_b))  # A and B: at the next run, signed out
    assert "Votre brouillon" not in next_run(on_a, "Versions") + on_a.get_by_test_id("stMain").inner_text()
    assert on_a.js_errors == [] and on_b.js_errors == []


def test_signing_out_everywhere_ends_the_other_devices_sessions(topology, new_page):
    d = topology
    home = f"/?territoire={EPCI}"
    laptop, phone = new_page(pinned="a", url=d.url), new_page(pinned="b", url=d.url)
    for device in (laptop, phone):
        sign_in(device, d, home, DEVICES)
        assert f"Connecté : {DEVICES}" in sidebar(device)
    with laptop.expect_response(lambda r: r.url.endswith("/deconnexion") and r.status == 303):
        laptop.get_by_test_id("stSidebar").get_by_role("button", name="Se déconnecter partout").click()
    laptop.wait_for_url(d.url + "/**")
    wait_idle(laptop, timeout=60_000)
    assert "Connecté" not in sidebar(laptop)
    assert signed_out(next_run(phone))  # the other device, on the other replica
    assert pinned_to(phone) == "b"


def test_a_role_changed_or_an_account_removed_by_the_command_line(topology, new_page):
    d = topology
    versions = f"/versions?territoire={EPCI}"
    editor, removed = new_page(pinned="a", url=d.url), new_page(pinned="b", url=d.url)
    sign_in(editor, d, versions, DOWNGRADED)
    sign_in(removed, d, versions, REMOVED)
    for page in (editor, removed):
        assert "Votre brouillon" in page.get_by_test_id("stMain").inner_text()  # an editor's page
    assert "rôle lecteur" in operator_command(d, "user", "role", DOWNGRADED, "--role", "lecteur", "--territoire", EPCI)
    assert "Compte retiré" in operator_command(d, "user", "remove", REMOVED)
    assert signed_out(next_run(editor)) and signed_out(next_run(removed))
    sign_in(editor, d, versions, DOWNGRADED)  # signing in again: the new role
    main = editor.get_by_test_id("stMain").inner_text()
    assert f"Connecté : {DOWNGRADED}" in sidebar(editor) and "Votre brouillon" not in main and "Historique" in main
    removed.goto(f"{d.url}/connexion")
    removed.get_by_label("Adresse électronique").fill(REMOVED)
    removed.get_by_label("Mot de passe").fill(PASSWORD)
    removed.get_by_role("button", name="Se connecter").click()
    assert removed.get_by_role("alert").inner_text().strip() == auth.WRONG
