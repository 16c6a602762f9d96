"""Editing the census in the app: the table a person edits, re-validated by the very same loader.

The edited table (French headers, text cells as in the workbook) is turned back into a census by writing it
as a CSV and reading it with ``load_census``: one set of rules for files and for edits, and row numbers that
match the table (row 2 is the first actor, as in the template).
"""
from __future__ import annotations

import csv
import io
from dataclasses import replace

import pandas as pd

from . import referential as ref
from .census import Census, load_census
from .export import Replaced, cell_text, template_cells
from .template import census_to_xlsx, xlsx_replacements

EDIT_COLUMNS: tuple[ref.Column, ...] = ref.ACTOR_COLUMNS
LEVEL_CHOICES = [ref.level_workbook_label(n) for n in ref.LEVELS]
CIRCLE_CHOICES = ["", "1", "2", "3"]
YES_NO = ["", "oui", "non"]
HISTORY_LIMIT = 20


def to_edit_frame(actors: pd.DataFrame) -> pd.DataFrame:
    """The actors as a person edits them: one text column per template header, as the exports write them."""
    return pd.DataFrame({col.header: [cell_text(v) for v in template_cells(actors, col.field)]
                         for col in EDIT_COLUMNS}).reset_index(drop=True)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\n")
    writer.writerow([c.header for c in EDIT_COLUMNS])
    for row in frame.itertuples(index=False):
        writer.writerow(["" if v is None or (isinstance(v, float) and v != v) else str(v) for v in row])
    return buf.getvalue().encode("utf-8")


def revalidate(frame: pd.DataFrame, original: Census) -> Census:
    """The edited table as a census, with the original's planned actions and territory."""
    edited = load_census(to_csv_bytes(frame), original.file_name)
    issues = [replace(i, sheet=original.sheet) if i.sheet == "CSV" else i for i in edited.issues]
    return replace(edited, actions=original.actions, territory=original.territory, issues=issues,
                   sheet=original.sheet, file_name=corrected_name(original.file_name))


def corrected_workbook(census: Census) -> bytes:
    """The corrected census in the template's format, with référents and contacts (the person's own file)."""
    return census_to_xlsx(census, with_contacts=True)


def corrected_replacements(census: Census) -> Replaced:
    """The cells ``corrected_workbook`` writes with control characters replaced."""
    return xlsx_replacements(census, with_contacts=True)


CORRECTED_SUFFIX = "-corrige"
CENSUS_EXTENSIONS = (".xlsx", ".xls", ".ods", ".csv")


def corrected_name(file_name: str) -> str:
    """The corrected census's name, without extension: one « -corrige » however often it is corrected (a name an
    earlier nrdash saved with several loses the extra ones)."""
    stem = file_name
    if stem.lower().endswith(CENSUS_EXTENSIONS):
        stem = stem.rsplit(".", 1)[0]
    while stem.endswith(CORRECTED_SUFFIX * 2):
        stem = stem[:-len(CORRECTED_SUFFIX)]
    return stem if stem.endswith(CORRECTED_SUFFIX) else f"{stem}{CORRECTED_SUFFIX}"


def corrected_file_name(file_name: str) -> str:
    """The corrected workbook's file name (a download, a draft saved from the editor)."""
    return f"{corrected_name(file_name)}.xlsx"


def push(history: list[pd.DataFrame], frame: pd.DataFrame) -> list[pd.DataFrame]:
    """History of applied tables for undo, bounded."""
    return (history + [frame])[-HISTORY_LIMIT:]


LINE_COLUMN = "Ligne"
PROBLEM_COLUMN = "Problème"
FIRST_LINE = 2  # the workbook's row of the first actor (row 1 holds the headers)


def problems_by_line(census: Census) -> dict[int, str]:
    """Each actor row's problems in one sentence (« Erreur — colonne : message »), by workbook row number."""
    out: dict[int, list[str]] = {}
    for issue in census.issues:
        if issue.row is None:
            continue
        where = f" — {issue.column}" if issue.column else ""
        out.setdefault(int(issue.row), []).append(
            f"{'Erreur' if issue.severity == 'error' else 'Avertissement'}{where} : {issue.message}")
    return {line: " | ".join(messages) for line, messages in out.items()}


