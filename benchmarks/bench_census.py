"""Census benchmark: what the user waits for, as whole processes, beside bare pandas reads of the same file.

    python benchmarks/bench_census.py [--sizes 10000 100000] [--repeat 5] [--no-communes] [--no-upload]

For each census file, alternating in the same run (so that the load of a shared machine falls on all alike):
- ``python -m nrdash check FILE`` as a process (interpreter start, imports, read, validation, geography, placement,
  report on stdout): the command a person types; the same with ``--json`` (every actor as JSON on stdout);
- a process that only reads the file with pandas + calamine (``pd.read_excel(engine="calamine")``), imports
  included; the same with openpyxl (pandas' default engine).
Median wall time of --repeat runs each (peak RSS of the process beside it).

Census files (cached in benchmarks/out/): synthetic censuses (every actor has coordinates and an INSEE code, levels
written many ways…), and every current French commune with its name and first postal code (34,964 actors, from
the official list scripts/geo.sh installs): placement by postal code.

Then the upload in the app: ``streamlit run`` (tests/e2e/harness.py) and Chromium; the clock starts when the file is
given to the uploader and stops when the Accueil page shows the uploaded census (its number of actors) and the
script has finished. Median of --upload-repeat uploads, each in a fresh browser page.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))

BARE = "import sys, pandas as pd\npd.read_excel(sys.argv[1], sheet_name='Acteurs', engine={engine!r})"
COMMANDS = {
    "nrdash check": lambda path: [sys.executable, "-m", "nrdash", "check", str(path)],
    "nrdash check --json": lambda path: [sys.executable, "-m", "nrdash", "check", str(path), "--json"],
    "pandas + calamine": lambda path: [sys.executable, "-c", BARE.format(engine="calamine"), str(path)],
    "pandas + openpyxl": lambda path: [sys.executable, "-c", BARE.format(engine="openpyxl"), str(path)],
}


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


def communes_census(path: Path) -> int:
    """Every current commune (name, first postal code) as an .xlsx census; returns the number of actors."""
    from openpyxl import Workbook

    from tests.all_communes import HEADER, census_rows, official_communes

    rows = census_rows(official_communes(), with_postcode=True)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Acteurs")
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return len(rows)


def run_process(argv: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak RSS (MB) of one process, its output discarded."""
    t = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):  # check exits 1 when rows are in error
        raise RuntimeError(f"{argv[:4]} -> {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
    proc.stderr.close()
    return wall, usage.ru_maxrss / 1024


def time_processes(path: Path, repeat: int, openpyxl_repeat: int) -> dict[str, dict]:
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
    for r in range(repeat):
        for name, argv in COMMANDS.items():
            if name == "pandas + openpyxl" and r >= openpyxl_repeat:
                continue
            runs[name].append(run_process(argv(path)))
    return {name: {"wall": statistics.median(w for w, _ in rs), "rss": max(m for _, m in rs), "n": len(rs)}
            for name, rs in runs.items()}


def time_uploads(path: Path, actors: int, repeat: int) -> list[float]:
    """Upload the file in the app (real server, Chromium) and wait for the Accueil page showing it."""
    from playwright.sync_api import sync_playwright

    from nrdash.text import thousands
    from tests.e2e.harness import CHROMIUM_ARGS, chromium_path, goto, streamlit_server, wait_idle

    figure = thousands(actors).replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    times = []
    with streamlit_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            for _ in range(repeat):
                page = browser.new_page(viewport={"width": 1920, "height": 1080})
                goto(page, url)
                page.locator('[data-testid="stSidebar"]').get_by_text("Charger un recensement").click()
                uploader = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
                uploader.wait_for(state="attached", timeout=30_000)
                t = time.perf_counter()
                # The file's path, as a person picks it in the browser's dialog: Chromium reads it from the disk
                # (a "buffer" would first push the bytes through the DevTools protocol, base64-encoded: seconds of
                # test plumbing at 11 MB that no user waits for).
                uploader.set_input_files(files=str(path))
                page.wait_for_function(
                    "([figure]) => { const m = document.querySelector('[data-testid=stMain]');"
                    " const text = m ? m.innerText.replace(/\\s/g, '') : '';"
                    " return text.includes('Recensementchargé(cettesession)') && text.includes('Acteursrecensés' + figure); }",
                    arg=[figure], timeout=600_000, polling=50)
                wait_idle(page, timeout=600_000)
                times.append(time.perf_counter() - t - 0.3)  # wait_idle's own 300 ms pause
                page.close()
        finally:
            browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--openpyxl-repeat", type=int, default=5, help="runs of the (slow) openpyxl read")
    parser.add_argument("--no-communes", action="store_true", help="skip the all-communes census")
    parser.add_argument("--no-upload", action="store_true", help="skip the upload in the app")
    parser.add_argument("--upload-repeat", type=int, default=3)
    parser.add_argument("--upload-size", type=int, default=100_000)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    files: list[tuple[str, Path, int]] = []
    for n in args.sizes:
        path = OUT / f"synthetic-{n}.xlsx"
        if not path.exists():
            synthetic_census(n, path)
        files.append((f"synthétique {n}", path, n))
    if not args.no_communes:
        path = OUT / "communes-codes-postaux.xlsx"
        n = communes_census(path) if not path.exists() else 34_964
        files.append(("toutes les communes, code postal", path, n))

    print(f"Machine : {os.cpu_count()} cœurs, Python {sys.version.split()[0]}, charge moyenne au départ "
          f"{os.getloadavg()[0]:.1f} ; médiane de {args.repeat} processus alternés par fichier", flush=True)
    header = f"{'recensement':<34} {'acteurs':>8} {'fichier':>8} | " + " | ".join(f"{c:>24}" for c in COMMANDS)
    print(header + " | check / calamine | --json / calamine | check / openpyxl | charge", flush=True)
    check_wall = {}
    for label, path, n in files:
        res = time_processes(path, args.repeat, args.openpyxl_repeat)
        check_wall[n] = res["nrdash check"]["wall"]
        cells = " | ".join(f"{res[c]['wall']:>7.2f} s {res[c]['rss']:>5.0f} Mo (n={res[c]['n']})" for c in COMMANDS)
        ratio = res["nrdash check"]["wall"] / res["pandas + calamine"]["wall"]
        ratio_j = res["nrdash check --json"]["wall"] / res["pandas + calamine"]["wall"]
        ratio_o = res["nrdash check"]["wall"] / res["pandas + openpyxl"]["wall"]
        print(f"{label:<34} {n:>8} {path.stat().st_size / 1e6:>6.1f}Mo | {cells} | {ratio:>15.2f}x | "
              f"{ratio_j:>16.2f}x | {ratio_o:>15.2f}x | {os.getloadavg()[0]:.1f}", flush=True)  # load at the row's end

    if not args.no_upload:
        n = args.upload_size
        path = OUT / f"synthetic-{n}.xlsx"
        if not path.exists():
            synthetic_census(n, path)
        times = time_uploads(path, n, args.upload_repeat)
        med = statistics.median(times)
        line = (f"Chargement dans l'application, {n} acteurs, jusqu'à l'Accueil affiché : médiane {med:.2f} s "
                f"({', '.join(f'{t:.2f}' for t in times)})")
        if n in check_wall:
            line += f" ; {med / check_wall[n]:.2f}x le processus check"
        print(line, flush=True)


if __name__ == "__main__":
    main()
