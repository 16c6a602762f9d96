"""nrdash.web.served: the files nrdash's server answers itself (font subsets, plotly.js build), by URL prefix."""
import asyncio
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from nrdash import plotting
from nrdash.web import fonts, frontend
from nrdash.web.served import ServeFiles, Served
from tests.conftest import ROOT

FONT = "/static/media/MaterialSymbols-Rounded.nEdyypZU.woff2"


def call(middleware, path, method="GET", headers=()):
    sent = []

    async def send(message):
        sent.append(message)

    async def run():
        await middleware({"type": "http", "method": method, "path": path, "headers": list(headers)}, None, send)

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API (same session) keeps an event loop in this thread
        pool.submit(asyncio.run, run()).result()
    start = next((m for m in sent if m["type"] == "http.response.start"), None)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start, body


def inner(calls):
    async def app(scope, receive, send):
        calls.append(scope["path"])
    return app


def test_a_route_is_answered_with_its_file():
    calls = []
    mw = ServeFiles(inner(calls), {"/static/media/MaterialSymbols-Rounded.": Served(b"SUBSET", b"font/woff2")})
    start, body = call(mw, FONT)
    headers = dict(start["headers"])
    assert start["status"] == 200 and body == b"SUBSET" and calls == []
    assert headers[b"content-type"] == b"font/woff2" and headers[b"content-length"] == b"6"
    assert b"immutable" in headers[b"cache-control"]
    start, body = call(mw, FONT, headers=[(b"If-None-Match", headers[b"etag"])])
    assert start["status"] == 304 and body == b""
    start, body = call(mw, FONT, method="HEAD")
    assert start["status"] == 200 and body == b"" and dict(start["headers"])[b"content-length"] == b"6"


def test_everything_else_goes_through():
    calls = []
    mw = ServeFiles(inner(calls), {"/static/media/MaterialSymbols-Rounded.": Served(b"SUBSET", b"font/woff2")})
    for path in ("/static/media/SourceSansVF-Upright.ttf.BsWL4Kly.woff2", "/static/js/index.js", "/_stcore/health"):
        assert call(mw, path) == (None, b"")
    call(mw, FONT, method="POST")
    assert len(calls) == 4
    call(ServeFiles(inner(calls), {}), FONT)  # no subset usable: Streamlit's own font goes through
    assert len(calls) == 5


def test_server_serves_the_font_subsets_and_the_plotly_build():
    """nrdash/web/server.py composes the routes; nrdash.web.served answers only those it is given. (Since issue 25
    the server also answers Streamlit's scripts in French, nrdash.web.frontend: counted with the rest.)"""
    code = ("import json, nrdash.web.server as s; "
            "print(json.dumps({p: f.content_type.decode() for p, f in s.served_routes().items()}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env={**os.environ, "NRDASH_SANDBOX": "0"})  # no census reader worker for this
    routes = json.loads(out.stdout.splitlines()[-1])
    expected = {**fonts.routes(), **plotting.routes(), **frontend.routes()}
    assert routes == {p: f.content_type.decode() for p, f in expected.items()}
    assert len(routes) == 3 + len(frontend.routes()) and len(frontend.routes()) >= 10
    assert set(routes.values()) == {"font/woff2", "application/javascript"}


def test_served_knows_nothing_of_what_it_serves():
    source = (ROOT / "nrdash" / "web" / "served.py").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(from|import) .*\b(fonts|plotting|plotly|streamlit)\b", source, re.M)
    with pytest.raises(TypeError):
        ServeFiles(inner([]))  # routes are required: there is no default set
