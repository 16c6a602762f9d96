"""Accessibility (axe-core) and sobriety (EcoIndex) of every page, in headless Chromium.

    python benchmarks/audit.py

For each page: requests, transferred bytes, DOM size and the EcoIndex grade (ecoindex-compute, from the page
once rendered), then axe-core's serious and critical violations, split between those on nrdash's own content
and those inside Streamlit's own components.
"""
from __future__ import annotations

import asyncio
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nrdash.ui import PAGES, url_path  # noqa: E402
from tests.e2e.harness import CHROMIUM_ARGS, chromium_path, goto, streamlit_server  # noqa: E402

# Streamlit's own widgets and chrome (not content nrdash writes)
STREAMLIT_OWN = ("stSidebarNav", "stToolbar", "stMainMenu", "stDecoration", "stStatusWidget", "stHeader",
                 "stSidebarCollapse", "stBaseButton-header", "stExpandSidebarButton", "stMultiSelect",
                 "stSelectbox", "stFileUploader", "data-baseweb", "stPlotlyChart", "stDeckGlJsonChart", "stDataFrame",
                 "gdg-", "stCheckbox", "stToggle", "stRadio", "stExpander", "stPageLink")


DOM_NODES_JS = "document.querySelectorAll('*').length - document.querySelectorAll('svg *').length"


def audit_page(page, url: str) -> dict:
    from axe_playwright_python.sync_playwright import Axe
    from ecoindex.compute import compute_ecoindex

    sizes = []

    def on_finished(request):  # bytes as transferred (compressed), headers included, as EcoIndex counts them
        if request.url.startswith(("blob:", "data:")):  # read from the browser's memory: no network request
            return
        try:
            sz = request.sizes()
            sizes.append(sz["responseBodySize"] + sz["responseHeadersSize"])
        except Exception:
            sizes.append(0)

    page.on("requestfinished", on_finished)
    goto(page, url)
    # Measured once every chart is drawn (plotly's scripts arrive, then it draws, after the page has settled).
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1000)
    page.wait_for_function("""() => [...document.querySelectorAll('.nr-plot')]
                                  .every(c => c.querySelector('.main-svg'))""", timeout=30_000)
    page.wait_for_timeout(1500)
    page.remove_listener("requestfinished", on_finished)
    count = len(sizes)
    # DOM size as the EcoIndex reference tools count it (ecoindex's scraper, lighthouse-plugin-ecoindex): every
    # element except those inside an <svg>; size in kB of 1,000 bytes, as they count it.
    dom = page.evaluate(DOM_NODES_JS)
    all_nodes = page.evaluate("document.querySelectorAll('*').length")
    size_kb = sum(sizes) / 1000
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API already runs an event loop in this thread
        eco = pool.submit(asyncio.run, compute_ecoindex(nodes=dom, size=size_kb, requests=count)).result()
    results = Axe().run(page).response
    ours, theirs = [], []
    for v in results["violations"]:
        if v["impact"] not in ("serious", "critical"):
            continue
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"]) + " " + node.get("html", "")
            (theirs if any(s in target for s in STREAMLIT_OWN) else ours).append((v["id"], target[:160]))
    return {"requests": count, "kb": size_kb, "dom": dom, "all_nodes": all_nodes, "grade": eco.grade, "score": eco.score,
            "ours": ours, "theirs": theirs}


def warm_up(browser, server: str) -> None:
    """Visit every page once and wait until the server has its Brotli versions of the static files (made in the
    background, nrdash.compression): the pages are then measured as a running server serves them."""
    import time
    import urllib.request

    static = set()
    for path, _, _ in PAGES:
        page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
        page.on("requestfinished", lambda r: static.add(r.url) if "/static/" in r.url and
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


def main() -> None:
    from playwright.sync_api import sync_playwright

    with streamlit_server() as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        warm_up(browser, server)
        print(f"{'page':<20} {'requêtes':>8} {'Ko':>8} {'DOM':>6} {'(svg incl.)':>11} {'EcoIndex':>9} | axe (graves) nrdash / Streamlit")
        details = []
        for path, title, _ in PAGES:
            page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
            r = audit_page(page, f"{server}/{url_path(path)}")
            print(f"{title:<20} {r['requests']:>8} {r['kb']:>8.0f} {r['dom']:>6} {r['all_nodes']:>11} {getattr(r['grade'], 'value', r['grade']):>4} ({r['score']:>3.0f}) | "
                  f"{len(r['ours'])} / {len(r['theirs'])}", flush=True)
            details.append((title, r))
            page.context.close()
        browser.close()
    for title, r in details:
        for rule, target in r["ours"]:
            print(f"  [nrdash] {title}: {rule} — {target}")
    seen = set()
    for title, r in details:
        for rule, target in r["theirs"]:
            if rule not in seen:
                seen.add(rule)
                print(f"  [Streamlit] {rule} — ex. {target}")


if __name__ == "__main__":
    main()
