"""Crafted files against the limits (issue 11), and what the sandboxed reader costs.

    python benchmarks/bench_limits.py [--repeat 5]
    python benchmarks/bench_limits.py --at-limit

1. Each crafted file through the app's function (nrdash.sandbox.load_census_isolated, its warm worker process
   already started as in a running server), in a fresh process whose address space is capped at 8 GB (a regression fails here, not the
   machine): the answer, its time, and how much the process's peak memory grew (ru_maxrss after − before).
2. The same files through the CLI (`python -m nrdash check --json`): exit code and whole-process time.
3. The sandbox's cost on the sample and on a 10,000-actor census: load time in a warm process with and without
   it (NRDASH_SANDBOX=0), median of --repeat; whole `python -m nrdash check` process with and without it.
4. (``--at-limit``: this part alone) a workbook of 200,000 rows × 50 columns, at every default limit: what the
   command line's child maps and holds reading it, and whether the default command reads it.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))

CAP = 8 << 30

CHILD = """
import json, resource, sys, time
from nrdash import sandbox
sandbox.warm_up(background=False)
from nrdash.census import CensusError
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
try:
    c = sandbox.load_census_isolated(sys.argv[1], mode="worker"); out = f"chargé : {len(c.actors)} acteurs"
except CensusError as e:
    out = str(e)
wall = time.perf_counter() - t
print(json.dumps({"wall": wall, "growth_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024,
                  "out": out}))
"""

TIMING = """
import json, os, statistics, sys, time
from nrdash import sandbox
sandbox.warm_up(background=False)
path, repeat = sys.argv[1], int(sys.argv[2])
sandbox.load_census_isolated(path, mode="worker")  # first read: caches, the worker's first child
times = []
for _ in range(repeat):
    t = time.perf_counter(); sandbox.load_census_isolated(path, mode="worker"); times.append(time.perf_counter() - t)
print(json.dumps({"median": statistics.median(times)}))
"""


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


def run(code: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(code, capture_output=True, text=True, cwd=ROOT, timeout=900, preexec_fn=_cap,
                          env={**os.environ, **(env or {})})


def crafted() -> dict[str, tuple[Path, dict[str, str]]]:
    from tests.bombs import ods_repeats, sparse_xlsx, xlsx_bomb

    OUT.mkdir(parents=True, exist_ok=True)
    files = {
        "cellule XFD200000 (.xlsx, 5 Ko)": ("far-cell.xlsx", lambda: sparse_xlsx(200_000, 16_384), {}),
        "<dimension> mensongère A1:C2 (.xlsx)": ("lying-dimension.xlsx",
                                                 lambda: sparse_xlsx(200_000, 16_384, dimension="A1:C2"), {}),
        "répétitions .ods (200 000 × 16 384)": ("ods-repeats.ods", lambda: ods_repeats(199_998, 16_384), {}),
        "bombe zip 2 Go (.xlsx, 2 Mo)": ("zip-bomb.xlsx", lambda: xlsx_bomb(2 << 30, lie=True), {}),
        "XFD800 au-delà de la mémoire du lecteur (NRDASH_MAX_CELLS relevé, 100 Mo)": (
            "xfd800.xlsx", lambda: sparse_xlsx(800, 16_384),
            {"NRDASH_MAX_CELLS": str(10**9), "NRDASH_WORKER_MEMORY_MB": "100"}),
    }
    out = {}
    for label, (name, build, env) in files.items():
        path = OUT / name
        if not path.exists():
            path.write_bytes(build())
        out[label] = (path, env)
    return out


def census_10k() -> Path:
    path = OUT / "synthetic-10000.xlsx"
    if not path.exists():
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from bench_census import synthetic_census

        synthetic_census(10_000, path)
    return path


# A workbook at every default limit, read as the command line reads it (its child also loads the geography, places
# the actors and writes the report), with a memory bound out of the way: what the child really maps and holds.
AT_LIMIT = """
import argparse, json, sys, time
from pathlib import Path
from nrdash import sandbox
from nrdash.cli import census_file as cli
from nrdash.cli.placing import offline_geography
args = argparse.Namespace(file=sys.argv[1], json=True, with_contacts=False)
def peaks():
    with open("/proc/self/status") as f:
        return {k: int(v.split()[0]) // 1024 for k, v in (l.split(":", 1) for l in f)
                if k in ("VmPeak", "VmHWM")}
t, c = time.perf_counter(), time.process_time()
checks = sandbox.PendingChecks(Path(args.file), in_child=True,
                               worker=sandbox.WorkerLimits(memory_mb=16_000, base_timeout_s=1800))
