"""HTTP protections on every answer of nrdash's web server, as an ASGI middleware (used by nrdash/web/server.py).

- `X-Content-Type-Options: nosniff`: a browser takes a file for the type the server gives it, never guesses
  (an uploaded or downloaded file is never run as a script or a page);
- `Referrer-Policy: same-origin`: an address of the app (its pages, their query strings) is never sent to
  another site a link leads to; within the app, requests go on as before (the browser's own default,
  strict-origin-when-cross-origin, would still give other sites the server's name: on an intranet, that
  already says something);
- `Content-Security-Policy: frame-ancestors 'self'`: no other site may show the dashboard in a frame (to dress
  it up or make its users click on it unawares). An intranet that embeds the dashboard names its own address
  in NRDASH_FRAME_ANCESTORS (CSP source list: `'self' https://intranet.example.fr`).
"""
from __future__ import annotations

import os
import re

FRAME_ANCESTORS_VARIABLE = "NRDASH_FRAME_ANCESTORS"
DEFAULT_FRAME_ANCESTORS = "'self'"
REFERRER_POLICY = b"same-origin"
# A CSP source: a keyword, a scheme (https:), or a host with optional scheme, wildcard, port and path.
_SOURCE = re.compile(r"'self'|'none'|[a-z][a-z0-9+.-]*:"
                     r"|([a-z][a-z0-9+.-]*://)?(\*\.)?[a-z0-9.-]+(:(\d+|\*))?(/[^\s;,']*)?", re.IGNORECASE)


def frame_ancestors(value: str | None = None) -> str:
    """The frame-ancestors source list: NRDASH_FRAME_ANCESTORS, checked, or 'self'."""
    if value is None:
        value = os.environ.get(FRAME_ANCESTORS_VARIABLE, "")
    sources = value.split()
    if not sources:
        return DEFAULT_FRAME_ANCESTORS
    wrong = [s for s in sources if not _SOURCE.fullmatch(s)]
    if not wrong and "'none'" in sources and len(sources) > 1:
        wrong = ["'none' avec d'autres adresses"]
    if wrong:
        raise ValueError(
            f"{FRAME_ANCESTORS_VARIABLE}={value!r} : valeur invalide ({', '.join(wrong)}). "
            "Donnez les adresses autorisées à afficher le tableau de bord dans un cadre, séparées par des espaces, "
            "par exemple : 'self' https://intranet.mairie.fr — ou 'none' pour l'interdire partout.")
    return " ".join(sources)


class SecurityHeaders:
    """ASGI middleware: the HTTP protections above on every HTTP answer (pages, static files, API)."""

    def __init__(self, app, frame_ancestors_value: str | None = None) -> None:
        self.app = app
        self.headers = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", REFERRER_POLICY),
                        (b"content-security-policy",
                         b"frame-ancestors " + frame_ancestors(frame_ancestors_value).encode("ascii"))]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                added = [(k, v) for k, v in self.headers
                         if k not in present or k == b"content-security-policy"]  # several CSPs all apply
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        await self.app(scope, receive, with_headers)
