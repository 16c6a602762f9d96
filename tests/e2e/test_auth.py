"""Signing in, in a real browser: a local account through /connexion (the cookie survives a reload, signing out
clears it), and OpenID Connect through st.login against a real provider on loopback (oidc-provider-mock), with
the provider's userinfo read with the access token. No mock of st.user.

Local sign-in runs against the real app (its sidebar, the editor's role on the Versions page). The OpenID Connect
test uses tests/e2e/auth_app.py (nrdash.ui.account's block and every field current_account() gives, the SIRET
included, which the app does not display) behind tests/e2e/auth_server.py (nrdash's routes and headers)."""
from __future__ import annotations

import contextlib
import os
import json
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

from nrdash.web import auth
from nrdash.store import Store
from tests.e2e.harness import ROOT, free_port, goto, stop, streamlit_server, wait_idle
from tests.principals import OP

SCRIPT = ROOT / "tests" / "e2e" / "auth_server.py"
SECRET = "secret partagé des répliques de test"
PASSWORD = "un mot de passe long"


def account_line(page) -> str:
    return page.get_by_text("compte : ").inner_text().strip()


def app_idle(page) -> None:
    page.wait_for_selector('[data-testid="stApp"]', timeout=30_000)
    wait_idle(page)


# -- local accounts ---------------------------------------------------------------------------------------------

EPCI = "241700434"


LOCAL_DATA = {}  # None -> the local sign-in server's data folder


def session_email(cookie_value: str) -> str | None:
    """Who the store says the cookie's session is signed in as (None: ended, or not a session)."""
    from nrdash.store import Principal

    s = Store(f"sqlite:///{LOCAL_DATA[None] / 'nrdash.db'}", migrate=False)
    try:
        return s.signed_in(Principal.session(auth.verify_session(cookie_value, SECRET)))
    finally:
        s.close()


@pytest.fixture(scope="module")
def local_server(tmp_path_factory):
    """The real app (nrdash/web/server.py) on its own store: a territory whose editor is ed@exemple.fr."""
    from tests.conftest import SAMPLE

    data = tmp_path_factory.mktemp("auth-e2e")
    LOCAL_DATA[None] = data
    s = Store(f"sqlite:///{data / 'nrdash.db'}", seed_sample=False)
    s.add_user(OP, "admin@exemple.fr", PASSWORD)  # the first account is the instance's administrator
    s.add_user(OP, "ed@exemple.fr", PASSWORD, "éditeur", EPCI)
    s.publish(OP, EPCI, SAMPLE.read_bytes(), "recensement.xlsx")
    # A new territory opens closed (issue 25): opened, as its administrator would, for the visitors of these tests.
    s.set_territory(OP, EPCI, anonymous_read=True)
    s.close()
    with streamlit_server(env={"NRDASH_DATA_DIR": str(data), "STREAMLIT_SERVER_COOKIE_SECRET": SECRET}) as url:
        yield url


def _versions_page(page, url: str) -> str:
    goto(page, url + f"/versions?territoire={EPCI}")
    app_idle(page)
    return page.get_by_test_id("stMain").inner_text()


def test_local_sign_in_survives_a_reload_then_sign_out(local_server, page):
    here = f"/versions?territoire={EPCI}"
    main = _versions_page(page, local_server)
    sidebar = page.get_by_test_id("stSidebar")
    assert "Votre brouillon" not in main and "connectez-vous avec un compte d'éditeur" in main
    sidebar.get_by_role("link", name="Se connecter").click()
    page.wait_for_url(local_server + "/connexion?suivant=**")
    back = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["suivant"][0]
    assert back == here, back  # back to this page and territory after signing in
    page.get_by_label("Adresse électronique").fill("ed@exemple.fr")
    page.get_by_label("Mot de passe").fill("pas le bon")
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_role("alert").inner_text().strip() == auth.WRONG
    assert page.title() == "Erreur – Connexion – nrdash"
    assert page.get_by_label("Adresse électronique").input_value() == "ed@exemple.fr"
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(local_server + here)
    app_idle(page)
    assert "Connecté : ed@exemple.fr" in sidebar.inner_text()
    main = page.get_by_test_id("stMain").inner_text()
    assert "Votre brouillon" in main and "Liens d'atelier verrouillés" in main  # the editor's role, from the store
    assert "Réglages du territoire" not in main  # not an administrator
    if os.environ.get("NRDASH_AUTH_SHOT"):
        sidebar.screenshot(path=os.environ["NRDASH_AUTH_SHOT"])
    [cookie] = [c for c in page.context.cookies() if c["name"] == auth.COOKIE_NAME]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert session_email(cookie["value"]) == "ed@exemple.fr"  # the cookie names a session (issue 23), not an e-mail
    page.reload()
    app_idle(page)
    assert "Connecté : ed@exemple.fr" in sidebar.inner_text() and "Votre brouillon" in page.get_by_test_id("stMain").inner_text()
    with page.expect_response(lambda r: r.url == local_server + "/deconnexion" and r.status == 303):
        sidebar.get_by_role("button", name="Se déconnecter", exact=True).click()
    page.wait_for_url(local_server + "/**")
    app_idle(page)
    assert "Connecté" not in sidebar.inner_text()
    assert not [c for c in page.context.cookies() if c["name"] == auth.COOKIE_NAME]
    assert "Votre brouillon" not in _versions_page(page, local_server)
    assert session_email(cookie["value"]) is None  # a copy of the cookie is worth nothing now


