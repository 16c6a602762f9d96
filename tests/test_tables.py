"""Tables of census text are spreadsheet-safe: what Streamlit's toolbar downloads (CSV) or a copy takes."""
import re

import pandas as pd
import pytest

from nrdash.export import FORMULA_START
from nrdash.indicators import public_table
from nrdash.tables import from_editor, safe_table, table_cell, to_editor

FORMULAS = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1", "@SUM(A1)", "\tTab", "\rCR", "-x", "-1+1"]


def risky(value) -> bool:
    """Text a spreadsheet runs as a formula: starts with = + - @ tab or CR, and is not a plain decimal number."""
    return isinstance(value, str) and value.startswith(FORMULA_START) and not re.fullmatch(r"-?\d+([.,]\d+)?", value)


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_text_starts_with_an_apostrophe(text):
    assert table_cell(text) == "'" + text


def test_numbers_and_plain_text_are_unchanged():
    for value in ("Aytré", "-1", "-1.152", "46,16", 3, -2.5, None, "'=déjà du texte"):
        assert table_cell(value) == value


def test_safe_table_covers_cells_index_and_column_names():
    frame = pd.DataFrame({"=col": FORMULAS, "n": range(len(FORMULAS))},
                         index=pd.Index([f"{f}" for f in FORMULAS], name="Commune"))
    frame["cat"] = pd.Categorical(FORMULAS)
    out = safe_table(frame)
    cells = [*out["'=col"], *out["cat"], *out.index, *out.columns]
    assert [c for c in cells if risky(c)] == [] and [c for c in frame["=col"] if risky(c)]
    assert list(out["n"]) == list(range(len(FORMULAS)))
    assert list(frame["=col"]) == FORMULAS  # the census itself is untouched


def test_public_table_of_hostile_actors(sample_census):
    a = sample_census.actors.head(len(FORMULAS)).assign(name=FORMULAS, source=FORMULAS)
    shown = safe_table(public_table(a))
    assert [v for col in shown for v in shown[col] if risky(v)] == []
    assert list(shown["Nom de l'acteur"]) == ["'" + f for f in FORMULAS]


def test_editor_round_trip_is_lossless_and_typed_formulas_are_text():
    frame = pd.DataFrame({"Nom": [*FORMULAS, "'=x", "''+y", "ok", None, "-1.152"]})
    shown = to_editor(frame)
    assert [v for v in shown["Nom"] if risky(v)] == []
    assert from_editor(shown).equals(frame)
    # Typed in the grid: '=z' is kept as typed, an apostrophe before a formula character marks text (as in Excel).
    typed = pd.DataFrame({"Nom": ["=z", "'=z", "'abc"]})
    assert list(from_editor(typed)["Nom"]) == ["=z", "=z", "'abc"]
