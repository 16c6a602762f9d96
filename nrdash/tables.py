"""Census text in Streamlit's tables (st.dataframe, st.data_editor), made safe for a spreadsheet.

Streamlit's table toolbar downloads a CSV of what the table holds, and a copy (Ctrl+C) puts it on the clipboard,
with neither nrdash's export rules: '=HYPERLINK(…)' would reach a spreadsheet as a live formula. The tables are
therefore fed text already neutralised by the export's own rule (nrdash.export.neutralise: a leading apostrophe
before '=', '+', '-', '@', a tab or a carriage return), so whatever leaves a table is safe, in workshop mode too.
The screen shows that apostrophe: it is how a spreadsheet marks text that is not a formula, and what the download
holds. A cell that is only a decimal number ('-1.152', a longitude) is kept as it is: a spreadsheet reads it as that
number, never as a formula (the export writes numbers the same way).

The census editor is fed the same text and what comes back is read without the added apostrophe (from_editor), so
editing never changes a cell that was not touched; as in a spreadsheet, a typed apostrophe before a formula
character marks text and is not kept.
"""
from __future__ import annotations

import re

import pandas as pd

from .export import neutralise

_PLAIN_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def table_cell(value: object) -> object:
    """A cell as a table shows it: text a spreadsheet would run as a formula starts with an apostrophe."""
    if isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value):
        return value
    return neutralise(value)


def _map_text(values: pd.Series, fn) -> pd.Series:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.rename_categories([fn(c) for c in values.cat.categories])
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        return values.map(fn)
    return values


def _map_index(index: pd.Index, fn) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return index.set_levels([_map_index(level, fn) for level in index.levels])
    if index.dtype == object or pd.api.types.is_string_dtype(index.dtype):
        return index.map(fn).rename(fn(index.name) if isinstance(index.name, str) else index.name)
    return index


def safe_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells, index labels and column names are table cells (table_cell)."""
    out = pd.DataFrame({i: _map_text(frame.iloc[:, i], table_cell) for i in range(frame.shape[1])}, index=frame.index)
    out.columns = _map_index(frame.columns, table_cell)
    out.index = _map_index(frame.index, table_cell)
    return out


def _to_editor(value: object) -> object:
    """Lossless: a text that already starts with apostrophes before a formula character gets one more."""
    if not isinstance(value, str):
        return value
    return "'" + value if table_cell(value.lstrip("'")) != value.lstrip("'") else value


def _from_editor(value: object) -> object:
    if isinstance(value, str) and value.startswith("'") and _to_editor(value[1:]) == value:
        return value[1:]
    return value


def to_editor(frame: pd.DataFrame) -> pd.DataFrame:
    """The census editor's table: every text cell safe to download or copy, read back by from_editor."""
    return frame.apply(lambda col: _map_text(col, _to_editor))


def from_editor(frame: pd.DataFrame) -> pd.DataFrame:
    """The editor's table as the census holds it (the apostrophes to_editor added, and only those, removed)."""
    return frame.apply(lambda col: _map_text(col, _from_editor))
