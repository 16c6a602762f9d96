"""The open data routes of nrdash's web server: a published census at stable addresses, without a session.

    /donnees/CODE/                          the listing page (French HTML)
    /donnees/CODE/acteurs.csv               the public actors            ┐
    /donnees/CODE/acteurs.geojson           the placed ones, as points   │ the latest published version;
    /donnees/CODE/plan.csv                  the action plan              │ ?version=N: version N
    /donnees/CODE/citoyens-par-commune.csv  « Citoyens » per commune     │
    /donnees/CODE/datapackage.json          the Data Package             ┘
    /donnees/CODE/schema/acteurs.json, schema/plan.json   the Table Schemas

Every request reads the store as an anonymous visitor (``Principal.anonymous``): the store answers only for a
territory open to anonymous reading, and refuses anything else. A closed territory, an unknown one, an unknown
version, a malformed ``?version=`` or an unknown file all get the same 404, which says nothing of what exists.

The files are built by nrdash.opendata (pure functions), once per version and settings (licence, citizens): kept in
a bounded cache (``NRDASH_OPENDATA_CACHE_MB``, least recently used dropped first) keyed by the version's number and
SHA-256 and the settings, built in a worker thread, one build per key at a time. Each answer has an ETag derived
from the version's SHA-256 (If-None-Match: 304), ``Cache-Control: public, max-age=300``, HEAD, and
``Access-Control-Allow-Origin: *`` (these routes only: a map or a notebook of another site may read them);
nrdash.web.compression compresses them (it knows these answers by their ETag).
"""
from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import replace
from typing import Any, Callable

from .. import opendata as od

PREFIX = "/donnees/"
CACHE_MB_VARIABLE = "NRDASH_OPENDATA_CACHE_MB"
DEFAULT_CACHE_MB = 256
CACHE_CONTROL = "public, max-age=300"
FORMAT = "1"  # changes when the files' format does: every ETag changes with it
NOT_FOUND = "Page introuvable : vérifiez l'adresse."
_VERSION = re.compile(r"[1-9][0-9]{0,8}")


def cache_bytes_limit() -> int:
    from .compression import megabytes_setting

    return megabytes_setting(CACHE_MB_VARIABLE, DEFAULT_CACHE_MB, "du cache des données ouvertes")


class BuiltFiles:
    """The built files, bounded in bytes (least recently used dropped first); one build per key at a time."""

    def __init__(self, max_bytes: int | None = None) -> None:
        self.max_bytes = cache_bytes_limit() if max_bytes is None else max_bytes
        self.entries: OrderedDict[tuple, bytes] = OrderedDict()
        self.size = 0
        self.builds = 0  # how many files were built (tests, benchmark)
        self._lock = threading.Lock()
        self._building: dict[tuple, threading.Lock] = {}

    def get(self, key: tuple, build: Callable[[], bytes]) -> bytes:
        with self._lock:
            body = self.entries.get(key)
            if body is not None:
                self.entries.move_to_end(key)
                return body
            lock = self._building.setdefault(key, threading.Lock())
        with lock:
            with self._lock:
                body = self.entries.get(key)
            if body is None:
                body = build()
                with self._lock:
                    self.builds += 1
                    if key not in self.entries and len(body) <= self.max_bytes:
                        self.entries[key] = body
                        self.size += len(body)
                        while self.size > self.max_bytes:
                            _, dropped = self.entries.popitem(last=False)
                            self.size -= len(dropped)
            with self._lock:
                self._building.pop(key, None)
            return body


def parse_version(values: list[str]) -> int | None | bool:
    """The ``?version=`` asked: None (none: the latest), a number, or False (malformed, or given twice)."""
    if not values:
        return None
    if len(values) > 1 or not _VERSION.fullmatch(values[0]):
        return False
    return int(values[0])


def etag(release: od.Release, name: str) -> str:
    """A strong validator of one file of a release: the version's SHA-256, the file, the settings and the format."""
    seed = "|".join((FORMAT, release.code, str(release.number), release.sha256, name, repr(release.settings_key)))
    return '"' + hashlib.sha256(seed.encode("utf-8")).hexdigest()[:40] + '"'


