"""JSON-safe values for the reports of ``check`` and ``diff``: pandas/numpy cells as plain Python (NA, NaN and
infinities as None), and the whole report as UTF-8 bytes written by orjson."""
from __future__ import annotations

import json
import math
from typing import Any


def plain(value: Any) -> Any:
    """JSON-safe value: NA/NaN -> None, numpy scalars -> Python."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    try:
        if value != value:  # NaN / NA
            return None
    except (TypeError, ValueError):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


_SIMPLE = (str, int, bool, type(None))  # JSON-safe as they are (a float may be NaN or infinite)


def plain_column(column) -> list[Any]:
    """``plain`` of each value of a column, a whole float column at once."""
    if column.dtype.kind == "f":
        import numpy as np

        values = column.to_numpy(dtype="float64", na_value=np.nan)
        out = values.tolist()
        for i in np.flatnonzero(~np.isfinite(values)).tolist():
            out[i] = None
        return out
    return [v if type(v) in _SIMPLE or (type(v) is list and _texts_only(v)) else plain(v) for v in column.tolist()]


def _texts_only(items: list) -> bool:
    """A list of plain texts (the census's multi-valued cells), JSON-safe as it is."""
    return all(type(x) is str for x in items)


def json_bytes(obj: Any) -> bytes:
    """``obj`` as UTF-8 JSON text ending with a newline. orjson (Rust) writes the 40 MB of a 100,000-actor report
    about five times faster than the standard library; text it refuses (a lone surrogate from a damaged file) is
    written by the standard library instead, escaped."""
    import orjson

    try:
        return orjson.dumps(obj, default=str, option=orjson.OPT_APPEND_NEWLINE)
    except (orjson.JSONEncodeError, TypeError):
        return (json.dumps(obj, default=str) + "\n").encode("ascii")


def print_listing(items: list, as_json: bool, empty: str, line) -> int:
    """A listing command's output: the items as a JSON array (``--json``, each ``as_dict()``), else one ``line(item)``
    per item, or ``empty`` when there is none. The exit code (0)."""
    if as_json:
        print(json.dumps([item.as_dict() for item in items], ensure_ascii=False))
        return 0
    if not items:
        print(empty)
    for item in items:
        print(line(item))
    return 0

