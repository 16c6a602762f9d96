"""nrdash.web.compression: Streamlit's static files compressed once (gzip at once, Brotli in the background),
everything else untouched."""
import asyncio
import os
import gzip
from concurrent.futures import ThreadPoolExecutor

import brotli
import pytest

from nrdash.web.frontend import POPOVER_KEYS_JS, stylesheet
from nrdash.web import compression
from nrdash.web.compression import StaticCompression, accepted_encodings

SCRIPT = b"function f(){return 1}\n" * 400


@pytest.fixture(autouse=True)
def static_dir(tmp_path, monkeypatch):
    """A static directory holding the script the fake app serves: only real files are compressed."""
    (tmp_path / "static" / "js").mkdir(parents=True)
    (tmp_path / "static" / "js" / "index.abc.js").write_bytes(SCRIPT)
    monkeypatch.setattr(compression, "streamlit_static_dir", lambda: str(tmp_path))
    return tmp_path


def run(coroutine):
    """In a thread of its own: Playwright's sync API (browser tests, same session) keeps an event loop running."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def inner_app(body=SCRIPT, status=200, content_type=b"application/javascript", extra=(), calls=None):
    async def app(scope, receive, send):
        if calls is not None:
            calls.append(scope)
        headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
                   (b"etag", b'"abc"'), *extra]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        half = len(body) // 2  # sent in two chunks, as a file response does
        await send({"type": "http.response.body", "body": body[:half], "more_body": True})
        await send({"type": "http.response.body", "body": body[half:], "more_body": False})
    return app


GZIP_ONLY = ((b"accept-encoding", b"gzip, deflate"),)


def request(middleware, path="/static/js/index.abc.js", headers=GZIP_ONLY,
            method="GET", kind="http"):
    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    scope = {"type": kind, "method": method, "path": path, "headers": list(headers),
             "extensions": {"http.response.pathsend": {}}}
    run(middleware(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), body


def test_static_script_is_gzipped_with_consistent_headers():
    status, headers, body = request(StaticCompression(inner_app()))
    assert status == 200 and headers[b"content-encoding"] == b"gzip" and headers[b"vary"] == b"Accept-Encoding"
    assert gzip.decompress(body) == SCRIPT and int(headers[b"content-length"]) == len(body) < len(SCRIPT) / 10
    assert headers[b"etag"] == b'"abc"'


def test_compressed_once_then_served_from_memory():
    mw = StaticCompression(inner_app())
    first = request(mw)[2]
    assert len(mw.cache) == 1
    assert request(mw)[2] is mw.cache[next(iter(mw.cache))] and first == mw.cache[next(iter(mw.cache))]


def test_brotli_made_in_the_background_gzip_meanwhile():
    mw = StaticCompression(inner_app())
    browser = ((b"accept-encoding", b"gzip, deflate, br, zstd"),)
    status, headers, body = request(mw, headers=browser)  # the first request does not wait for Brotli
    assert headers[b"content-encoding"] == b"gzip" and gzip.decompress(body) == SCRIPT
    mw.wait()
    status, headers, body = request(mw, headers=browser)
    assert status == 200 and headers[b"content-encoding"] == b"br" and headers[b"vary"] == b"Accept-Encoding"
    assert brotli.decompress(body) == SCRIPT and int(headers[b"content-length"]) == len(body)
    assert len(body) < len(gzip.compress(SCRIPT, 9))
    assert request(mw)[1][b"content-encoding"] == b"gzip"  # clients without Brotli still get gzip
    assert len(mw.pending) == 0 and len(mw.cache) == 2  # one gzip, one Brotli: made once each


def test_brotli_at_once_when_asked():
    status, headers, body = request(StaticCompression(inner_app(), background=False),
                                    headers=((b"accept-encoding", b"br"),))
    assert headers[b"content-encoding"] == b"br" and brotli.decompress(body) == SCRIPT


def test_brotli_only_client_gets_the_file_plain_until_ready():
    mw = StaticCompression(inner_app())
    status, headers, body = request(mw, headers=((b"accept-encoding", b"br"),))
    assert b"content-encoding" not in headers and body == SCRIPT and int(headers[b"content-length"]) == len(SCRIPT)
    mw.wait()
    assert request(mw, headers=((b"accept-encoding", b"br"),))[1][b"content-encoding"] == b"br"


def test_accept_encoding_read_with_its_weights():
    assert accepted_encodings([(b"Accept-Encoding", b"gzip, deflate, br, zstd")]) == {"gzip", "deflate", "br", "zstd"}
    assert accepted_encodings([(b"accept-encoding", b"br;q=0, GZIP;q=0.5")]) == {"gzip"}
    assert accepted_encodings([(b"accept-encoding", b"gzip;q=0.0, br;q=x")]) == set()
    assert accepted_encodings([]) == set()


def test_the_file_is_sent_as_bytes_to_the_middleware():
    calls = []
    request(StaticCompression(inner_app(calls=calls)))
    assert "http.response.pathsend" not in calls[0]["extensions"]


def test_left_alone():
    plain = dict(body=SCRIPT)
    cases = [
        (inner_app(**plain), dict(headers=())),  # client without gzip
        (inner_app(**plain), dict(headers=((b"accept-encoding", b"gzip;q=0, deflate"),))),  # gzip refused
        (inner_app(**plain), dict(headers=((b"accept-encoding", b"gzip"), (b"range", b"bytes=0-10")))),
        (inner_app(**plain), dict(path="/_stcore/health")),  # not a static file
        (inner_app(**plain), dict(path="/media/abc.xlsx")),  # downloads: never buffered nor changed
        (inner_app(content_type=b"font/woff2"), {}),  # already compressed formats
        (inner_app(status=304, body=b""), {}),
        (inner_app(extra=[(b"content-encoding", b"br")]), {}),
        (inner_app(body=b"x" * 100), {}),  # too small to gain anything
    ]
    for app, kwargs in cases:
        status, headers, body = request(StaticCompression(app), **kwargs)
        assert headers.get(b"content-encoding") in (None, b"br"), kwargs  # br: the inner app's own
        assert body in (SCRIPT, b"", b"x" * 100), kwargs


def test_websocket_and_posts_pass_through():
    calls = []

    async def app(scope, receive, send):
        calls.append(scope["type"])

    mw = StaticCompression(app)
    run(mw({"type": "websocket", "path": "/_stcore/stream", "headers": []}, None, None))
    run(mw({"type": "http", "method": "POST", "path": "/static/x.js", "headers": []}, None, None))
    assert calls == ["websocket", "http"]


# -- one cache entry per real file, never one per URL ----------------------------------------------------------

INDEX = b'<!DOCTYPE html>\n<html lang="en">\n<head><title>Streamlit</title></head>' + b"<body></body>" * 60 + b"</html>"


def file_app(static_dir, calls=None):
    """Streamlit's static handler, in short: the real file a path resolves to, else index.html (its fallback)."""
    async def app(scope, receive, send):
        if calls is not None:
            calls.append(scope["path"])
        found = compression.resolve(str(static_dir), scope["path"])
        body = (static_dir / "index.html").read_bytes() if found is None else open(found[0], "rb").read()
        kind = b"application/javascript" if found and found[0].endswith(".js") else b"text/html; charset=utf-8"
        headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
    return app


