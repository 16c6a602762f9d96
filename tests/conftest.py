from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parent.parent

# The app's store in tests: a fresh embedded database of this test run (AppTest runs in this process, the browser
# tests' servers inherit the environment), never the project's instance/ nor a database configured outside.
os.environ["NRDASH_DATA_DIR"] = tempfile.mkdtemp(prefix="nrdash-tests-")
for _name in ("NRDASH_DATABASE_URL", "NRDASH_TERRITOIRE"):
    os.environ.pop(_name, None)
SAMPLE = ROOT / "data" / "recensement-exemple.xlsx"


def pytest_configure(config):
    config.addinivalue_line("markers", "large_file: generates and reads a workbook at the documented limits "
                                       "(tens of seconds; tests/wide.py)")

HEADER = ["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé"]


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    """A workbook with the given sheets, each a list of rows (row 1 first)."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    cell = ws.cell(row=r, column=c, value=value)
                    if isinstance(value, str) and value.startswith("="):
                        cell.data_type = "s"  # keep it text, as a person typing '=... in Excel
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def actors_sheet(rows: list[list], header: list[str] = HEADER) -> bytes:
    return xlsx_bytes({"Acteurs": [header, *rows]})


@pytest.fixture(scope="session")
def sample_census():
    from nrdash.census import load_census

    return load_census(SAMPLE)


def _plain(value):
    """A cell of a census frame as a plain comparable value (None for every kind of missing)."""
    if isinstance(value, (list, tuple)):
        return list(value)
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


def census_differences(expected, actual, fields=None) -> list[str]:
    """Every cell where two censuses' actors differ, column by column ('row 3, type: 'Autre' != ...'):
    every column of the loaded frame except the Excel row number, or the given fields."""
    a, b = expected.actors.reset_index(drop=True), actual.actors.reset_index(drop=True)
    if len(a) != len(b):
        return [f"{len(a)} actors != {len(b)} actors"]
    fields = fields or [f for f in a.columns if f != "row"]
    out = [f"column {f} missing" for f in fields if f not in b.columns]
    for f in fields:
        if f not in b.columns:
            continue
        for i, (x, y) in enumerate(zip(a[f].tolist(), b[f].tolist())):
            if _plain(x) != _plain(y):
                out.append(f"actor {i + 1}, {f}: {_plain(x)!r} != {_plain(y)!r}")
    return out


def frame_differences(expected: pd.DataFrame, actual: pd.DataFrame, skip=("row",)) -> list[str]:
    """Cell-by-cell differences of two plain frames (the planned actions), in the same terms."""
    if len(expected) != len(actual) or list(expected.columns) != list(actual.columns):
        return [f"shape {expected.shape} {list(expected.columns)} != {actual.shape} {list(actual.columns)}"]
    return [f"line {i + 1}, {f}: {_plain(x)!r} != {_plain(y)!r}"
            for f in expected.columns if f not in skip
            for i, (x, y) in enumerate(zip(expected[f].tolist(), actual[f].tolist())) if _plain(x) != _plain(y)]


FULL_HEADER = [c.header for c in __import__("nrdash.referential", fromlist=["x"]).ACTOR_COLUMNS]


def full_workbook() -> bytes:
    """A census with every column of the template filled, free text and unusual values included (SIRET valid,
    invalid, a number cell, digits lost to scientific notation), and the Actions and Territoire sheets."""
    from nrdash import referential as ref

    actors = [
        ["=Atelier du réemploi", "732 829 320 00074", ref.ASSOCIATIONS, "Tiers-lieu", "oui", "Île-d'Aix", "17004", "17123",
         "3 rue du Port ; bât. B", 46.123456789, -1.1734,
         "Inclusion ; Fablab, Repair café (vélos, couture) ; Mesure", "Cuisine solidaire ; Achats",
         "-2 ateliers\npar mois", "3 - Leader du NR", None, "Recensement", "+33 6 12 34 56 78", "@camille",
         "29/02/2024"],
        ["Mairie d'Aytré", "123 456", None, "Mairie", "non", "Aytré", "17028", "17440", None, None, None, None, None, None, 1, 1,
         "Contact direct", None, None, None],
        ['Club "Tech" ; seniors', 35600000000010.0, ref.PUBLIC, "Autre", None, None, "01053", "01000", None, "46,2", "-1,15",
         "Sensibilisation", None, "Notes « guillemets »", "0", None, "Recherche", "Jeanne", None, 45000],
        ["Sans type", None, ref.COMPANIES, None, "oui", "La Rochelle", None, None, None, None, None, None, "Achats", None,
         2, None, None, None, None, None],
        ["Jeune pousse", "3,56E+13", ref.COMPANIES, "Start-up", None, None, "17300", None, None, 46.16, -1.15, None,
         "Numérique pour une organisation éco-responsable ; Sobriété ⚡", "Café ☕\tnumérique", 1, 3, None,
         "Léa Dupont", "lea@example.org", "01/01/2026"],
        ["Asso sans précision", None, ref.ASSOCIATIONS, "Autre", "oui", None, None, None, None, None, None, None, None,
         None, 2, None, "Recherche", None, None, None],
    ]
    actions = [
        [c.header for c in ref.ACTION_COLUMNS],
        ["=Créer un réseau", ref.AXES[1], "Entreprises ; Associations", "En cours", "Mairie d'Aytré", "30/06/2026",
         "oui", "-avec les communes"],
        ["Mesurer l'empreinte", ref.AXES[0], "Toutes", "Idée", None, None, "non", None],
    ]
    territory = [["Paramètre", "Valeur"], ["Nom du territoire", "CdA test ; « littoral »"],
                 ["Code SIREN de l'EPCI", "241700434"], ["Code INSEE de la commune", "17300"], ["Échelle", "EPCI"],
                 [ref.ARBITRATIONS["include_nonlocal_companies"], "non"],
                 [ref.ARBITRATIONS["include_nonlocal_associations"], "oui"],
                 [ref.ARBITRATIONS["include_non_residents"], "non"]]
    return xlsx_bytes({"Acteurs": [FULL_HEADER, *actors], "Actions": actions, "Territoire": territory})


@pytest.fixture(scope="session")
def full_census():
    from nrdash.census import load_census

    return load_census(full_workbook(), "complet.xlsx")


# ---------------------------------------------------------------------------------------------
# Markers (declared in pyproject.toml), put on each test from what it uses; the fast loop is
#   python -m pytest -m "not browser and not pg"
# - browser: every test under tests/e2e/ (Chromium through Playwright; its fixtures live in tests/e2e/conftest.py);
# - pg: a test that takes the pg_server fixture or the PostgreSQL side of db_url; a test that reaches PostgreSQL
#   otherwise (request.getfixturevalue, its own cluster) says @pytest.mark.pg itself, and tests/pg.py fails a test
#   that reaches PostgreSQL without the marker, so that `-m "not pg"` never needs it;
# - slow: the tests named in SLOW (file::function, every parameter), the longest of the fast loop by --durations;
#   kept here rather than on each test so that their files need not change; tests/test_markers.py fails when a name
#   no longer matches a test.
# ---------------------------------------------------------------------------------------------
E2E = ROOT / "tests" / "e2e"
PG_FIXTURES = {"pg_server"}
# Over 100 s each with two workers at a load of about 30 (2026-12-07, -n 2 --durations), the next one 82 s.
SLOW = {
    "tests/web/test_http.py::test_junk_static_urls_leave_memory_alone",
    "tests/store/test_store_access.py::test_every_operation_for_every_principal",
    "tests/test_placement.py::test_cache_round_trip",
    "tests/web/test_compression.py::test_large_files_never_compressed_on_the_event_loop",
}


# The longest test files first (tests/file_durations.json, seconds per file in a clean-clone run, written by
# scripts/test_durations.py): on two processes (scripts/test.sh, xdist's --dist loadfile without its own reordering
# by number of tests) the files are handed out in this order, so the suite does not end on one process running a
# long file alone (a one-test browser file of 108 s was handed out last). A file not listed counts as 30 s under
# tests/e2e/ (a server and a browser), else 0. Within a file, the order is unchanged.
FILE_DURATIONS = json.loads((ROOT / "tests" / "file_durations.json").read_text(encoding="utf-8"))


def file_duration(path: Path) -> float:
    name = Path(path).relative_to(ROOT).as_posix()
    return FILE_DURATIONS.get(name, 30 if Path(path).is_relative_to(E2E) else 0)


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: -file_duration(item.path))  # (stable: a file's tests keep their order)
    for item in items:
        if Path(item.path).is_relative_to(E2E):
            item.add_marker(pytest.mark.browser)
        params = getattr(item, "callspec", None) and item.callspec.params
        if PG_FIXTURES & set(item.fixturenames) or (params and params.get("db_url") == "postgresql"):
            item.add_marker(pytest.mark.pg)
        if item.nodeid.split("[")[0] in SLOW:
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    from tests import pg

    pg.RUNNING.update(test=item.nodeid, marked=item.get_closest_marker("pg") is not None)


@pytest.fixture(scope="session")
def pg_server():
    from tests.pg import cluster

    with cluster() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'nrdash.db'}"
    from tests.pg import fresh_database

    return fresh_database(request.getfixturevalue("pg_server"))
