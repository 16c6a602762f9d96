"""Local sign-in (nrdash/web/auth.py): the signed session cookie, where to go after signing in, the client address
behind a load balancer, the rate limit with the database, the userinfo answer of a provider; then the routes
through the real server (loopback)."""
from __future__ import annotations

import base64
import html
import http.client
import io
import json
import sys
import urllib.parse

import pytest

from nrdash.web import auth
from nrdash.store import Store
from nrdash.store.accounts import MAX_FAILURES_PER_IP
from tests.e2e.harness import streamlit_server
from tests.principals import OP

SECRET = "un secret partagé par les répliques"
NOW = 1_800_000_000.0


# -- the cookie ------------------------------------------------------------------------------------------------

def test_session_cookie_signed_expiring_and_bound_to_the_secret():
    value = auth.sign_session("Agent@Mairie.fr", SECRET, now=NOW)
    assert auth.verify_session(value, SECRET, now=NOW + 60) == "Agent@Mairie.fr"
    assert auth.verify_session(value, SECRET, now=NOW + auth.SESSION_SECONDS - 1) == "Agent@Mairie.fr"
    assert auth.verify_session(value, SECRET, now=NOW + auth.SESSION_SECONDS) is None  # expired
    assert auth.verify_session(value, "un autre secret", now=NOW) is None  # another instance's secret
    assert auth.verify_session(value, "", now=NOW) is None
    payload, mac = value.split(".")
    forged = base64.urlsafe_b64encode(json.dumps({"e": "admin@mairie.fr", "x": int(NOW) + 3600}).encode()
                                      ).decode().rstrip("=")
    assert auth.verify_session(f"{forged}.{mac}", SECRET, now=NOW) is None  # payload changed, signature kept
    longer = base64.urlsafe_b64encode(json.dumps({"e": "Agent@Mairie.fr", "x": int(NOW) + 10**8}).encode()
                                      ).decode().rstrip("=")
    assert auth.verify_session(f"{longer}.{mac}", SECRET, now=NOW) is None  # expiry pushed back
    flipped = mac[:-2] + ("A" if mac[-2] != "A" else "B") + mac[-1]
    assert auth.verify_session(f"{payload}.{flipped}", SECRET, now=NOW) is None
    for junk in (None, "", ".", "abc", f"{payload}.{mac}.x", payload, "é.é", "x" * 5000):
        assert auth.verify_session(junk, SECRET, now=NOW) is None
    with pytest.raises(ValueError, match="cookieSecret"):
        auth.sign_session("a@b.fr", "")


# -- where to go after signing in -------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/", "/engagement", "/?territoire=241700434&atelier=1", "/matrice#x",
                                 "/page/%2F%2Fautre"])
def test_safe_next_keeps_paths_of_this_site(url):
    assert auth.safe_next(url) == url


@pytest.mark.parametrize("url", [None, "", "//evil.fr", "//evil.fr/x", "https://evil.fr", "http://evil.fr/",
                                 "/\\evil.fr", "\\\\evil.fr", "/\\/evil.fr", "/\t/evil.fr", "/\n/evil.fr",
                                 "/ /evil.fr", "javascript:alert(1)", "evil.fr", "engagement", "https:/evil.fr",
                                 "/x\x00", "/" + "a" * 3000])
def test_safe_next_refuses_other_sites(url):
    assert auth.safe_next(url) == "/"
    assert auth.safe_next(url, default="/base/") == "/base/"


# -- the client address -----------------------------------------------------------------------------------------

