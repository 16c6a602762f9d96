"""nrdash's addresses as people copy them: every link to a page of the instance (a locked workshop link, the
actors' questionnaire; later the command line's link commands, e-mails and QR codes) is built by ``public_url``, in
one place. Pure: the caller passes the setting and the address of the request.

The instance's public address is the ``NRDASH_PUBLIC_URL`` setting (``https://nrdash.agglo.fr``, or with a path
prefix ``https://www.agglo.fr/nrdash``) when it is set; otherwise the address the browser shows for the current
page gives its scheme and host, with Streamlit's own path prefix (``server.baseUrlPath``). The setting wins: behind
a reverse proxy, or to give links that do not depend on the address someone happened to use (``localhost``, an
internal name)."""
from __future__ import annotations

import urllib.parse

PUBLIC_URL_ENV = "NRDASH_PUBLIC_URL"
EXAMPLE = "https://nrdash.agglo.fr"


class LinkError(ValueError):
    """The instance's address cannot be known or is wrongly set (the message says how to fix it, in French)."""


def _base(value: str, what: str) -> str:
    """scheme://host[:port][/prefix] of an http(s) address, without a trailing slash, or LinkError."""
    parts = urllib.parse.urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LinkError(f"{what} « {value.strip()[:200]} » n'est pas une adresse web complète : écrivez-la avec "
                        f"son protocole, par exemple {EXAMPLE}.")
    if parts.username or parts.password:
        raise LinkError(f"{what} ne doit pas contenir d'identifiant ni de mot de passe : par exemple {EXAMPLE}.")
    if parts.query or parts.fragment:
        raise LinkError(f"{what} « {value.strip()[:200]} » ne doit contenir ni « ? » ni « # » : seulement "
                        f"l'adresse du serveur, par exemple {EXAMPLE}.")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def public_base(setting: str | None) -> str | None:
    """``NRDASH_PUBLIC_URL`` as links start (no trailing slash); None when it is not set."""
    if setting is None or not setting.strip():
        return None
    return _base(setting, PUBLIC_URL_ENV)


def public_url(path: str, setting: str | None = None, request_url: str | None = None, base_path: str = "") -> str:
    """The whole address of ``path`` (an address inside the app: ``/?territoire=…``, ``/questionnaire?…``).

    ``setting``: ``NRDASH_PUBLIC_URL`` (wins when set); ``request_url``: the address of the current page as the
    browser shows it (``st.context.url``): its scheme and host are kept, with ``base_path`` (Streamlit's
    ``server.baseUrlPath``) as the app's prefix. LinkError when the setting is wrong, or when it is unset and no
    request address is known (the command line)."""
    if not path.startswith("/"):
        path = "/" + path
    base = public_base(setting)
    if base is None:
        parts = urllib.parse.urlsplit((request_url or "").strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise LinkError(f"Adresse publique de l'instance inconnue : réglez {PUBLIC_URL_ENV} (par exemple "
                            f"{EXAMPLE}).")
        prefix = "/" + base_path.strip("/") if base_path.strip("/") else ""
        base = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{prefix}"  # never a user:password@ it held
    return base + path


def locked_link_path(code: str, token: str) -> str:
    """A locked workshop link's address inside the app: the territory, mode atelier and the token."""
    return "/?" + urllib.parse.urlencode({"territoire": code, "atelier": "1", "jeton": token})


def questionnaire_path(code: str) -> str:
    """The actors' questionnaire of a territory, inside the app."""
    return "/questionnaire?" + urllib.parse.urlencode({"territoire": code})
