"""Frames to Parquet and back with the same dtypes and the same Python values: how the store keeps a version's
placed census (fast to open). The frame's dtypes ride in the file's metadata (``nrdash_dtypes``); object columns of
text, or of lists of text, come back as Python strings and lists, built from Arrow in whole arrays."""
from __future__ import annotations

import gc
import io
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def frame_to_parquet(df: pd.DataFrame) -> bytes:
    table = pa.Table.from_pandas(df, preserve_index=False)
    dtypes = {c: str(df[c].dtype) for c in df.columns}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           b"nrdash_dtypes": json.dumps(dtypes).encode()})
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue()


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _texts(arr: pa.Array) -> np.ndarray | None:
    """A text (or all-null) Arrow array as Python objects, None where null; None for another type. Dictionary-
    encoded text makes one Python string per distinct value."""
    if pa.types.is_null(arr.type):
        return np.full(len(arr), None, dtype=object)
    if _is_text(arr.type):
        return arr.to_numpy(zero_copy_only=False)
    if pa.types.is_dictionary(arr.type) and _is_text(arr.type.value_type):
        words = np.append(arr.dictionary.to_numpy(zero_copy_only=False).astype(object), None)
        return words[arr.indices.fill_null(len(words) - 1).to_numpy(zero_copy_only=False)]
    return None


def _object_chunk(arr: pa.Array) -> np.ndarray | None:
    if not (pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type)):
        return _texts(arr)
    items = _texts(arr.values)
    if items is None:
        return None
    flat, bounds = items.tolist(), arr.offsets.to_numpy().tolist()
    out = np.empty(len(arr), dtype=object)
    # One list per row: the cyclic garbage collector, triggered again and again by so many new containers, would
    # traverse every object of the process each time; it is paused meanwhile (lists of text make no cycle).
    collecting = gc.isenabled()
    gc.disable()
    try:
        out[:] = [flat[x:y] for x, y in zip(bounds, bounds[1:])]
    finally:
        if collecting:
            gc.enable()
    if arr.null_count:
        out[arr.is_null().to_numpy(zero_copy_only=False)] = None
    return out


def _object_column(column: pa.ChunkedArray) -> np.ndarray | None:
    """An object column's values as Python objects, built from Arrow in whole arrays: text as str, lists of text
    as lists (sliced from one flat list by the offsets), None where null. None for another type."""
    parts = [_object_chunk(chunk) for chunk in column.chunks]
    if any(p is None for p in parts):
        return None
    return parts[0] if len(parts) == 1 else np.concatenate(parts or [np.empty(0, dtype=object)])


def frame_from_parquet(data: bytes) -> pd.DataFrame:
    schema = pq.read_schema(pa.BufferReader(data))
    dtypes = json.loads(schema.metadata[b"nrdash_dtypes"])
    texts = [f.name for f in schema if dtypes.get(f.name) == "object" and _is_text(f.type)]
    table = pq.read_table(pa.BufferReader(data), read_dictionary=texts)  # as stored: one string per value
    fast = {c: v for c in table.column_names if dtypes.get(c) == "object"
            and (v := _object_column(table.column(c))) is not None}
    df = table.select([c for c in table.column_names if c not in fast]).to_pandas()
    for col, dtype in dtypes.items():
        if dtype != "object" or col in fast:
            continue
        values = df[col].to_numpy(dtype=object, na_value=None)
        if pa.types.is_list(table.schema.field(col).type):
            values = [None if v is None else list(v) for v in values]
        df[col] = pd.Series(values, dtype=object, index=df.index)
    for col, values in fast.items():
        df[col] = pd.Series(values, dtype=object, index=df.index)
    return df[table.column_names]