import nrdash.census
before = sandbox._mapped_bytes() >> 20
(text, code), child = sandbox.load_census_isolated(checks, mode="fork", alongside=lambda: offline_geography(warm=True),
                                                   finish=lambda census, geo: (cli._report(census, geo, args), peaks()))
print(json.dumps({"before_mb": before, **child, "code": code, "wall": time.perf_counter() - t}))
"""


def at_the_limit() -> None:
    """4. The 200,000 × 50 workbook of tests/wide.py: the command line's child, its address space and resident peak;
    then the default command itself."""
    from nrdash.workbook import Limits
    from tests.wide import wide_census

    path = OUT / "a-la-limite-200000x50.xlsx"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        path.write_bytes(wide_census(200_000, 50))
    import io
    import zipfile

    inflated = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(path.read_bytes())).infolist())
    print(f"\n4. Classeur au bord des limites ({path.name} : {path.stat().st_size / 1e6:.1f} Mo, "
          f"{inflated / 1e6:.0f} Mo de XML ; limites : {Limits().max_cells:,} cellules)".replace(",", " "))
    res = run([sys.executable, "-c", AT_LIMIT, str(path)], {"NRDASH_WORKER_MEMORY_MB": "16000"})
    r = json.loads(res.stdout.strip().splitlines()[-1])
    print(f"enfant de check : espace d'adressage {r['VmPeak']} Mo au plus ({r['VmPeak'] - r['before_mb']} Mo de plus "
          f"qu'avant le fork), mémoire réelle {r['VmHWM']} Mo au plus ; {r['wall']:.1f} s, code {r['code']}")
    t = time.perf_counter()
    res = run([sys.executable, "-m", "nrdash", "check", "--json", str(path)])  # the default limits
    error = json.loads(res.stdout).get("error") if res.stdout.strip() else res.stderr[-300:]
    print(f"python -m nrdash check --json, réglages par défaut : code {res.returncode}, {time.perf_counter() - t:.1f} s"
          + (f", refusé : {error[:120]}" if error else ", lu"), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--at-limit", action="store_true", help="only part 4: a workbook at every default limit")
    args = parser.parse_args()
    if args.at_limit:
        at_the_limit()
        return

    print("1. Fichiers piégés, fonction de l'application (processus de lecture déjà prêt)")
    print(f"{'fichier':<75} {'réponse':>8} {'mémoire':>9}  message")
    files = crafted()
    for label, (path, env) in files.items():
        res = run([sys.executable, "-c", CHILD, str(path)], env)
        if res.returncode:
            print(f"{label:<75} PROCESSUS MORT (code {res.returncode}) {res.stderr[-300:]}")
            continue
        r = json.loads(res.stdout.strip().splitlines()[-1])
        print(f"{label:<75} {r['wall']:>6.2f} s {r['growth_mb']:>+6.0f} Mo  {r['out'][:90]}…", flush=True)

    print("\n2. Les mêmes par la ligne de commande (python -m nrdash check --json)")
    for label, (path, env) in files.items():
        t = time.perf_counter()
        res = run([sys.executable, "-m", "nrdash", "check", "--json", str(path)], env)
        wall = time.perf_counter() - t
        try:
            error = "error" in json.loads(res.stdout)
        except json.JSONDecodeError:
            error = False
        print(f"{label:<75} code {res.returncode}, JSON error : {'oui' if error else 'NON'}, {wall:.2f} s", flush=True)

    print(f"\n3. Coût de la protection (médiane de {args.repeat})")
    print(f"{'recensement':<34} {'sans':>9} {'avec':>9} | {'CLI sans':>9} {'CLI avec':>9}")
    for label, path in (("exemple (150 acteurs)", ROOT / "data" / "recensement-exemple.xlsx"),
                        ("synthétique 10 000 acteurs", census_10k())):
        row = []
        for sandbox in ("0", "1"):
            res = run([sys.executable, "-c", TIMING, str(path), str(args.repeat)], {"NRDASH_SANDBOX": sandbox})
            row.append(json.loads(res.stdout.strip().splitlines()[-1])["median"])
        for sandbox in ("0", "1"):
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                run([sys.executable, "-m", "nrdash", "check", "--json", str(path)], {"NRDASH_SANDBOX": sandbox})
                times.append(time.perf_counter() - t)
            row.append(statistics.median(times))
        print(f"{label:<34} {row[0]:>7.3f} s {row[1]:>7.3f} s | {row[2]:>7.2f} s {row[3]:>7.2f} s", flush=True)


if __name__ == "__main__":
    main()
