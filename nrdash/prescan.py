"""The real extent of every sheet of a zip workbook (.xlsx, .xlsm, .xlsb, .ods), known before any reader allocates it.

A reader such as calamine allocates each sheet as one dense rectangle from A1 to its farthest value: one value
in cell XFD200000 costs 200,000 × 16,384 cells (100 GB). What a file declares cannot be trusted (an .xlsx's
``<dimension ref>`` may say A1:C2 around a cell at XFD200000; an .ods's ``table:number-rows-repeated`` may
describe a million rows), so each sheet is streamed through the bounded inflater of ``nrdash.workbook`` and
the position of every cell holding something is read from the sheet itself: constant memory, whatever the file.

A cell counts when it may hold a value (an .xlsx ``<c>`` with content, an .ods cell with a value type or
content, an .xlsb value record): empty formatted cells, which readers skip, do not make a sheet larger. In an
.ods, repeated empty rows and cells only count when a real value follows them.
"""
from __future__ import annotations

import functools
import html
import io
import posixpath
import re
import struct
import zipfile
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from .text import thousands
from .workbook import CensusError, Limits, TooBigInflated, check_zip, iter_member

MAX_TAG_BYTES = 8 << 20  # longest stretch between two '<' a sheet may hold (Excel caps a cell at 32,767 characters)
META_BYTES = 16 << 20  # workbook.xml, its relationships, workbook.bin: small files in any real workbook


@dataclass(frozen=True)
class Extent:
    """How far one sheet really goes: ``rows`` × ``cols`` is what a dense reader allocates."""

    sheet: str
    rows: int  # number of the last row holding a value (0: empty sheet)
    cols: int  # number of the last column holding a value
    values: int  # cells holding a value (repeats included)
    last_row_cell: str  # a cell on the last row, e.g. "A200000"
    last_col_cell: str  # a cell in the last column, e.g. "XFD3"

    @property
    def cells(self) -> int:
        return max(self.rows * self.cols, self.values)


def column_letters(n: int) -> str:
    """1 → A, 16384 → XFD."""
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


class _Bounds:
    """The running extent of one sheet."""

    def __init__(self, sheet: str):
        self.sheet = sheet
        self.rows = self.cols = self.values = 0
        self.row_cell = self.col_cell = (0, 0)

    def add(self, row: int, col: int, count: int = 1) -> None:
        """``count`` values ending at (row, col): the last of a run of repeated cells."""
        self.values += count
        if row > self.rows:
            self.rows, self.row_cell = row, (row, col)
        if col > self.cols:
            self.cols, self.col_cell = col, (row, col)

    def extent(self) -> Extent:
        def ref(rc):
            return f"{column_letters(rc[1])}{rc[0]}" if rc[0] else ""

        return Extent(self.sheet, self.rows, self.cols, self.values, ref(self.row_cell), ref(self.col_cell))


def _tags(chunks: Iterable[bytes], pattern: re.Pattern) -> Iterator[re.Match]:
    """Matches of ``pattern`` (one tag) over a stream of chunks, a tag cut between two chunks included."""
    for piece in _whole_tags(chunks):
        yield from pattern.finditer(piece)


# ---------------------------------------------------------------------------------------------
# .xlsx / .xlsm: <row r="N"> and <c r="XFD200000"> in each worksheet's XML
# ---------------------------------------------------------------------------------------------
_XLSX_TAG = re.compile(rb"<(?:[\w.-]+:)?(row|c)(?=[\s/>])([^>]*)>")
_ROW_R = re.compile(rb"""(?:^|\s)r\s*=\s*["'](\d+)["']""")
_CELL_R = re.compile(rb"""(?:^|\s)r\s*=\s*["']\$?([A-Za-z]{1,4})\$?(\d+)["']""")


# Fast path, for cells written as Excel, LibreOffice and openpyxl write them: <c r="B7" ...>, no prefix.
_CANONICAL_CELL = re.compile(rb'<c r="([A-Z]{1,3})(\d{1,7})"[^>]*>')
_ANY_CELL = re.compile(rb"<c[\s>/]")
_PREFIXED_CELL = re.compile(rb":c[\s>/]")
_EMPTY_CELL = re.compile(rb'<c r="[^>]*/>')
_CELL_AT = re.compile(rb'<c r="([A-Z]{1,3})([1-9]\d{0,6})"')  # a cell the skim can compare (no leading zero)
_CELL_OPEN = b'<c r="'
SKIM_HITS = 256  # cells of one piece the skim looks at one by one before it reads the piece cell by cell


