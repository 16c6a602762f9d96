"""Compression of Streamlit's static files, as an ASGI middleware (used by nrdash/web/server.py).

Streamlit serves its JavaScript and CSS uncompressed (it leaves that to a reverse proxy, which a town hall's
laptop or a council room does not have). Here each file is compressed once and kept in memory (the files are
content-hashed and never change while the server runs):

- gzip (level 9) on the first request for the file: a few milliseconds for a small file, on the request; in a
  worker thread for a large one (a few hundred milliseconds for the largest), never on the event loop;
- Brotli at its best quality in a background thread: ~25 % smaller than gzip on Streamlit's scripts (its plotly
  chunk: 1.42 MB gzip, 1.06 MB Brotli) but ~8 s of work for the largest one, so it is never made on a request's
  time: until it is ready, browsers get the gzip version.

What is cached is bounded by what exists, not by what is asked: the cache is keyed by the **real file** a request
resolves to (Streamlit's static directory, resolved as Streamlit's own file handler does, with the file's size
and modification time; or one of nrdash's own files, nrdash.web.served), so `/static////js/x.js`, `/static/./js/x.js`
and `/static/js/x.js` are one entry. A path that is no real file (Streamlit answers it with its index.html, or
an error) is never compressed nor cached per path. The cache is bounded in bytes (NRDASH_COMPRESSION_CACHE_MB,
least recently used entries dropped first); Brotli jobs are one per file at most, and at most BROTLI_QUEUE wait.

Streamlit's index.html (the page every address of the app answers) is rewritten once to say `lang="fr"` (the
interface is French: screen readers must read it with French rules) and compressed once.

Everything else (API, websocket, uploads, downloads, fonts and images) goes through untouched.
"""
from __future__ import annotations

import asyncio
import gzip
import os
import re
import stat
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor

import brotli

from nrdash import allocator

from .frontend import POPOVER_KEYS_JS, stylesheet

COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
MIN_SIZE = 512
BROTLI_QUALITY = 11
BROTLI_QUEUE = 64  # Brotli jobs waiting at most (Streamlit ships about 600 files, few of them asked at once)
ON_LOOP_MAX = 64 * 1024  # larger bodies are gzipped in a worker thread, never on the event loop
HTML_MAX = 256 * 1024  # an HTML answer is read whole (to recognise index.html) only below this size
CACHE_MB_VARIABLE = "NRDASH_COMPRESSION_CACHE_MB"
DEFAULT_CACHE_MB = 64  # all of Streamlit's and nrdash's files, gzip and Brotli, take about 15 MB

FileKey = tuple  # (real path, size, mtime in ns) or ("nrdash.served", prefix, etag)


def megabytes_setting(variable: str, default: int, what: str) -> int:
    """A size in megabytes read from ``variable`` (``default`` when unset), in bytes; ValueError (French) when it is
    not a number ≥ 0. ``what``: the cache it bounds, for the message (« du cache de compression »)."""
    value = os.environ.get(variable, "").strip()
    if not value:
        return default * 1024 * 1024
    try:
        megabytes = float(value)
    except ValueError:
        megabytes = -1.0
    if not megabytes >= 0:
        raise ValueError(f"{variable}={value!r} : la taille {what} doit être un nombre de mégaoctets positif ou nul "
                         f"(par exemple {default}).")
    return int(megabytes * 1024 * 1024)


def cache_bytes_limit() -> int:
    return megabytes_setting(CACHE_MB_VARIABLE, DEFAULT_CACHE_MB, "du cache de compression")


def streamlit_static_dir() -> str:
    from streamlit import file_util

    return os.path.abspath(file_util.get_static_dir())


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


