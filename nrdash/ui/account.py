"""Who is signed in, for the pages: OpenID Connect through Streamlit's st.login when configured, else the local
session cookie set by nrdash.web.auth's /connexion route (its signature verified here with the shared
server.cookieSecret; the session it names is valid only while the store says so: signing out, signing out
everywhere, a role changed or removed, the account removed end it on every replica).

The pages call ``current_account()`` on every rerun, make the session's principal (``source.principal()``: a
session principal for a local sign-in, checked by the store at every operation) and ask the store what it may do
(``Store.access(principal, territory)``); ``account_block(next_path)`` draws « Se connecter » / « Connecté : … »
where it is called (the sidebar)."""
from __future__ import annotations

import html
from dataclasses import dataclass, field

import streamlit as st

from nrdash.web import auth
from nrdash.text import escape_md as _escape_md

_USERINFO_KEY = "_nrdash_oidc_userinfo"  # session state: (access token's hash, claims or error)


@dataclass(frozen=True)
class Account:
    email: str
    name: str  # what to show
    via: str  # "oidc" | "local"
    siret: str | None = None  # the organisation's SIRET when the identity provider gives it (ProConnect)
    session: str | None = field(default=None, repr=False)  # a local sign-in's session id (the store checks it)


ENDED = ("Votre session a pris fin (déconnexion, éventuellement depuis un autre appareil, rôle modifié ou retiré, "
         "ou durée écoulée) : reconnectez-vous.")


def _auth_section() -> dict:
    """Streamlit's [auth] secrets, or {} when there are none (no secrets file at all included)."""
    try:
        section = st.secrets.get("auth")
    except Exception:  # StreamlitSecretNotFoundError (no secrets file), a broken file: no OpenID Connect
        return {}
    return dict(section) if section else {}


def oidc_configured() -> bool:
    section = _auth_section()
    return bool(section.get("client_id") and section.get("server_metadata_url") and section.get("redirect_uri"))


def _provider_label(section: dict) -> str:
    if "proconnect" in str(section.get("server_metadata_url", "")).lower():
        return "S'identifier avec ProConnect"
    return "Se connecter avec le compte de l'organisation"


def _userinfo(section: dict) -> tuple[dict, str | None]:
    """The claims of the provider's userinfo endpoint, read once per session with the exposed access token
    (``[auth] expose_tokens = ["access"]``); ({}, None) when the access token is not exposed, ({}, problem) when
    the provider refused (expired access token) or could not be reached."""
    try:
        token = st.user.tokens["access"]
    except (KeyError, AttributeError):
        return {}, None
    import hashlib

    key = hashlib.sha256(token.encode()).hexdigest()
    cached = st.session_state.get(_USERINFO_KEY)
    if cached and cached[0] == key:
        return cached[1], cached[2]
    try:
        claims, problem = auth.fetch_userinfo(section["server_metadata_url"], token), None
    except auth.UserinfoError as exc:
        claims, problem = {}, str(exc)
    st.session_state[_USERINFO_KEY] = (key, claims, problem)
    return claims, problem


def _oidc_account() -> Account | None:
    if not st.user.is_logged_in:
        return None
    claims = {k: v for k, v in st.user.to_dict().items() if isinstance(v, str)}
    section = _auth_section()
    if section.get("server_metadata_url"):
        userinfo, problem = _userinfo(section)
        claims.update({k: v for k, v in userinfo.items() if isinstance(v, (str, int)) and not isinstance(v, bool)})
        if problem and not claims.get("email"):
            st.session_state["_nrdash_oidc_problem"] = problem
    email = str(claims.get("email") or "").strip()
    if not email:
        return None
    name = " ".join(str(claims[k]) for k in ("given_name", "usual_name") if claims.get(k)) or \
        str(claims.get("name") or email)
    siret = str(claims["siret"]) if claims.get("siret") else None
    return Account(email=email, name=name, via="oidc", siret=siret)


def session_id() -> str | None:
    """The session id of this browser's local sign-in cookie, when its signature holds (not whether the session is
    still valid: the store decides that at every operation)."""
    return auth.verify_session(st.context.cookies.get(auth.COOKIE_NAME), auth.cookie_secret())


def current_account() -> Account | None:
    """The signed-in account: via OpenID Connect (st.user, plus the provider's userinfo when the access token is
    exposed), else the local session the cookie names while the store says it is valid (it is read at each
    rerun: a session ended elsewhere, on any replica, is signed out here at the next one); None otherwise."""
    if oidc_configured():
        account = _oidc_account()
        if account is not None:
            return account
    sid = session_id()
    if sid:
        from ..store import Principal, get_store

        email = get_store().signed_in(Principal.session(sid))
        if email:
            return Account(email=email, name=email, via="local", session=sid)
    return None


def principal_of(account: Account | None, client: str):
    """The store's principal for who is signed in: a local sign-in's session (the store checks at every operation
    that it is still valid), an identity provider's account, else an anonymous visitor."""
    from ..store import Principal

    if account is None:
        return Principal.anonymous(client)
    if account.session:
        return Principal.session(account.session, client)
    return Principal.account(account.email, client)


def account_block(next_path: str) -> None:
    """« Se connecter » (the local sign-in page, and the identity provider's button when configured) or
    « Connecté : e-mail » with « Se déconnecter ». ``next_path``: where to come back to (this page and its
    query string)."""
    account = current_account()
    paths = auth.paths()
    if account is None:
        if oidc_configured():
            if st.user.is_logged_in:
                st.warning("Votre fournisseur d'identité n'a pas donné d'adresse électronique "
                           f"({st.session_state.get('_nrdash_oidc_problem') or 'aucune dans son identité'}) : "
                           "reconnectez-vous.")
            if st.button(_provider_label(_auth_section()), key="nrdash_login_oidc", type="primary"):
                st.login()
            label = "Se connecter avec un compte local"
        else:
            label = "Se connecter"
        if session_id():  # a local session this browser still names, ended meanwhile
            st.info(ENDED, icon=":material/person_off:")
        # A plain link: within the app it opens in the same tab (nrdash.web.frontend); no raw HTML to fetch a script for
        st.markdown(f"[{label}]({auth.login_url(next_path)})")  # (login_url: a quoted path)
        return
    st.markdown(f"Connecté : **{_escape_md(account.name)}**"
                + (f"  \n{_escape_md(account.email)}" if account.name != account.email else ""))
    if account.via == "oidc":
        if st.button("Se déconnecter", key="nrdash_logout_oidc"):
            st.logout()
    else:  # the cookie is HttpOnly: only the server's route can clear it, by a form posted to it, which ends the
        # session in the database (« partout »: every session of the account, on every device and replica)
        button = ('style="font:inherit;color:inherit;background:#fff;cursor:pointer;margin:0 .5rem .5rem 0;'
                  'border:1px solid rgba(49,51,63,.4);border-radius:.5rem;padding:.25rem .75rem"')
        st.html(f'<form method="post" action="{html.escape(paths.logout)}">'
                f'<input type="hidden" name="suivant" value="{html.escape(auth.safe_next(next_path))}">'
                f'<button type="submit" {button}>Se déconnecter</button>'
                f'<button type="submit" name="partout" value="1" {button} title="Ferme aussi vos sessions ouvertes '
                'sur d\'autres appareils ou navigateurs">Se déconnecter partout</button></form>')
