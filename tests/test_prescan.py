"""The pre-scan's skim (nrdash.prescan.scan_xlsx_sheet) finds exactly what reading every cell finds
(scan_xlsx_sheet_exact), on ordinary and hostile sheets, however the stream is cut; the zip is inflated once."""
from __future__ import annotations

import io
import random
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrdash import prescan, workbook
from nrdash.prescan import column_letters, preflight_zip, scan_xlsx_sheet, scan_xlsx_sheet_exact
from nrdash.workbook import CensusError, Limits, check_zip

from tests.bombs import XLSX_SKELETON, honest, make_zip, sparse_xlsx, xlsx_bomb


def cell(ref: str, value: str | None = "1", attrs: str = "") -> str:
    return f'<c r="{ref}"{attrs}/>' if value is None else f'<c r="{ref}"{attrs}><v>{value}</v></c>'


def sheet(rows: list[tuple[int, list[str]]], head: str = "") -> bytes:
    body = "".join(f'<row r="{r}">' + "".join(cells) + "</row>" for r, cells in rows)
    return (f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{head}'
            f'<sheetData>{body}</sheetData></worksheet>').encode()


def pieces(xml: bytes, cuts: list[int]) -> list[bytes]:
    bounds = sorted({0, len(xml), *(c % (len(xml) + 1) for c in cuts)})
    return [xml[a:b] for a, b in zip(bounds, bounds[1:])]


def both(xml: bytes, cuts: list[int] = ()) -> tuple:
    parts = pieces(xml, list(cuts))
    return scan_xlsx_sheet("S", lambda: iter(parts)), scan_xlsx_sheet_exact("S", lambda: iter(parts))


def grid(n_rows: int, n_cols: int, first_row: int = 1) -> list[tuple[int, list[str]]]:
    return [(r, [cell(f"{column_letters(c)}{r}") for c in range(1, n_cols + 1)])
            for r in range(first_row, first_row + n_rows)]


HOSTILE = {
    "ordinary": sheet(grid(300, 20)),
    "far cell": sheet(grid(3, 3) + [(200_000, [cell("XFD200000")])]),
    "far row first": sheet([(900_000, [cell("B900000")])] + grid(300, 5)),
    "far row in the middle": sheet(grid(150, 4) + [(9, [cell("C999999")])] + grid(150, 4, 151)),
    "same far row twice": sheet(grid(5, 3) + [(70, [cell("Q70")]), (8, [cell("A70"), cell("B8")])]),
    "widest column late": sheet(grid(200, 3) + [(201, [cell("A201"), cell("AB201")])] + grid(5, 3, 202)),
    "widest column twice": sheet(grid(3, 2) + [(4, [cell("Z4")]), (5, [cell("Z5"), cell("Y5")])]),
    "far empty cells": sheet(grid(4, 4) + [(1_000_000, [cell("XFD1000000", None, ' s="3"')])]),
    "empty cells everywhere": sheet([(r, [cell(f"A{r}"), cell(f"B{r}", None, ' s="1"'), cell(f"C{r}", None, ' s="2" ')])
                                     for r in range(1, 400)]),
    "duplicate cells": sheet([(1, [cell("A1")] * 5000)]),
    "a crowd of far cells": sheet([(1, [cell(f"{column_letters(c)}1") for c in range(1, 2000)])]
                                  + [(r, [cell(f"A{r}")]) for r in range(2, 50)]),
    "one long row": sheet([(7, [cell(f"{column_letters(c)}7") for c in range(1, 3000)])]),
    "cells without position": sheet([(1, [cell("A1"), "<c><v>2</v></c>"]), (40, ["<c><v>3</v></c>"])]),
    "namespace prefix": (b'<x:worksheet><x:sheetData><x:row r="3"><x:c r="Z3"><x:v>1</x:v></x:c></x:row>'
                         b'</x:sheetData></x:worksheet>'),
    "lower-case reference": sheet(grid(3, 3) + [(90, ['<c r="xfd90"><v>1</v></c>'])]),
    "leading zero row": sheet(grid(3, 3) + [(4, [cell("D0000004"), cell("D00400000")])]),
    "eight-digit row": sheet(grid(3, 3) + [(4, [cell("A12345678")])]),
    "four-letter column": sheet(grid(3, 3) + [(4, [cell("ABCD4")])]),
    "tab before r": sheet(grid(3, 3) + [(4, ['<c\tr="K4"><v>1</v></c>'])]),
    "attribute before r": sheet(grid(3, 3) + [(4, ['<c s="1" r="XX4"><v>1</v></c>'])]),
    "row zero": sheet(grid(3, 3) + [(4, [cell("E0")])]),
    "no cells": sheet([], '<dimension ref="A1:XFD1048576"/><cols><col min="1" max="16384" width="9"/></cols>'),
    "columns and conditional formats": sheet(grid(20, 3), '<cols><col min="1" max="3"/></cols><cfRule/>'),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("cuts", [(), (37,), (5, 11, 400, 401, 402, 5000, 20000), tuple(range(0, 100_000, 997))])
def test_skim_finds_what_reading_every_cell_finds(name, cuts):
    fast, exact = both(HOSTILE[name], cuts)
    assert fast == exact


def test_skim_values_on_known_sheets():
    """Exact figures, so that an error common to both scans shows too."""
    far_row_first = both(HOSTILE["far row first"])[0]
    assert (far_row_first.rows, far_row_first.cols, far_row_first.last_row_cell) == (900_000, 5, "B900000")
    assert far_row_first.last_col_cell == "E1" and far_row_first.values == 1501
    late = both(HOSTILE["widest column late"])[0]
    assert (late.cols, late.last_col_cell, late.rows, late.last_row_cell) == (28, "AB201", 206, "A206")
    empties = both(HOSTILE["far empty cells"])[0]
    assert (empties.rows, empties.cols, empties.values) == (1_000_000, 16_384, 16)
    assert both(HOSTILE["duplicate cells"])[0].cells == 5000
    crowd = both(HOSTILE["a crowd of far cells"])[0]
    assert (crowd.rows, crowd.cols, crowd.last_col_cell) == (49, 1999, "BXW1")


# Random sheets: cells in or out of order, some empty, some repeated, far ones, cut anywhere.
_refs = st.tuples(st.integers(1, 1_200_000), st.integers(1, 18_278), st.sampled_from(["1", None, "x"]))


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(_refs, max_size=400), order=st.sampled_from(["rows", "as drawn", "reversed"]),
       cuts=st.lists(st.integers(0, 40_000), max_size=12))
