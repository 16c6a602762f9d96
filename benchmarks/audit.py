"""Accessibility (axe-core) and sobriety (EcoIndex) of every page, in headless Chromium.

    python benchmarks/audit.py

Every page of the menu, then the phones' vote page (/vote?code=…, plain HTML: a vote is opened on « exemple » for
the measure, in the EcoIndex window like the others) and the open data listing of the fictional sample
(/donnees/exemple/, written by nrdash.web.opendata; target: EcoIndex B or better).

For each page: requests, transferred bytes, DOM size and the EcoIndex grade (ecoindex-compute, from the page
once rendered), then axe-core's serious and critical violations, split between those on nrdash's own content
and those inside Streamlit's own components.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nrdash.ui import PAGES, url_path  # noqa: E402
from tests.e2e.harness import CHROMIUM_ARGS, chromium_path, streamlit_server  # noqa: E402
from tests.e2e.sobriety import VIEWPORT, measure, warm_up  # noqa: E402

# Streamlit's own widgets and chrome (not content nrdash writes)
STREAMLIT_OWN = ("stSidebarNav", "stToolbar", "stMainMenu", "stDecoration", "stStatusWidget", "stHeader",
                 "stSidebarCollapse", "stBaseButton-header", "stExpandSidebarButton", "stMultiSelect",
                 "stSelectbox", "stFileUploader", "data-baseweb", "stDeckGlJsonChart", "stDataFrame",
                 "gdg-", "stCheckbox", "stToggle", "stRadio", "stExpander", "stPageLink")


# Plain HTML pages of nrdash's own routes measured beside the menu (besides the vote page): address, title.
SERVER_PAGES = (("donnees/exemple/", "Données ouvertes"),)


def audit_page(page, url: str, streamlit: bool = True) -> dict:
    from axe_playwright_python.sync_playwright import Axe

    result = measure(page, url, streamlit)
    ours, theirs = [], []
    for v in Axe().run(page).response["violations"]:
        if v["impact"] not in ("serious", "critical"):
            continue
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"]) + " " + node.get("html", "")
            (theirs if any(s in target for s in STREAMLIT_OWN) else ours).append((v["id"], target[:160]))
    return {**result, "ours": ours, "theirs": theirs}


def vote_code() -> str:
    """An open vote on « exemple » (the server's own database), for the phones' page."""
    from nrdash.store import Principal, Store

    s, op = Store(), Principal.operator()
    current = s.latest_vote(op, "exemple")
    code = current.code if current is not None and current.open else s.open_vote(op, "exemple").code
    s.close()
    return code


def main() -> None:
    from playwright.sync_api import sync_playwright

    with streamlit_server() as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        warm_up(browser, server)
        print(f"{'page':<20} {'requêtes':>8} {'Ko':>8} {'DOM':>6} {'(svg incl.)':>11} {'EcoIndex':>9} | axe (graves) nrdash / Streamlit")
        details = []
        pages = [(title, f"{server}/{url_path(path)}", True) for path, title, _ in PAGES]
        pages.append(("Vote (téléphone)", f"{server}/vote?code={vote_code()}", False))
        pages += [(title, f"{server}/{address}", False) for address, title in SERVER_PAGES]
        for title, url, streamlit in pages:
            page = browser.new_context(viewport=VIEWPORT).new_page()
            r = audit_page(page, url, streamlit)
            print(f"{title:<20} {r['requests']:>8} {r['kb']:>8.0f} {r['dom']:>6} {r['all_nodes']:>11} {r['grade']:>4} ({r['score']:>3.0f}) | "
                  f"{len(r['ours'])} / {len(r['theirs'])}", flush=True)
            details.append((title, r))
            page.context.close()
        browser.close()
    for title, r in details:
        for rule, target in r["ours"]:
            print(f"  [nrdash] {title}: {rule} — {target}")
    seen = set()
    for _title, r in details:
        for rule, target in r["theirs"]:
            if rule not in seen:
                seen.add(rule)
                print(f"  [Streamlit] {rule} — ex. {target}")


if __name__ == "__main__":
    main()
