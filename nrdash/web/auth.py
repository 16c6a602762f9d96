"""Local sign-in for nrdash's web server: a signed cookie set by a route of the server (Streamlit scripts
cannot set cookies), valid on every replica that shares ``server.cookieSecret``.

- ``GET /connexion`` shows a small French form of our own (no external resource); ``POST /connexion`` checks
  the e-mail and password against the store's local accounts (argon2), rate-limited in the database per e-mail
  and per client address (``Store.sign_in``: counted and decided in one transaction), and on success sets the
  session cookie and redirects (303) to ``suivant``, which must be a relative path of this site (never an open
  redirect). ``POST /deconnexion`` ends the session in the database (``partout=1``: every session of the account)
  and clears the cookie.
- The cookie holds a server-side session's id and an expiry, signed with HMAC-SHA256 under a key derived from
  Streamlit's ``server.cookieSecret``; HttpOnly, SameSite=Lax, Path=/, Secure when the request came over https
  (directly or as ``X-Forwarded-Proto`` says). The session is a row of the shared database (only the id's SHA-256
  is kept): signing out, signing out everywhere, a role changed or removed, the account removed end it, and every
  replica refuses it from the next operation — a copy of the cookie taken before is worth nothing.
- Cross-site requests: every POST must carry an Origin (or, failing that, a Referer) of this site, on top of
  SameSite=Lax.
- The client address (rate limit) is the socket's peer; ``X-Forwarded-For`` is read only when the peer is one
  of the load balancers named in ``NRDASH_TRUSTED_PROXIES`` (addresses or CIDR networks, comma-separated), by
  uvicorn too (``restrict_proxy_headers``: by default it believes any program on the server's machine).

The pure functions (sign_session, verify_session, client_ip, safe_next, trusted_proxies, login_attempt) have
no Streamlit import (login_attempt takes the store); the Starlette endpoints read the secret and the base path from Streamlit's config.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import html
import ipaddress
import json
import os
import time
from dataclasses import dataclass
from typing import Any, Iterable, Mapping
from urllib.parse import parse_qs, quote, urlsplit

from . import webpage

COOKIE_NAME = "nrdash_session"
SESSION_SECONDS = 12 * 3600  # a working day: signing in again each morning (the session row's lifetime too)
TRUSTED_PROXIES_VARIABLE = "NRDASH_TRUSTED_PROXIES"
MAX_FORM_BYTES = 8 * 1024
MAX_EMAIL, MAX_PASSWORD = 254, 1024
_KEY_LABEL = b"nrdash local session v1"

WRONG = "Adresse électronique ou mot de passe incorrect. Vérifiez-les et réessayez."
BLOCKED = ("Trop de tentatives de connexion échouées pour cette adresse électronique ou depuis ce poste : "
           "patientez 15 minutes avant de réessayer.")
FORBIDDEN = ("Demande refusée : elle ne vient pas d'une page de ce site. Rouvrez la page de connexion depuis le "
             "tableau de bord et réessayez.")
TOO_LARGE = "Formulaire trop volumineux : l'adresse électronique ou le mot de passe est trop long."


# ---------------------------------------------------------------------------------------------------------------
# The signed session cookie
# ---------------------------------------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(secret: str) -> bytes:
    if not secret:
        raise ValueError("server.cookieSecret est vide : donnez-lui une valeur secrète, la même sur chaque réplique.")
    return hmac.new(str(secret).encode("utf-8"), _KEY_LABEL, hashlib.sha256).digest()


def sign_session(session_id: str, secret: str, now: float | None = None, max_age: int = SESSION_SECONDS) -> str:
    """The cookie value for a session: payload.signature, both base64url."""
    now = time.time() if now is None else now
    payload = _b64(json.dumps({"s": session_id, "x": int(now) + int(max_age)}, separators=(",", ":")).encode("utf-8"))
    mac = hmac.new(_key(secret), payload.encode("ascii"), hashlib.sha256).digest()
    return f"{payload}.{_b64(mac)}"


def verify_session(value: str | None, secret: str, now: float | None = None) -> str | None:
    """The session id of a cookie value signed with this secret and not expired; None for anything else (whether
    the session is still valid is the store's business: ``Principal.session``)."""
    if not value or not secret or len(value) > 2048 or value.count(".") != 1:
        return None
    payload, mac = value.split(".")
    try:
        expected = hmac.new(_key(secret), payload.encode("ascii"), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(mac)):
            return None
        data = json.loads(_unb64(payload))
    except (ValueError, UnicodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("s"), str) or not isinstance(data.get("x"), int):
        return None
    if data["x"] <= (time.time() if now is None else now):
        return None
    return data["s"] or None


# ---------------------------------------------------------------------------------------------------------------
# Where to go after signing in, who is asking
# ---------------------------------------------------------------------------------------------------------------
def safe_next(url: str | None, default: str = "/") -> str:
    """``url`` when it is a path of this site (``/page?x=1``), else ``default``: no scheme, no host, no
    ``//host`` or ``/\\host`` (browsers read a backslash as a slash), no control character or space (browsers
    drop tabs and newlines, which could join two slashes)."""
    if not url or len(url) > 2000 or not url.startswith("/") or url.startswith("//"):
        return default
    if "\\" in url or any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        return default
    try:
        parts = urlsplit(url)
    except ValueError:
        return default
    if parts.scheme or parts.netloc:
        return default
    return url


def trusted_proxies(value: str | None = None) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The load balancers whose X-Forwarded-For is believed (NRDASH_TRUSTED_PROXIES), checked."""
    if value is None:
        value = os.environ.get(TRUSTED_PROXIES_VARIABLE, "")
    networks, wrong = [], []
    for item in (v.strip() for v in value.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            wrong.append(item)
    if wrong:
        raise ValueError(f"{TRUSTED_PROXIES_VARIABLE}={value!r} : adresse invalide ({', '.join(wrong)}). Donnez les "
                         "adresses ou réseaux (CIDR) des répartiteurs de charge, séparés par des virgules, par "
                         "exemple : 10.0.0.5, 192.168.10.0/24.")
    return networks


def restrict_proxy_headers(trusted: Iterable | None = None) -> None:
    """Make the web server believe X-Forwarded-For and X-Forwarded-Proto only from ``trusted`` (by default
    NRDASH_TRUSTED_PROXIES; nobody when it is unset).

    uvicorn, which serves Streamlit, rewrites every request's client address and scheme from those headers when
    the socket's peer is in its ``forwarded_allow_ips``, 127.0.0.1 and ::1 by default: any program on the server's
    own machine (or a proxy there that passes the header through) then chooses the address that Streamlit
    (``st.context.ip_address``) and the sign-in routes see, and the rate limits count. Streamlit builds uvicorn's
    Config before it imports nrdash/web/server.py, so neither the option nor uvicorn's FORWARDED_ALLOW_IPS variable
    can be set from here; but uvicorn wraps the application in its proxy-headers middleware after importing it:
    nrdash/web/server.py calls this at import, and that middleware is given nrdash's list instead of uvicorn's.
    Tested against a real server (tests/web/test_auth.py, tests/e2e/test_forwarded.py)."""
    import uvicorn.config
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    hosts = [str(n) for n in (trusted_proxies() if trusted is None else trusted)]
    base = getattr(uvicorn.config.ProxyHeadersMiddleware, "nrdash_base", ProxyHeadersMiddleware)

    class TrustedProxyHeaders(base):
        nrdash_base = base

        def __init__(self, app, trusted_hosts=None) -> None:  # uvicorn's own list is ignored
            super().__init__(app, trusted_hosts=hosts)

    uvicorn.config.ProxyHeadersMiddleware = TrustedProxyHeaders


def _ip(text: str | None):
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


def _forwarded_for(headers: Any) -> list[str]:
    if headers is None:
        return []
    if hasattr(headers, "getlist"):
        values = headers.getlist("x-forwarded-for")
    elif isinstance(headers, Mapping):
        values = [v for k, v in headers.items() if str(k).lower() == "x-forwarded-for"]
    else:  # ASGI pairs
        values = [v.decode("latin-1") if isinstance(v, bytes) else v for k, v in headers
                  if (k.decode("latin-1") if isinstance(k, bytes) else k).lower() == "x-forwarded-for"]
    return [hop.strip() for value in values for hop in str(value).split(",")]


def client_ip(peer: str | None, headers: Any, trusted: Iterable) -> str:
    """The client's address: the socket peer, or, when the peer is a trusted load balancer, the last hop of
    X-Forwarded-For that is not itself a trusted load balancer (hops a client wrote itself, to the left, are
    never read)."""
    trusted = list(trusted)
    current = _ip(peer)
    if current is None:
        return str(peer or "inconnu")[:64]

    def is_trusted(address) -> bool:
        return any(address.version == n.version and address in n for n in trusted)

    hops = _forwarded_for(headers)
    while is_trusted(current) and hops:
        previous = _ip(hops.pop())
        if previous is None:  # junk written by whoever is before the trusted hop: stop at the trusted hop
            break
        current = previous
    return str(current)


def _host(netloc: str) -> str:
    netloc = netloc.strip().lower()
    for default in (":80", ":443"):
        if netloc.endswith(default):
            return netloc[: -len(default)]
    return netloc


def same_origin(headers: Mapping[str, str]) -> bool:
    """Whether a POST comes from a page of this site: its Origin (or Referer when a browser sends no Origin)
    names the host the request was sent to."""
    host = _host(headers.get("host", ""))
    source = headers.get("origin") or headers.get("referer")
    if not host or not source or source == "null":
        return False
    try:
        parts = urlsplit(source)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and _host(parts.netloc) == host


def is_https(scheme: str, headers: Mapping[str, str]) -> bool:
    forwarded = headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
    return scheme == "https" or forwarded == "https"


# ---------------------------------------------------------------------------------------------------------------
# The sign-in attempt
# ---------------------------------------------------------------------------------------------------------------
def login_attempt(store, email: str, password: str, ip: str):
    """The store's ``SignIn``: its ``outcome`` 'ok' (with the new ``session``'s id), 'wrong' (unknown e-mail and
    wrong password alike) or 'blocked' (too many failures: nothing is checked, nor recorded, so that waiting is
    enough)."""
    import datetime as dt

    from ..store import Principal

    who = Principal.anonymous(client=ip)  # not signed in yet: the store reads nothing else of it
    return store.sign_in(who, email, password, lifetime=dt.timedelta(seconds=SESSION_SECONDS))


# ---------------------------------------------------------------------------------------------------------------
# The page (French, accessible, nothing external)
# ---------------------------------------------------------------------------------------------------------------
# The page shell (style, content security policy, the statement's link) is nrdash.web.webpage's.
PAGE_CSP = webpage.CSP


def _page(title: str, body: str) -> str:
    return webpage.render(title, body)


def login_page(action: str, next_path: str, email: str = "", error: str | None = None,
               signed_in_as: str | None = None, logout_action: str = "") -> str:
    """The sign-in page: the form, with the error above it (announced by screen readers), or, for someone
    already signed in, who they are and a sign-out button."""
    a, n = html.escape(action), html.escape(next_path)
    back = f'<p><a href="{n}">Revenir au tableau de bord</a></p>'
    if signed_in_as:
        return _page("Connexion", (
            "<h1>Connexion</h1>"
            f'<p class="info">Vous êtes connecté·e : <strong>{html.escape(signed_in_as)}</strong>.</p>'
            f'<form method="post" action="{html.escape(logout_action)}">'
            f'<input type="hidden" name="suivant" value="{n}">'
            '<button type="submit">Se déconnecter</button>'
            '<button type="submit" name="partout" value="1" class="secondaire">Se déconnecter partout</button>'
            '</form><p>« Se déconnecter partout » ferme aussi vos sessions ouvertes sur d\'autres appareils ou '
            'navigateurs.</p>' + back))
    alert = (f'<div id="erreur" class="erreur" role="alert"><p>{html.escape(error)}</p></div>' if error else "")
    described = ' aria-describedby="erreur" aria-invalid="true"' if error else ""
    return _page(("Erreur – " if error else "") + "Connexion", (
        "<h1>Connexion</h1>"
        "<p>Connectez-vous avec le compte local que l'administrateur de l'instance vous a créé. "
        "Tous les champs sont obligatoires.</p>" + alert +
        f'<form method="post" action="{a}">'
        f'<input type="hidden" name="suivant" value="{n}">'
        '<label for="email">Adresse électronique <span>(format : nom@domaine.fr)</span></label>'
        f'<input id="email" name="email" type="email" autocomplete="username" required maxlength="{MAX_EMAIL}" '
        f'spellcheck="false" value="{html.escape(email)}"{described}>'
        '<label for="mot_de_passe">Mot de passe</label>'
        f'<input id="mot_de_passe" name="mot_de_passe" type="password" autocomplete="current-password" required '
        f'maxlength="{MAX_PASSWORD}"{described}>'
        '<button type="submit">Se connecter</button></form>' + back))


# ---------------------------------------------------------------------------------------------------------------
# The Starlette routes
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Paths:
    base: str  # "/" or "/prefix/"
    login: str
    logout: str


def paths(base_url_path: str | None = None) -> Paths:
    if base_url_path is None:
        from streamlit import config

        base_url_path = config.get_option("server.baseUrlPath") or ""
    prefix = "/" + base_url_path.strip("/") if base_url_path.strip("/") else ""
    return Paths(prefix + "/", prefix + "/connexion", prefix + "/deconnexion")


def cookie_secret() -> str:
    from streamlit import config

    return config.get_option("server.cookieSecret")


def login_url(next_path: str = "/", base_url_path: str | None = None) -> str:
    return f"{paths(base_url_path).login}?suivant={quote(safe_next(next_path), safe='/')}"


def routes(trusted: list | None = None, store_factory=None) -> list:
    """The Starlette routes of the local sign-in (for ``st.App(routes=...)``)."""
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, RedirectResponse, Response
    from starlette.routing import Route

    p = paths()
    trusted = trusted_proxies() if trusted is None else trusted
    if store_factory is None:
        def store_factory():
            from ..store import get_store

            return get_store()

    def page(content: str, status: int = 200) -> Response:
        return HTMLResponse(content, status_code=status, headers={
            "cache-control": "no-store", "content-security-policy": PAGE_CSP})

    def redirect(to: str) -> Response:
        return RedirectResponse(to, status_code=303, headers={"cache-control": "no-store"})

    def session_of(request: Request):
        """The request's session principal (None without a valid cookie): the store says whether it is valid."""
        from ..store import Principal

        sid = verify_session(request.cookies.get(COOKIE_NAME), cookie_secret())
        if sid is None:
            return None
        return Principal.session(sid, client_ip(request.client.host if request.client else None, request.headers,
                                                trusted))

    async def current(request: Request) -> str | None:
        """The e-mail of the request's session while it is valid."""
        who = session_of(request)
        return None if who is None else await run_in_threadpool(lambda: store_factory().signed_in(who))

    async def form(request: Request) -> dict[str, str] | None:
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                return None
        fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] for k, v in fields.items()}

    async def login(request: Request) -> Response:
        nxt = safe_next(request.query_params.get("suivant"), p.base)
        if request.method == "GET":
            return page(login_page(p.login, nxt, signed_in_as=await current(request), logout_action=p.logout))
        if not same_origin(request.headers):
            return page(login_page(p.login, nxt, error=FORBIDDEN), 403)
        fields = await form(request)
        if fields is None:
            return page(login_page(p.login, nxt, error=TOO_LARGE), 413)
        nxt = safe_next(fields.get("suivant") or request.query_params.get("suivant"), p.base)
        email = fields.get("email", "").strip()[:MAX_EMAIL]
        password = fields.get("mot_de_passe", "")[:MAX_PASSWORD]
        ip = client_ip(request.client.host if request.client else None, request.headers, trusted)
        attempt = await run_in_threadpool(lambda: login_attempt(store_factory(), email, password, ip))
        if attempt.outcome == "blocked":
            return page(login_page(p.login, nxt, email, BLOCKED), 429)
        if attempt.outcome != "ok":
            return page(login_page(p.login, nxt, email, WRONG), 401)
        response = redirect(nxt)
        response.set_cookie(COOKIE_NAME, sign_session(attempt.session, cookie_secret()), max_age=SESSION_SECONDS,
                            path="/", httponly=True, samesite="lax",
                            secure=is_https(request.url.scheme, request.headers))
        return response

    async def logout(request: Request) -> Response:
        if request.method == "GET":
            nxt = safe_next(request.query_params.get("suivant"), p.base)
            email = await current(request)
            if email is None:
                return redirect(nxt)
            return page(login_page(p.login, nxt, signed_in_as=email, logout_action=p.logout))
        if not same_origin(request.headers):
            return page(login_page(p.login, p.base, error=FORBIDDEN), 403)
        fields = await form(request) or {}
        who = session_of(request)
        if who is not None:  # ended in the database: every replica refuses it from its next operation
            everywhere = fields.get("partout") == "1"
            await run_in_threadpool(lambda: store_factory().sign_out(who, everywhere=everywhere))
        response = redirect(safe_next(fields.get("suivant") or request.query_params.get("suivant"), p.base))
        response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="lax",
                               secure=is_https(request.url.scheme, request.headers))
        return response

    return [Route(p.login, login, methods=["GET", "POST"]), Route(p.logout, logout, methods=["GET", "POST"])]


