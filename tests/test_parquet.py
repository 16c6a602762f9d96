"""A version's frames read back from Parquet (nrdash.parquet.frame_from_parquet, built column by column from
Arrow) are the frames the old reading (pandas' to_pandas, then a per-row conversion) gave: same columns, dtypes,
Python types and values, lists of text as lists, None where missing."""
import datetime as dt
import io
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from nrdash import parquet


def reference_frame_from_parquet(data: bytes) -> pd.DataFrame:
    """store.frame_from_parquet before issue 15's benchmark, verbatim."""
    table = pq.read_table(io.BytesIO(data))
    dtypes = json.loads(table.schema.metadata[b"nrdash_dtypes"])
    df = table.to_pandas()
    for col, dtype in dtypes.items():
        if dtype != "object":
            continue
        values = df[col].to_numpy(dtype=object, na_value=None)
        if pa.types.is_list(table.schema.field(col).type):
            values = [None if v is None else list(v) for v in values]
        df[col] = pd.Series(values, dtype=object, index=df.index)
    return df


def same_frames(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    assert got.dtypes.astype(str).tolist() == want.dtypes.astype(str).tolist()
    assert got.index.equals(want.index)
    for col in want.columns:
        for x, y in zip(got[col].tolist(), want[col].tolist()):
            assert type(x) is type(y), (col, x, y)
            if isinstance(y, list):
                assert [type(u) for u in x] == [type(v) for v in y]
            assert x is y or x == y or (x != x and y != y), (col, x, y)


def test_frame_from_parquet_gives_the_frame_the_old_reading_gave():
    n = 7
    df = pd.DataFrame({
        "row": np.arange(n, dtype=np.int64) + 4,
        "name": pd.Series(["Atelier", "Vélo", None, "Œuvre", "", "x", "y"], dtype=object),
        "siret": pd.Series([None] * n, dtype=object),
        "lists": pd.Series([["a", "b"], [], None, ["é"], [], ["c"], []], dtype=object),
        "empty_lists": pd.Series([[] for _ in range(n)], dtype=object),
        "number_lists": pd.Series([[1, 2], [], None, [3], [], [4], []], dtype=object),
        "commune": pd.Series(["La Rochelle", None, "Aytré", "a", "b", "c", None], dtype="str"),
        "level": pd.array([0, 1, None, 3, 2, 2, None], dtype="Int64"),
        "lat": pd.array([46.1, None, 46.2, 1.0, 2.0, 3.0, 4.0], dtype="Float64"),
        "is_local": pd.array([True, False, None, True, True, False, None], dtype="boolean"),
        "has_error": np.array([False, True, False, False, False, False, True]),
        "updated": pd.Series([dt.date(2026, 3, 15), None, dt.date(2025, 1, 2), None, None, None, None],
                             dtype=object),
    })
    data = parquet.frame_to_parquet(df)
    same_frames(parquet.frame_from_parquet(data), reference_frame_from_parquet(data))
    # and on a chunked table (several row groups)
    table = pq.read_table(io.BytesIO(data))
    buf = io.BytesIO()
    pq.write_table(table, buf, row_group_size=3)
    same_frames(parquet.frame_from_parquet(buf.getvalue()), reference_frame_from_parquet(buf.getvalue()))
    # a frame of text and lists only (planned actions), and an empty one
    actions = pd.DataFrame({"action": pd.Series(["Guide", None, "Réseau"], dtype=object),
                            "targets": pd.Series([["Citoyens"], [], None], dtype=object)})
    for frame in (actions, actions.iloc[:0]):
        data = parquet.frame_to_parquet(frame)
        same_frames(parquet.frame_from_parquet(data), reference_frame_from_parquet(data))


def test_a_published_census_reads_back_as_before(tmp_path):
    from tests.test_compare_equivalence import versions

    census = versions(5, n=150)[0]
    data = parquet.frame_to_parquet(census.actors)
    got = parquet.frame_from_parquet(data)
    same_frames(got, reference_frame_from_parquet(data))
    assert isinstance(got["action_types"].dropna().iloc[0], list)