def test_client_ip_reads_x_forwarded_for_only_from_trusted_load_balancers():
    lb = auth.trusted_proxies("10.0.0.5, 192.168.10.0/24 ,fd00::/8")
    assert [str(n) for n in lb] == ["10.0.0.5/32", "192.168.10.0/24", "fd00::/8"]
    xff = {"X-Forwarded-For": "203.0.113.7"}
    assert auth.client_ip("198.51.100.2", xff, lb) == "198.51.100.2"  # not a load balancer: its header is a lie
    assert auth.client_ip("10.0.0.5", xff, lb) == "203.0.113.7"
    assert auth.client_ip("10.0.0.5", {}, lb) == "10.0.0.5"
    assert auth.client_ip("10.0.0.5", xff, []) == "10.0.0.5"  # nothing configured: never read
    # the client wrote its own X-Forwarded-For: the load balancer appended the real address, the last hop
    assert auth.client_ip("10.0.0.5", {"x-forwarded-for": "1.1.1.1, 203.0.113.7"}, lb) == "203.0.113.7"
    # two load balancers in a row: the first hop that is not one of ours
    assert auth.client_ip("10.0.0.5", {"x-forwarded-for": "1.1.1.1, 203.0.113.7, 192.168.10.4"}, lb) == "203.0.113.7"
    # junk where the address should be: stay at the trusted hop
    assert auth.client_ip("10.0.0.5", {"x-forwarded-for": "pas une adresse"}, lb) == "10.0.0.5"
    # several header lines (ASGI pairs), IPv6
    pairs = [(b"x-forwarded-for", b"1.1.1.1"), (b"x-forwarded-for", b"2001:db8::1")]
    assert auth.client_ip("fd00::9", pairs, lb) == "2001:db8::1"
    assert auth.client_ip("2001:db8::2", pairs, lb) == "2001:db8::2"
    assert auth.client_ip(None, xff, lb) == "inconnu"
    with pytest.raises(ValueError, match="NRDASH_TRUSTED_PROXIES.*invalide.*mon-lb"):
        auth.trusted_proxies("10.0.0.5, mon-lb")
    assert auth.trusted_proxies("") == []


def test_same_origin_and_https():
    assert auth.same_origin({"host": "nrdash.agglo.fr", "origin": "https://nrdash.agglo.fr"})
    assert auth.same_origin({"host": "127.0.0.1:8501", "origin": "http://127.0.0.1:8501"})
    assert auth.same_origin({"host": "nrdash.agglo.fr:443", "referer": "https://nrdash.agglo.fr/connexion?x=1"})
    for headers in ({"host": "nrdash.agglo.fr"}, {"host": "nrdash.agglo.fr", "origin": "null"},
                    {"host": "nrdash.agglo.fr", "origin": "https://evil.fr"},
                    {"host": "nrdash.agglo.fr", "origin": "https://nrdash.agglo.fr.evil.fr"},
                    {"host": "nrdash.agglo.fr", "referer": "https://evil.fr/nrdash.agglo.fr"},
                    {"origin": "https://nrdash.agglo.fr"}):
        assert not auth.same_origin(headers), headers
    assert auth.is_https("http", {"x-forwarded-proto": "https"}) and auth.is_https("https", {})
    assert not auth.is_https("http", {})


# -- the attempt, with the database -----------------------------------------------------------------------------

@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'nrdash.db'}", seed_sample=False)
    yield s
    s.close()


def test_login_attempts_are_rate_limited_in_the_database(store):
    # login_attempt gives the store's SignIn (its outcome, and the new session's id): it was the outcome alone
    store.add_user(OP, "ed@exemple.fr", "un mot de passe long")
    assert auth.login_attempt(store, "ed@exemple.fr", "un mot de passe long", "203.0.113.1").outcome == "ok"
    for _ in range(5):
        assert auth.login_attempt(store, "ED@exemple.fr", "faux", "203.0.113.1").outcome == "wrong"
    # the sixth attempt is refused before the password is read, even the right one
    assert auth.login_attempt(store, "ed@exemple.fr", "un mot de passe long", "203.0.113.2").outcome == "blocked"
    assert auth.login_attempt(store, "nobody@exemple.fr", "x", "203.0.113.1").outcome == "wrong"  # other e-mail
    for i in range(20):
        assert auth.login_attempt(store, f"u{i}@exemple.fr", "x", "198.51.100.9").outcome == "wrong"
    assert auth.login_attempt(store, "other@exemple.fr", "x", "198.51.100.9").outcome == "blocked"  # 20 from there
    assert auth.login_attempt(store, "", "", "198.51.100.10").outcome == "wrong"


