"""Exports of the (filtered) census: spreadsheet-safe, personal data only on explicit request.

A cell that starts with '=', '+', '-', '@', a tab or a carriage return would be run as a formula by a spreadsheet
(CSV injection, OWASP ASVS 1.2.10). In CSV such text is prefixed with an apostrophe; in .xlsx every text cell
is written with the text type, so nothing is ever a live formula (pandas' to_excel would write '=…' as formulas,
pandas#29095).
"""
from __future__ import annotations

import csv
import io

import pandas as pd

from . import referential as ref
from .filters import commune_labels

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


def census_csv(actors: pd.DataFrame, with_contacts: bool = False) -> bytes:
    """The actors as a CSV Excel opens directly in French (';' separator, UTF-8 with BOM)."""
    cols = export_columns(with_contacts)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.header for c in cols])
    values = actors.assign(commune=commune_labels(actors).where(actors["commune"].notna(), actors["commune"]))
    for rec in values.to_dict("records"):
        row = []
        for c in cols:
            v = rec.get(c.field)
            if c.field == "level":
                v = ref.level_label(v) if v is not None and v is not pd.NA else None
            elif isinstance(v, list):
                v = " ; ".join(v)
            elif v is pd.NA or (isinstance(v, float) and v != v):
                v = None
            elif hasattr(v, "strftime"):
                v = v.strftime("%d/%m/%Y")
            row.append("" if v is None else neutralise(str(v) if not isinstance(v, (int, float)) else v))
        writer.writerow(row)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