def route_path(scope) -> str:
    path, root = scope.get("path", ""), scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def resolve(static_dir: str, path: str) -> tuple[str, int, int] | None:
    """The real file Streamlit's static handler serves for a URL path (a directory: its index.html), as
    (absolute path, size, mtime in ns); None when it serves none (an error, or its index.html as a fallback).

    Same resolution as Starlette's StaticFiles.get_path and lookup_path, which Streamlit's handler uses."""
    relative = os.path.normpath(os.path.join(*path.split("/")))
    if relative.startswith(("/", "\\")):
        return None
    full = os.path.abspath(os.path.join(static_dir, relative))
    try:
        if os.path.commonpath([full, static_dir]) != static_dir:
            return None
        status = os.stat(full)
        if stat.S_ISDIR(status.st_mode):
            full = os.path.join(full, "index.html")
            status = os.stat(full)
    except (OSError, ValueError):  # no such file, a name too long, a NUL byte...
        return None
    if not stat.S_ISREG(status.st_mode):
        return None
    return full, status.st_size, status.st_mtime_ns


NOSCRIPT = ("<noscript><p>nrdash a besoin de JavaScript : activez-le dans votre navigateur pour consulter le "
            "tableau de bord. Le questionnaire des acteurs et la <a href=\"./accessibilite\">Déclaration "
            "d'accessibilité</a> s'ouvrent sans JavaScript.</p></noscript>").encode("utf-8")


# Streamlit draws its first frame with its default font, Source Sans, until the app's theme arrives: every first visit
# downloads it (56 kB, subset: nrdash.web.fonts) for that instant. When the theme names another font (nrdash's: Arial),
# Source Sans is taken from the fonts already on the computer instead: nothing downloaded.
LOCAL_TEXT_FONT = ('<style>@font-face{font-family:"Source Sans";font-weight:100 900;font-style:normal;'
                   'src:local("Arial"),local("Liberation Sans"),local("Helvetica"),local("DejaVu Sans")}</style>'
                   ).encode("ascii")


def theme_font_is_not_source_sans() -> bool:
    from streamlit import config

    font = (config.get_option("theme.font") or "").lower()
    return bool(font) and "source sans" not in font and font not in ("sans-serif", "sans serif")


def french_index(html: bytes, local_text_font: bool = False) -> bytes:
    """index.html saying lang="fr" on its <html> element, titled « nrdash » (not « Streamlit ») until the page
    sets its own title, with its <noscript> message in French (nrdash.web.frontend translates the scripts), and the
    keyboard behaviour of Streamlit's popovers (nrdash.web.frontend.POPOVER_KEYS_JS) inline in its <head>, nrdash's base
    stylesheet (assets/css/base.css) at the start of its <body>, and without its module preloads (sent in the Link
    header instead: preload_links);
    ``local_text_font`` (the theme's font is not Source Sans): LOCAL_TEXT_FONT there too."""
    rewritten, count = re.subn(rb'(<html\b[^>]*?\blang=")[^"]*(")', rb"\1fr\2", html, count=1)
    if not count:
        rewritten = re.sub(rb"<html\b", b'<html lang="fr"', html, count=1)
    rewritten = re.sub(rb"<title>Streamlit</title>", b"<title>nrdash</title>", rewritten, count=1)
    script = b"<script>" + POPOVER_KEYS_JS.encode("utf-8") + b"</script>"
    # (the stylesheet at the start of <body>: after the styles Streamlit writes in <head> as it draws, whose rules
    # have the same specificity, and before the app's own, mode atelier's sheets, which must override it)
    sheet = b"<style>" + stylesheet("base").encode("utf-8") + b"</style>"
    rewritten = re.sub(rb"<body([^>]*)>", lambda m: b"<body" + m.group(1) + b">" + sheet, rewritten, count=1)
    if local_text_font:  # and its preload goes: it would download the font all the same
        script += LOCAL_TEXT_FONT
        rewritten = re.sub(rb'\s*<link\s+rel="preload"\s+href="[^"]*SourceSans[^"]*"[^>]*/?>', b"", rewritten, count=1)
    rewritten = re.sub(rb"</head>", lambda _: script + b"</head>", rewritten, count=1)
    rewritten = re.sub(MODULE_PRELOAD, b"", rewritten)
    return re.sub(rb"<noscript>.*?</noscript>", lambda _: NOSCRIPT, rewritten, count=1, flags=re.S)


