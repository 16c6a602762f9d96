"""Map benchmark: geography cache load, map payload per actor, and render/pan in headless Chromium.

    python benchmarks/bench_map.py [--sizes 1000 10000 100000] [--browser-size 100000]

The browser part starts `streamlit run nrdash/web/server.py` on a synthetic census (NRDASH_CENSUS) and drives Debian's
chromium with Playwright: time from opening the Carte page to the map drawn, then frames per second while
panning (requestAnimationFrame count during a 2-second drag).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_census import OUT, synthetic_census  # noqa: E402


def geography_load() -> None:
    import geopandas  # noqa: F401  (imports are not what is measured)
    import pyarrow.parquet  # noqa: F401

    from nrdash.geography import load_geography

    load_geography()
    times = []
    for _ in range(5):
        t = time.perf_counter()
        geo = load_geography()
        _ = geo.by_code, geo.by_postcode, geo.by_key
        times.append(time.perf_counter() - t)
    t = time.perf_counter()
    load_geography()
    bare = time.perf_counter() - t
    print(f"Cache géographique : chargement {bare:.3f} s (tables), {statistics.median(times):.3f} s avec les index "
          f"(médiane de 5)")


def payloads(sizes: list[int]) -> None:
    import numpy as np
    import pandas as pd

    from nrdash import maps
    from nrdash import referential as ref

    print(f"{'acteurs':>8} | {'octets/acteur (points)':>22} | {'carte complète':>14} | {'construction':>12}")
    for n in sizes:
        rng = np.random.default_rng(n)
        a = pd.DataFrame({"row": np.arange(2, n + 2), "name": [f"Acteur {i}" for i in range(n)], "type": "PME",
                          "family": ref.COMPANIES, "level": pd.array(rng.integers(0, 4, n), dtype="Int64"),
                          "commune": "Aytré", "insee": "17028",
                          "lat": pd.array(rng.uniform(43, 50, n), dtype="Float64"),
                          "lon": pd.array(rng.uniform(-4, 7, n), dtype="Float64")})
        t = time.perf_counter()
        deck = maps.build_deck(a, maps.MapOptions())
        size = maps.payload_bytes(deck)
        build = time.perf_counter() - t
        base = maps.payload_bytes(maps.build_deck(a.iloc[:0], maps.MapOptions()))
        print(f"{n:>8} | {(size - base) / n:>22.1f} | {size / 1e6:>11.2f} Mo | {build:>10.3f} s")


def browser(n: int) -> None:
    from playwright.sync_api import sync_playwright

    from tests.e2e.harness import CHROMIUM_ARGS, chromium_path, streamlit_server, wait_idle

    path = OUT / f"synthetic-{n}.xlsx"
    if not path.exists():
        synthetic_census(n, path)
    with streamlit_server(env={"NRDASH_CENSUS": str(path)}) as url, sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = b.new_page(viewport={"width": 1600, "height": 1000})
        page.set_default_timeout(180_000)
        page.goto(url)  # first load: reads, validates and places the census (server side, once)
        wait_idle(page, 180_000)
        for mode in ("grille", "points"):
            t = time.perf_counter()
            page.goto(f"{url}/carte")
            wait_idle(page, 180_000)
            if mode == "points":
                page.get_by_text("Regrouper sur une grille").click()
                wait_idle(page, 180_000)
            page.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas', state="attached")
            page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            drawn = time.perf_counter() - t
            box = page.locator('[data-testid="stDeckGlJsonChart"] canvas').first.bounding_box()
            cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            page.evaluate("window.__f = 0; (function f(){ window.__f++; requestAnimationFrame(f); })()")
            page.mouse.move(cx, cy)
            page.mouse.down()
            frames0, start = page.evaluate("window.__f"), time.perf_counter()
            for k in range(20):
                page.mouse.move(cx + (k % 5) * 30 - 60, cy + (k % 3) * 20 - 20)
            page.wait_for_timeout(300)
            frames, elapsed = page.evaluate("window.__f") - frames0, time.perf_counter() - start
            page.mouse.up()
            print(f"Navigateur, {n} acteurs, {mode:<7}: carte affichée en {drawn:.1f} s, {frames / elapsed:.1f} images/s "
                  "pendant un déplacement (Chromium headless, rendu logiciel SwiftShader)", flush=True)
        b.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--browser-size", type=int, default=100000)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    geography_load()
    payloads(args.sizes)
    if args.browser_size:
        browser(args.browser_size)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main()
