"""Compression of Streamlit's static files, as an ASGI middleware (used by nrdash/server.py).

Streamlit serves its JavaScript and CSS uncompressed (it leaves that to a reverse proxy, which a town hall's
laptop or a council room does not have). Here each file is compressed once and kept in memory (the files are
content-hashed and never change while the server runs):

- gzip (level 9) right away, on the first request for the file: a few tens of milliseconds;
- Brotli at its best quality in a background thread: ~25 % smaller than gzip on Streamlit's scripts (its plotly
  chunk: 1.42 MB gzip, 1.06 MB Brotli) but ~8 s of work for the largest one, so it is never made on a request's
  time: until it is ready, browsers get the gzip version.

Everything else (API, websocket, uploads, downloads, fonts and images) goes through untouched.
"""
from __future__ import annotations

import gzip
import threading
from concurrent.futures import Future, ThreadPoolExecutor

import brotli

COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
STATIC_PREFIXES = ("/static/", "/nrdash-static/")  # Streamlit's files, nrdash's (nrdash.served)
MIN_SIZE = 512
MAX_CACHED = 2048  # compressed versions kept (one or two per file); Streamlit ships about 600 scripts
BROTLI_QUALITY = 11


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    return next((v for k, v in headers if k.lower() == name), None)


def accepted_encodings(request_headers: list[tuple[bytes, bytes]]) -> set[str]:
    """The content codings a client accepts (Accept-Encoding; those given q=0 left out)."""
    accepted = set()
    for item in (_header(request_headers, b"accept-encoding") or b"").decode("latin-1").lower().split(","):
        name, *params = [part.strip() for part in item.split(";")]
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if name and q > 0:
            accepted.add(name)
    return accepted


def compressible(path: str, request_headers: list[tuple[bytes, bytes]]) -> bool:
    """A whole (not ranged) GET of a static file, by a client that accepts gzip or Brotli."""
    return (path.startswith(STATIC_PREFIXES) and bool(accepted_encodings(request_headers) & {"gzip", "br"})
            and _header(request_headers, b"range") is None)


class StaticCompression:
    """ASGI middleware: Brotli or gzip for compressible() requests whose type is text, cached per file."""

    def __init__(self, app, background: bool = True) -> None:
        self.app = app
        self.background = background
        self.cache: dict[tuple[str, bytes, str], bytes] = {}
        self.pending: dict[tuple[str, bytes, str], Future] = {}
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="nrdash-brotli")

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or not compressible(scope.get("path", ""),
                                                                                       scope.get("headers", [])):
            await self.app(scope, receive, send)
            return
        accepted = accepted_encodings(scope.get("headers", []))
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
                    await self._respond(scope["path"], accepted, start, b"".join(chunks), send)
            else:
                await send(message)

        await self.app(scope, receive, capture)

    def wait(self) -> None:
        """Wait for the Brotli versions being made (tests, benchmarks)."""
        for future in list(self.pending.values()):
            future.result()

    def _store(self, key: tuple[str, bytes, str], packed: bytes) -> None:
        with self._lock:
            if len(self.cache) < MAX_CACHED:
                self.cache[key] = packed
            self.pending.pop(key, None)

    def _make_brotli(self, key: tuple[str, bytes, str], body: bytes) -> None:
        self._store(key, brotli.compress(body, quality=BROTLI_QUALITY))

    def _encode(self, path: str, etag: bytes, accepted: set[str], body: bytes) -> tuple[str, bytes]:
        if "br" in accepted:
            key = (path, etag, "br")
            packed = self.cache.get(key)
            if packed is not None:
                return "br", packed
            if not self.background:
                packed = brotli.compress(body, quality=BROTLI_QUALITY)
                self._store(key, packed)
                return "br", packed
            with self._lock:
                if key not in self.pending and len(self.cache) < MAX_CACHED:
                    self.pending[key] = self._worker.submit(self._make_brotli, key, body)
            if "gzip" not in accepted:  # a client taking only Brotli: not worth waiting seconds for
                return "identity", body
        key = (path, etag, "gzip")
        packed = self.cache.get(key)
        if packed is None:
            packed = gzip.compress(body, compresslevel=9, mtime=0)
            self._store(key, packed)
        return "gzip", packed

    async def _respond(self, path: str, accepted: set[str], start: dict, body: bytes, send) -> None:
        headers = list(start.get("headers", []))
        kind = (_header(headers, b"content-type") or b"").decode("latin-1")
        if (start["status"] != 200 or len(body) < MIN_SIZE or _header(headers, b"content-encoding") is not None
                or not kind.startswith(COMPRESSIBLE)):
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        etag = _header(headers, b"etag") or str(len(body)).encode()
        encoding, packed = self._encode(path, etag, accepted, body)
        headers = [(k, v) for k, v in headers if k.lower() not in (b"content-length", b"vary")]
        if encoding != "identity":
            headers.append((b"content-encoding", encoding.encode()))
        headers += [(b"content-length", str(len(packed)).encode()), (b"vary", b"Accept-Encoding")]
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": packed})
