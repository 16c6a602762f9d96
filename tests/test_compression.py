"""nrdash.compression: Streamlit's static files compressed once (gzip at once, Brotli in the background),
everything else untouched."""
import asyncio
import gzip
from concurrent.futures import ThreadPoolExecutor

import brotli

from nrdash.compression import StaticCompression, accepted_encodings

SCRIPT = b"function f(){return 1}\n" * 400


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
