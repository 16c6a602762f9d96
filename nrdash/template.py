"""Writing census workbooks in the template's format (openpyxl): the blank template, the sample census,
and later the corrected workbook. Dropdown data validations for every closed list.

Strings that look like formulas are written as text, never as live formulas.
"""
from __future__ import annotations

import datetime as dt
import io
from collections import OrderedDict
from itertools import chain
from pathlib import Path
from typing import Any, Iterable

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from . import referential as ref
from .census import Census, Territory
from .export import Replaced, export_columns, has_illegal, template_cells, xml_safe

HEADER_FILL = PatternFill("solid", fgColor="1D4E89")
HEADER_FONT = Font(bold=True, color="FFFFFF")
LISTS_SHEET = "Listes"
VALIDATION_ROWS = 5000


def _plain_value(value: Any) -> Any:
    """A value as the template writes it, before making its text safe for XML."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, (list, tuple)):
        return " ; ".join(str(v) for v in value) or None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalars (a numpy bool is not a bool)
    if isinstance(value, bool):
        return "oui" if value else "non"
    return value


def _cell_value(value: Any) -> Any:
    value = _plain_value(value)
    return xml_safe(value) if isinstance(value, str) else value


def _write_row(ws, row: int, values: Iterable[Any]) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col, value=_cell_value(value))
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"  # text, not a formula
        if isinstance(cell.value, (dt.date, dt.datetime)):
            cell.number_format = "DD/MM/YYYY"


def _header(ws, headers: list[str], widths: dict[int, int] | None = None) -> None:
    for col, h in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=col, value=h)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(col)].width = (widths or {}).get(col, max(14, min(40, len(h) + 4)))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}1"


def _lists_sheet(wb: Workbook) -> dict[str, str]:
    """A hidden sheet holding each closed list; returns list name -> range formula."""
    ws = wb.create_sheet(LISTS_SHEET)
    lists = {
        "familles": list(ref.FAMILIES),
        "types": list(ref.TYPES),
        "niveaux": [ref.level_workbook_label(n) for n in ref.LEVELS],
        "cercles": ["1", "2", "3"],
        "sources": list(ref.SOURCES),
        "oui_non": ["oui", "non"],
        "types_action": list(ref.ACTION_TYPES),
        "dimensions": list(ref.NR_DIMENSIONS),
        "axes": list(ref.AXES),
        "cibles": list(ref.TARGETS),
        "statuts": list(ref.STATUSES),
    }
    out = {}
    for col, (name, values) in enumerate(lists.items(), start=1):
        ws.cell(row=1, column=col, value=name)
        for r, v in enumerate(values, start=2):
            ws.cell(row=r, column=col, value=v)
        letter = get_column_letter(col)
        out[name] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
    ws.sheet_state = "hidden"
    return out


def _validate(ws, col: int, formula: str, strict: bool = True, prompt: str | None = None) -> None:
    dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=strict,
                        errorStyle="stop" if strict else "information")
    if not strict:
        dv.error = "Valeur hors liste : elle sera conservée en texte libre."
    if prompt:
        dv.prompt, dv.showInputMessage = prompt, True
    letter = get_column_letter(col)
    dv.add(f"{letter}2:{letter}{VALIDATION_ROWS}")
    ws.add_data_validation(dv)


INSTRUCTIONS: tuple[str, ...] = (
    "Recensement des acteurs du Numérique responsable — modèle nrdash",
    "",
    "Ce classeur suit le « Kit approche territoriale au Numérique responsable » de l'ANCT.",
    "1. Feuille « Acteurs » (obligatoire) : une ligne par acteur. Colonnes obligatoires : Nom de l'acteur, "
    "Type d'acteur, Niveau d'engagement estimé.",
    "   • La famille se déduit du type. Un type hors liste est classé « Autre » dans la famille indiquée.",
    "   • Niveau : 0 — Non impliqué, 1 — Sensibilisé au NR, 2 — Acteur du NR, 3 — Leader du NR (la liste déroulante écrit « 2 - Acteur du NR » : les deux sont compris).",
    "   • Cercle : laissez vide pour appliquer la règle du kit (administration et partenaires → 1, "
    "niveau ≥ 2 → 2, sinon 3).",
    "   • Type d'action NR et Dimension NR : plusieurs valeurs possibles, séparées par « ; ».",
    "   • SIRET (facultatif) : les 14 chiffres de l'établissement ; il sert à reconnaître l'acteur d'une version "
    "du recensement à l'autre, même renommé.",
    "   • Localisation : latitude et longitude, ou le code INSEE de la commune (5 caractères, ex. 17300), "
    "ou le code postal, ou le nom de la commune.",
    "   • Référent et Contact sont des données personnelles (RGPD) : ils ne sont jamais projetés en mode atelier "
    "ni exportés sans demande explicite.",
    "2. Feuille « Actions » (facultative) : les actions clés prévues, par axe et par cible de la matrice.",
    "3. Feuille « Territoire » (facultative) : le territoire et les arbitrages du kit (oui/non).",
    "",
    "Vérifier un fichier : python -m nrdash check mon-recensement.xlsx",
)


def build_workbook(actors: pd.DataFrame | None = None, actions: pd.DataFrame | None = None,
                   territory: Territory | None = None, with_contacts: bool = True) -> Workbook:
    wb = Workbook()
    info = wb.active
    info.title = ref.INSTRUCTIONS_SHEET
    for r, line in enumerate(INSTRUCTIONS, start=1):
        info.cell(row=r, column=1, value=line)
    info["A1"].font = Font(bold=True, size=14)
    info.column_dimensions["A"].width = 120
    r = len(INSTRUCTIONS) + 2
    info.cell(row=r, column=1, value="Types d'acteurs par famille").font = Font(bold=True)
    for fam, types in ref.TYPES_BY_FAMILY.items():
        r += 1
        info.cell(row=r, column=1, value=f"{fam} : {', '.join(types)}")

    ws = wb.create_sheet(ref.ACTORS_SHEET)
    columns = export_columns(with_contacts)
    col_of = {c.field: i for i, c in enumerate(columns, start=1)}
    widths = {"name": 34, "siret": 18, "type": 30, "action_types": 40, "dimensions": 34, "description": 50}
    _header(ws, [c.header + (" *" if c.required else "") for c in columns],
            {col_of[f]: w for f, w in widths.items()})
    lists = _lists_sheet(wb)
    _validate(ws, col_of["family"], lists["familles"])
    _validate(ws, col_of["type"], lists["types"], strict=False)
    _validate(ws, col_of["is_local"], lists["oui_non"])
    _validate(ws, col_of["action_types"], lists["types_action"], strict=False,
              prompt="Plusieurs valeurs possibles, séparées par « ; »")
    _validate(ws, col_of["dimensions"], lists["dimensions"], strict=False,
              prompt="Plusieurs valeurs possibles, séparées par « ; »")
    _validate(ws, col_of["level"], lists["niveaux"])
    _validate(ws, col_of["circle"], lists["cercles"], prompt="Vide : règle du kit")
    _validate(ws, col_of["source"], lists["sources"])
    for field in ("siret", "insee", "postcode"):  # text cells: no leading zero or digit lost to a number format
        for row in range(2, VALIDATION_ROWS + 1):
            ws.cell(row=row, column=col_of[field]).number_format = "@"
    if actors is not None:
        cells = [template_cells(actors, c.field) for c in columns]
        for r, values in enumerate(zip(*cells), start=2):
            _write_row(ws, r, values)

    wa = wb.create_sheet(ref.ACTIONS_SHEET)
    _header(wa, [c.header for c in ref.ACTION_COLUMNS], {1: 60, 2: 34, 3: 34, 8: 50})
    acol = {c.field: i for i, c in enumerate(ref.ACTION_COLUMNS, start=1)}
    _validate(wa, acol["axis"], lists["axes"])
    _validate(wa, acol["targets"], lists["cibles"], strict=False,
              prompt="Plusieurs cibles possibles, séparées par « ; »")
    _validate(wa, acol["status"], lists["statuts"])
    _validate(wa, acol["quick_win"], lists["oui_non"])
    if actions is not None:
        for r, rec in enumerate(actions.itertuples(index=False), start=2):
            rec = rec._asdict()
            _write_row(wa, r, [rec.get(c.field) for c in ref.ACTION_COLUMNS])

    wt = wb.create_sheet(ref.TERRITORY_SHEET)
    _header(wt, ["Paramètre", "Valeur"], {1: 70, 2: 40})
    t = territory or Territory()
    for r, (key, label) in enumerate(ref.TERRITORY_LABEL.items(), start=2):
        _write_row(wt, r, [label, getattr(t, key)])
        if key.startswith("include_"):
            dv = DataValidation(type="list", formula1=lists["oui_non"], allow_blank=True)
            dv.add(f"B{r}")
            wt.add_data_validation(dv)
        if key == "scale":
            dv = DataValidation(type="list", formula1='"' + ",".join(ref.SCALES) + '"', allow_blank=True)
            dv.add(f"B{r}")
            wt.add_data_validation(dv)
    wt.cell(row=2, column=2).number_format = "@"
    wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(LISTS_SHEET))
    wb.active = 1
    return wb


def write_template(path: str | Path) -> None:
    build_workbook().save(path)


def census_to_xlsx(census: Census, with_contacts: bool = False, actors: pd.DataFrame | None = None,
                   actions: pd.DataFrame | None = None) -> bytes:
    """The census (or a filtered view of it) in the template's format: it loads back as it is."""
    buf = io.BytesIO()
    build_workbook(census.actors if actors is None else actors, census.actions if actions is None else actions,
                   census.territory, with_contacts).save(buf)
    return buf.getvalue()