# Streamlit's page names its sixty scripts in <link rel="modulepreload"> elements, so that the browser fetches them
# at once. The same hints go in the answer's Link header (RFC 8288; the browser preloads them the same way), not
# in the page: sixty elements less in every page (preload_links, _Index).
MODULE_PRELOAD = re.compile(rb'\s*<link\s+rel="modulepreload"\s+crossorigin\s+href="([^"]+)"\s*/?>')


def preload_links(html: bytes) -> bytes:
    """The Link header value holding index.html's module preloads (empty when it has none)."""
    return b", ".join(b"<" + href + b">; rel=modulepreload" for href in MODULE_PRELOAD.findall(html))


def _lower_priority() -> None:
    """The background Brotli thread yields the CPU to the server's event loop (Linux: a thread's own nice)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 15)
    except (AttributeError, OSError):
        pass


class _Index:
    """Streamlit's index.html as served by nrdash: in French, compressed once."""

    def __init__(self, path: str, local_text_font: bool = False) -> None:
        with open(path, "rb") as f:
            self.original = f.read()
        self.french = french_index(self.original, local_text_font)
        self.link = preload_links(self.original)  # the module preloads taken out of the page, in a header
        self.encoded = {"identity": self.french, "gzip": gzip.compress(self.french, compresslevel=9, mtime=0),
                        "br": brotli.compress(self.french, quality=BROTLI_QUALITY)}

    def pick(self, accepted: set[str]) -> tuple[str, bytes]:
        encoding = next((e for e in ("br", "gzip") if e in accepted), "identity")
        return encoding, self.encoded[encoding]