def test_sign_in_page_has_no_serious_accessibility_violation(local_server, page):
    from axe_playwright_python.sync_playwright import Axe

    page.goto(local_server + "/connexion")
    page.get_by_label("Adresse électronique").fill("x@exemple.fr")
    page.get_by_label("Mot de passe").fill("faux")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("alert").wait_for()
    results = Axe().run(page).response
    serious = [(v["id"], n["html"][:120]) for v in results["violations"] if v["impact"] in ("serious", "critical")
               for n in v["nodes"]]
    assert serious == [] and results["passes"]
    assert page.js_errors == []


# -- OpenID Connect ---------------------------------------------------------------------------------------------

AGENT = {"sub": "agent-1", "email": "camille.martin@mairie.fr", "siret": "21170300000011",
         "given_name": "Camille", "usual_name": "Martin"}


@contextlib.contextmanager
def provider():
    """oidc-provider-mock on a free loopback port, with one predefined user."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "-p", str(port), "--user-claims",
                             json.dumps(AGENT)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/.well-known/openid-configuration", timeout=2):
                    break
            except OSError as exc:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("oidc-provider-mock did not start:\n" + (proc.stdout.read() or "")) from exc
                time.sleep(0.2)
        yield url
    finally:
        stop(proc)


OIDC_DATA = {}  # None -> the OpenID Connect server's data folder


@pytest.fixture(scope="module")
def oidc(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("oidc")
    with provider() as issuer:
        secrets = tmp / "secrets.toml"
        secrets.write_text(f"""[auth]
redirect_uri = "http://127.0.0.1:{{port}}/oauth2callback"
cookie_secret = "secret des cookies de st.login pour le test"
client_id = "nrdash"
client_secret = "secret du client"
server_metadata_url = "{issuer}/.well-known/openid-configuration"
expose_tokens = ["access"]
""", encoding="utf-8")
        OIDC_DATA[None] = tmp / "data"
        env = {"STREAMLIT_SECRETS_FILES": str(secrets), "NRDASH_DATA_DIR": str(tmp / "data"),
               "STREAMLIT_SERVER_COOKIE_SECRET": SECRET}
        with streamlit_server(env=env, script=SCRIPT) as url:  # the SIRET shows on the test page only
            yield url, issuer


def test_openid_connect_through_st_login_and_userinfo(oidc, page):
    app, issuer = oidc
    goto(page, app + "/?vue=test")
    assert account_line(page) == "compte : aucun"
    sidebar = page.get_by_test_id("stSidebar")
    assert sidebar.get_by_role("link", name="Se connecter avec un compte local").is_visible()
    sidebar.get_by_role("button", name="Se connecter avec le compte de l'organisation").click()
    page.wait_for_url(issuer + "/oauth2/authorize?**")  # the provider's own authorize page
    page.get_by_role("button", name="agent-1").click()
    page.wait_for_url(app + "/**")
    app_idle(page)
    assert account_line(page) == "compte : camille.martin@mairie.fr | Camille Martin | oidc | 21170300000011"
    assert "Connecté : Camille Martin" in sidebar.inner_text()
    # The SIRET is read from the provider's userinfo (with the access token), not only from the identity token
    # kept in Streamlit's cookie: the provider changes it, a new session shows the new one.
    changed = {**AGENT, "siret": "21170300099999"}
    request = urllib.request.Request(f"{issuer}/users/agent-1", data=json.dumps(changed).encode(), method="PUT",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as r:
        assert r.status == 204
    page.reload()
    app_idle(page)
    assert account_line(page) == "compte : camille.martin@mairie.fr | Camille Martin | oidc | 21170300099999"
    sidebar.get_by_role("button", name="Se déconnecter", exact=True).click()
    page.wait_for_url(issuer + "/oauth2/end_session?**")  # Streamlit clears its cookies, then the provider's page
    goto(page, app + "/?vue=test")
    assert account_line(page) == "compte : aucun"


def test_openid_connect_account_loses_its_role_at_the_next_run(oidc, page):
    """Issue 23: an identity provider's account downgraded, then removed, by the operator: the open session has the
    new rights at its next run (the store reads the account's rows at every operation)."""
    app, _ = oidc
    s = Store(f"sqlite:///{OIDC_DATA[None] / 'nrdash.db'}")
    try:
        if not s.user_exists(OP, "chef@mairie.fr"):
            s.add_user(OP, "chef@mairie.fr", PASSWORD)  # another administrator of the instance
        s.set_role(OP, "chef@mairie.fr", "administrateur")
        s.add_user(OP, AGENT["email"], None, "éditeur", EPCI, without_password=True)
        goto(page, app + "/?vue=test")
        page.get_by_test_id("stSidebar").get_by_role("button", name="Se connecter avec le compte de "
                                                     "l'organisation").click()
        page.get_by_role("button", name="agent-1").click()
        page.wait_for_url(app + "/**")
        app_idle(page)
        assert page.get_by_text("droits : ").inner_text().strip() == "droits : éditeur"

        def rerun() -> str:
            page.get_by_role("button", name="Relire").click()
            app_idle(page)
            return page.get_by_text("droits : ").inner_text().strip()

        s.set_role(OP, AGENT["email"], "lecteur", EPCI)
        assert rerun() == "droits : lecteur"
        s.remove_user(OP, AGENT["email"])
        assert rerun() == "droits : aucun"
        assert account_line(page).startswith("compte : camille.martin@mairie.fr")  # still the provider's identity
    finally:
        s.close()
