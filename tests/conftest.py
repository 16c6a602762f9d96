from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "recensement-exemple.xlsx"

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