def test_skim_equals_exact_on_random_sheets(cells, order, cuts):
    if order == "rows":
        cells = sorted(cells, key=lambda c: (c[0], c[1]))
    elif order == "reversed":
        cells = sorted(cells, key=lambda c: (c[0], c[1]), reverse=True)
    rows: list[tuple[int, list[str]]] = []
    for r, c, v in cells:
        if not rows or rows[-1][0] != r:
            rows.append((r, []))
        rows[-1][1].append(cell(f"{column_letters(c)}{r}", v, ' t="s"' if v == "x" else ""))
    fast, exact = both(sheet(rows), cuts)
    assert fast == exact


def test_skim_in_small_pieces_of_a_long_sheet():
    """Many pieces, the farthest row and column in different ones, the stream cut inside tags."""
    rnd = random.Random(12)
    rows = grid(2000, 12)
    rows[1500][1].append(cell("AA1501"))
    rows.insert(700, (777_777, [cell("C777777")]))
    xml = sheet(rows)
    fast, exact = both(xml, [rnd.randrange(len(xml)) for _ in range(300)])
    assert fast == exact and (fast.rows, fast.cols) == (777_777, 27)


# ---------------------------------------------------------------------------------------------
# preflight_zip: check_zip and check_extents in one inflation of each member
# ---------------------------------------------------------------------------------------------
def census_xlsx(n: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Acteurs"
    ws.append(["Nom de l'acteur", "Type d'acteur", "Niveau d'engagement estimé"])
    for i in range(n):
        ws.append([f"Acteur {i}", "Bibliothèques", i % 4])
    wb.create_sheet("Actions").append(["Acteur", "Action"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_preflight_inflates_each_member_once(monkeypatch):
    data = census_xlsx(500)
    calls: list[str] = []
    real = workbook.iter_member

    def counting(data, info, budget, chunk=1 << 20):
        calls.append(info.filename)
        return real(data, info, budget, chunk)

    monkeypatch.setattr(prescan, "iter_member", counting)
    monkeypatch.setattr(workbook, "iter_member", counting)
    kind, cells = preflight_zip(data, Limits())
    members = zipfile.ZipFile(io.BytesIO(data)).namelist()
    sheets = [m for m in members if m.startswith("xl/worksheets/")]
    assert kind == "xlsx" and cells == 501 * 3 + 1 * 2
    assert len(sheets) == 2 and all(calls.count(s) == 1 for s in sheets), calls
    assert all(calls.count(m) <= 2 for m in members)  # workbook.xml and its relationships: once more, small


@pytest.mark.parametrize("data", [census_xlsx(50), sparse_xlsx(9, 16_384), sparse_xlsx(60, 40)],
                         ids=["census-50", "sparse-9x16384", "sparse-60x40"])  # the bytes hold zip times
def test_preflight_counts_what_check_zip_and_check_extents_count(data):
    limits = Limits()
    assert preflight_zip(data, limits) == (check_zip(data, limits), prescan.check_extents(data, "xlsx", limits))


def test_preflight_refuses_the_far_cell_and_a_bomb_first():
    with pytest.raises(CensusError, match="cellule XFD200000"):
        preflight_zip(sparse_xlsx(200_000, 16_384), Limits())
    with pytest.raises(CensusError, match="Une fois décompressé"):
        preflight_zip(xlsx_bomb(64 << 20, lie=True), Limits(max_uncompressed_bytes=16 << 20))
    # A sheet that is a bomb of one endless tag, and is far too large once inflated: the size is said first.
    members = {k: honest(v) for k, v in XLSX_SKELETON.items()}
    members["xl/workbook.xml"] = honest(b'<workbook><sheets><sheet name="A" r:id="rId1"/></sheets></workbook>')
    members["xl/_rels/workbook.xml.rels"] = honest(
        b'<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>')
    endless, _, crc = honest(b"<worksheet><sheetData><c r=\"A1\" " + b"x" * (20 << 20))
    members["xl/worksheets/sheet1.xml"] = (endless, 1024, crc)  # its declared size lies
    data = make_zip(members)
    with pytest.raises(CensusError, match="Une fois décompressé"):
        preflight_zip(data, Limits(max_uncompressed_bytes=16 << 20))
    with pytest.raises(CensusError, match="balise XML démesurée"):
        preflight_zip(data, Limits())
