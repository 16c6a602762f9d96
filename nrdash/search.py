"""Finding an actor by name (tolerant to case, accents and punctuation) and its card's public fields (pure)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import referential as ref
from .filters import commune_labels

# What an actor's card shows, in this order: public fields only (never ref.PERSONAL_FIELDS: référent, contact).
CARD_FIELDS: tuple[str, ...] = ("family", "type", "level", "circle", "commune", "is_local", "siret", "action_types",
                                "dimensions", "description", "source", "updated", "row")
assert not set(CARD_FIELDS) & set(ref.PERSONAL_FIELDS)
CARD_LABELS: dict[str, str] = {"is_local": "Local", "action_types": "Types d'action NR", "dimensions": "Dimensions NR",
                               "description": "Actions NR identifiées", "level": "Niveau d'engagement",
                               "row": "Ligne du classeur"}


def name_keys(actors: pd.DataFrame) -> pd.Series:
    """Each actor's name as the search compares it (referential.norm_key), aligned with ``actors``."""
    return pd.Series(ref.norm_keys(actors["name"].to_numpy(dtype=object)), index=actors.index, dtype=object)


def search_keys(*columns) -> np.ndarray:
    """Per row, the referential.norm_key of each given text column, joined by a space (a name and its commune):
    what a word search compares."""
    keys = [ref.norm_keys(np.asarray(c, dtype=object)) for c in columns]
    return np.array([" ".join(filter(None, parts)) for parts in zip(*keys)], dtype=object)


def matching(keys, query: str) -> np.ndarray:
    """Where a key holds every word of ``query`` (case, accents and punctuation ignored); everywhere for a query
    without words."""
    keys = np.asarray(keys, dtype=object)
    hit = np.ones(len(keys), dtype=bool)
    for word in ref.norm_key(query).split():
        hit &= np.fromiter((word in k for k in keys), dtype=bool, count=len(keys))
    return hit


def find_actors(actors: pd.DataFrame, query: str, limit: int = 50, keys: pd.Series | None = None) -> pd.DataFrame:
    """The actors whose name holds every word of ``query`` (case, accents and punctuation ignored): exact names
    first, then names starting with the query, then the others, each in alphabetical order. ``keys``: name_keys
    of ``actors``, computed once per census by the caller."""
    words = ref.norm_key(query).split()
    if not words:
        return actors.iloc[:0]
    keys = name_keys(actors) if keys is None else keys
    hit = matching(keys.to_numpy(dtype=object), query)
    found = actors[hit]
    if found.empty:
        return found
    q = " ".join(words)
    k = keys[hit]
    rank = (k != q).astype(int) + (~k.str.startswith(q)).astype(int)
    order = pd.DataFrame({"rank": rank, "key": k}).sort_values(["rank", "key"], kind="stable").index
    return found.loc[order].head(limit)


def _text(value) -> str | None:
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return None
    if isinstance(value, (list, tuple)):
        return " ; ".join(str(v) for v in value) or None
    if isinstance(value, pd.Timestamp) or hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    text = str(value).strip()
    return text or None


def card_fields(actor: pd.Series) -> list[tuple[str, str]]:
    """(label, text) of an actor's public fields that are filled in, for its card; never référent or contact."""
    out: list[tuple[str, str]] = []
    for field in CARD_FIELDS:
        value = actor.get(field)
        if field == "level":
            value = None if pd.isna(value) else ref.level_label(int(value))
        elif field == "circle":
            value = None if pd.isna(value) else ref.CIRCLES[int(value)].label
        elif field == "commune":
            value = commune_labels(actor.to_frame().T).iloc[0]
        elif field == "is_local":
            value = None if pd.isna(value) else ("oui" if value else "non")
        elif field == "action_types":
            value = list(actor.get("action_types") or []) + list(actor.get("other_categories") or [])
        text = _text(value)
        if text is not None:
            label = CARD_LABELS.get(field) or ref.HEADER_OF[field]
            out.append((label, text))
    return out
