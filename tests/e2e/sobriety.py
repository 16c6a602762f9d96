"""EcoIndex measurement of a page in headless Chromium, as the EcoIndex reference tools measure it (its
ecoindex-scraper and lighthouse-plugin-ecoindex): requests and bytes as transferred (compressed, headers included,
kB of 1,000 bytes), DOM size without the elements inside <svg>; graded by ecoindex-compute.

The pages measured and the score each must reach (issue 29: 60 at least everywhere, 70 — grade B — on the pages the
public opens) are listed here once: the quality gate (tests/e2e/test_sobriety.py) and ``python benchmarks/audit.py``
(whose benchmarks/audit.json the accessibility statement shows) read the same list. A new public page (a vote page,
an open-data listing) is one line in PUBLIC_PAGES.
"""
from __future__ import annotations

import asyncio
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from nrdash.ui import PAGES, url_path
from tests.e2e.harness import goto

VIEWPORT = {"width": 1920, "height": 1080}  # EcoIndex's reference window
MIN_SCORE = 60  # every page of the dashboard
# The pages the public opens, written by the server itself (nrdash.web.public, nrdash.web.opendata_routes): (address, title,
# minimum score).
PUBLIC_PAGES: tuple[tuple[str, str, int], ...] = (
    ("questionnaire?territoire=exemple", "Questionnaire public", 70),
    ("accessibilite", "Déclaration d'accessibilité", 70),
    ("donnees/exemple/", "Données ouvertes", 70),  # the open data listing (nrdash.web.opendata_routes)
)


VOTE_PAGE = ("Vote (téléphone)", 70)  # the phones' page of an open vote (nrdash.web.vote_page): its code varies


def pages_to_measure(vote_code: str | None = None) -> list[tuple[str, str, int, bool]]:
    """(address, title, minimum EcoIndex score, written by Streamlit) of every page measured, in the menu's order,
    then the public pages, then the phones' vote page when an open vote's code is given."""
    vote = [(f"vote?code={vote_code}", *VOTE_PAGE, False)] if vote_code else []
    return ([(url_path(path), title, MIN_SCORE, True) for path, title, _ in PAGES]
            + [(address, title, minimum, False) for address, title, minimum in PUBLIC_PAGES] + vote)
DOM_NODES_JS = "document.querySelectorAll('*').length - document.querySelectorAll('svg *').length"
GRADES = "ABCDEFG"


def warm_up(browser, server: str) -> None:
    """Visit every page once and wait until the server has its Brotli versions of the static files (made in the
    background, nrdash.web.compression): the pages are then measured as a running server serves them."""
    static = set()
    for path, _, _ in PAGES:
        page = browser.new_context(viewport=VIEWPORT).new_page()
        page.on("requestfinished", lambda r: static.add(r.url) if "static/" in r.url and
                r.resource_type in ("script", "stylesheet") else None)
        goto(page, f"{server}/{url_path(path)}")
        page.wait_for_load_state("networkidle")
        page.context.close()
    deadline = time.monotonic() + 180
    for url in sorted(static):
        while time.monotonic() < deadline:
            req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip, br"})
            with urllib.request.urlopen(req) as r:
                if r.headers.get("Content-Encoding") != "gzip":
                    break
            time.sleep(0.5)


def measure(page, url: str, streamlit: bool = True) -> dict:
    """First load of ``url`` in ``page`` (a fresh context): requests, kB, DOM, EcoIndex grade and score.
    ``streamlit``: a page of the app (else a plain HTML page the server writes itself — the public form, the statement,
    the phones' vote page —: measured once loaded)."""
    from ecoindex.compute import compute_ecoindex

    sizes = []

    def on_finished(request):
        if request.url.startswith(("blob:", "data:")):  # read from the browser's memory: no network request
            return
        try:
            sz = request.sizes()
            sizes.append(sz["responseBodySize"] + sz["responseHeadersSize"])
        except Exception:
            sizes.append(0)

    page.on("requestfinished", on_finished)
    if streamlit:
        goto(page, url)
    else:
        page.goto(url, wait_until="load")
    # Measured once every chart is drawn (plotly's script arrives, then it draws, after the page has settled).
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1000)
    page.wait_for_function("""() => [...document.querySelectorAll('.nr-plot')]
                                  .every(c => c.querySelector('.main-svg'))""", timeout=30_000)
    page.wait_for_timeout(1500)
    page.remove_listener("requestfinished", on_finished)
    dom = page.evaluate(DOM_NODES_JS)
    all_nodes = page.evaluate("document.querySelectorAll('*').length")
    kb = sum(sizes) / 1000
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API already runs an event loop in this thread
        eco = pool.submit(asyncio.run, compute_ecoindex(nodes=dom, size=kb, requests=len(sizes))).result()
    return {"requests": len(sizes), "kb": kb, "dom": dom, "all_nodes": all_nodes,
            "grade": getattr(eco.grade, "value", eco.grade), "score": eco.score}