def scan_xlsx_sheet(name: str, open_chunks: Callable[[], Iterable[bytes]]) -> Extent:
    """A worksheet's extent, from ``open_chunks()``'s stream of its XML: the same as ``scan_xlsx_sheet_exact``,
    faster. Each piece of the stream is skimmed: the last cell's row is the piece's candidate for the farthest
    row, and one search finds the only cells that can change the answer (a cell written otherwise than
    <c r="B7"..., one on a row at least as far as the candidate, one in a column farther than any seen). A piece
    whose cells are not in row order, or with many such cells, is read cell by cell; a sheet with a cell written
    otherwise is read by ``scan_xlsx_sheet_exact``."""
    bounds = _Bounds(name)
    for buf in _whole_tags(open_chunks()):
        if not _skim_piece(buf, bounds):
            return scan_xlsx_sheet_exact(name, open_chunks)
    return bounds.extent()


def _skim_piece(buf: bytes, bounds: _Bounds) -> bool:
    """Add one piece's cells to ``bounds``; False when a cell is not written <c r="B7"... (nothing added)."""
    if _PREFIXED_CELL.search(buf):
        return False
    last = buf.rfind(_CELL_OPEN)
    if last < 0:
        return not _ANY_CELL.search(buf)
    m = _CELL_AT.match(buf, last)
    if not m:
        return False
    top = int(m.group(2))  # the piece's farthest row if its cells are in row order
    floor = top if top > bounds.rows else bounds.rows + 1  # rows that matter: at least this far
    row_cell = None
    pos = hits = 0
    finder = _interesting(floor, bounds.cols)
    while True:
        hit = finder.search(buf, pos)
        if hit is None:
            break
        cell = _CELL_AT.match(buf, hit.start())
        if cell is None:
            return False
        hits += 1
        row, col = int(cell.group(2)), column_number(cell.group(1))
        if row > top or hits > SKIM_HITS:  # out of row order, or a crowd of far cells: every cell, one by one
            return _canonical_piece(buf, bounds)
        if row == top and row_cell is None and top > bounds.rows:
            row_cell = (row, col)
        if col > bounds.cols:
            bounds.cols, bounds.col_cell = col, (row, col)
            finder = _interesting(floor, col)
        pos = cell.end()
    if top > bounds.rows:
        bounds.rows, bounds.row_cell = top, row_cell
    bounds.values += buf.count(_CELL_OPEN) - _empty_cells(buf)
    return True


def _empty_cells(buf: bytes) -> int:
    """Cells written <c r="B7" s="1"/>, which hold no value."""
    return len(_EMPTY_CELL.findall(buf)) if b"/>" in buf else 0


def _greater_letters(letters: str) -> str:
    """A pattern for column letters after ``letters`` (more letters, or as many and later), at most 3 letters."""
    alts = [f"[A-Z]{{{len(letters) + 1},3}}"] if len(letters) < 3 else []
    for i, ch in enumerate(letters):
        if ch < "Z":
            alts.append(letters[:i] + f"[{chr(ord(ch) + 1)}-Z]" + (f"[A-Z]{{{len(letters) - i - 1}}}" if i < len(letters) - 1 else ""))
    return "|".join(alts) or "(?!)"


def _at_least(number: int) -> str:
    """A pattern for row numbers (no leading zero, at most 7 digits) at least ``number``: more digits, or as
    many and not smaller (a trie on the digits, so that a row is rejected at its first smaller digit)."""
    digits = str(number)
    longer = [f"[1-9]\\d{{{len(digits)},6}}"] if len(digits) < 7 else []
    return "|".join(longer + [_not_smaller(digits)])


def _not_smaller(digits: str) -> str:
    """Numbers written with as many digits as ``digits`` and not smaller."""
    head, rest = digits[0], digits[1:]
    if not rest:
        return f"[{head}-9]"
    alts = [f"{head}(?:{_not_smaller(rest)})"]
    if head < "9":
        alts.append(f"[{int(head) + 1}-9]\\d{{{len(rest)}}}")
    return "|".join(alts)


