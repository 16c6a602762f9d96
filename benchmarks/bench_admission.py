"""Anonymous uploads against the other readers (issue 23 §3): what a visitor's small upload and an editor's
publication cost while four anonymous tabs re-upload a legal 150,000-row workbook, and what the server's memory does.

    python benchmarks/bench_admission.py [--repeat 5] [--attackers 4] [--app-root /work/main]

The real server (``streamlit run nrdash/web/server.py``, tests/e2e/harness.py) behind a pretend load balancer:
NRDASH_TRUSTED_PROXIES=127.0.0.1, and each browser sends its own X-Forwarded-For, as clients behind a proxy would
(the four anonymous tabs share one address; the visitor and the editor have theirs). Chromium drives everything.

1. At rest: the visitor gives a 5 KB census (30 actors) to « Charger un recensement », the clock stops when the
   sidebar shows it; the editor, signed in on the Versions page, writes a note and clicks « Publier la version N »
   on a small draft (written into the store just before), the clock starts at « Confirmer : publier… » and stops at
   « Version N publiée. ». Median of --repeat each.
2. The same while --attackers anonymous tabs (each its own Chromium process) give the 150,000-row workbook to the
   uploader again and again, as fast as the server answers (a refusal « Serveur occupé » included).
3. The server's resident memory (its process and its reading workers, /proc) at start, at the end of each phase.

``--app-root`` serves another checkout's app (e.g. main before this change) with the same measure.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))

EPCI = "241700434"
PASSWORD = "un mot de passe long"
EDITOR = "ed@exemple.fr"
TIMEOUT_MS = 600_000  # what one measure may take at most (the old code took minutes)
ATTACKER_XFF, VISITOR_XFF, EDITOR_XFF = "192.0.2.66", "198.51.100.20", "198.51.100.30"


def small_census(tag: str, n: int = 30) -> bytes:
    """A CSV census of ``n`` actors (about 5 KB), its names marked with ``tag``."""
    lines = ["Nom de l'acteur;Type d'acteur;Niveau d'engagement estimé;Commune;Description des actions NR identifiées"]
    lines += [f"Structure {tag} {i};PME;{i % 4};La Rochelle;Réemploi du matériel informatique et sensibilisation "
              f"des équipes, action {i} menée depuis 2024" for i in range(n)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def large_census() -> Path:
    path = OUT / "synthetic-150000.xlsx"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from bench_census import synthetic_census

        synthetic_census(150_000, path)
    return path


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (the server and its reading workers), MB."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total / 1024


def browser_context(browser, xff: str):
    return browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR",
                               extra_http_headers={"X-Forwarded-For": xff})


def attacker(url: str, path: str, stop: str) -> None:
    """One anonymous tab: the large file given to the uploader again and again until ``stop`` exists."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.harness import CHROMIUM_ARGS, chromium_path, goto, wait_idle

    done = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser_context(browser, ATTACKER_XFF).new_page()
        goto(page, f"{url}/?territoire={EPCI}")
        page.get_by_test_id("stSidebar").get_by_text("Charger un recensement").click()
        uploader = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
        copies = [Path(tempfile.mkdtemp()) / f"grand-{k}.xlsx" for k in range(2)]
        for c in copies:
            c.symlink_to(path)
        while not os.path.exists(stop):
            uploader.set_input_files(files=str(copies[done % 2]))  # another name: the uploader sees a change
            page.wait_for_timeout(300)
            wait_idle(page, timeout=TIMEOUT_MS)
            done += 1
        browser.close()
    print(done, flush=True)


def visitor_upload(browser, url: str, tag: str) -> float:
    from tests.e2e.harness import goto, wait_idle

    context = browser_context(browser, VISITOR_XFF)
    try:
        page = context.new_page()
        goto(page, f"{url}/?territoire={EPCI}")
        page.get_by_test_id("stSidebar").get_by_text("Charger un recensement").click()
        uploader = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
        uploader.wait_for(state="attached")
        data = small_census(tag)
        t = time.perf_counter()
        uploader.set_input_files(files=[{"name": f"petit-{tag}.csv", "mimeType": "text/csv", "buffer": data}])
        page.wait_for_function(f"document.querySelector('[data-testid=stSidebar]').innerText.includes('petit-{tag}.csv')"
                               " || document.body.innerText.includes('Serveur occupé')", timeout=TIMEOUT_MS, polling=50)
        elapsed = time.perf_counter() - t
        wait_idle(page, timeout=TIMEOUT_MS)
        if "Serveur occupé" in page.get_by_test_id("stMain").inner_text():
            return float("nan")  # refused: counted apart
        return elapsed
    finally:
        context.close()


def signed_in_editor(browser, url: str):
    from tests.e2e.harness import goto

    context = browser_context(browser, EDITOR_XFF)
    page = context.new_page()
    page.goto(f"{url}/connexion?suivant=/versions%3Fterritoire%3D{EPCI}")
    page.get_by_label("Adresse électronique").fill(EDITOR)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{url}/versions?territoire={EPCI}")
    goto(page, f"{url}/versions?territoire={EPCI}")
    return page


