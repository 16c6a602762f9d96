"""Rerun time after a filter change, per page, on a synthetic census of 10,000 actors (server side, AppTest).

    python benchmarks/bench_rerun.py [--actors 10000] [--repeat 7]

AppTest runs the real script (entrypoint, sidebar, page) without a browser: the time measured is the
server-side rerun, plus AppTest's own parsing of the produced elements (so a slight overestimate).
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--actors", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"synthetic-{args.actors}.xlsx"
    if not path.exists():
        synthetic_census(args.actors, path)
    os.environ["NRDASH_CENSUS"] = str(path)

    from streamlit.testing.v1 import AppTest

    from nrdash import referential as ref
    from nrdash.ui import FILTER_KEYS, PAGES

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    t = time.perf_counter()
    at.run()
    first = time.perf_counter() - t
    print(f"{args.actors} acteurs — premier chargement (lecture + validation du classeur) : {first:.2f} s")
    print(f"{'page':<22} {'médiane':>9} {'max':>9}   (relance après changement de filtre)")
    choices = [[ref.COMPANIES], [ref.PUBLIC, ref.ASSOCIATIONS], []]
    for path_, title, _ in PAGES:
        at.switch_page(path_).run()
        times = []
        for i in range(args.repeat):
            at.multiselect(key=FILTER_KEYS["families"]).set_value(choices[i % len(choices)])
            t = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t)
            assert not at.exception, at.exception
        print(f"{title:<22} {statistics.median(times) * 1000:>7.0f} ms {max(times) * 1000:>7.0f} ms", flush=True)


if __name__ == "__main__":
    main()