def test_account_without_local_password(store, tmp_path, monkeypatch, capsys):
    """An OpenID Connect user: an account and a role, no local password (python -m nrdash user add
    --sans-mot-de-passe)."""
    from nrdash.cli import main

    monkeypatch.setenv("NRDASH_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["user", "add", "chef@exemple.fr", "--role", "administrateur", "--sans-mot-de-passe"]) == 0
    assert main(["user", "add", "agent@mairie.fr", "--role", "éditeur", "--territoire", "17300",
                 "--sans-mot-de-passe"]) == 0
    out = capsys.readouterr().out
    assert "Compte créé : agent@mairie.fr, rôle éditeur sur le territoire 17300 ; connexion par le fournisseur " \
           "d'identité seulement" in out
    s = Store(f"sqlite:///{tmp_path / 'cli.db'}", seed_sample=False)
    assert s.role_of(OP, "agent@mairie.fr", "17300") == "éditeur"
    assert s.role_of(OP, "chef@exemple.fr", "x") == "administrateur"
    for password in ("", "None", "x" * 12):
        assert s.verify_password(OP, "agent@mairie.fr", password) is False
        assert auth.login_attempt(s, "agent@mairie.fr", password, "203.0.113.3").outcome == "wrong"
    s.close()
    # without the option, a new account still needs a password
    assert main(["user", "add", "new@exemple.fr"]) == 2
    assert "trop court" in capsys.readouterr().err


# -- the provider's userinfo ------------------------------------------------------------------------------------

def test_userinfo_json_or_signed_jwt():
    from joserfc import jwt
    from joserfc.jwk import ECKey

    claims = {"sub": "abc", "email": "agent@mairie.fr", "siret": "21170300000011"}
    assert auth.parse_userinfo("application/json; charset=utf-8", json.dumps(claims).encode()) == claims
    key = ECKey.generate_key("P-256", parameters={"kid": "k1"})
    token = jwt.encode({"alg": "ES256", "kid": "k1"}, claims, key)
    jwks = {"keys": [key.as_dict(private=False)]}
    assert auth.parse_userinfo("application/jwt", token.encode(), jwks) == claims
    other = ECKey.generate_key("P-256", parameters={"kid": "k1"})
    with pytest.raises(auth.UserinfoError, match="signée invalide"):
        auth.parse_userinfo("application/jwt", token.encode(), {"keys": [other.as_dict(private=False)]})
    with pytest.raises(auth.UserinfoError, match="sans clés"):
        auth.parse_userinfo("application/jwt", token.encode(), None)
    with pytest.raises(auth.UserinfoError, match="illisible"):
        auth.parse_userinfo("application/json", b"<html>")
    with pytest.raises(auth.UserinfoError, match="illisible"):
        auth.parse_userinfo("application/json", b"[1, 2]")


# -- the routes through the real server -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("auth-data")
    server_data[None] = data
    s = Store(f"sqlite:///{data / 'nrdash.db'}", seed_sample=False)
    s.add_user(OP, "ed@exemple.fr", "un mot de passe long")
    s.add_user(OP, "limite@exemple.fr", "un mot de passe long")
    s.close()
    env = {"NRDASH_DATA_DIR": str(data), "STREAMLIT_SERVER_COOKIE_SECRET": SECRET,
           "NRDASH_TRUSTED_PROXIES": "127.0.0.1"}
    with streamlit_server(env=env) as url:
        yield url


server_data = {}  # None -> the module server's data folder


def signed_in_as(url, cookie_value: str) -> str | None:
    """Who the store says the cookie's session is signed in as (None: no valid session)."""
    from nrdash.store import Principal

    sid = auth.verify_session(cookie_value, SECRET)
    if sid is None:
        return None
    s = Store(f"sqlite:///{server_data[None] / 'nrdash.db'}", migrate=False)
    try:
        return s.signed_in(Principal.session(sid))
    finally:
        s.close()


def session_cookie(url, email="ed@exemple.fr", xff="203.0.113.90") -> str:
    """A new session's cookie value, signed in through the route."""
    status, headers, _ = post_login(url, email, "un mot de passe long", xff=xff)
    assert status == 303, status
    return header(headers, "set-cookie")[0].split(";")[0].split("=", 1)[1]


def call(url, method, path, fields=None, headers=None):
    host = urllib.parse.urlsplit(url).netloc
    body = urllib.parse.urlencode(fields).encode() if fields is not None else None
    h = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})} if body is not None else \
        dict(headers or {})
    conn = http.client.HTTPConnection(host, timeout=120)
    try:
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        return r.status, r.getheaders(), r.read().decode("utf-8")
    finally:
        conn.close()


def header(headers, name):
    return [v for k, v in headers if k.lower() == name]


def post_login(url, email, password, nxt="/engagement", xff="203.0.113.50", **extra):
    return call(url, "POST", "/connexion", {"email": email, "mot_de_passe": password, "suivant": nxt},
                {"Origin": url, "X-Forwarded-For": xff, **extra})


