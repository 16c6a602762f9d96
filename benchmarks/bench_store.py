"""Opening a published version vs checking the same workbook, in one warm process.

    python benchmarks/bench_store.py [--actors 10000] [--repeat 5] [--url postgresql+psycopg://…]

"check" = load_census + placement (nrdash.dataset.prepare, what the app does for an upload); "open" =
Store.open_version with the in-process cache cleared (Parquet read + Dataset), then "open (cache)" the same
call with the cache warm. Geography loaded and every code path run once before timing. Default database: a
temporary SQLite file; --url measures another one (a fresh PostgreSQL database, say). Target: open ≤ 0.3× check.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_census import OUT, synthetic_census  # noqa: E402


def best(fn, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--actors", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--url")
    args = parser.parse_args()
    from nrdash import geography
    from nrdash import store as st
    from nrdash.census import load_census
    from nrdash.dataset import prepare

    OP = st.Principal.operator()

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"synthetic-{args.actors}.xlsx"
    if not path.exists():
        synthetic_census(args.actors, path)
    data = path.read_bytes()
    geo = geography.offline()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/nrdash.db"
        store = st.Store(url, seed_sample=False)
        code = "17300"
        res = store.publish(OP, code, data, path.name, force_reason="banc d'essai")
        check = lambda: prepare(load_census(data, path.name), "upload", geo)  # noqa: E731

        def cold():
            st.clear_cache()
            store.open_version(OP, code, res.number)

        warm = lambda: store.open_version(OP, code, res.number)  # noqa: E731
        check(), cold(), warm()  # every path run once
        c_best, c_med = best(check, args.repeat)
        o_best, o_med = best(cold, args.repeat)
        w_best, w_med = best(warm, args.repeat)
        store.close()
    print(f"{args.actors} acteurs, {path.stat().st_size / 1e6:.1f} Mo, base {url.split(':')[0]} "
          f"(meilleur / médiane de {args.repeat})")
    print(f"  vérifier le classeur (load_census + placement) : {c_best:.3f} s / {c_med:.3f} s")
    print(f"  ouvrir la version (Parquet, cache vidé)         : {o_best:.3f} s / {o_med:.3f} s "
          f"-> {o_best / c_best:.2f}x")
    print(f"  ouvrir la version (cache du processus)          : {w_best * 1000:.1f} ms / {w_med * 1000:.1f} ms")


if __name__ == "__main__":
    main()