class StaticCompression:
    """ASGI middleware: Brotli or gzip for the static files whose type is text, cached per real file; Streamlit's
    index.html in French.

    static_dir: Streamlit's static directory (default: the installed Streamlit's); served: nrdash's own files
    (nrdash.web.served routes, URL prefix -> Served) answered inside this middleware; max_bytes: the cache's bound
    (default: NRDASH_COMPRESSION_CACHE_MB); background=False makes Brotli before answering (in a worker thread)."""

    def __init__(self, app, background: bool = True, static_dir: str | None = None, served: dict | None = None,
                 max_bytes: int | None = None, keyed: tuple[str, ...] = ()) -> None:
        self.app = app
        self.keyed = tuple(keyed)  # URL prefixes whose answers are compressed and cached by their ETag
        self.background = background
        self.static_dir = os.path.abspath(static_dir or streamlit_static_dir())
        self.served = {prefix: (("nrdash.served", prefix, file.etag), len(file.body))
                       for prefix, file in (served or {}).items()}
        self.max_bytes = cache_bytes_limit() if max_bytes is None else max_bytes
        self.cache: OrderedDict[tuple[FileKey, str], bytes] = OrderedDict()
        self.cached_bytes = 0
        self.pending: dict[FileKey, Future] = {}  # Brotli being made, per file
        self.gzipping: dict[FileKey, Future] = {}  # gzip of large files being made, per file
        self._lock = threading.Lock()
        self._brotli = ThreadPoolExecutor(1, thread_name_prefix="nrdash-brotli", initializer=_lower_priority)
        self._gzip = ThreadPoolExecutor(1, thread_name_prefix="nrdash-gzip")
        index_path = os.path.join(self.static_dir, "index.html")
        self.index = _Index(index_path, theme_font_is_not_source_sans()) if os.path.isfile(index_path) else None

    # -- which real file a request is for --------------------------------------------------------------------

    def _target(self, path: str) -> tuple[FileKey, int] | None:
        """(cache key, size) of the real file a static URL path is answered with; None for anything else."""
        prefix = next((p for p in self.served if path.startswith(p)), None)
        if prefix is not None:
            return self.served[prefix]
        if not path.startswith("/static/"):
            return None
        found = resolve(self.static_dir, path)
        if found is None:
            return None
        return found, found[1]

    # -- the ASGI entry point ---------------------------------------------------------------------------------

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        request_headers = scope.get("headers", [])
        accepted = accepted_encodings(request_headers)
        ranged = _header(request_headers, b"range") is not None
        path = route_path(scope)
        target = None if ranged or not accepted & {"gzip", "br"} else self._target(path)
        by_etag = bool(self.keyed) and target is None and not ranged and bool(accepted & {"gzip", "br"}) \
            and (path.startswith(self.keyed) or scope.get("path", "").startswith(self.keyed))
        if target is None and self.index is None and not by_etag:
            await self.app(scope, receive, send)
            return
        # Streamlit's file responses: make them send their bytes to us, not a file path.
        extensions = {k: v for k, v in (scope.get("extensions") or {}).items()
                      if k not in ("http.response.pathsend", "http.response.zerocopysend")}
        scope = {**scope, "extensions": extensions}
        mode = "pass"
        start: dict | None = None
        chunks: list[bytes] = []
        hit: tuple[str, bytes] | None = None

        async def capture(message) -> None:
            nonlocal mode, start, hit, target
            if message["type"] == "http.response.start":
                if by_etag:
                    target = self._etag_target(message)
                mode = self._mode(message, target, ranged)
                if mode == "pass":
                    await send(message)
                    return
                start = message
                if mode == "file":
                    hit = self._cached(target[0], accepted)
            elif message["type"] == "http.response.body" and mode != "pass":
                if hit is None:
                    chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    body = b"".join(chunks)
                    chunks.clear()
                    if mode == "html":
                        await self._respond_html(start, body, accepted, send)
                    else:
                        encoding, packed = hit or await self._encode(target[0], accepted, body)
                        await self._send(start, encoding, packed, send)
            else:
                await send(message)

        await self.app(scope, receive, capture)

    @staticmethod
    def _etag_target(start: dict) -> tuple[FileKey, int] | None:
        """(cache key, size) of an answer of a keyed prefix (nrdash.web.opendata_routes): its strong ETag names its bytes
        exactly, whatever address asked for them; None without one."""
        headers = start.get("headers", [])
        tag, length = _header(headers, b"etag"), _header(headers, b"content-length")
        if start.get("status") != 200 or not tag or tag.startswith(b"W/") or length is None:
            return None
        return ("nrdash.etag", tag), int(length)

    def _mode(self, start: dict, target, ranged: bool) -> str:
        """What to do with a response: "file" (compress a real file), "html" (maybe index.html), or "pass"."""
        headers = start.get("headers", [])
        if start["status"] != 200:
            return "pass"
        kind = (_header(headers, b"content-type") or b"").decode("latin-1")
        encoding = _header(headers, b"content-encoding")
        length = _header(headers, b"content-length")
        if (self.index is not None and not ranged and kind.startswith("text/html") and length is not None
                and (encoding is None and int(length) == len(self.index.original)
                     or encoding == b"gzip" and int(length) <= HTML_MAX)):
            return "html"  # maybe index.html (a page, or an unknown path's fallback): read and compared
        if (target is not None and encoding is None and length is not None and int(length) == target[1]
                and target[1] >= MIN_SIZE and kind.startswith(COMPRESSIBLE)):
            return "file"
        return "pass"

    # -- the cache --------------------------------------------------------------------------------------------

    def _get(self, key: FileKey, encoding: str) -> bytes | None:
        with self._lock:
            packed = self.cache.get((key, encoding))
            if packed is not None:
                self.cache.move_to_end((key, encoding))
            return packed

    def _store(self, key: FileKey, encoding: str, packed: bytes) -> None:
        with self._lock:
            if (key, encoding) not in self.cache and len(packed) <= self.max_bytes:
                self.cache[(key, encoding)] = packed
                self.cached_bytes += len(packed)
                while self.cached_bytes > self.max_bytes:
                    _, dropped = self.cache.popitem(last=False)
                    self.cached_bytes -= len(dropped)

    def _cached(self, key: FileKey, accepted: set[str]) -> tuple[str, bytes] | None:
        """The answer to send from the cache alone, without the file's bytes; None when they are needed (to
        compress it, or to queue its Brotli version)."""
        if "br" in accepted:
            packed = self._get(key, "br")
            if packed is not None:
                return "br", packed
            if key not in self.pending or not self.background:
                return None
        packed = self._get(key, "gzip") if "gzip" in accepted else None
        return None if packed is None else ("gzip", packed)

    def wait(self) -> None:
        """Wait for the Brotli versions being made (tests, benchmarks)."""
        for future in list(self.pending.values()):
            future.result()

    # -- compressing ------------------------------------------------------------------------------------------

    def _make_brotli(self, key: FileKey, body: bytes) -> bytes:
        try:
            packed = brotli.compress(body, quality=BROTLI_QUALITY)
            self._store(key, "br", packed)
            return packed
        finally:
            with self._lock:
                self.pending.pop(key, None)
            allocator.trim()  # the memory Brotli worked in (tens of MB at its best quality), glibc would keep

    def _queue_brotli(self, key: FileKey, body: bytes) -> Future | None:
        """The Brotli job for a file: the one already queued, a new one, or None when the queue is full."""
        with self._lock:
            future = self.pending.get(key)
            if future is None and len(self.pending) < BROTLI_QUEUE:
                future = self.pending[key] = self._brotli.submit(self._make_brotli, key, body)
            return future

    def _make_gzip(self, key: FileKey, body: bytes) -> bytes:
        try:
            packed = gzip.compress(body, compresslevel=9, mtime=0)
            self._store(key, "gzip", packed)
            return packed
        finally:
            with self._lock:
                self.gzipping.pop(key, None)

    async def _encode(self, key: FileKey, accepted: set[str], body: bytes) -> tuple[str, bytes]:
        if "br" in accepted:
            packed = self._get(key, "br")
            if packed is not None:
                return "br", packed
            future = self._queue_brotli(key, body)
            if not self.background and future is not None:
                return "br", await asyncio.wrap_future(future)
            if "gzip" not in accepted:  # a client taking only Brotli: not worth waiting seconds for
                return "identity", body
        packed = self._get(key, "gzip")
        if packed is not None:
            return "gzip", packed
        if len(body) <= ON_LOOP_MAX:
            packed = gzip.compress(body, compresslevel=9, mtime=0)
            self._store(key, "gzip", packed)
            return "gzip", packed
        with self._lock:
            future = self.gzipping.get(key)
            if future is None:
                future = self.gzipping[key] = self._gzip.submit(self._make_gzip, key, body)
        return "gzip", await asyncio.wrap_future(future)

    # -- answering --------------------------------------------------------------------------------------------

    async def _respond_html(self, start: dict, body: bytes, accepted: set[str], send) -> None:
        encoding = _header(start.get("headers", []), b"content-encoding")
        plain = body
        if encoding == b"gzip":
            try:
                plain = gzip.decompress(body)
            except (OSError, EOFError):
                plain = None
        if plain != self.index.original:  # another HTML answer: as it was
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        link = [(b"link", self.index.link)] if self.index.link else []
        await self._send(start, *self.index.pick(accepted), send, link)

    @staticmethod
    async def _send(start: dict, encoding: str, packed: bytes, send, extra: list | None = None) -> None:
        headers = [(k, v) for k, v in start.get("headers", [])
                   if k.lower() not in (b"content-length", b"content-encoding", b"vary")] + (extra or [])
        if encoding != "identity":
            headers.append((b"content-encoding", encoding.encode()))
        headers += [(b"content-length", str(len(packed)).encode()), (b"vary", b"Accept-Encoding")]
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": packed})
