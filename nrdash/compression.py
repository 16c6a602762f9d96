"""Gzip for Streamlit's static files, as an ASGI middleware (used by nrdash/server.py).

Streamlit serves its JavaScript and CSS uncompressed (it leaves that to a reverse proxy, which a town hall's
laptop or a council room does not have). Here they are gzipped once per file and kept in memory (the files are
content-hashed and never change while the server runs). Everything else goes through untouched.
"""
from __future__ import annotations

import gzip


COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
MIN_SIZE = 512
MAX_CACHED = 1024  # files; Streamlit ships about 600


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    return next((v for k, v in headers if k.lower() == name), None)


def compressible(path: str, request_headers: list[tuple[bytes, bytes]]) -> bool:
    """A whole (not ranged) GET of a static file, by a client that accepts gzip."""
    accept = (_header(request_headers, b"accept-encoding") or b"").lower()
    return path.startswith("/static/") and b"gzip" in accept and _header(request_headers, b"range") is None


class StaticGzip:
    """ASGI middleware: gzip the responses to compressible() requests whose type is text, cached per file."""

    def __init__(self, app) -> None:
        self.app = app
        self.cache: dict[tuple[str, bytes], bytes] = {}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or not compressible(scope.get("path", ""),
                                                                                       scope.get("headers", [])):
            await self.app(scope, receive, send)
            return
        # Streamlit's static route answers with a file response: make it send its bytes to us, not a file path.
        extensions = {k: v for k, v in (scope.get("extensions") or {}).items()
                      if k not in ("http.response.pathsend", "http.response.zerocopysend")}
        scope = {**scope, "extensions": extensions}
        start: dict | None = None
        chunks: list[bytes] = []

        async def capture(message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await self._respond(scope["path"], start, b"".join(chunks), send)
            else:
                await send(message)

        await self.app(scope, receive, capture)

    async def _respond(self, path: str, start: dict, body: bytes, send) -> None:
        headers = list(start.get("headers", []))
        kind = (_header(headers, b"content-type") or b"").decode("latin-1")
        if (start["status"] != 200 or len(body) < MIN_SIZE or _header(headers, b"content-encoding") is not None
                or not kind.startswith(COMPRESSIBLE)):
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        key = (path, _header(headers, b"etag") or str(len(body)).encode())
        packed = self.cache.get(key)
        if packed is None:
            packed = gzip.compress(body, compresslevel=9, mtime=0)
            if len(self.cache) < MAX_CACHED:
                self.cache[key] = packed
        headers = [(k, v) for k, v in headers if k.lower() not in (b"content-length", b"vary")]
        headers += [(b"content-encoding", b"gzip"), (b"content-length", str(len(packed)).encode()),
                    (b"vary", b"Accept-Encoding")]
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": packed})

