"""Open data of a large version (issue 27): `/donnees/CODE/…` of a 100,000-actor version through the real server.

    python benchmarks/bench_opendata.py [--actors 100000] [--code 17300] [--rounds 5]

The server (``streamlit run nrdash/web/server.py``, as README starts it) is started on a free loopback port with a
fresh data folder in which benchmarks/bench_room.py's ``publish_synthetic`` published the synthetic census (cached in
benchmarks/out/) as the territory's version 1, then the territory is opened to anonymous reading.

Printed for ``acteurs.csv``, ``acteurs.geojson``, ``plan.csv`` and ``datapackage.json``: the first request (the
version read and the file built; once per version), then ``--rounds`` requests once built, without and with
``Accept-Encoding: gzip`` (the first gzip answer compresses; the next ones come from the compression cache): wall
time (median, max), size, and the server's CPU time for the whole series; the load average beside (the machine may
be shared: compare CPU times more than wall times). Target: every file served in ≤ 1 s once built.
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

import httpx  # noqa: E402
from bench_room import cpu_seconds, single_server  # noqa: E402

FILES = ("acteurs.csv", "acteurs.geojson", "plan.csv", "datapackage.json")


def timed(client: httpx.Client, url: str, gzip: bool) -> tuple[float, int]:
    headers = {"Accept-Encoding": "gzip" if gzip else "identity"}
    start = time.perf_counter()
    r = client.get(url, headers=headers)  # the whole body read (and decompressed, as a client would)
    elapsed = time.perf_counter() - start
    r.raise_for_status()
    return elapsed, int(r.headers.get("content-length") or len(r.content))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--actors", type=int, default=100_000)
    parser.add_argument("--code", default="17300", help="its territory (default 17300, La Rochelle)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    args.single = True
    print(f"charge au départ : {os.getloadavg()[0]:.1f}", flush=True)
    with single_server(args) as (url, pids):
        from nrdash.store import Principal, Store

        s = Store()
        s.set_territory(Principal.operator(), args.code, anonymous_read=True)
        s.close()
        worst = 0.0
        print(f"{'fichier':<18} {'1re (fabrication)':>17} {'Mo':>7} {'médiane':>8} {'max':>6} "
              f"{'gzip méd.':>9} {'gzip max':>8} {'Mo gzip':>8} {'CPU serveur':>11}")
        # httpx decodes gzip itself: sizes read from Content-Length, the transfer timed as a client would see it.
        with httpx.Client(timeout=600) as client:
            for name in FILES:
                address = f"{url}/donnees/{args.code}/{name}"
                cpu0 = cpu_seconds(pids)
                first, size = timed(client, address, gzip=False)
                plain = [timed(client, address, gzip=False)[0] for _ in range(args.rounds)]
                timed(client, address, gzip=True)  # the compression of this answer, cached by its ETag
                packed = [timed(client, address, gzip=True) for _ in range(args.rounds)]
                cpu = cpu_seconds(pids) - cpu0
                worst = max(worst, *plain, *(t for t, _ in packed))
                print(f"{name:<18} {first:>15.2f} s {size / 1e6:>7.2f} {statistics.median(plain):>6.3f} s "
                      f"{max(plain):>4.2f} s {statistics.median(t for t, _ in packed):>7.3f} s "
                      f"{max(t for t, _ in packed):>6.2f} s {packed[-1][1] / 1e6:>8.2f} {cpu:>9.1f} s", flush=True)
        print(f"pire réponse une fois fabriqué : {worst:.3f} s (objectif ≤ 1 s) ; "
              f"charge à la fin : {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
