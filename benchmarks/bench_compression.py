"""The compression middleware under junk static URLs (issue 11): /_stcore/health latency while 1,000 distinct
junk and variant URLs are asked, and the server's memory growth. Loopback only, bounded.

    python benchmarks/bench_compression.py [--count 1000] [--warm]

Starts the real server (tests/e2e/harness.py). The junk (tests/junk_urls.py): unknown /static/ files,
variants of Streamlit's five largest scripts (////, ./, %2F, percent-encoded letters) and ~90 kB paths, asked
one after another with Accept-Encoding: gzip, deflate, br, zstd. Meanwhile the health check is asked every
20 ms on a connection of its own. Without --warm, the five scripts are first asked through their variants:
their gzip (in a worker thread) and Brotli (in the background) are made during the run.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.harness import streamlit_server  # noqa: E402
from tests.junk_urls import get, junk_paths, real_scripts, rss_mb  # noqa: E402

BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--warm", action="store_true", help="ask the real scripts once before measuring")
    args = parser.parse_args()
    scripts = real_scripts()
    with streamlit_server() as url:
        for path in ["/", *(scripts if args.warm else [])]:
            get(url, path, BROWSER)
        idle = [timed_health(url) for _ in range(50)]
        before = rss_mb(url.pid)
        done = threading.Event()
        outcome = {}

        def junk() -> None:
            start, refused = time.perf_counter(), 0
            for path in junk_paths(args.count, scripts):
                try:
                    get(url, path, BROWSER)
                except ConnectionResetError:
                    refused += 1
            outcome.update(seconds=time.perf_counter() - start, refused=refused)
            done.set()

        threading.Thread(target=junk, daemon=True).start()
        busy, peak = [], before
        while not done.is_set():
            busy.append(timed_health(url))
            peak = max(peak, rss_mb(url.pid))
            time.sleep(0.02)
        after = rss_mb(url.pid)
    print(f"{args.count} junk URLs in {outcome['seconds']:.1f} s ({outcome['refused']} refused by the HTTP parser)"
          f"{' after warm-up' if args.warm else ''}")
    for name, samples in (("idle", idle), ("during", busy)):
        samples = sorted(samples)
        p99 = samples[min(len(samples) - 1, int(0.99 * len(samples)))]
        print(f"/_stcore/health {name:>6}: n={len(samples)} median {1000 * statistics.median(samples):.1f} ms, "
              f"p99 {1000 * p99:.1f} ms, max {1000 * samples[-1]:.1f} ms")
    print(f"server RSS: {before:.0f} MB before, {peak:.0f} MB peak, {after:.0f} MB after "
          f"(growth {after - before:+.0f} MB)")


def timed_health(url: str) -> float:
    start = time.perf_counter()
    status, _, body = get(url, "/_stcore/health")
    assert status == 200 and body == b"ok"
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