@functools.lru_cache(maxsize=4096)
def _interesting(floor: int, cols: int) -> re.Pattern:
    """Cells a skim must look at: one not written <c r="B7"..., one on a row >= ``floor``, one in a column
    after ``cols``."""
    far_col = _greater_letters(column_letters(cols)) if cols else "[A-Z]{1,3}"
    return re.compile(
        (r'<c(?:[\t\n\r\f\v>/]| (?!r="[A-Z]{1,3}+[1-9]\d{0,6}+")| r="(?:[A-Z]{1,3}+(?:%s)"|(?:%s)[1-9]))'
         % (_at_least(floor), far_col)).encode())


def scan_xlsx_sheet_exact(name: str, open_chunks: Callable[[], Iterable[bytes]]) -> Extent:
    """A worksheet's extent, every cell's position read. A sheet whose cells are not all written
    <c r="B7"...> (no position, a namespace prefix) is read a second time tag by tag, as readers do: a cell
    without ``r`` follows the previous one."""
    bounds = _Bounds(name)
    for buf in _whole_tags(open_chunks()):
        if not _canonical_piece(buf, bounds):
            return _scan_xlsx_in_order(name, open_chunks())
    return bounds.extent()


def _canonical_piece(buf: bytes, bounds: _Bounds) -> bool:
    """Add every cell of one piece to ``bounds``; False when a cell is not written <c r="B7"... (nothing added)."""
    refs = _CANONICAL_CELL.findall(buf)
    if len(refs) != len(_ANY_CELL.findall(buf)) or _PREFIXED_CELL.search(buf):
        return False
    if not refs:
        return True
    rows = list(map(int, (r for _, r in refs)))
    last_row = max(rows)
    if last_row > bounds.rows:  # the first cell of the farthest row, the first cell of the farthest column
        bounds.rows, bounds.row_cell = last_row, (last_row, column_number(refs[rows.index(last_row)][0]))
    cols = [c for c, _ in refs]
    far = max(set(cols), key=lambda c: (len(c), c))
    if column_number(far) > bounds.cols:
        bounds.cols, bounds.col_cell = column_number(far), (int(refs[cols.index(far)][1]), column_number(far))
    bounds.values += len(refs) - len(_EMPTY_CELL.findall(buf))  # <c r="B7" s="1"/> holds no value
    return True


def _whole_tags(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The stream cut only between tags (a tag cut between two chunks goes whole into the next piece)."""
    carry = b""
    for chunk in chunks:
        buf = carry + chunk
        cut = buf.rfind(b"<")
        if cut < 0:
            cut = len(buf)
        carry = buf[cut:]
        if len(carry) > MAX_TAG_BYTES:
            raise CensusError("Le classeur est abîmé (une balise XML démesurée). Enregistrez-le de nouveau dans Excel.")
        yield buf[:cut]
    yield carry


def _scan_xlsx_in_order(name: str, chunks: Iterable[bytes]) -> Extent:
    bounds = _Bounds(name)
    row = col = 0
    for m in _tags(chunks, _XLSX_TAG):
        attrs = m.group(2)
        if m.group(1) == b"row":
            r = _ROW_R.search(attrs)
            row = int(r.group(1)) if r else row + 1
            col = 0
            continue
        r = _CELL_R.search(attrs)
        if r:
            col, cell_row = column_number(r.group(1)), int(r.group(2))
        else:
            col, cell_row = col + 1, max(row, 1)
        if not attrs.endswith(b"/"):  # <c .../> holds no value: readers skip it
            bounds.add(cell_row, col)
    return bounds.extent()


_SHEET_TAG = re.compile(rb"<(?:[\w.-]+:)?sheet(?=[\s/>])([^>]*)>")
_REL_TAG = re.compile(rb"<(?:[\w.-]+:)?Relationship(?=[\s/>])([^>]*)>")


def _attr(attrs: bytes, name: str) -> str | None:
    """An attribute's value; ``name`` without a prefix matches any prefix (r:id, x:id...)."""
    m = re.search(rb"""(?:^|\s)(?:[\w.-]+:)?""" + name.encode() + rb"""\s*=\s*(["'])(.*?)\1""", attrs, re.S)
    return html.unescape(m.group(2).decode("utf-8", "replace")) if m else None


def _read_small(data: bytes, zf: zipfile.ZipFile, name: str) -> bytes:
    info = zf.getinfo(name)
    out = b"".join(iter_member(data, info, META_BYTES))
    if len(out) > META_BYTES:
        raise CensusError(f"Le classeur est anormal (« {name} » dépasse {META_BYTES >> 20} Mo). "
                          "Enregistrez-le de nouveau dans Excel.")
    return out


def _worksheets(data: bytes, zf: zipfile.ZipFile, workbook: str) -> list[tuple[str, zipfile.ZipInfo]]:
    """(sheet name, member) for each sheet the workbook lists, through its relationships."""
    names = set(zf.namelist())
    folder, base = posixpath.split(workbook)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    targets: dict[str, str] = {}
    if rels_name in names:
        for m in _REL_TAG.finditer(_read_small(data, zf, rels_name)):
            rid, target = _attr(m.group(1), "Id"), _attr(m.group(1), "Target")
            if rid and target:
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                targets[rid] = path
    if workbook.endswith(".bin"):
        sheets = _xlsb_sheet_list(_read_small(data, zf, workbook))
    else:
        sheets = [(_attr(m.group(1), "name") or "?", _attr(m.group(1), "id") or "")
                  for m in _SHEET_TAG.finditer(_read_small(data, zf, workbook))]
    out = []
    for name, rid in sheets:
        path = targets.get(rid)
        if path in names:
            out.append((name, zf.getinfo(path)))
    # A worksheet part the relationships do not name is still read by nothing; one they name twice, once.
    seen: set[str] = set()
    return [(n, i) for n, i in out if not (i.filename in seen or seen.add(i.filename))]


# ---------------------------------------------------------------------------------------------
# .xlsb: binary records (BrtRowHdr, BrtCell*) in each worksheet part
# ---------------------------------------------------------------------------------------------
_XLSB_ROW = 0
_XLSB_CELLS = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 62}  # value records (1, BrtCellBlank, holds none)
_XLSB_SHEET = 156  # BrtBundleSh in workbook.bin