def grid_view(frame: pd.DataFrame, problems: dict[int, str], lines: list[int] | None = None) -> pd.DataFrame:
    """The grid shown: the workbook's row number, the actor's name and the row's problems first, then the kit's
    key columns (level, circle, commune, type, family: in sight at 1280 px), then the other columns; only
    ``lines`` (workbook row numbers) when given, as a filter."""
    first = [ref.HEADER_OF[f] for f in ("name", *KEY_FIELDS)]
    numbers = list(range(FIRST_LINE, FIRST_LINE + len(frame)))
    view = frame[[*first, *[c for c in frame.columns if c not in first]]].copy()
    view.insert(1, PROBLEM_COLUMN, [problems.get(n, "") for n in numbers])
    view.insert(0, LINE_COLUMN, numbers)
    if lines is not None:
        view = view[view[LINE_COLUMN].isin(lines)]
    return view.reset_index(drop=True)


def merge_grid(frame: pd.DataFrame, lines: list[int], edited: pd.DataFrame) -> pd.DataFrame:
    """The whole table after the grid's edits, when the grid showed only ``lines`` of ``frame``: a shown row
    comes back changed (found by its row number) or is gone (deleted); a row without a number is new and goes at
    the end. Rows not shown are kept as they were: the whole table stays the source of truth."""
    columns = list(frame.columns)
    kept = edited[edited[LINE_COLUMN].notna()]
    by_line = {int(n): row for n, row in zip(kept[LINE_COLUMN], kept[columns].itertuples(index=False))}
    shown = set(lines)
    rows = []
    for n, row in zip(range(FIRST_LINE, FIRST_LINE + len(frame)), frame.itertuples(index=False)):
        if n not in shown:
            rows.append(tuple(row))
        elif n in by_line:
            rows.append(tuple(by_line[n]))
    added = edited[edited[LINE_COLUMN].isna()][columns]
    rows.extend(tuple(r) for r in added.itertuples(index=False))
    out = pd.DataFrame(rows, columns=columns)
    return out.astype(frame.dtypes.to_dict()) if len(out) else frame.iloc[:0].copy()


# ---------------------------------------------------------------------------------------------
# One actor's card (the quick way to change a level, a circle, a commune)
# ---------------------------------------------------------------------------------------------
# The kit's key columns, right after the name in the grid and on the card: what changes most between two workshops.
KEY_FIELDS: tuple[str, ...] = ("level", "circle", "commune", "type", "family")
# Said from the commune: a new commune makes them wrong (placement reads the INSEE code and coordinates first).
PLACE_FIELDS: tuple[str, ...] = ("insee", "postcode", "lat", "lon")


def actor_label(frame: pd.DataFrame, line: int) -> str:
    """« Ligne 5 — Atelier Vélo (Aytré) » for the actor on workbook row ``line`` of the edited table."""
    h = ref.HEADER_OF
    row = frame.iloc[line - FIRST_LINE]
    name, commune = str(row[h["name"]] or "").strip() or "(sans nom)", str(row[h["commune"]] or "").strip()
    return f"Ligne {line} — {name}" + (f" ({commune})" if commune and not name.endswith(f"({commune})") else "")


def card_update(frame: pd.DataFrame, line: int, values: dict[str, str],
                insee: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The table with the actor on workbook row ``line`` given ``values`` (field -> cell text), and what changed,
    one « Header : old → new » per field. A new commune clears the row's INSEE code, postal code and coordinates
    (they would place the actor in the old one), and takes ``insee`` when the commune was chosen from the
    territory's list."""
    h = ref.HEADER_OF
    i = line - FIRST_LINE
    out = frame.copy()
    said: list[str] = []
    for field_name, new in values.items():
        new = "" if new is None else str(new).strip()
        old = "" if out.iat[i, out.columns.get_loc(h[field_name])] is None else str(
            out.iat[i, out.columns.get_loc(h[field_name])]).strip()
        if new == old:
            continue
        out.iat[i, out.columns.get_loc(h[field_name])] = new
        said.append(f"{h[field_name]} : {old or 'vide'} → {new or 'vide'}")
        if field_name == "commune":
            cleared = [h[f] for f in PLACE_FIELDS if str(out.iat[i, out.columns.get_loc(h[f])] or "").strip()]
            for f in PLACE_FIELDS:
                out.iat[i, out.columns.get_loc(h[f])] = ""
            if insee:
                out.iat[i, out.columns.get_loc(h["insee"])] = insee
            gone = [c for c in cleared if not (insee and c == h["insee"])]
            if gone:
                said.append(", ".join(gone) + " effacé" + ("s" if len(gone) > 1 else "")
                            + " (l'acteur est placé d'après sa nouvelle commune)")
    return out, said
