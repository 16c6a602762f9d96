"""Accessibility (axe-core) and sobriety (EcoIndex) of every page, in headless Chromium.

    python benchmarks/audit.py            (writes benchmarks/audit.json: commit it)
    python benchmarks/audit.py --no-write (prints only)

For each page of the dashboard and each public page (tests/e2e/sobriety.py lists them, with their target: the
actors' questionnaire, the statement, the open data listing of the fictional sample /donnees/exemple/), then the
phones' vote page (/vote?code=…, plain HTML: a vote is opened on « exemple » for the measure): requests,
transferred bytes, DOM size and the EcoIndex grade (ecoindex-compute, from the page once rendered), then axe-core's
serious and critical violations, split between those on nrdash's own content and those inside Streamlit's own
components. benchmarks/audit.json is the single source of the figures: the accessibility and sobriety statement
(/accessibilite, nrdash.web.statement) shows them, docs/performances.md copies its table.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.harness import CHROMIUM_ARGS, chromium_path, streamlit_server  # noqa: E402
from tests.e2e.sobriety import PUBLIC_PAGES, VIEWPORT, measure, pages_to_measure, warm_up  # noqa: E402

OUTPUT = ROOT / "benchmarks" / "audit.json"
# Streamlit's own widgets and chrome (not content nrdash writes)
STREAMLIT_OWN = ("stSidebarNav", "stToolbar", "stMainMenu", "stDecoration", "stStatusWidget", "stHeader",
                 "stSidebarCollapse", "stBaseButton-header", "stExpandSidebarButton", "stMultiSelect",
                 "stSelectbox", "stFileUploader", "data-baseweb", "stDeckGlJsonChart", "stDataFrame",
                 "gdg-", "stCheckbox", "stToggle", "stRadio", "stExpander", "stPageLink")


# Plain HTML pages of nrdash's own routes measured beside the menu (besides the vote page): address, title. Listed
# with their target in tests/e2e/sobriety.PUBLIC_PAGES.
SERVER_PAGES = tuple((address, title) for address, title, _ in PUBLIC_PAGES)


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


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except OSError:
        return ""


def vote_code() -> str:
    """An open vote on « exemple » (the server's own database), for the phones' page."""
    from nrdash.store import Principal, Store

    s, op = Store(), Principal.operator()
    current = s.latest_vote(op, "exemple")
    code = current.code if current is not None and current.open else s.open_vote(op, "exemple").code
    s.close()
    return code


def main(write: bool = True) -> None:
    from playwright.sync_api import sync_playwright

    import streamlit

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with streamlit_server() as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        warm_up(browser, server)
        print(f"{'page':<28} {'requêtes':>8} {'Ko':>8} {'DOM':>6} {'(svg incl.)':>11} {'EcoIndex':>9} {'cible':>6} | "
              "axe (graves) nrdash / Streamlit")
        details = []
        for address, title, minimum, is_streamlit in pages_to_measure(vote_code()):
            page = browser.new_context(viewport=VIEWPORT).new_page()
            r = audit_page(page, f"{server}/{address}", is_streamlit)
            print(f"{title:<28} {r['requests']:>8} {r['kb']:>8.0f} {r['dom']:>6} {r['all_nodes']:>11} {r['grade']:>4} "
                  f"({r['score']:>3.0f}) {minimum:>6} | {len(r['ours'])} / {len(r['theirs'])}", flush=True)
            details.append((address, title, minimum, is_streamlit, r))
            page.context.close()
        browser.close()
    for _, title, _, _, r in details:
        for rule, target in r["ours"]:
            print(f"  [nrdash] {title}: {rule} — {target}")
    seen = set()
    for _, _title, _, _, r in details:
        for rule, target in r["theirs"]:
            if rule not in seen:
                seen.add(rule)
                print(f"  [Streamlit] {rule} — ex. {target}")
    print(f"charge de la machine au début (uptime) : {load}")
    if not write:
        return
    data = {
        "measured": dt.date.today().strftime("%d/%m/%Y"),
        "command": "python benchmarks/audit.py",
        "commit": _commit(),
        "streamlit": streamlit.__version__,
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cœurs, charge au début {load}",
        "viewport": f"{VIEWPORT['width']}×{VIEWPORT['height']}",
        "pages": [{"title": title, "path": address, "public": not is_streamlit, "target": minimum,
                   "requests": r["requests"], "kb": round(r["kb"], 1), "dom": r["dom"], "grade": r["grade"],
                   "score": round(float(r["score"]), 1), "axe_nrdash": len(r["ours"]),
                   "axe_streamlit": len(r["theirs"])}
                  for address, title, minimum, is_streamlit, r in details],
    }
    OUTPUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"écrit : {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main(write="--no-write" not in sys.argv[1:])
