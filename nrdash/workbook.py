"""Reading spreadsheet files safely: format detection, limits enforced before any real work, raw rows.

Everything here is about bytes and cells; what the cells mean is ``nrdash.census``'s business.
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine as calamine

from .text import file_size, thousands

MB = 1024 * 1024


class CensusError(Exception):
    """The file cannot be used at all. The message is French and says how to fix it."""


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


# What a spreadsheet reads as the start of a formula: exports make such cells inert, the CSV reader reads them back.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Limits:
    """Bounds checked before the work they protect. Overridable by environment variables."""

    max_file_bytes: int = field(default_factory=lambda: _env_int("NRDASH_MAX_FILE_MB", 50) * MB)
    max_uncompressed_bytes: int = field(default_factory=lambda: _env_int("NRDASH_MAX_UNCOMPRESSED_MB", 500) * MB)
    max_rows: int = field(default_factory=lambda: _env_int("NRDASH_MAX_ROWS", 200_000))
    # rows × columns of a sheet's used rectangle (what a reader allocates): 200,000 rows × 50 columns
    max_cells: int = field(default_factory=lambda: _env_int("NRDASH_MAX_CELLS", 10_000_000))
    max_zip_members: int = 5_000


@dataclass
class RawSheet:
    """A sheet as rows of Python values; rows[i] is the row a person sees as number i + 1."""

    name: str
    rows: list[list[Any]]


_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_SPREADSHEET_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt", ".xlsb")


def read_source(source: str | Path | bytes, limits: Limits) -> bytes:
    """The file's bytes, refusing an oversized file before reading it."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if len(data) > limits.max_file_bytes:
            raise CensusError(
                f"Le fichier pèse {file_size(len(data))}, au-delà de la limite de {file_size(limits.max_file_bytes)}. "
                "Supprimez les feuilles, images ou colonnes inutiles, ou découpez le recensement."
            )
        return data
    path = Path(source)
    try:
        size = path.stat().st_size
    except OSError:
        raise CensusError(f"Fichier introuvable ou illisible : {path}. Vérifiez le chemin.") from None
    if size > limits.max_file_bytes:
        raise CensusError(
            f"Le fichier pèse {file_size(size)}, au-delà de la limite de {file_size(limits.max_file_bytes)}. "
            "Supprimez les feuilles, images ou colonnes inutiles, ou découpez le recensement."
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CensusError(f"Impossible de lire le fichier {path} ({exc.strerror}).") from None


def detect_format(data: bytes, filename: str | None = None) -> str:
    """'xlsx', 'ods', 'xls' or 'csv', from the content (the extension only breaks ties)."""
    if not data or not data.strip():
        raise CensusError("Le fichier est vide. Enregistrez le recensement dans Excel puis réessayez.")
    if data[:4] == b"PK\x03\x04":
        return "zip"
    if data[:8] == _OLE2_MAGIC:
        if _ENCRYPTED_PACKAGE in data[:1_000_000] or _ENCRYPTED_PACKAGE in data[-1_000_000:]:
            raise CensusError(
                "Le classeur est protégé par un mot de passe : nrdash ne peut pas le lire. "
                "Dans Excel, Fichier › Informations › Protéger le classeur › Chiffrer avec mot de passe : "
                "effacez le mot de passe, enregistrez, puis chargez à nouveau le fichier."
            )
        return "xls"
    if b"\x00" in data[:8192] and not _is_utf16_text(data):
        raise CensusError(
            "Ce fichier n'est pas un classeur lisible (ni .xlsx, .xls, .ods, ni .csv). "
            "Enregistrez le recensement au format Excel (.xlsx) puis réessayez."
        )
    ext = Path(filename).suffix.lower() if filename else ""
    if ext and ext not in _SPREADSHEET_EXTENSIONS:
        raise CensusError(
            f"Le fichier « {Path(filename).name} » n'est pas un classeur (.xlsx, .xls, .ods ou .csv attendu)."
        )
    return "csv"


def check_zip(data: bytes, limits: Limits, measure: bool = True) -> str:
    """Check a zip-based workbook before any parsing and return 'xlsx' or 'ods' (``measure=False``: only the kind).

    The inflated size is measured by inflating every member's real compressed bytes with a bounded
    output buffer, never trusting the sizes the archive declares: a crafted "bomb" is refused as soon
    as the running total crosses the limit, with constant memory.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise CensusError(
            "Le fichier est une archive abîmée ou n'est pas un classeur. "
            "Ouvrez-le dans Excel ou LibreOffice, enregistrez-le de nouveau en .xlsx, puis réessayez."
        ) from None
    if len(infos) > limits.max_zip_members:
        raise CensusError(f"Le classeur contient {len(infos)} éléments internes : c'est trop pour un recensement.")
    names = {i.filename for i in infos}
    if "mimetype" in names:
        kind = "ods" if zf.read("mimetype").startswith(b"application/vnd.oasis.opendocument.spreadsheet") else ""
    elif "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        kind = "xlsx"
    else:
        kind = ""
    if not kind:
        raise CensusError(
            "Ce fichier ZIP n'est pas un classeur (.xlsx ou .ods). "
            "Enregistrez le recensement au format Excel (.xlsx) puis réessayez."
        )
    if sum(i.file_size for i in infos) > limits.max_uncompressed_bytes:
        raise TooBigInflated(limits)
    if not measure:  # measured elsewhere (nrdash.prescan.preflight_zip, with the sheets' extents) or already
        return kind
    budget = limits.max_uncompressed_bytes
    for info in infos:
        budget -= _inflated_size(data, info, budget)
        if budget < 0:
            raise TooBigInflated(limits)
    return kind


class TooBigInflated(CensusError):
    """The workbook inflates beyond ``Limits.max_uncompressed_bytes``."""

    def __init__(self, limits: Limits):
        super().__init__(
            f"Une fois décompressé, le classeur dépasse {file_size(limits.max_uncompressed_bytes)} : "
            "il est refusé par sécurité. Supprimez les feuilles, images ou mises en forme inutiles, "
            "ou enregistrez seulement la feuille « Acteurs » dans un nouveau classeur."
        )


def _inflated_size(data: bytes, info: zipfile.ZipInfo, budget: int) -> int:
    """Bytes the member really inflates to, stopping just past ``budget``."""
    total = 0
    for out in iter_member(data, info, budget):
        total += len(out)
    return total


def iter_member(data: bytes, info: zipfile.ZipInfo, budget: int, chunk: int = 1 << 20):
    """The member's inflated bytes, in pieces of at most ``chunk`` bytes, from its real compressed data
    (never the sizes the archive declares); stops once more than ``budget`` bytes came out."""
    offset = info.header_offset
    header = data[offset: offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise CensusError("Le classeur est abîmé (en-tête interne illisible). Enregistrez-le de nouveau dans Excel.")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    start = offset + 30 + name_len + extra_len
    compressed = memoryview(data)[start: start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        for pos in range(0, min(len(compressed), budget + 1), chunk):
            yield bytes(compressed[pos: pos + chunk])
        return
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise CensusError("Le classeur utilise une compression non standard. Enregistrez-le de nouveau dans Excel.")
    inflater = zlib.decompressobj(-15)
    total = 0
    try:
        for pos in range(0, len(compressed), chunk):
            buf = compressed[pos: pos + chunk]
            while buf:
                out = inflater.decompress(buf, chunk)
                total += len(out)
                if out:
                    yield out
                if total > budget:
                    return
                buf = inflater.unconsumed_tail
            if inflater.eof:
                break
    except zlib.error:
        raise CensusError("Le classeur est abîmé (données compressées illisibles). Enregistrez-le de nouveau.") from None


def open_workbook(data: bytes, kind: str) -> calamine.CalamineWorkbook:
    try:
        return calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError:
        raise CensusError(
            "Le classeur est protégé par un mot de passe : enlevez la protection dans Excel, enregistrez, "
            "puis chargez à nouveau le fichier."
        ) from None
    except Exception as exc:  # calamine raises several error types for corrupt files
        raise CensusError(
            f"Le classeur ({kind}) est illisible ou abîmé ({type(exc).__name__}). "
            "Ouvrez-le dans Excel ou LibreOffice, enregistrez-le de nouveau en .xlsx, puis réessayez."
        ) from None


def read_sheet(workbook: calamine.CalamineWorkbook, name: str, limits: Limits) -> RawSheet:
    """Rows of one sheet from A1, refusing a sheet over the row limit before converting its cells."""
    try:
        sheet = workbook.get_sheet_by_name(name)
        # The dense rectangle from A1 that to_python builds; nrdash.prescan already bounded it for
        # .xlsx/.ods before the reader allocated anything, this also covers .xls (bounded by the worker).
        cells = (sheet.total_height + 1) * (sheet.total_width + 1)
        if cells > limits.max_cells:
            raise CensusError(
                f"La feuille « {name} » s'étend jusqu'à la ligne {sheet.total_height + 1} et la colonne "
                f"{sheet.total_width + 1} : {cells} cellules à lire, au-delà de la limite de {limits.max_cells}. "
                "Supprimez les lignes et les colonnes au-delà du tableau, enregistrez, puis chargez à nouveau le fichier."
            )
        if sheet.total_height > limits.max_rows + 50:
            raise CensusError(
                f"La feuille « {name} » compte {sheet.total_height} lignes, au-delà de la limite de "
                f"{limits.max_rows} lignes. Découpez le recensement ou supprimez les lignes vides en fin de feuille."
            )
        rows = sheet.to_python(skip_empty_area=False)
    except CensusError:
        raise
    except Exception as exc:
        raise CensusError(
            f"La feuille « {name} » est illisible ({type(exc).__name__}). "
            "Enregistrez le classeur de nouveau dans Excel puis réessayez."
        ) from None
    return RawSheet(name, rows)


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
CSV_DELIMITERS = (";", "\t", ",", "|")
# The longest CSV cell read, in characters: nrdash's own bound, not the csv module's process-wide
# field_size_limit(), which any library may raise at import (frictionless sets it to 2**31 - 1).
CSV_CELL_LIMIT = 131_072
_INERT = tuple(FORMULA_START)  # "'=…": a formula made inert by an export's apostrophe, read back without it


def _is_utf16_text(data: bytes) -> bool:
    """UTF-16 text with its byte-order mark (Excel's « Texte Unicode »): its zero bytes are not binary.

    A UTF-32 mark (which starts like UTF-16 LE's) or bytes that do not decode stay refused as binary."""
    if not data.startswith(_UTF16_BOMS):
        return False
    try:  # the first 8 KB; a character cut at the end is left for later (final=False)
        text = codecs.getincrementaldecoder("utf-16")().decode(data[:8192], final=False)
    except UnicodeDecodeError:
        return False
    return "\x00" not in text


def decode_text(data: bytes) -> str:
    """UTF-16 with its byte-order mark (LE or BE), else UTF-8 (with or without BOM), else Windows-1252
    (Excel's French default)."""
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def sniff_delimiter(text: str) -> str:
    """';', tab, ',' or '|': the one that splits the first lines most consistently."""
    lines = [line for line in text.splitlines()[:30] if line.strip()]
    best, best_score = ";", -1.0
    for delim in CSV_DELIMITERS:
        try:
            counts = [len(r) - 1 for r in csv.reader(lines, delimiter=delim)]
        except csv.Error:
            continue
        if not counts or max(counts) == 0:
            continue
        top = max(counts)
        score = sum(1 for c in counts if c == top) * top
        if score > best_score:
            best, best_score = delim, score
    return best


def _column_letter(index: int) -> str:
    """0 -> 'A', 26 -> 'AA', as a spreadsheet names its columns."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _long_cell(text: str, delim: str, first_line: int, limit: int) -> tuple[int, int]:
    """(line, column index) where the first cell longer than ``limit`` starts, reading the records from
    ``first_line`` (1-based, lines counted as the csv module counts them) with the csv module's quoting rules:
    a quote opens a quoted cell only at the cell's start, a doubled quote inside it is a quote."""
    lines = io.StringIO(text, newline="")
    for _ in range(first_line - 1):
        lines.readline()
    line = first_line
    column, length, cell_line = 0, 0, line
    state = "start"  # start of a cell | plain | quoted | quote (a quote seen inside a quoted cell)
    for chunk in lines:
        for ch in chunk:
            if state == "quoted":
                if ch == '"':
                    state = "quote"
                    continue
            elif state == "quote" and ch == '"':
                state = "quoted"
            elif state == "start" and ch == '"':
                state = "quoted"
                continue
            elif ch == delim:
                column, length, cell_line, state = column + 1, 0, line, "start"
                continue
            elif ch in "\r\n":
                column, length, cell_line, state = 0, 0, line + 1, "start"
                continue
            else:
                state = "plain" if state != "quoted" else state
            length += 1
            if length > limit:
                return cell_line, column
        line += 1
    return cell_line, column


def read_csv_rows(data: bytes, limits: Limits) -> RawSheet:
    """CSV as rows; rows[i] holds the record that starts on line i + 1 (blank padding in between).

    The apostrophe an export puts before a cell that would be a formula ("'=…", "'+…") is taken off again.

    A cell is read up to the csv module's field limit (131 072 characters, four times the 32 767 a spreadsheet
    cell holds); a longer one is refused with its line and column (usually a quote left open)."""
    text = decode_text(data)
    if text.count("\n") > limits.max_rows + 50:
        raise CensusError(
            f"Le fichier CSV compte plus de {limits.max_rows} lignes, au-delà de la limite. Découpez le recensement."
        )
    delim = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows: list[list[Any]] = []
    start = 1
    limit = CSV_CELL_LIMIT
    try:
        for record in reader:
            if record and max(map(len, record)) > limit:
                raise csv.Error("field larger than field limit")
            while len(rows) < start - 1:
                rows.append([])
            rows.append([None if c == "" else c[1:] if c[:1] == "'" and c[1:2] in _INERT else c for c in record])
            start = reader.line_num + 1
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            limit = min(limit, csv.field_size_limit())
            line, column = _long_cell(text, delim, start, limit)
            raise CensusError(
                f"Cellule trop longue ligne {line}, colonne {_column_letter(column)} ({column + 1}e colonne) : "
                f"plus de {thousands(limit)} caractères, alors qu'une cellule de tableur en contient au plus 32\u202f767. "
                "Le plus souvent, un guillemet ouvert dans cette cellule n'est jamais refermé et tout ce qui suit "
                "est lu comme une seule cellule : refermez-le (ou doublez-le s'il fait partie du texte), ou "
                "raccourcissez la cellule."
            ) from None
        raise CensusError(
            f"Le fichier CSV est mal formé ligne {reader.line_num} ({exc}). "
            "Vérifiez les guillemets de cette ligne ou enregistrez le fichier depuis Excel."
        ) from None
    return RawSheet("CSV", rows)
