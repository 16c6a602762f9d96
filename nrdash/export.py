"""Exports of the (filtered) census: spreadsheet-safe, personal data only on explicit request.

A cell that starts with '=', '+', '-', '@', a tab or a carriage return would be run as a formula by a spreadsheet
(CSV injection, OWASP ASVS 1.2.10). In CSV such text is prefixed with an apostrophe; in .xlsx every text cell
is written with the text type, so nothing is ever a live formula (pandas' to_excel would write '=…' as formulas,
pandas#29095).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pandas as pd

from . import referential as ref

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
RGPD_NOTICE = ("Référents et contacts sont des données personnelles (RGPD) : ne les exportez que pour un usage "
               "prévu par votre registre des traitements, ne les diffusez pas, et supprimez le fichier après usage.")


def neutralise(value: object) -> object:
    """Text that a spreadsheet would read as a formula, made inert with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def export_columns(with_contacts: bool) -> list[ref.Column]:
    return [c for c in ref.ACTOR_COLUMNS if with_contacts or not c.personal]


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and v != v) or v is pd.NaT


def template_cells(actors: pd.DataFrame, field: str) -> list[Any]:
    """One template column's cells for these actors, as the template writes them, so that they load back as the
    same census: text (None when blank), 'oui'/'non', the level's dropdown label, the circle only when given
    (blank: the kit's rule), the kit's categories then the free-text ones (« ; »-separated), a type outside the
    kit as it was written, coordinates as floats, the date as a date. The one definition shared by the .xlsx
    and .csv exports and the census editor."""
    n = len(actors)
    values = actors[field].tolist() if field in actors else [None] * n
    if field == "type" and "type_text" in actors:
        return [t if v == ref.OTHER_TYPE else v for v, t in zip(values, actors["type_text"].tolist())]
    if field == "is_local":
        return [None if _missing(v) else ("oui" if v else "non") for v in values]
    if field == "level":
        return [None if _missing(v) else ref.level_workbook_label(int(v)) for v in values]
    if field == "circle":
        derived = actors["circle_derived"].tolist() if "circle_derived" in actors else [False] * n
        return [None if d or _missing(v) else int(v) for v, d in zip(values, derived)]
    if field in ("action_types", "dimensions"):
        extra = actors["other_categories"].tolist() if field == "action_types" and "other_categories" in actors \
            else [()] * n
        return [" ; ".join([*(v or ()), *o]) or None for v, o in zip(values, extra)]
    if field in ("lat", "lon"):
        return [None if _missing(v) else float(v) for v in values]
    if field == "updated":
        return [None if _missing(v) else (v.date() if isinstance(v, dt.datetime) else v) for v in values]
    return [None if _missing(v) else (v if isinstance(v, str) else str(v)) for v in values]


def cell_text(value: Any) -> str:
    """A template cell as text (CSV, the editor's table): floats exactly (repr), dates JJ/MM/AAAA, blank ''."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%d/%m/%Y")
    return str(value)


def census_csv(actors: pd.DataFrame, with_contacts: bool = False) -> bytes:
    """The actors as a CSV Excel opens directly in French (';' separator, UTF-8 with BOM), in the template's
    columns: it loads back as the same census (the apostrophe that makes a formula inert is read back off)."""
    cols = export_columns(with_contacts)
    columns = [template_cells(actors, c.field) for c in cols]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.header for c in cols])
    for row in zip(*columns):
        writer.writerow([neutralise(cell_text(v)) if isinstance(v, str) else cell_text(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
