"""nrdash.icons: the icon font subset covers every icon Streamlit and nrdash name, and is served in place of
Streamlit's font only when made from it."""
import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from fontTools.ttLib import TTFont

from nrdash import icons
from nrdash.icons import ligatures

REMAKE = "remake it: python scripts/subset_icons.py"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(icons.MANIFEST.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def subset_ligatures() -> dict:
    return ligatures(TTFont(icons.SUBSET))


def test_made_from_the_font_of_the_installed_streamlit(manifest):
    assert manifest["source_sha256"] == icons.sha256(icons.streamlit_font()), REMAKE
    assert icons.subset_font() == icons.SUBSET.read_bytes()


def test_every_icon_nrdash_names_is_in_the_font(manifest, subset_ligatures):
    ours = icons.icons_named_in(icons.nrdash_sources())
    assert {"home", "filter_alt", "upload_file", "map"} <= ours  # the sources were read
    assert sorted(ours - set(subset_ligatures)) == [], REMAKE


def test_every_icon_streamlit_names_is_in_the_font(subset_ligatures):
    theirs = icons.icons_named_in(sorted((icons.streamlit_static() / "js").glob("*.js")))
    assert {"expand_more", "keyboard_double_arrow_left", "close"} <= theirs
    in_the_font = theirs & set(ligatures(TTFont(icons.streamlit_font())))  # "star_filled" is drawn otherwise
    assert len(in_the_font) > 60 and sorted(in_the_font - set(subset_ligatures)) == [], REMAKE


def test_the_subset_draws_what_the_manifest_lists_and_is_small(manifest, subset_ligatures):
    assert set(manifest["icons"]) <= set(subset_ligatures)
    full = ligatures(TTFont(icons.streamlit_font()))
    assert len(full) > 4000 and len(subset_ligatures) < len(full) / 5
    assert icons.SUBSET.stat().st_size < icons.streamlit_font().stat().st_size / 5


def test_not_served_when_made_from_another_font(tmp_path, monkeypatch):
    other = tmp_path / "subset.json"
    other.write_text(json.dumps({"source_sha256": "0" * 64, "icons": []}), encoding="utf-8")
    monkeypatch.setattr(icons, "MANIFEST", other)
    icons.subset_font.cache_clear()
    try:
        assert icons.subset_font() is None
    finally:
        icons.subset_font.cache_clear()


def call(middleware, path, method="GET", headers=()):
    sent, calls = [], []

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


def test_middleware_answers_the_font_request_with_the_subset():
    calls = []
    mw = icons.IconFontSubset(inner(calls), font=b"SUBSET")
    start, body = call(mw, "/static/media/MaterialSymbols-Rounded.nEdyypZU.woff2")
    headers = dict(start["headers"])
    assert start["status"] == 200 and body == b"SUBSET" and calls == []
    assert headers[b"content-type"] == b"font/woff2" and headers[b"content-length"] == b"6"
    assert b"immutable" in headers[b"cache-control"]
    start, body = call(mw, "/static/media/MaterialSymbols-Rounded.nEdyypZU.woff2",
                       headers=[(b"If-None-Match", headers[b"etag"])])
    assert start["status"] == 304 and body == b""
    start, body = call(mw, "/static/media/MaterialSymbols-Rounded.nEdyypZU.woff2", method="HEAD")
    assert start["status"] == 200 and body == b"" and dict(start["headers"])[b"content-length"] == b"6"


def test_middleware_leaves_everything_else_alone():
    calls = []
    mw = icons.IconFontSubset(inner(calls), font=b"SUBSET")
    for path in ("/static/media/SourceSansVF-Upright.ttf.BsWL4Kly.woff2", "/static/js/index.js", "/_stcore/health"):
        assert call(mw, path) == (None, b"")
    call(mw, "/static/media/MaterialSymbols-Rounded.nEdyypZU.woff2", method="POST")
    assert len(calls) == 4
    without = icons.IconFontSubset(inner(calls), font=None)
    without.font = None  # no subset usable: Streamlit's own font goes through
    call(without, "/static/media/MaterialSymbols-Rounded.nEdyypZU.woff2")
    assert len(calls) == 5