def editor_publish(page, url: str, db: str, tag: str) -> float:
    """A small draft written into the store, the Versions page reloaded, a note written, « Publier » clicked: seconds
    from « Confirmer : publier » to « Version N publiée. »."""
    from nrdash.store import Principal, Store

    from tests.e2e.harness import goto, wait_idle

    s = Store(f"sqlite:///{db}", migrate=False, seed_sample=False)
    try:
        latest = s.versions(Principal.operator(), EPCI)[-1].number
        s.save_draft(Principal.account(EDITOR), EPCI, small_census(tag, 20), f"brouillon-{tag}.csv", latest)
    finally:
        s.close()
    button = page.get_by_role("button", name=f"Publier la version {latest + 1}")
    for _ in range(100):  # the draft is read on opening the page: under load it may be told « Serveur occupé »
        goto(page, f"{url}/versions?territoire={EPCI}")
        if button.count():
            break
    page.get_by_label("Note de version (ce qui change, pourquoi)").fill(f"Banc d'essai {tag}")
    page.keyboard.press("Tab")  # the text area sends its value when it loses focus
    wait_idle(page, timeout=TIMEOUT_MS)
    button.click()  # « Publier » shows what the draft changes and asks for a confirmation (issue 25)
    wait_idle(page, timeout=TIMEOUT_MS)
    t = time.perf_counter()
    page.get_by_role("button", name=f"Confirmer : publier la version {latest + 1}").click()
    page.wait_for_function(f"document.body.innerText.includes('Version {latest + 1} publiée.')"
                           " || document.body.innerText.includes('Serveur occupé')", timeout=TIMEOUT_MS, polling=50)
    elapsed = time.perf_counter() - t
    wait_idle(page, timeout=TIMEOUT_MS)
    if "Serveur occupé" in page.get_by_test_id("stMain").inner_text():
        return float("nan")
    return elapsed


def measure(browser, url: str, db: str, editor_page, repeat: int, phase: str) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"upload": [], "publish": []}
    for r in range(repeat):
        out["upload"].append(visitor_upload(browser, url, f"{phase}{r}"))
        out["publish"].append(editor_publish(editor_page, url, db, f"{phase}{r}"))
        print(f"  {phase} {r + 1}/{repeat} : envoi {out['upload'][-1]:.2f} s, publication {out['publish'][-1]:.2f} s",
              flush=True)
    return out


def summary(values: list[float]) -> str:
    ok = [v for v in values if v == v]
    refused = len(values) - len(ok)
    if not ok:
        return f"refusé {refused}/{len(values)}"
    return (f"médiane {statistics.median(ok):.2f} s (min {min(ok):.2f}, max {max(ok):.2f})"
            + (f", refusé {refused}/{len(values)}" if refused else ""))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--attackers", type=int, default=4)
    parser.add_argument("--app-root", type=Path, default=ROOT)
    parser.add_argument("--attacker", nargs=3, metavar=("URL", "FILE", "STOP"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.attacker:
        attacker(*args.attacker)
        return

    from playwright.sync_api import sync_playwright

    from nrdash.store import Principal, Store
    from tests.conftest import SAMPLE
    from tests.e2e.harness import CHROMIUM_ARGS, chromium_path, streamlit_server

    big = large_census()
    data = Path(tempfile.mkdtemp(prefix="bench-admission-"))
    db = str(data / "nrdash.db")
    s = Store(f"sqlite:///{db}", seed_sample=False)
    op = Principal.operator()
    s.add_user(op, "admin@exemple.fr", PASSWORD)
    s.add_user(op, EDITOR, PASSWORD, "éditeur", EPCI)
    s.publish(op, EPCI, SAMPLE.read_bytes(), "recensement.xlsx")
    s.set_territory(op, EPCI, anonymous_read=True)  # visitors upload beside it; a new territory opens closed
    s.close()
    print(f"Application : {args.app_root} ; {os.cpu_count()} cœurs ; charge au départ : {os.getloadavg()}", flush=True)
    print(f"Gros fichier : {big.name}, {big.stat().st_size / 1e6:.1f} Mo ; petit fichier : "
          f"{len(small_census('x')) / 1024:.1f} Ko", flush=True)
    env = {"NRDASH_DATA_DIR": str(data), "NRDASH_TRUSTED_PROXIES": "127.0.0.1",
           "STREAMLIT_SERVER_COOKIE_SECRET": "secret du banc d'essai"}
    with streamlit_server(env=env, root=args.app_root, log=data / "server.log") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        editor_page = signed_in_editor(browser, url)
        rss = {"départ": tree_rss_mb(url.pid)}
        rest = measure(browser, url, db, editor_page, args.repeat, "repos")
        rss["après le repos"] = tree_rss_mb(url.pid)
        stop = data / "stop"
        procs = [subprocess.Popen([sys.executable, __file__, "--attacker", url, str(big), str(stop)],
                                  cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(args.attackers)]
        try:
            time.sleep(15)  # the tabs open and give their first file (a benchmark, not a test)
            load_start = os.getloadavg()
            loaded = measure(browser, url, db, editor_page, args.repeat, "charge")
            rss["sous la charge"] = tree_rss_mb(url.pid)
        finally:
            stop.touch()
            counts = [int((proc.communicate(timeout=900)[0] or "0").split()[-1] or 0) for proc in procs]
        rss["après la charge"] = tree_rss_mb(url.pid)
        browser.close()
    print(f"\nAu repos      : envoi de 5 Ko {summary(rest['upload'])} ; publication {summary(rest['publish'])}")
    print(f"Sous la charge : envoi de 5 Ko {summary(loaded['upload'])} ; publication {summary(loaded['publish'])}")
    print(f"Onglets anonymes : {args.attackers}, fichiers donnés pendant la mesure : {counts} ; charge au début de la "
          f"mesure : {load_start}, à la fin : {os.getloadavg()}")
    print("Mémoire résidente du serveur et de ses processus de lecture : "
          + " ; ".join(f"{k} {v:.0f} Mo" for k, v in rss.items()))


if __name__ == "__main__":
    main()