def _records(chunks: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """(record type, first bytes of its payload) of a BIFF12 stream."""
    buf = b""
    pos = 0
    it = iter(chunks)
    done = False

    def need(n: int) -> bool:
        nonlocal buf, pos, done
        while len(buf) - pos < n and not done:
            try:
                buf = buf[pos:] + next(it)
                pos = 0
            except StopIteration:
                done = True
        return len(buf) - pos >= n

    while need(1):
        rtype = buf[pos]
        pos += 1
        if rtype & 0x80:
            if not need(1):
                return
            rtype = (rtype & 0x7F) | ((buf[pos] & 0x7F) << 7)
            pos += 1
        size = shift = 0
        for _ in range(4):
            if not need(1):
                return
            b = buf[pos]
            pos += 1
            size |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        head = min(size, 4096 if rtype == _XLSB_SHEET else 8)
        if not need(head):
            return
        payload = buf[pos: pos + head]
        skip = size
        while skip:
            step = min(skip, len(buf) - pos)
            if step == 0:
                if not need(1):
                    return
                continue
            pos += step
            skip -= step
        yield rtype, payload


def _xlsb_sheet_list(workbook: bytes) -> list[tuple[str, str]]:
    out = []
    for rtype, payload in _records([workbook]):
        if rtype != _XLSB_SHEET or len(payload) < 12:
            continue
        try:
            n = struct.unpack_from("<I", payload, 8)[0]
            rid = payload[12: 12 + 2 * n].decode("utf-16-le")
            p = 12 + 2 * n
            m = struct.unpack_from("<I", payload, p)[0]
            name = payload[p + 4: p + 4 + 2 * m].decode("utf-16-le")
        except (struct.error, UnicodeDecodeError):
            continue
        out.append((name, rid))
    return out


def scan_xlsb_sheet(name: str, chunks: Iterable[bytes]) -> Extent:
    bounds = _Bounds(name)
    row = 0
    for rtype, payload in _records(chunks):
        if rtype == _XLSB_ROW and len(payload) >= 4:
            row = struct.unpack_from("<I", payload)[0] + 1
        elif rtype in _XLSB_CELLS and len(payload) >= 4:
            bounds.add(max(row, 1), struct.unpack_from("<I", payload)[0] + 1)
    return bounds.extent()


# ---------------------------------------------------------------------------------------------
# .ods: content.xml, every sheet in one part, repeats as attributes
# ---------------------------------------------------------------------------------------------
_ODS_TAG = re.compile(rb"<(/?)(?:[\w.-]+:)?(table|table-row|table-cell|covered-table-cell)(?=[\s/>])([^>]*)>")
_ROWS_REPEATED = re.compile(rb"""number-rows-repeated\s*=\s*["'](\d+)["']""")
_COLS_REPEATED = re.compile(rb"""number-columns-repeated\s*=\s*["'](\d+)["']""")
_VALUE_TYPE = re.compile(rb"""(?:^|\s)(?:[\w.-]+:)?value-type\s*=""")


def scan_ods(chunks: Iterable[bytes]) -> list[Extent]:
    """Every sheet's extent. A run of repeated rows or cells counts only if it holds a value, and the rows or
    cells before it (repeated or not) only push the extent when a value follows them."""
    extents: list[Extent] = []
    bounds: _Bounds | None = None
    row = 0  # rows of the sheet before the current row
    rows_rep = 1
    col = 0  # cells of the current row before the current cell
    row_last_col = row_values = 0
    cell_open: tuple[int, bool] | None = None  # (repeat, has a value type) of an open <table-cell>
    depth = 0  # <table:table> nesting (a table inside a cell belongs to its sheet)

    def end_cell(rep: int, valued: bool) -> None:
        nonlocal col, row_last_col, row_values
        col += rep
        if valued:
            row_last_col, row_values = col, row_values + rep

    for m in _tags(chunks, _ODS_TAG):
        closing, tag, attrs = m.group(1), m.group(2), m.group(3)
        selfclosing = attrs.endswith(b"/")
        if tag == b"table":
            if closing:
                depth -= 1
                if depth == 0 and bounds is not None:
                    extents.append(bounds.extent())
                    bounds = None
            elif not selfclosing:
                depth += 1
                if depth == 1:
                    bounds = _Bounds(_attr(attrs, "name") or f"Feuille {len(extents) + 1}")
                    row = 0
            continue
        if bounds is None or depth != 1:
            continue
        if tag == b"table-row":
            if closing or selfclosing:
                if not closing:  # <table-row/>: an empty row
                    r = _ROWS_REPEATED.search(attrs)
                    rows_rep, row_last_col, row_values = (int(r.group(1)) if r else 1), 0, 0
                if cell_open is not None:
                    end_cell(*cell_open)
                    cell_open = None
                if row_values:
                    bounds.add(row + rows_rep, row_last_col, row_values * rows_rep)
                row += rows_rep
            else:
                r = _ROWS_REPEATED.search(attrs)
                rows_rep = int(r.group(1)) if r else 1
                col = row_last_col = row_values = 0
            continue
        # table-cell / covered-table-cell
        if closing:
            if cell_open is not None:
                end_cell(cell_open[0], True)  # a cell with content (text, annotation...) may hold a value
                cell_open = None
            continue
        if cell_open is not None:  # a cell opened inside an unclosed one: close the first as it stands
            end_cell(*cell_open)
        c = _COLS_REPEATED.search(attrs)
        rep = int(c.group(1)) if c else 1
        valued = bool(_VALUE_TYPE.search(attrs))
        if selfclosing:
            end_cell(rep, valued)
            cell_open = None
        else:
            cell_open = (rep, valued)
    if bounds is not None:
        extents.append(bounds.extent())
    return extents


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------
SCAN_CHUNK = 4 << 20  # inflated bytes handed to a scanner at a time


def sheet_extents(data: bytes, kind: str, limits: Limits) -> list[Extent]:
    """Every sheet's real extent, for a zip workbook that ``check_zip`` accepted as ``kind`` ('xlsx' or 'ods')."""
    return _scan_members(data, kind, limits, measure=False)


def _scan_members(data: bytes, kind: str, limits: Limits, measure: bool) -> list[Extent]:
    """Every sheet's extent; with ``measure``, also what ``check_zip`` measures (every member's real inflated
    size, refused past the limit), each member inflated once."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = set(zf.namelist())
    budget = limits.max_uncompressed_bytes
    # (member, scanner of its stream): in the order the extents are reported
    if kind == "ods":
        scans = [(zf.getinfo("content.xml"), scan_ods)] if "content.xml" in names else []
    else:
        workbook = "xl/workbook.xml" if "xl/workbook.xml" in names else "xl/workbook.bin"
        scans = []
        for name, info in _worksheets(data, zf, workbook):
            if info.filename.endswith(".bin"):
                scans.append((info, lambda chunks, name=name: [scan_xlsb_sheet(name, chunks)]))
            else:
                def scan(chunks, name=name, info=info):
                    opened = iter([chunks])  # the first reading is the measured one, a second one (rare) is not
                    return [scan_xlsx_sheet(name, lambda: next(opened, None) or
                                            iter_member(data, info, budget, SCAN_CHUNK))]
                scans.append((info, scan))
    results: dict[int, list[Extent]] = {}
    if not measure:
        for i, (info, scan) in enumerate(scans):
            results[i] = scan(iter_member(data, info, budget, SCAN_CHUNK))
    else:
        wanted = {id(info): i for i, (info, _) in enumerate(scans)}
        left = budget
        for info in zf.infolist():
            stream = _Metered(iter_member(data, info, left, SCAN_CHUNK))
            i = wanted.pop(id(info), None)
            if i is not None:
                results[i] = scans[i][1](stream)
            left -= stream.drain()
            if left < 0:
                raise TooBigInflated(limits)
    return [ext for i in sorted(results) for ext in results[i]]


class _Metered:
    """A member's inflated stream that counts what came out, and can be read to its end after a scanner stopped."""

    def __init__(self, chunks: Iterator[bytes]):
        self.chunks, self.total = chunks, 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.total += len(chunk)
            yield chunk

    def drain(self) -> int:
        for _ in self:
            pass
        return self.total


def preflight_zip(data: bytes, limits: Limits) -> tuple[str, int]:
    """``check_zip`` and ``check_extents`` together, each member inflated once: ('xlsx' or 'ods', cells the
    reader will allocate). A workbook too large once inflated is refused as such first, whatever else it holds."""
    kind = check_zip(data, limits, measure=False)
    try:
        extents = _scan_members(data, kind, limits, measure=True)
    except TooBigInflated:
        raise
    except CensusError:
        check_zip(data, limits)  # the order of check_zip then check_extents: too large, said first
        raise
    return kind, _budget_cells(extents, limits)


def check_extents(data: bytes, kind: str, limits: Limits) -> int:
    """Refuse a workbook with a sheet larger than the cell budget; return the cells the readers will allocate."""
    return _budget_cells(sheet_extents(data, kind, limits), limits)


def _budget_cells(extents: list[Extent], limits: Limits) -> int:
    total = 0
    for ext in extents:
        if ext.cells > limits.max_cells:
            raise CensusError(too_many_cells(ext, limits.max_cells))
        total += ext.cells
    return total


def too_many_cells(ext: Extent, max_cells: int) -> str:
    """The French refusal: which sheet, how far it goes, which cell is far, how to fix it."""
    if ext.rows * ext.cols >= ext.values:
        far = (f"cellule {ext.last_row_cell}" if ext.last_row_cell == ext.last_col_cell else
               f"cellule la plus basse : {ext.last_row_cell} ; la plus à droite : {ext.last_col_cell}")
        return (
            f"La feuille « {ext.sheet} » s'étend jusqu'à la ligne {thousands(ext.rows)} et la colonne "
            f"{column_letters(ext.cols)} ({far}) : {thousands(ext.rows)} × {thousands(ext.cols)} = "
            f"{thousands(ext.rows * ext.cols)} cellules à lire, au-delà de la limite de {thousands(max_cells)}. "
            "Une seule valeur loin du tableau suffit. Supprimez les lignes au-delà de la dernière ligne du tableau "
            "et les colonnes au-delà de sa dernière colonne, jusqu'à la cellule "
            f"{ext.last_row_cell if ext.last_row_cell == ext.last_col_cell else ext.last_row_cell + ' et ' + ext.last_col_cell} "
            "comprise (dans Excel ou LibreOffice : sélectionnez ces lignes ou colonnes, clic droit › Supprimer), "
            "enregistrez, puis chargez à nouveau le fichier."
        )
    return (
        f"La feuille « {ext.sheet} » contient {thousands(ext.values)} cellules, au-delà de la limite de "
        f"{thousands(max_cells)}. Gardez seulement le tableau des acteurs dans un nouveau classeur, enregistrez-le "
        "en .xlsx, puis chargez-le."
    )