def test_login_page_french_accessible_self_contained(server):
    status, headers, body = call(server, "GET", "/connexion?suivant=/engagement%3Fterritoire%3D17300")
    assert status == 200 and body.startswith("<!DOCTYPE html>\n<html lang=\"fr\">")
    assert '<label for="email">' in body and 'id="email"' in body and '<label for="mot_de_passe">' in body
    assert 'name="suivant" value="/engagement?territoire=17300"' in body
    assert "<title>Connexion – nrdash</title>" in body
    assert "src=" not in body and "http" not in body and "@import" not in body  # nothing external
    csp = header(headers, "content-security-policy")
    assert auth.PAGE_CSP in csp and "frame-ancestors 'self'" in csp  # ours and the server's protections
    assert header(headers, "x-content-type-options") == ["nosniff"] and header(headers, "cache-control") == ["no-store"]


def test_login_sets_a_signed_cookie_and_redirects_within_the_site(server):
    status, headers, body = post_login(server, "ED@exemple.fr", "un mot de passe long", "/engagement?territoire=17300")
    assert status == 303 and header(headers, "location") == ["/engagement?territoire=17300"]
    [cookie] = header(headers, "set-cookie")
    name, value = cookie.split(";")[0].split("=", 1)
    attributes = {a.strip().lower() for a in cookie.split(";")[1:]}
    assert name == auth.COOKIE_NAME and signed_in_as(server, value) == "ed@exemple.fr"  # the account's e-mail
    assert {"httponly", "path=/", "samesite=lax", f"max-age={auth.SESSION_SECONDS}"} <= attributes
    assert "secure" not in attributes
    # behind a TLS-terminating load balancer: Secure
    status, headers, _ = post_login(server, "ed@exemple.fr", "un mot de passe long", "/", **{"X-Forwarded-Proto": "https"})
    assert status == 303 and "secure" in {a.strip().lower() for a in header(headers, "set-cookie")[0].split(";")}
    # never an open redirect
    for evil in ("//evil.fr", "https://evil.fr/", "/\\evil.fr"):
        status, headers, _ = post_login(server, "ed@exemple.fr", "un mot de passe long", evil)
        assert status == 303 and header(headers, "location") == ["/"], evil
    # signed in: the page says who, and offers to sign out
    status, _, body = call(server, "GET", "/connexion", headers={"Cookie": f"{auth.COOKIE_NAME}={value}"})
    assert status == 200 and "Vous êtes connecté·e : <strong>ed@exemple.fr</strong>" in body  # as stored
    assert 'action="/deconnexion"' in body and 'name="partout" value="1"' in body


def test_wrong_email_or_password_same_answer(server):
    status1, _, body1 = post_login(server, "ed@exemple.fr", "faux mot de passe", xff="203.0.113.60")
    status2, _, body2 = post_login(server, "inconnu@exemple.fr", "faux mot de passe", xff="203.0.113.61")
    assert status1 == status2 == 401
    assert html.escape(auth.WRONG) in body1 and body1.replace("ed@exemple.fr", "X") == body2.replace("inconnu@exemple.fr", "X")
    assert 'role="alert"' in body1 and 'aria-invalid="true"' in body1 and "<title>Erreur – Connexion" in body1
    status, _, body = post_login(server, '"><script>alert(1)</script>', "x", xff="203.0.113.62")
    assert status == 401 and "<script>alert" not in body and "&lt;script&gt;" in body


def test_cross_site_posts_refused(server):
    fields = {"email": "ed@exemple.fr", "mot_de_passe": "un mot de passe long"}
    for headers in ({}, {"Origin": "https://evil.fr"}, {"Origin": "null"}, {"Referer": "https://evil.fr/x"}):
        status, h, body = call(server, "POST", "/connexion", fields, headers)
        assert status == 403 and html.escape(auth.FORBIDDEN) in body and not header(h, "set-cookie"), headers
    assert call(server, "POST", "/connexion", fields, {"Referer": server + "/connexion"})[0] == 303
    assert call(server, "POST", "/deconnexion", {}, {"Origin": "https://evil.fr"})[0] == 403
    big = {"email": "ed@exemple.fr", "mot_de_passe": "x" * 20_000}
    assert call(server, "POST", "/connexion", big, {"Origin": server})[0] == 413


