"""Exports of the (filtered) census: spreadsheet-safe, personal data only on explicit request.

Every export writes the template's columns with the cells the template defines (``template_cells``), so that it
loads back as the same census.

Control characters (codes 0-31 other than tab, line feed and carriage return) cannot be stored in a .xlsx (XML
forbids them; openpyxl raises ``IllegalCharacterError``). The .xlsx exports replace each with U+FFFD « \ufffd »,
the Unicode replacement character, rather than dropping it: the spot stays visible and the text is not silently
joined; ``Replaced`` says how many cells, where, in French. The CSV keeps them as they are.

A cell that starts with '=', '+', '-', '@', a tab or a carriage return would be run as a formula by a spreadsheet
(CSV injection, OWASP ASVS 1.2.10). In CSV such text is prefixed with an apostrophe; in .xlsx every text cell
is written with the text type, so nothing is ever a live formula (pandas' to_excel would write '=…' as formulas,
pandas#29095).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from . import referential as ref
from .text import count_noun
from .workbook import FORMULA_START  # defined with the reader, which reads such cells back

RGPD_NOTICE = ("Référents et contacts sont des données personnelles (RGPD) : ne les exportez que pour un usage "
               "prévu par votre registre des traitements, ne les diffusez pas, et supprimez le fichier après usage.")


REPLACEMENT = "\ufffd"
ROWS_NAMED = 5


def xml_safe(text: str) -> str:
    """Text a .xlsx can hold: each control character it cannot store replaced by U+FFFD."""
    return ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, text)


def has_illegal(value: object) -> bool:
    return isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value) is not None


def _rows_text(rows: list[int | None]) -> str:
    named = [str(r) for r in rows[:ROWS_NAMED] if r is not None]
    if not named:
        return ""
    more = len(rows) - len(named)
    if len(named) == 1 and not more:
        return f" (ligne {named[0]})"
    if more:
        return f" (lignes {', '.join(named)} et {count_noun(more, 'autre')})"
    return f" (lignes {', '.join(named[:-1])} et {named[-1]})"


@dataclass(frozen=True)
class Replaced:
    """Cells whose control characters a .xlsx export replaced: (sheet, row in the census, column header)."""

    found: tuple[tuple[str, int | None, str], ...] = ()

    @property
    def cells(self) -> int:
        return len(self.found)

    def message(self) -> str | None:
        """What was replaced and where, in French; None when nothing was."""
        if not self.found:
            return None
        groups: dict[tuple[str, str], list[int | None]] = {}
        for sheet, row, header in self.found:
            groups.setdefault((sheet, header), []).append(row)
        where = " ; ".join(f"feuille « {sheet} », colonne « {header} »{_rows_text(rows)}"
                           for (sheet, header), rows in groups.items())
        n = self.cells
        return (f"{n} cellule{'s contenaient' if n > 1 else ' contenait'} des caractères invisibles (caractères de "
                f"contrôle, souvent venus d'un copier-coller) qu'un classeur .xlsx ne peut pas contenir : dans le "
                f"fichier .xlsx, chacun est remplacé par « {REPLACEMENT} ». Où : {where}. Corrigez ces cellules dans "
                "votre recensement pour un texte propre ; l'export .csv les garde tels quels.")


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
    same census: text (None when blank), an invalid SIRET as it was typed, 'oui'/'non', the level's dropdown label, the circle only when given
    (blank: the kit's rule), the kit's categories then the free-text ones (« ; »-separated), a type outside the
    kit as it was written, coordinates as floats, the date as a date. The one definition shared by the .xlsx
    and .csv exports and the census editor."""
    cells = _template_cells(actors, field)
    if "unread" in actors and actors["unread"].notna().any():  # a cell that could not be read: as it was typed
        import json

        for i, u in enumerate(actors["unread"].tolist()):
            if isinstance(u, str) and _missing(cells[i]):
                cells[i] = json.loads(u).get(field, cells[i])
    return cells


def _template_cells(actors: pd.DataFrame, field: str) -> list[Any]:
    n = len(actors)
    values = actors[field].tolist() if field in actors else [None] * n
    # One vectorised test of what is missing (None, NA, NaN, NaT) per column, not a function call per cell.
    missing = pd.isna(actors[field]).tolist() if field in actors else [True] * n
    if field == "type" and "type_text" in actors:
        return [t if v == ref.OTHER_TYPE else v for v, t in zip(values, actors["type_text"].tolist())]
    if field == "siret" and "siret_text" in actors:
        return [t if m else v for v, m, t in zip(values, missing, actors["siret_text"].tolist())]
    if field == "is_local":
        return [None if m else ("oui" if v else "non") for v, m in zip(values, missing)]
    if field == "level":
        return [None if m else ref.level_workbook_label(int(v)) for v, m in zip(values, missing)]
    if field == "circle":
        derived = actors["circle_derived"].tolist() if "circle_derived" in actors else [False] * n
        return [None if d or m else int(v) for v, m, d in zip(values, missing, derived)]
    if field in ("action_types", "dimensions"):
        extra = actors["other_categories"].tolist() if field == "action_types" and "other_categories" in actors \
            else [()] * n
        return [" ; ".join([*(v or ()), *o]) or None for v, o in zip(values, extra)]
    if field in ("lat", "lon"):
        return [None if m else float(v) for v, m in zip(values, missing)]
    if field == "updated":
        return [None if m else (v.date() if isinstance(v, dt.datetime) else v) for v, m in zip(values, missing)]
    return [None if m else (v if type(v) is str else str(v)) for v, m in zip(values, missing)]


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
