"""What the server keeps of sessions that have closed (issue 23 §3): five rounds of ten browser tabs that each upload a
50,000-actor census, then close; the server's resident memory after each round.

    python benchmarks/bench_session_memory.py [--rounds 5] [--sessions 10] [--ttl 10] [--app-root /work/main]

The real server (tests/e2e/harness.py), its reconnection window ``server.disconnectedSessionTTL`` shortened to
--ttl seconds (120 by default in production: the same mechanism, a shorter wait). Each tab has its own
X-Forwarded-For (NRDASH_TRUSTED_PROXIES=127.0.0.1), the uploads are made one after the other (the server reads a
few at a time), all tabs stay open until the round's last census is shown, then all close. The resident memory
(/proc VmRSS of the server and of its reading workers) is read before the first round, once the round's tabs show
their census, and --ttl + 20 s after they closed, with no other visitor.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_admission import tree_rss_mb  # noqa: E402


def server_rss_mb(pid: int) -> float:
    """Resident memory of the server process alone (without its reading workers), MB."""
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def census_50k() -> Path:
    path = OUT / "synthetic-50000.xlsx"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        from bench_census import synthetic_census

        synthetic_census(50_000, path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--ttl", type=int, default=10)
    parser.add_argument("--app-root", type=Path, default=ROOT)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from tests.e2e.harness import CHROMIUM_ARGS, chromium_path, goto, streamlit_server, wait_idle

    path = census_50k()
    data = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    env = {"NRDASH_DATA_DIR": str(data), "NRDASH_TRUSTED_PROXIES": "127.0.0.1",
           "STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": str(args.ttl)}
    print(f"Application : {args.app_root} ; {os.cpu_count()} cœurs ; charge au départ : {os.getloadavg()} ; "
          f"{args.sessions} onglets × {path.name} ({path.stat().st_size / 1e6:.1f} Mo) par tour", flush=True)
    rows = []
    with streamlit_server(env=env, root=args.app_root, log=data / "server.log") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        first = browser.new_context()
        goto(first.new_page(), url)  # the server's first run (sample seeded, workers started) before measuring
        first.close()
        time.sleep(args.ttl + 20)
        start = tree_rss_mb(url.pid)
        print(f"départ : {start:.0f} Mo (serveur {server_rss_mb(url.pid):.0f}) ; PYTHONMALLOC du serveur : "
              + next((v.split("=", 1)[1] for v in open(f"/proc/{url.pid}/environ").read().split("\0")
                      if v.startswith("PYTHONMALLOC=")), "(aucun)"), flush=True)
        for r in range(args.rounds):
            contexts = []
            for s in range(args.sessions):
                context = browser.new_context(viewport={"width": 1280, "height": 900},
                                              extra_http_headers={"X-Forwarded-For": f"198.51.100.{10 + s}"})
                page = context.new_page()
                goto(page, url)
                page.get_by_test_id("stSidebar").get_by_text("Charger un recensement").click()
                for _ in range(20):  # « Serveur occupé » is possible: give the file again
                    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(files=str(path))
                    page.wait_for_function(
                        f"document.querySelector('[data-testid=stSidebar]').innerText.includes('{path.name}')"
                        " || document.body.innerText.includes('Serveur occupé')", timeout=600_000)
                    wait_idle(page, timeout=600_000)
                    if path.name in page.get_by_test_id("stSidebar").inner_text():
                        break
                    page.locator('[data-testid="stFileUploaderDeleteBtn"] button').first.click()
                    wait_idle(page)
                contexts.append(context)
            open_rss = tree_rss_mb(url.pid)
            for context in contexts:
                context.close()
            time.sleep(args.ttl + 20)  # the reconnection window, then a margin (a benchmark, not a test)
            closed_rss, server = tree_rss_mb(url.pid), server_rss_mb(url.pid)
            rows.append((r + 1, open_rss, closed_rss))
            print(f"tour {r + 1} : onglets ouverts {open_rss:.0f} Mo ; {args.ttl + 20} s après leur fermeture "
                  f"{closed_rss:.0f} Mo (serveur {server:.0f}, processus de lecture {closed_rss - server:.0f})",
                  flush=True)
        browser.close()
    growth = [b[2] - a[2] for a, b in zip(rows, rows[1:])]
    print(f"\nDépart {start:.0f} Mo ; après fermeture, tour par tour : "
          + ", ".join(f"{c:.0f}" for _, _, c in rows) + " Mo ; écart d'un tour au suivant : "
          + ", ".join(f"{g:+.0f}" for g in growth) + f" Mo ; charge à la fin : {os.getloadavg()}")


if __name__ == "__main__":
    main()
