"""Census load benchmark: nrdash's full check beside bare pandas reads of the same file.

    python benchmarks/bench_census.py [--sizes 1000 10000 100000] [--repeat 3]

Generates synthetic censuses (cached in benchmarks/out/), then times each reader in a fresh subprocess
(wall time of the read alone, best of --repeat; peak RSS of the process, imports included) and prints a table.
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))

READERS = {
    "nrdash check": "from nrdash.census import load_census\nrun = lambda p: load_census(p)",
    "pandas calamine": "import pandas as pd\nrun = lambda p: pd.read_excel(p, sheet_name='Acteurs', engine='calamine')",
    "pandas openpyxl": "import pandas as pd\nrun = lambda p: pd.read_excel(p, sheet_name='Acteurs', engine='openpyxl')",
}

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
{setup}
t = time.perf_counter()
run({path!r})
wall = time.perf_counter() - t
print(json.dumps({{"wall": wall, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def siret_for(i: int) -> str:
    """A valid SIRET (Luhn key) of its own for actor i: 13 digits then the key."""
    from nrdash.fields import luhn_ok

    body = f"{400000000 + i:09d}{i % 10000:04d}"
    return next(body + k for k in "0123456789" if luhn_ok(body + k))


def synthetic_records(n: int) -> list[dict]:
    """n actors as {field: cell}, with the variety of real files (levels written many ways…); three in five
    have a SIRET (written with spaces, as people do)."""
    from nrdash import referential as ref

    rnd = random.Random(n)
    level_ways = ["0", "1", "2", "3", "Niveau 2", "N1", "2 - Acteur du NR", "Leader du NR", "acteur", 3, 2.0]
    out = []
    for i in range(n):
        t = rnd.choice(ref.TYPES)
        insee = f"{rnd.randint(1, 95):02d}{rnd.randint(1, 600):03d}"
        siret = siret_for(i)
        out.append({
            "name": f"Acteur {i} {rnd.choice(['SARL', 'Association', 'Mairie', 'Collectif'])}",
            "siret": f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}" if i % 5 < 3 else None,
            "family": None, "type": t,
            "is_local": rnd.choice(["oui", "non", "Oui", None]), "commune": f"Commune {insee}",
            "insee": int(insee) if rnd.random() < .3 else insee, "postcode": insee,
            "address": f"{rnd.randint(1, 99)} rue du Port",
            "lat": f"{rnd.uniform(43, 50):.5f}".replace(".", ","), "lon": round(rnd.uniform(-4, 7), 5),
            "action_types": " ; ".join(rnd.sample(ref.ACTION_TYPES, rnd.randint(0, 3))),
            "dimensions": ", ".join(rnd.sample(ref.NR_DIMENSIONS, rnd.randint(0, 2))),
            "description": "Actions de sobriété numérique menées depuis 2023.", "level": rnd.choice(level_ways),
            "circle": rnd.choice([None, None, 1, 2, 3]), "source": rnd.choice(ref.SOURCES),
            "referent": f"Référent {i}", "contact": f"referent{i}@example.org", "updated": "15/03/2026",
        })
    return out


def write_census(records: list[dict], path: Path) -> None:
    """The records in the template's layout (its columns in its order), under a title line."""
    from openpyxl import Workbook

    from nrdash import referential as ref

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(ref.ACTORS_SHEET)
    ws.append(["Recensement synthétique"])
    ws.append([])
    ws.append([c.header for c in ref.ACTOR_COLUMNS])
    for rec in records:
        ws.append([rec.get(c.field) for c in ref.ACTOR_COLUMNS])
    wb.save(path)


def synthetic_census(n: int, path: Path) -> None:
    """n synthetic actors written to path."""
    write_census(synthetic_records(n), path)


def measure(reader: str, path: Path) -> dict:
    code = CHILD.format(root=str(ROOT), setup=READERS[reader], path=str(path))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=1800)
    if res.returncode:
        raise RuntimeError(res.stderr)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"{'acteurs':>8} {'fichier':>8} | " + " | ".join(f"{r:>22}" for r in READERS) + " | check/calamine")
    for n in args.sizes:
        path = OUT / f"synthetic-{n}.xlsx"
        if not path.exists():
            t = time.perf_counter()
            synthetic_census(n, path)
            print(f"  (généré {path.name} en {time.perf_counter() - t:.1f} s)", file=sys.stderr)
        results = {}
        for reader in READERS:
            runs = [measure(reader, path) for _ in range(args.repeat if reader != "pandas openpyxl" or n < 100000 else 1)]
            results[reader] = {"wall": min(r["wall"] for r in runs), "rss_mb": max(r["rss_mb"] for r in runs)}
        ratio = results["nrdash check"]["wall"] / results["pandas calamine"]["wall"]
        cells = " | ".join(f"{results[r]['wall']:>8.3f} s {results[r]['rss_mb']:>7.0f} Mo" for r in READERS)
        print(f"{n:>8} {path.stat().st_size / 1e6:>6.1f}Mo | {cells} | {ratio:>6.2f}x", flush=True)


if __name__ == "__main__":
    main()