@pytest.fixture
def site(static_dir):
    (static_dir / "index.html").write_bytes(INDEX)
    return static_dir


VARIANTS = ["/static/js/index.abc.js", "/static////js/index.abc.js", "/static/./js/./index.abc.js",
            "/static/js/../js/index.abc.js", "/static//./js//index.abc.js"]


def test_variants_of_one_file_are_one_cache_entry(site):
    mw = StaticCompression(file_app(site))
    for path in VARIANTS:
        status, headers, body = request(mw, path=path)
        assert status == 200 and headers[b"content-encoding"] == b"gzip" and gzip.decompress(body) == SCRIPT, path
    assert len(mw.cache) == 1 and mw.cached_bytes == len(next(iter(mw.cache.values())))
    for path in VARIANTS:
        request(mw, path=path, headers=((b"accept-encoding", b"br, gzip"),))
    mw.wait()
    assert len(mw.cache) == 2  # the file's gzip and Brotli versions, whatever its URLs


def test_unknown_paths_get_the_french_index_never_cached(site):
    mw = StaticCompression(file_app(site))
    for i in range(50):
        for accept in (b"br, gzip", b"gzip", b""):
            status, headers, body = request(mw, path=f"/static/js/nothing-{i}.js" + "a" * 3000,
                                            headers=((b"accept-encoding", accept),))
            encoding = headers.get(b"content-encoding")
            plain = brotli.decompress(body) if encoding == b"br" else gzip.decompress(body) if encoding else body
            # In French: its language, and its title until the app sets its own (no English word, issue 25);
            # the popovers' keyboard script in its head (issue 29)
            script = (b"<script>" + POPOVER_KEYS_JS.encode() + b"</script>"
                      + (compression.LOCAL_TEXT_FONT if compression.theme_font_is_not_source_sans() else b"")
                      + b"</head>")
            sheet = b"<body><style>" + stylesheet("base").encode() + b"</style>"
            assert plain == INDEX.replace(b'lang="en"', b'lang="fr"').replace(
                b"<title>Streamlit</title>", b"<title>nrdash</title>").replace(b"</head>", script).replace(
                b"<body>", sheet, 1)
            assert int(headers[b"content-length"]) == len(body)
            assert headers[b"vary"] == b"Accept-Encoding"
    assert mw.cache == {} and mw.pending == {} and mw.cached_bytes == 0


