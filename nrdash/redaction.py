"""Redacting a census file: Référent and Contact blanked in the file as it was given (.xlsx and .csv keep their
format; .xls and .ods, which nrdash does not write, become the normalised census written as .xlsx). The store uses
it when an erasure request or a retention period removes personal data from a version's original file."""
from __future__ import annotations

import csv
import io
from pathlib import PurePath
from typing import Any

from . import referential as ref
from .census import Census


class RedactionError(ValueError):
    """The file cannot be redacted as it is and no census was given to write instead (French message)."""


def _personal_columns(rows: list[list[Any]]) -> list[int]:
    """0-based column indexes of Référent and Contact in a sheet, found as the census reader finds them."""
    from .census import _find_header
    from .workbook import RawSheet

    found = _find_header(RawSheet("", rows), ref.ACTOR_COLUMNS)
    if found is None:
        return []
    return [j for j, f in found[1].items() if f in ref.PERSONAL_FIELDS]


def redact_file(data: bytes, file_name: str, sheet: str, excel_rows: set[int] | None,
                fallback: Census | None = None) -> tuple[bytes, str, str | None]:
    """The file with Référent and Contact blanked on the given rows (all rows when None).

    Returns (bytes, file name, note). .xlsx and .csv keep their format; .xls and .ods (which nrdash does not
    write) become the census re-written as .xlsx from ``fallback``, and the note says so.
    """
    from .workbook import decode_text, sniff_delimiter

    kind = file_kind(data, file_name)
    if kind == "xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(data), keep_vba=file_name.lower().endswith(".xlsm"))
        if sheet in wb.sheetnames:
            ws = wb[sheet]
            head = [list(r) for r in ws.iter_rows(min_row=1, max_row=30, values_only=True)]
            cols, hidx = _personal_columns(head), _header_index(head)
            if cols and hidx is not None:
                targets = range(hidx + 2, ws.max_row + 1) if excel_rows is None else \
                    sorted(r for r in excel_rows if r > hidx + 1)
                for r in targets:
                    for j in cols:
                        ws.cell(row=r, column=j + 1).value = None
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue(), file_name, None
    if kind == "csv":
        text = decode_text(data)
        delim = sniff_delimiter(text)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
        records: list[tuple[int, list[str]]] = []
        start = 1
        for record in reader:
            records.append((start, record))
            start = reader.line_num + 1
        by_line: list[list[Any]] = []
        for line, record in records:
            while len(by_line) < line - 1:
                by_line.append([])
            by_line.append([c if c != "" else None for c in record])
        cols, hidx = _personal_columns(by_line[:30]), _header_index(by_line[:30])
        out = io.StringIO(newline="")
        writer = csv.writer(out, delimiter=delim, lineterminator="\r\n")
        for line, record in records:
            hit = hidx is not None and line > hidx + 1 and (excel_rows is None or line in excel_rows)
            writer.writerow(["" if hit and j in cols else v for j, v in enumerate(record)])
        return out.getvalue().encode("utf-8-sig"), file_name, None
    if fallback is None:
        raise RedactionError(f"Impossible d'expurger « {file_name} » : format {kind} non réécrit.")
    from .template import census_to_xlsx

    stem = PurePath(file_name).stem or "recensement"
    note = (f"Copie expurgée écrite au format .xlsx depuis le recensement normalisé : nrdash ne réécrit pas le "
            f"format .{kind} du fichier d'origine « {file_name} ».")
    return census_to_xlsx(fallback, with_contacts=True), f"{stem}-expurge.xlsx", note


def file_kind(data: bytes, file_name: str) -> str:
    """'xlsx', 'ods', 'xls' or 'csv', as the census reader decides it."""
    from .workbook import Limits, check_zip, detect_format

    kind = detect_format(data, file_name)
    return check_zip(data, Limits()) if kind == "zip" else kind


def _header_index(rows: list[list[Any]]) -> int | None:
    from .census import _find_header
    from .workbook import RawSheet

    found = _find_header(RawSheet("", rows), ref.ACTOR_COLUMNS)
    return None if found is None else found[0]