def _joined_text(values: list) -> str:
    """All the text of a column (lists of text included) in one string."""
    try:
        return "".join(filter(None, values))  # a column of text and None: the common case, at C speed
    except TypeError:
        pass
    try:
        return "".join(chain.from_iterable(filter(None, values)))  # a column of lists of text
    except TypeError:
        pass
    return "".join(x for v in values for x in (v if isinstance(v, list) else [v]) if isinstance(x, str))


def _any_illegal(frame: pd.DataFrame) -> bool:
    """Whether any text in the frame has a control character: one search per column, so that the cell-by-cell
    pass runs only when there is something to report."""
    return any(frame[name].dtype == object and has_illegal(_joined_text(frame[name].tolist()))
               for name in frame.columns)


_ACTORS_WITH_CONTROL: OrderedDict[tuple[str, int], bool] = OrderedDict()


def _actors_have_illegal(census: Census) -> bool:
    """Whether the census's actors hold any control character, remembered per file content (its SHA-256): the
    common answer, no, then costs nothing on the next reruns of a page (about 2.5 million characters to search at
    10 000 actors)."""
    key = (census.sha256, len(census.actors))
    if key not in _ACTORS_WITH_CONTROL:
        _ACTORS_WITH_CONTROL[key] = _any_illegal(census.actors)
        while len(_ACTORS_WITH_CONTROL) > 32:
            _ACTORS_WITH_CONTROL.popitem(last=False)
    return _ACTORS_WITH_CONTROL.get(key, True)


