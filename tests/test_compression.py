"""nrdash.compression: Streamlit's static files gzipped once, everything else untouched."""
import asyncio
import gzip
from concurrent.futures import ThreadPoolExecutor

from nrdash.compression import StaticGzip

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


def request(middleware, path="/static/js/index.abc.js", headers=((b"accept-encoding", b"gzip, br"),),
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
    status, headers, body = request(StaticGzip(inner_app()))
    assert status == 200 and headers[b"content-encoding"] == b"gzip" and headers[b"vary"] == b"Accept-Encoding"
    assert gzip.decompress(body) == SCRIPT and int(headers[b"content-length"]) == len(body) < len(SCRIPT) / 10
    assert headers[b"etag"] == b'"abc"'


def test_compressed_once_then_served_from_memory():
    mw = StaticGzip(inner_app())
    first = request(mw)[2]
    assert len(mw.cache) == 1
    assert request(mw)[2] is mw.cache[next(iter(mw.cache))] and first == mw.cache[next(iter(mw.cache))]


def test_the_file_is_sent_as_bytes_to_the_middleware():
    calls = []
    request(StaticGzip(inner_app(calls=calls)))
    assert "http.response.pathsend" not in calls[0]["extensions"]


def test_left_alone():
    plain = dict(body=SCRIPT)
    cases = [
        (inner_app(**plain), dict(headers=())),  # client without gzip
        (inner_app(**plain), dict(headers=((b"accept-encoding", b"gzip"), (b"range", b"bytes=0-10")))),
        (inner_app(**plain), dict(path="/_stcore/health")),  # not a static file
        (inner_app(**plain), dict(path="/media/abc.xlsx")),  # downloads: never buffered nor changed
        (inner_app(content_type=b"font/woff2"), {}),  # already compressed formats
        (inner_app(status=304, body=b""), {}),
        (inner_app(extra=[(b"content-encoding", b"br")]), {}),
        (inner_app(body=b"x" * 100), {}),  # too small to gain anything
    ]
    for app, kwargs in cases:
        status, headers, body = request(StaticGzip(app), **kwargs)
        assert headers.get(b"content-encoding") in (None, b"br"), kwargs
        assert body in (SCRIPT, b"", b"x" * 100), kwargs


def test_websocket_and_posts_pass_through():
    calls = []

    async def app(scope, receive, send):
        calls.append(scope["type"])

    mw = StaticGzip(app)
    run(mw({"type": "websocket", "path": "/_stcore/stream", "headers": []}, None, None))
    run(mw({"type": "http", "method": "POST", "path": "/static/x.js", "headers": []}, None, None))
    assert calls == ["websocket", "http"]
