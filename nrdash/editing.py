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


def corrected_name(file_name: str) -> str:
    stem = file_name.rsplit(".", 1)[0]
    return stem if stem.endswith("-corrige") else f"{stem}-corrige"


def push(history: list[pd.DataFrame], frame: pd.DataFrame) -> list[pd.DataFrame]:
    """History of applied tables for undo, bounded."""
    return (history + [frame])[-HISTORY_LIMIT:]
