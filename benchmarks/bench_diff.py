"""Diff benchmark: ``python -m nrdash diff A B --json`` beside checking both files, whole processes.

    python benchmarks/bench_diff.py [--size 100000] [--repeat 3]

A is bench_census's synthetic census; B is A a year later: 5 % of the actors gone, 5 % new, 10 % renamed
(found again by SIRET when they have one, else new and gone), 20 % with another level, rows shuffled.
Measured, each a fresh process, median of --repeat runs (wall time, output to /dev/null):

- diff: one ``python -m nrdash diff A B --json`` (reads, places and compares both);
- check both: ``python -m nrdash check A --json`` then ``python -m nrdash check B --json`` (two processes, sum).

Target (issue 15): diff ≤ 1.2 × check both.

    python benchmarks/bench_diff.py --stored [--size 10000] [--repeat 5]

The Suivi page's comparison of two published versions: A and B published into a fresh SQLite store (not timed),
then, in this process, median of --repeat runs of: both versions opened from the store with the process's version
cache emptied first (Parquet read from the database), compared (``compare.compare`` with the territory's manual
pairings) and filtered (``compare.filter_comparison``), the level transitions counted; each run's line also gives the time spent opening the two versions. Target
(issue 15): ≤ 2 s.
"""
from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_census import siret_for, synthetic_records, write_census  # noqa: E402


def next_version(records: list[dict], seed: int = 15) -> list[dict]:
    rnd = random.Random(seed)
    n = len(records)
    out = []
    for rec in records:
        r = rnd.random()
        if r < 0.05:
            continue  # gone
        rec = dict(rec)
        if r < 0.15:
            rec["name"] = rec["name"] + " (nouveau nom)"
        if rnd.random() < 0.2:
            rec["level"] = rnd.choice(["0", "1", "2", "3"])
        out.append(rec)
    for k in range(n // 20):
        new = dict(rnd.choice(records))
        new["name"] = f"Nouvel acteur {k}"
        new["siret"] = siret_for(n + k) if k % 2 else None
        out.append(new)
    rnd.shuffle(out)
    return out


def timed(args: list[str]) -> float:
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "nrdash", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, timeout=3600)
    wall = time.perf_counter() - t
    if res.returncode not in (0, 1):
        raise RuntimeError(res.stderr)
    return wall


def stored(a: Path, b: Path, repeat: int) -> None:
    import tempfile

    from nrdash import compare as cp
    from nrdash import store as st

    OP = st.Principal.operator()
    from nrdash.filters import Filters

    code = "241700434"
    with tempfile.TemporaryDirectory() as tmp:
        s = st.Store(f"sqlite:///{tmp}/nrdash.db", seed_sample=False)
        t = time.perf_counter()
        for path in (a, b):
            s.publish(OP, code, path.read_bytes(), path.name, force_reason="banc d'essai")
        print(f"  (publiées en {time.perf_counter() - t:.1f} s)", file=sys.stderr)
        times, warm, cpu, opening = [], [], [], []
        for _ in range(repeat):
            st.clear_cache()
            for bucket in (times, warm):  # cold (read from the database), then from the process's cache
                t, c = time.perf_counter(), time.process_time()
                links, unlinks = s.pairings(OP, code)
                va, vb = s.open_version(OP, code, 1).census, s.open_version(OP, code, 2).census
                opened = time.perf_counter() - t
                cmp = cp.compare(va, vb, links, unlinks)
                shown = cp.filter_comparison(cmp, Filters())
                cp.level_transitions(shown)
                bucket.append(time.perf_counter() - t)
                if bucket is times:
                    cpu.append(time.process_time() - c)
                    opening.append(opened)
            print(f"  ouverture + comparaison {times[-1]:.2f} s (dont ouverture {opening[-1]:.2f} s), CPU "
                  f"{cpu[-1]:.2f} s (versions déjà en cache : {warm[-1]:.2f} s)", file=sys.stderr, flush=True)
        n = len(va.actors)
        s.close()
    print(f"{n} / {len(vb.actors)} acteurs, deux versions publiées : ouverture depuis la base et comparaison "
          f"{statistics.median(times):.2f} s (médiane de {repeat}, max {max(times):.2f} s ; temps CPU "
          f"{statistics.median(cpu):.2f} s), versions en cache "
          f"{statistics.median(warm):.2f} s (cible ≤ 2 s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stored", action="store_true", help="two published versions of the store, compared")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    a, b = OUT / f"diff-{args.size}-a.xlsx", OUT / f"diff-{args.size}-b.xlsx"
    if not (a.exists() and b.exists()):
        t = time.perf_counter()
        records = synthetic_records(args.size)
        write_census(records, a)
        write_census(next_version(records), b)
        print(f"  (générés {a.name} et {b.name} en {time.perf_counter() - t:.1f} s)", file=sys.stderr)
    if args.stored:
        stored(a, b, args.repeat)
        return
    checks, diffs = [], []
    for _ in range(args.repeat):  # interleaved, so that a load change on the shared machine hits both
        checks.append(timed(["check", str(a), "--json"]) + timed(["check", str(b), "--json"]))
        diffs.append(timed(["diff", str(a), str(b), "--json"]))
        print(f"  check A + check B {checks[-1]:.1f} s, diff {diffs[-1]:.1f} s", file=sys.stderr, flush=True)
    c, d = statistics.median(checks), statistics.median(diffs)
    print(f"{args.size} acteurs : check A + check B {c:.1f} s (médiane de {args.repeat}), diff A B {d:.1f} s, "
          f"rapport {d / c:.2f}× (cible ≤ 1,2×)")


if __name__ == "__main__":
    main()
