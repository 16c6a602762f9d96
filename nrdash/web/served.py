"""Files nrdash's web server answers itself, by URL prefix: a mapping of routes (URL prefix -> Served) given to the
middleware. nrdash/web/server.py composes them (the font subsets of nrdash.web.fonts, the plotly.js build of
nrdash.plotting) and puts this middleware inside the compression middleware (so the script is compressed like
Streamlit's own).

The files are content-addressed or stand in for content-hashed files: cached by browsers for a year, unless a file
says otherwise (Streamlit's scripts translated into French, nrdash.web.frontend: a day).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

CACHE_CONTROL = b"public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Served:
    body: bytes
    content_type: bytes
    cache_control: bytes = CACHE_CONTROL

    @property
    def etag(self) -> bytes:
        return b'"' + hashlib.sha256(self.body).hexdigest()[:32].encode() + b'"'


class ServeFiles:
    """ASGI middleware: GET/HEAD of a path starting with one of the routes' prefixes gets that file."""

    def __init__(self, app, routes: dict[str, Served]) -> None:
        self.app = app
        self.routes = routes
        self._etags = {prefix: served.etag for prefix, served in self.routes.items()}

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "")
        prefix = next((p for p in self.routes if path.startswith(p)), None)
        if prefix is None or scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        served, etag = self.routes[prefix], self._etags[prefix]
        request_headers = {k.lower(): v for k, v in scope.get("headers", [])}
        headers = [(b"content-type", served.content_type), (b"cache-control", served.cache_control), (b"etag", etag)]
        if etag in request_headers.get(b"if-none-match", b""):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers.append((b"content-length", str(len(served.body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": served.body if scope["method"] == "GET" else b""})