def test_rate_limit_429_per_email_and_per_forwarded_address(server):
    for i in range(5):
        assert post_login(server, "limite@exemple.fr", f"faux {i}", xff=f"203.0.113.{70 + i}")[0] == 401
    status, headers, body = post_login(server, "limite@exemple.fr", "un mot de passe long", xff="203.0.113.80")
    assert status == 429 and html.escape(auth.BLOCKED) in body and not header(headers, "set-cookie")
    # per address: the load balancer (127.0.0.1 here, NRDASH_TRUSTED_PROXIES) says who the client is
    for i in range(20):
        assert post_login(server, f"p{i}@exemple.fr", "x", xff="198.51.100.20")[0] == 401
    assert post_login(server, "q@exemple.fr", "x", xff="198.51.100.20")[0] == 429
    assert post_login(server, "q@exemple.fr", "x", xff="1.2.3.4, 198.51.100.21")[0] == 401  # another client


@pytest.fixture(scope="module")
def untrusting_server(tmp_path_factory):
    """The real server with no load balancer configured (NRDASH_TRUSTED_PROXIES unset), reached from 127.0.0.1."""
    data = tmp_path_factory.mktemp("auth-untrusting")
    Store(f"sqlite:///{data / 'nrdash.db'}", seed_sample=False).close()
    env = {"NRDASH_DATA_DIR": str(data), "STREAMLIT_SERVER_COOKIE_SECRET": SECRET, "NRDASH_TRUSTED_PROXIES": "",
           "FORWARDED_ALLOW_IPS": "127.0.0.1,::1"}  # uvicorn's own default, said out loud
    with streamlit_server(env=env) as url:
        yield url


def test_a_client_on_the_servers_machine_cannot_rotate_its_forwarded_address(untrusting_server):
    """uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise: a client of the server's own machine
    wrote a new address on each attempt and was never limited (issue 23: 30/30 attempts checked). Now the address
    is the socket's (no load balancer is configured), whatever the header says."""
    statuses = [post_login(untrusting_server, f"rot{i}@exemple.fr", "x", xff=f"203.0.113.{100 + i}")[0]
                for i in range(MAX_FAILURES_PER_IP + 3)]
    assert statuses == [401] * MAX_FAILURES_PER_IP + [429] * 3


def test_logout_clears_the_cookie(server):
    status, headers, _ = call(server, "POST", "/deconnexion", {"suivant": "/engagement"}, {"Origin": server})
    assert status == 303 and header(headers, "location") == ["/engagement"]
    [cookie] = header(headers, "set-cookie")
    assert cookie.startswith(f'{auth.COOKIE_NAME}=""') and "max-age=0" in cookie.lower() and "path=/" in cookie.lower()
    # the GET page: a confirmation for someone signed in, else straight back
    value = session_cookie(server)
    status, _, body = call(server, "GET", "/deconnexion?suivant=/matrice", headers={"Cookie": f"{auth.COOKIE_NAME}={value}"})
    assert status == 200 and 'name="suivant" value="/matrice"' in body and "Se déconnecter" in body
    status, headers, _ = call(server, "GET", "/deconnexion?suivant=//evil.fr")
    assert status == 303 and header(headers, "location") == ["/"]


def test_a_cookie_taken_before_signing_out_is_worth_nothing(server):
    """Issue 23: after « Se déconnecter » the old cookie kept working for 12 hours (it was stateless). It names a
    session of the database now, which signing out ends; « Se déconnecter partout » ends every other one."""
    jar = {"Cookie": f"{auth.COOKIE_NAME}=%s"}
    first, second, third = (session_cookie(server, xff=f"203.0.113.{i}") for i in (91, 92, 93))
    for value in (first, second, third):
        status, _, body = call(server, "GET", "/connexion", headers={"Cookie": jar["Cookie"] % value})
        assert "Vous êtes connecté·e" in body
    status, headers, _ = call(server, "POST", "/deconnexion", {"suivant": "/"},
                              {"Origin": server, "Cookie": jar["Cookie"] % first})
    assert status == 303
    status, _, body = call(server, "GET", "/connexion", headers={"Cookie": jar["Cookie"] % first})  # the copy
    assert status == 200 and "Vous êtes connecté·e" not in body and 'id="mot_de_passe"' in body
    assert signed_in_as(server, first) is None and signed_in_as(server, second) == "ed@exemple.fr"
    status, _, _ = call(server, "POST", "/deconnexion", {"suivant": "/", "partout": "1"},
                        {"Origin": server, "Cookie": jar["Cookie"] % second})
    assert status == 303
    assert signed_in_as(server, second) is None and signed_in_as(server, third) is None  # another device's too
    status, _, body = call(server, "GET", "/connexion", headers={"Cookie": jar["Cookie"] % third})
    assert "Vous êtes connecté·e" not in body