def test_pages_get_the_french_index_also_when_streamlit_gzipped_it(site):
    """Streamlit gzips the pages' index.html itself (not "/" nor /static/): it is recognised and replaced."""
    packed = gzip.compress(INDEX)
    inner = inner_app(body=packed, content_type=b"text/html", extra=[(b"content-encoding", b"gzip")])
    status, headers, body = request(StaticCompression(inner), path="/engagement", headers=GZIP_ONLY)
    assert headers[b"content-encoding"] == b"gzip" and b'<html lang="fr">' in gzip.decompress(body)
    other = gzip.compress(b"<html lang='en'>another page</html>" * 40)
    inner = inner_app(body=other, content_type=b"text/html", extra=[(b"content-encoding", b"gzip")])
    assert request(StaticCompression(inner), path="/component/x.html")[2] == other  # other HTML left as it was


def test_french_index():
    assert compression.french_index(INDEX).startswith(b'<!DOCTYPE html>\n<html lang="fr">')
    assert compression.french_index(b"<html><body></body></html>").startswith(b'<html lang="fr"><body><style>')
    assert compression.french_index(b'<html dir="ltr" lang="en-US">') == b'<html dir="ltr" lang="fr">'
    # Streamlit's <noscript> speaks English to a browser without JavaScript: French, and where to go without it.
    page = compression.french_index(b'<html lang="en"><head><title>Streamlit</title></head><body><noscript>\n<p>You need to '
                                    b'enable JavaScript to run this app.</p>\n<p>Reading</p></noscript></body>')
    assert b"You need" not in page and b"Reading" not in page and b"<title>nrdash</title>" in page
    assert page.count(b"<noscript>") == 1 and "activez-le dans votre navigateur".encode() in page
    assert b'href="./accessibilite"' in page
    # The popovers' keyboard behaviour (tests/e2e/test_keyboard.py) and the base stylesheet, inline: no request, no
    # element in the app.
    assert page.count(b"<script>") == 1 and b'[data-testid="stPopoverBody"]' in page
    assert page.count(b"<style>") == 1 and b'[data-testid="stCaptionContainer"]' in page


def test_source_sans_is_not_downloaded_when_the_theme_uses_another_font():
    """Issue 29: the font of Streamlit's first frame (before the theme arrives) is taken from the computer when the
    theme names another one (nrdash's: Arial), its preload gone; kept as it is otherwise."""
    page = (b'<html lang="en"><head><link rel="preload" href="./static/media/SourceSansVF-Upright.ttf.X.woff2" '
            b'as="font" type="font/woff2" crossorigin /><title>Streamlit</title></head><body></body></html>')
    local = compression.french_index(page, local_text_font=True)
    assert b"SourceSansVF" not in local and b'font-family:"Source Sans"' in local and b'local("Arial")' in local
    kept = compression.french_index(page)
    assert b"SourceSansVF" in kept and b'local("Arial")' not in kept
    assert compression.theme_font_is_not_source_sans()  # .streamlit/config.toml: Arial


def test_resolution_is_starlettes(site):
    """The file a path is keyed by is the one Starlette's StaticFiles (Streamlit's handler) serves for it."""
    from starlette.staticfiles import StaticFiles

    files = StaticFiles(directory=str(site), html=True, follow_symlink=True)
    (site / "static" / "css").mkdir()
    (site / "static" / "css" / "a.css").write_bytes(b"a{}")
    for path in [*VARIANTS, "/static/css/a.css", "/static/css/../../static/css/a.css", "/static/js/nothing.js",
                 "/", "/static", "/static/js", "/../etc/passwd", "/static/" + "a" * 90_000, "/static/a\x00b"]:
        relative = files.get_path({"type": "http", "path": path, "root_path": ""})
        try:
            full, status = files.lookup_path(relative)
        except (OSError, ValueError):  # a name too long, a NUL byte: Starlette fails (500), nrdash serves no file
            full, status = "", None
        expected = full if status is not None and os.path.isfile(full) else None
        if status is not None and os.path.isdir(full) and os.path.isfile(os.path.join(full, "index.html")):
            expected = os.path.join(full, "index.html")
        found = compression.resolve(str(site), path)
        assert (found and found[0]) == expected, path


def test_cache_bounded_in_bytes(site):
    for i in range(6):
        (site / "static" / "js" / f"f{i}.js").write_bytes(os.urandom(6000).hex().encode())  # ~6.5 kB gzipped
    mw = StaticCompression(file_app(site), max_bytes=30_000)
    sizes = []
    for i in range(6):
        status, headers, body = request(mw, path=f"/static/js/f{i}.js")
        assert headers[b"content-encoding"] == b"gzip" and len(body) > 6000
        sizes.append(mw.cached_bytes)
    assert max(sizes) <= 30_000 and mw.cached_bytes == sum(map(len, mw.cache.values())) and len(mw.cache) < 6
    assert [key[0][0].rsplit("/", 1)[1] for key in mw.cache] == [f"f{i}.js" for i in range(6 - len(mw.cache), 6)]


