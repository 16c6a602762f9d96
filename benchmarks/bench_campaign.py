"""Update campaigns (issue 26): making one for 10,000 actors, and the campaigns page while it sends.

    python benchmarks/bench_campaign.py [--size 10000] [--repeat 5] [--no-page] [--page-size 2000]

1. **Making a campaign**: bench_census's synthetic census of --size actors (every one with an e-mail address in
   « Contact ») published to a fresh SQLite store (not timed); then, --repeat times, ``Store.create_campaign`` for
   every actor of the latest version, as an editor's account: the latest version opened with its personal data
   (the version cache warm, as on the page), the addresses read, the refusals looked up, the campaign and its
   recipients written in one transaction. Wall and process time, median. Target (issue 26): ≤ 2 s.
2. **The page while it sends** (skipped with --no-page): the app (``streamlit run``, tests/e2e/harness.py) on a store
   with a --page-size census, a real SMTP server on loopback (aiosmtpd), Chromium signed in as the editor on the
   Campagnes page. Measured: the time from a click (the recipients' status filter) to the page idle again, --repeat
   times before any sending, then while the page's own background sending runs (600 messages per minute), and the
   progress the page shows meanwhile. The rate is that of a collectivité's server allowing 10 messages a second.
"""
from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

EPCI = "241700434"
PASSWORD = "un mot de passe long"


def census(n: int, folder: Path) -> bytes:
    from bench_census import synthetic_records, write_census

    path = folder / f"campagne-{n}.xlsx"
    write_census(synthetic_records(n), path)
    return path.read_bytes()


def published(folder: Path, n: int):
    from nrdash import store as st

    s = st.Store(f"sqlite:///{folder / 'nrdash.db'}", seed_sample=False)
    op = st.Principal.operator()
    s.add_user(op, "admin@exemple.fr", PASSWORD)
    s.add_user(op, "ed@exemple.fr", PASSWORD, "éditeur", EPCI)
    s.publish(op, EPCI, census(n, folder), "recensement.xlsx", force_reason="banc d'essai")
    return s


def making(n: int, repeat: int) -> None:
    from nrdash import store as st

    with tempfile.TemporaryDirectory() as tmp:
        s = published(Path(tmp), n)
        who = st.Principal.account("ed@exemple.fr")
        s.open_version(who, EPCI, personal=True)  # the page has it open already
        walls, cpus = [], []
        for _ in range(repeat):
            t, c = time.perf_counter(), time.process_time()
            info = s.create_campaign(who, EPCI, None)
            walls.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
        assert info.recipients == n, info.recipients
        print(f"create_campaign, {n} actors: wall median {statistics.median(walls):.2f} s "
              f"(min {min(walls):.2f}, max {max(walls):.2f}); process median {statistics.median(cpus):.2f} s "
              f"(min {min(cpus):.2f}) over {repeat} runs; {info.counts}")
        s.close()


def page(n: int, repeat: int) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    from tests.e2e.harness import CHROMIUM_ARGS, chromium_path, goto, streamlit_server, wait_idle
    from tests.smtp import smtp_server

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        s = published(folder, n)
        s.close()
        with smtp_server("plain") as (smtp_url, received):
            env = {"NRDASH_DATA_DIR": str(folder), "STREAMLIT_SERVER_COOKIE_SECRET": "banc d'essai des campagnes",
                   "NRDASH_SMTP_URL": smtp_url, "NRDASH_MAIL_FROM": "nr@agglo.test", "NRDASH_MAIL_RATE": "600",
                   "NRDASH_PUBLIC_URL": "https://nrdash.agglo.test"}  # links are not followed here
            with streamlit_server(env=env) as url:
                with sync_playwright() as p:
                    browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
                    pg = browser.new_context(viewport={"width": 1280, "height": 720}, locale="fr-FR").new_page()
                    goto(pg, url + f"/campagnes?territoire={EPCI}")
                    pg.get_by_test_id("stSidebar").get_by_role("link", name="Se connecter").click()
                    pg.get_by_label("Adresse électronique").fill("ed@exemple.fr")
                    pg.get_by_label("Mot de passe").fill(PASSWORD)
                    pg.get_by_role("button", name="Se connecter").click()
                    pg.wait_for_url(url + f"/campagnes?territoire={EPCI}")
                    wait_idle(pg, 120_000)
                    main = pg.get_by_test_id("stMain")
                    t = time.perf_counter()
                    main.get_by_role("button", name="Créer la campagne", exact=False).click()
                    wait_idle(pg, 120_000)
                    pg.get_by_text("Campagne n° 1 créée", exact=False).wait_for(timeout=120_000)
                    print(f"page: making the campaign of {n} actors (click to page idle): "
                          f"{time.perf_counter() - t:.2f} s")
                    pg.reload()  # the tabs drawn anew with the campaign counted (signed in by the session's cookie)
                    wait_idle(pg, 120_000)
                    box = pg.locator(".st-key-camp_status_filter").get_by_role("combobox")
                    for _ in range(10):  # a tab chosen while the page still runs may be drawn unchosen again
                        main.get_by_role("tab", name="Suivre les campagnes (1)").click()
                        wait_idle(pg, 120_000)
                        if box.count() and box.is_visible():
                            break
                        time.sleep(1)
                    turn, reopened = itertools.count(), [0]

                    def clicks() -> list[float]:
                        times = []
                        for _ in range(repeat):
                            # each click changes the filter (a full run of the page): « à envoyer » is offered
                            # before and while sending (the list's choices are those of the page's last full run)
                            option = "à envoyer" if next(turn) % 2 == 0 else "Tous"
                            for _ in range(10):  # a list opened as the progress redraws may close again
                                box.click()
                                try:
                                    t0 = time.perf_counter()
                                    pg.get_by_role("option", name=option, exact=True).first.click(timeout=5_000)
                                    break
                                except PlaywrightTimeout:
                                    reopened[0] += 1
                            else:
                                raise RuntimeError(f"the option « {option} » could not be chosen")
                            wait_idle(pg, 120_000)
                            times.append(time.perf_counter() - t0)
                        return times

                    idle = clicks()
                    main.get_by_role("button", name="Envoyer les courriels", exact=False).click()
                    wait_idle(pg, 120_000)
                    t_send = time.perf_counter()
                    busy = clicks()
                    shown = main.get_by_text("Envoi en cours", exact=False)
                    progress = shown.first.inner_text() if shown.count() else "(envoi fini)"
                    sent = len(received.messages)
                    elapsed = time.perf_counter() - t_send
                    print(f"page: a click to idle before sending: median {statistics.median(idle):.2f} s "
                          f"(max {max(idle):.2f}); while sending: median {statistics.median(busy):.2f} s "
                          f"(max {max(busy):.2f}); {sent} messages received in {elapsed:.0f} s meanwhile "
                          f"({60 * sent / elapsed:.0f} per minute); the page said: « {progress} »; lists opened again: "
                          f"{reopened[0]}")
                    browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-page", action="store_true")
    parser.add_argument("--page-size", type=int, default=2000)
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} cores")
    making(args.size, args.repeat)
    if not args.no_page:
        page(args.page_size, args.repeat)
    print(f"load: {os.getloadavg()[0]:.1f} (1 min)")


if __name__ == "__main__":
    main()