class OpenData:
    """What the routes do, without Starlette: find the release an anonymous visitor may read, build its files."""

    def __init__(self, store_factory: Callable[[], Any] | None = None, geography: Callable[[], Any] | None = None,
                 cache: BuiltFiles | None = None) -> None:
        if store_factory is None:
            def store_factory():
                from ..store import get_store

                return get_store()
        if geography is None:
            from ..geography import offline as geography
        self.store_factory, self.geography = store_factory, geography
        self.cache = cache or BuiltFiles()
        self._contours: OrderedDict[tuple, Any] = OrderedDict()
        self._contours_lock = threading.Lock()

    def release(self, code: str, version: int | None, client: str | None = None) -> od.Release | None:
        """The release of ``code`` (its latest version, or ``version``) as an anonymous visitor may read it; None for
        anything else (closed, unknown, nothing published, no such version)."""
        from ..store import Principal, StoreError

        who = Principal.anonymous(client)
        store = self.store_factory()
        try:
            settings = store.open_data_settings(who, code)
            infos = store.versions(who, code)
        except StoreError:  # Forbidden is one: a closed territory and an unknown one alike
            return None
        if not infos:
            return None
        info = infos[-1] if version is None else next((v for v in infos if v.number == version), None)
        if info is None:
            return None
        return od.Release(code=code, territory=settings["name"], number=info.number, created_at=info.created_at,
                          sha256=info.original_sha256, file_name=info.file_name,
                          licence=settings["open_licence"] or od.DEFAULT_LICENCE,
                          citizens=bool(settings["open_citizens"]), latest=version is None,
                          versions=tuple((v.number, v.created_at) for v in infos))

    def _dataset(self, release: od.Release, client: str | None):
        from ..store import Principal

        return self.store_factory().open_version(Principal.anonymous(client), release.code, release.number)

    def contour(self, info) -> Any:
        """The territory's contour (the union of its communes' polygons), once per territory; None without the
        offline geography or a territory."""
        if info is None:
            return None
        key = (info.code, info.members)
        with self._contours_lock:
            if key in self._contours:
                return self._contours[key]
        geo = self.geography()
        shape = None
        if geo is not None and info.members:
            import shapely

            polygons = geo.contours(codes=list(info.members))
            polygons = polygons[polygons["kind"] == "commune"] if "kind" in polygons else polygons
            if len(polygons):
                shape = shapely.union_all(polygons.geometry.to_numpy())
        with self._contours_lock:
            self._contours[key] = shape
            while len(self._contours) > 8:
                self._contours.popitem(last=False)
        return shape

    def body(self, release: od.Release, name: str, client: str | None = None) -> bytes:
        """One file of a release, from the cache or built (once per version, settings and file)."""
        if name in od.SCHEMA_FILES:
            return od.schema_bytes(od.SCHEMA_FILES[name])
        pinned = replace(release, latest=False, versions=())  # what the file depends on

        def key(n: str) -> tuple:
            return (release.code, release.number, release.sha256, release.settings_key, n)

        def build(n: str) -> bytes:
            ds = self._dataset(release, client)
            census = ds.census
            return od.build(n, pinned, census.actors, census.actions, self.contour(ds.territory),
                            built=lambda other: self.cache.get(key(other), lambda: build(other)))

        return self.cache.get(key(name), lambda: build(name))

    def listing(self, release: od.Release, client: str | None = None) -> str:
        ds = self._dataset(release, client)
        counts = od.counts_of(ds.census.actors, ds.census.actions)
        return od.listing_html(release, counts, dashboard=f"../../?territoire={release.code}",
                               statement=statement_address(release.code))


def statement_address(code: str) -> str:
    """The territory's accessibility statement as linked from its listing, /donnees/CODE/ (nrdash.web.webpage)."""
    from .webpage import statement_href

    return statement_href("../../", code)


def base_prefix(base_url_path: str | None = None) -> str:
    """``/donnees/`` under Streamlit's path prefix (``server.baseUrlPath``)."""
    from . import auth

    return auth.paths(base_url_path).base.rstrip("/") + PREFIX


def routes(trusted: list | None = None, store_factory=None, geography=None, cache: BuiltFiles | None = None,
           base_url_path: str | None = None) -> list:
    """The Starlette routes of the open data (for ``st.App(routes=...)``)."""
    from urllib.parse import quote

    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, RedirectResponse, Response
    from starlette.routing import Route

    from . import auth

    base = auth.paths(base_url_path).base.rstrip("/")
    trusted = auth.trusted_proxies() if trusted is None else trusted
    data = OpenData(store_factory, geography, cache)
    common = {"access-control-allow-origin": "*", "cache-control": CACHE_CONTROL}

    def not_found() -> Response:
        return PlainTextResponse(NOT_FOUND, status_code=404, headers={"access-control-allow-origin": "*",
                                                                      "cache-control": "no-store"})

    def client(request: Request) -> str:
        return auth.client_ip(request.client.host if request.client else None, request.headers, trusted)

    async def answer(request: Request, name: str) -> Response:
        code = request.path_params["code"]
        version = parse_version(request.query_params.getlist("version"))
        if version is False or (name and name not in od.FILES and name not in od.SCHEMA_FILES):
            return not_found()
        who = client(request)
        release = await run_in_threadpool(data.release, code, version, who)
        if release is None or (name and name not in od.available(release) and name not in od.SCHEMA_FILES):
            return not_found()
        if not name:  # the listing page: small, made for each request (it names the other versions)
            page = (await run_in_threadpool(data.listing, release, who)).encode("utf-8")
            tag = '"' + hashlib.sha256(page).hexdigest()[:40] + '"'
            headers = {**common, "etag": tag, "content-security-policy": od.PAGE_CSP}
            kind = "text/html; charset=utf-8"
        else:
            tag = etag(release, name)
            headers = {**common, "etag": tag}
            page = None
            f = od.FILES.get(name)
            kind = f.media_type if f else "application/json"
            if f is not None and f.download:
                headers["content-disposition"] = f'attachment; filename="{release.download_name(*f.download.rsplit(".", 1))}"'
        if tag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
            return Response(status_code=304, headers=headers)
        if page is None:
            page = await run_in_threadpool(data.body, release, name, who)
        return Response(page, media_type=kind, headers=headers)

    async def listing(request: Request) -> Response:
        return await answer(request, "")

    async def file(request: Request) -> Response:
        return await answer(request, request.path_params["name"])

    async def slash(request: Request) -> Response:
        return RedirectResponse(f"{base}{PREFIX}{quote(request.path_params['code'], safe='')}/",
                                status_code=308, headers={"access-control-allow-origin": "*"})

    return [Route(base + PREFIX + "{code}/", listing, methods=["GET", "HEAD"]),
            Route(base + PREFIX + "{code}/{name:path}", file, methods=["GET", "HEAD"]),
            Route(base + PREFIX + "{code}", slash, methods=["GET", "HEAD"])]
