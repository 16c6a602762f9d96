"""Views for another site (issue 27) in a real browser: a page of another origin on loopback (its own small HTTP
server, another port) embeds the Carte view in an <iframe>; with that origin in NRDASH_FRAME_ANCESTORS chromium
shows the still map inside the frame, without the dashboard's menu, sidebar or header; a page of an origin not listed
is refused by the browser itself (Content-Security-Policy: frame-ancestors)."""
from __future__ import annotations

import contextlib
import html
import http.server
import threading

import pytest

from nrdash.store import Store
from tests.e2e.harness import free_port, streamlit_server, wait_idle
from tests.principals import OP

CODE = "exemple"


@contextlib.contextmanager
def host_site(port: int, frame_src: str):
    """Another site on loopback (port ``port``): one page embedding ``frame_src``, as a collectivité's page would."""
    body = (f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Agglo</title></head><body>'
            f'<h1>Le numérique responsable sur notre territoire</h1>'
            f'<iframe src="{html.escape(frame_src)}" title="Carte des acteurs (nrdash)" width="100%" height="760" '
            f'style="border:0"></iframe></body></html>').encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def nrdash(tmp_path_factory):
    """nrdash with the sample open to visitors, letting one other loopback origin frame it: (its address, the port
    of the site it lets frame it)."""
    data = tmp_path_factory.mktemp("embed")
    s = Store(f"sqlite:///{data / 'nrdash.db'}")  # the fictional sample, published under « exemple »
    s.set_territory(OP, CODE, anonymous_read=True)
    s.close()
    allowed = free_port()
    env = {"NRDASH_DATA_DIR": str(data), "NRDASH_FRAME_ANCESTORS": f"'self' http://127.0.0.1:{allowed}"}
    with streamlit_server(env=env) as url:
        yield url, allowed


def test_a_site_listed_in_frame_ancestors_shows_the_map_in_its_frame(nrdash, browser):
    server, port = nrdash
    with host_site(port, f"{server}/carte?integre=1&niveau=2&niveau=3") as host:
        context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="fr-FR")
        page = context.new_page()
        refusals = []
        page.on("console", lambda m: refusals.append(m.text) if "frame-ancestors" in m.text else None)
        page.goto(host + "/", wait_until="domcontentloaded")
        frame = page.frame_locator("iframe")
        frame.locator('[data-testid="stApp"]').wait_for(timeout=60_000)
        wait_idle(next(f for f in page.frames if f.url.startswith(server)), timeout=60_000)
        still = frame.locator("figure.nr-carte-figure svg.nr-carte")
        still.wait_for(timeout=60_000)
        assert still.locator("circle").count() > 10  # the actors' points, drawn inside the other site's page
        assert still.bounding_box()["width"] > 400
        assert "acteurs placés" in frame.locator("figure.nr-carte-figure").get_attribute("aria-label")
        link = frame.get_by_role("link", name="Voir le tableau de bord")
        assert (link.get_attribute("target"), link.get_attribute("rel")) == ("_blank", "noopener")
        assert link.evaluate("a => a.href").startswith(f"{server}/carte?niveau=2&niveau=3")
        assert "59 acteurs sur 150 — filtres : niveau ≥ 2" in frame.locator('[data-testid="stCaptionContainer"]').last.inner_text()
        for hidden in ("stSidebar", "stSidebarNav", "stHeader", "stFileUploader", "stExpandSidebarButton"):
            assert not frame.get_by_test_id(hidden).is_visible(), hidden
        assert frame.get_by_role("link", name="Se connecter").count() == 0
        assert refusals == []
        context.close()


def test_a_site_not_listed_is_refused_by_the_browser(nrdash, browser):
    server, port = nrdash
    with host_site(free_port(), f"{server}/carte?integre=1") as host:
        context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="fr-FR")
        page = context.new_page()
        with page.expect_console_message(lambda m: "frame-ancestors" in m.text, timeout=60_000) as refused:
            page.goto(host + "/", wait_until="domcontentloaded")
        text = refused.value.text  # chromium: "Framing '…' violates … frame-ancestors … The request has been blocked."
        assert f"Framing '{server}/" in text and "has been blocked" in text
        assert page.frame_locator("iframe").locator('[data-testid="stApp"]').count() == 0  # nothing of nrdash shows
        context.close()
