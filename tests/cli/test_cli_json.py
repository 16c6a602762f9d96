"""``check --json`` converts whole columns at once: the same JSON values as converting each value (``plain``)."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from nrdash.cli.census_file import census_json
from nrdash.cli.json_values import json_bytes, plain, plain_column
from nrdash.census import load_census

from tests.cli.test_cli import SAMPLE


def one_by_one(column: pd.Series) -> list:
    """The former conversion: records of the table, then ``plain`` of each value."""
    return [plain(r["x"]) for r in pd.DataFrame({"x": column}).to_dict("records")]


COLUMNS = {
    "float": pd.Series([1.5, np.nan, np.inf, -np.inf, -0.0, 47.25]),
    "Float64": pd.Series([1.5, None, 2.0], dtype="Float64"),
    "Int64": pd.Series([1, None, 3], dtype="Int64"),
    "int64": pd.Series([1, 2, 3], dtype="int64"),
    "bool": pd.Series([True, False, True]),
    "boolean": pd.Series([True, None, False], dtype="boolean"),
    "str": pd.Series(["a", None, "é"], dtype="str"),
    "object": pd.Series(["a", None, np.nan, pd.NA, np.int64(4), np.float64(np.inf), 2.5, ["x", np.nan], ("y",), 7],
                        dtype=object),
}


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_column_conversion_equals_value_by_value(name):
    got = plain_column(COLUMNS[name])
    want = one_by_one(COLUMNS[name])
    assert json.dumps(got) == json.dumps(want)
    assert [type(v) for v in got] == [type(v) for v in want]


def test_float_column_values():
    assert plain_column(COLUMNS["float"]) == [1.5, None, None, None, -0.0, 47.25]
    assert all(v is None or math.isfinite(v) for v in plain_column(COLUMNS["Float64"]))


def test_census_json_equals_value_by_value():
    census = load_census(SAMPLE)
    got = census_json(census, with_contacts=True)
    table = census.actors
    for actor in got["actors"]:
        row = table.loc[table["row"] == actor["row"]].iloc[0]
        for key, value in actor.items():
            if key != "placement":
                assert json.dumps(value) == json.dumps(plain(row[key])), (key, value)
    assert got["rows"] == len(table) and "contact" in got["actors"][0]


def test_json_bytes_is_the_standard_librarys_json_in_utf8():
    census = load_census(SAMPLE)
    obj = census_json(census, with_contacts=True)
    got = json_bytes(obj)
    assert got.endswith(b"\n") and json.loads(got) == json.loads(json.dumps(obj, ensure_ascii=False))
    assert "é".encode() in got  # UTF-8 text, not \u escapes
    odd = {"name": "Caf\udce9 <b>", "values": [1.5, None, True, "x"], "n": np.int64(3)}
    text = json_bytes(odd)  # a lone surrogate (a damaged file): still valid JSON, escaped
    assert json.loads(text) == {"name": "Caf\udce9 <b>", "values": [1.5, None, True, "x"], "n": "3"}


def test_list_cells_of_texts_are_kept_and_others_converted():
    column = pd.Series([["a", "é"], ["x", np.nan], [], None], dtype=object)
    assert plain_column(column) == [["a", "é"], ["x", None], [], None]