def test_brotli_jobs_one_per_file_and_bounded(site, monkeypatch):
    for i in range(5):
        (site / "static" / "js" / f"f{i}.js").write_bytes(SCRIPT + str(i).encode())
    started = []
    gate = __import__("threading").Event()

    def slow_brotli(body, quality):
        started.append(body)
        gate.wait(10)
        return b"BR" + body[-1:]

    mw = StaticCompression(file_app(site))
    monkeypatch.setattr(compression.brotli, "compress", slow_brotli)
    monkeypatch.setattr(compression, "BROTLI_QUEUE", 3)
    browser = ((b"accept-encoding", b"gzip, br"),)
    for _ in range(4):
        for i in range(5):
            for path in (f"/static/js/f{i}.js", f"/static//js/./f{i}.js"):
                assert request(mw, path=path, headers=browser)[1][b"content-encoding"] == b"gzip"
    assert len(mw.pending) == 3  # one job per file, three at most waiting
    gate.set()
    mw.wait()
    assert len(started) == 3 and len(set(started)) == 3
    assert request(mw, path="/static/js/f4.js", headers=browser)[1][b"content-encoding"] == b"gzip"  # now queued
    mw.wait()
    assert request(mw, path="/static/js/f4.js", headers=browser)[2] == b"BR4" and len(started) == 4


def test_large_files_never_compressed_on_the_event_loop(site, monkeypatch):
    import threading

    big = b"".join(b"function f%d(){return %d}\n" % (i, i * i) for i in range(20_000))
    assert len(big) > compression.ON_LOOP_MAX
    (site / "static" / "js" / "big.js").write_bytes(big)
    threads = []
    real = gzip.compress

    def recording(body, **kwargs):
        if body == big:
            threads.append(threading.current_thread().name)
        return real(body, **kwargs)

    monkeypatch.setattr(compression.gzip, "compress", recording)
    mw = StaticCompression(file_app(site), background=False)
    status, headers, body = request(mw, path="/static/js/big.js")
    assert gzip.decompress(body) == big and threads == ["nrdash-gzip_0"]
    status, headers, body = request(mw, path="/static/js/big.js", headers=((b"accept-encoding", b"br"),))
    assert brotli.decompress(body) == big  # made at once (background=False), in its worker thread
    request(mw, path="/static//js/big.js")
    assert threads == ["nrdash-gzip_0"]  # served from the cache afterwards


def test_nrdash_files_keyed_by_route(site):
    from nrdash.web.served import Served

    served = {"/nrdash-static/plotly-abc.js": Served(SCRIPT, b"application/javascript")}

    async def app(scope, receive, send):  # as nrdash.web.served: any path starting with the prefix
        headers = [(b"content-type", b"application/javascript"), (b"content-length", str(len(SCRIPT)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": SCRIPT})

    mw = StaticCompression(app, served=served)
    for suffix in ("", "x", "////y", "a" * 5000):
        assert gzip.decompress(request(mw, path="/nrdash-static/plotly-abc.js" + suffix)[2]) == SCRIPT
    assert len(mw.cache) == 1


def test_module_preloads_go_in_the_link_header_not_in_the_page(static_dir):
    """Issue 29: Streamlit's sixty <link rel="modulepreload"> become the index answer's Link header (the browser
    preloads them the same way): sixty elements less in every page."""
    page = (b'<!DOCTYPE html>\n<html lang="en"><head><title>Streamlit</title>\n'
            b'    <script type="module" crossorigin src="./static/js/index.abc.js"></script>\n'
            b'    <link rel="modulepreload" crossorigin href="./static/js/react-dom.x1.js">\n'
            b'    <link rel="modulepreload" crossorigin href="./static/js/protobuf.y2.js">\n'
            b'</head><body></body></html>') + b"<!-- -->" * 80
    (static_dir / "index.html").write_bytes(page)
    status, headers, body = request(StaticCompression(file_app(static_dir)), path="/carte")
    plain = gzip.decompress(body)
    assert status == 200 and b"modulepreload" not in plain and b'src="./static/js/index.abc.js"' in plain
    assert headers[b"link"] == (b"<./static/js/react-dom.x1.js>; rel=modulepreload, "
                                b"<./static/js/protobuf.y2.js>; rel=modulepreload")
    status, headers, _ = request(StaticCompression(file_app(static_dir)), path="/static/js/index.abc.js")
    assert b"link" not in headers  # only the page says it