def xlsx_replacements(census: Census, with_contacts: bool = False, actors: pd.DataFrame | None = None,
                      actions: pd.DataFrame | None = None) -> Replaced:
    """The cells ``census_to_xlsx`` (same arguments) writes with control characters replaced: known before the
    file is made, so that a page can say so next to its download button. ``actors`` and ``actions`` are the
    census's own or a part of them (a filter): when none of the census's actors has a control character, no part
    of them has."""
    actors = census.actors if actors is None else actors
    actions = census.actions if actions is None else actions
    found: list[tuple[str, int | None, str]] = []
    rows = actors["row"].tolist() if "row" in actors else [None] * len(actors)
    for c in export_columns(with_contacts) if _actors_have_illegal(census) else ():
        found += [(census.sheet, r, c.header) for r, v in zip(rows, template_cells(actors, c.field))
                  if has_illegal(v)]
    action_rows = actions["row"].tolist() if "row" in actions else [None] * len(actions)
    for c in ref.ACTION_COLUMNS:
        if c.field in actions:
            found += [(ref.ACTIONS_SHEET, r, c.header) for r, v in zip(action_rows, actions[c.field].tolist())
                      if has_illegal(_plain_value(v))]
    t = census.territory
    found += [(ref.TERRITORY_SHEET, r, label) for r, (key, label) in enumerate(ref.TERRITORY_LABEL.items(), start=2)
              if has_illegal(getattr(t, key))]
    return Replaced(tuple(found))