# ---------------------------------------------------------------------------------------------------------------
# OpenID Connect: the provider's userinfo endpoint (ProConnect gives the e-mail and SIRET only there)
# ---------------------------------------------------------------------------------------------------------------
class UserinfoError(Exception):
    """The provider's userinfo could not be read (expired access token, provider unreachable, bad answer)."""


_metadata_cache: dict[str, dict] = {}


def provider_metadata(url: str, timeout: float = 5.0) -> dict:
    """The provider's OpenID configuration (discovery document), fetched once per process."""
    if url not in _metadata_cache:
        import httpx

        try:
            response = httpx.get(url, timeout=timeout)
            response.raise_for_status()
            _metadata_cache[url] = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise UserinfoError(f"configuration du fournisseur illisible ({type(exc).__name__})") from exc
    return _metadata_cache[url]


def parse_userinfo(content_type: str, body: bytes, jwks: dict | None = None) -> dict:
    """The claims of a userinfo answer: plain JSON, or a signed JWT (``application/jwt``, as ProConnect answers)
    whose signature is checked against the provider's keys."""
    if content_type.split(";")[0].strip().lower() == "application/jwt":
        from joserfc import jwt
        from joserfc.errors import JoseError
        from joserfc.jwk import KeySet

        if not jwks:
            raise UserinfoError("réponse signée sans clés du fournisseur pour la vérifier")
        try:
            token = jwt.decode(body.decode("ascii").strip(), KeySet.import_key_set(jwks),
                               algorithms=["RS256", "ES256", "PS256", "RS384", "ES384", "RS512", "ES512"])
        except (JoseError, ValueError, UnicodeError) as exc:
            raise UserinfoError(f"réponse signée invalide ({type(exc).__name__})") from exc
        claims = dict(token.claims)
    else:
        try:
            claims = json.loads(body)
        except ValueError as exc:
            raise UserinfoError("réponse illisible") from exc
    if not isinstance(claims, dict):
        raise UserinfoError("réponse illisible")
    return claims


def fetch_userinfo(metadata_url: str, access_token: str, timeout: float = 5.0) -> dict:
    """The signed-in person's claims from the provider's userinfo endpoint, with their access token."""
    import httpx

    meta = provider_metadata(metadata_url, timeout)
    endpoint = meta.get("userinfo_endpoint")
    if not endpoint:
        raise UserinfoError("le fournisseur n'annonce pas de point d'accès userinfo")
    try:
        response = httpx.get(endpoint, headers={"Authorization": f"Bearer {access_token}"}, timeout=timeout)
    except httpx.HTTPError as exc:
        raise UserinfoError(f"fournisseur injoignable ({type(exc).__name__})") from exc
    if response.status_code != 200:
        raise UserinfoError(f"le fournisseur refuse (HTTP {response.status_code}) : jeton d'accès expiré ?")
    jwks = None
    if response.headers.get("content-type", "").split(";")[0].strip().lower() == "application/jwt":
        try:
            jwks = httpx.get(meta["jwks_uri"], timeout=timeout).json()
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            raise UserinfoError(f"clés du fournisseur illisibles ({type(exc).__name__})") from exc
    return parse_userinfo(response.headers.get("content-type", ""), response.content, jwks)
