"""The dictionary-based pairing and cell-by-cell comparison nrdash.compare used before the vectorised one (issue
15's benchmark), kept verbatim as a reference: tests/test_compare_equivalence.py checks that the current
``compare.compare`` gives the same pairs, methods, new and gone actors, ambiguities, unresolved links and changed
fields.

Only names changed (``reference_compare``) and the per-frame cache was dropped (it never changed a result); the
scalar ``compare.name_key`` and ``geography.name_key`` are the definitions of the keys and are used as they are.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd

from nrdash import referential as ref
from nrdash.compare import GONE, LEVEL_KEYS, MANUAL, NAME, NEW, SIRET, UNKNOWN_LEVEL, name_key
from nrdash.export import template_cells
from nrdash.geography import name_key as commune_key


def _keys(values: Iterable[object], fn, cache: dict[object, str] | None = None) -> list[str]:
    cache = {} if cache is None else cache
    out = []
    for v in values:
        k = cache.get(v)
        if k is None:
            k = cache[v] = fn(v) if isinstance(v, str) else ""
        out.append(k)
    return out


def _place_text(actors: pd.DataFrame, cache: dict[object, str] | None = None) -> list[str]:
    return _keys(actors["commune"].tolist(), commune_key, cache)


def actor_refs(actors: pd.DataFrame, names: list[str] | None = None, places: list[str] | None = None) -> list[str]:
    sirets = actors["siret"].tolist() if "siret" in actors else [None] * len(actors)
    names = _keys(actors["name"].tolist(), name_key) if names is None else names
    places = _place_text(actors) if places is None else places
    return [f"siret:{s}" if isinstance(s, str) else f"nom:{n}|{p}" for s, n, p in zip(sirets, names, places)]


def _compared_fields(include_personal: bool) -> list[ref.Column]:
    return [c for c in ref.ACTOR_COLUMNS
            if c.field != "updated" and (include_personal or not c.personal)]


def _cells(actors: pd.DataFrame, field_name: str) -> list:
    if field_name == "circle":
        return [None if pd.isna(v) else int(v) for v in actors["circle"].tolist()]
    values = template_cells(actors, field_name)
    if field_name in ("lat", "lon"):
        return [None if v is None else round(v, 6) for v in values]
    return values


def compared_cells(actors: pd.DataFrame, include_personal: bool = False) -> dict[str, list]:
    return {c.header: _cells(actors, c.field) for c in _compared_fields(include_personal)}


def changed_fields(cells_a, cells_b, ia: np.ndarray, ib: np.ndarray) -> list[tuple[str, ...]]:
    out: list[list[str]] = [[] for _ in range(len(ia))]
    ia_l, ib_l = ia.tolist(), ib.tolist()
    for header, va in cells_a.items():
        vb = cells_b[header]
        for k, (i, j) in enumerate(zip(ia_l, ib_l)):
            if va[i] != vb[j]:
                out[k].append(header)
    return [tuple(x) for x in out]


class _Matcher:
    def __init__(self, a: pd.DataFrame, b: pd.DataFrame):
        self.free_a = np.ones(len(a), dtype=bool)
        self.free_b = np.ones(len(b), dtype=bool)
        self.pairs: list[tuple[int, int, str]] = []
        self.ambiguities: list[dict] = []
        self.forbidden: set[tuple[int, int]] = set()
        self.siret_a = a["siret"].tolist() if "siret" in a else [None] * len(a)
        self.siret_b = b["siret"].tolist() if "siret" in b else [None] * len(b)
        self.rows_a, self.rows_b = a["row"].tolist(), b["row"].tolist()

    def pair(self, i: int, j: int, method: str) -> None:
        self.free_a[i] = self.free_b[j] = False
        self.pairs.append((i, j, method))

    def by_key(self, keys_a: list, keys_b: list, method: str, allow=None) -> None:
        index_b: dict[Any, list[int]] = {}
        for j, k in enumerate(keys_b):
            if k is not None and self.free_b[j]:
                index_b.setdefault(k, []).append(j)
        groups_a: dict[Any, list[int]] = {}
        for i, k in enumerate(keys_a):
            if k is not None and self.free_a[i] and k in index_b:
                groups_a.setdefault(k, []).append(i)
        for k, ias in groups_a.items():
            jbs = index_b[k]
            if len(ias) > 1 or len(jbs) > 1:
                self.ambiguities.append({"method": method, "key": k, "rows_a": [self.rows_a[i] for i in ias],
                                         "rows_b": [self.rows_b[j] for j in jbs]})
            rest = list(jbs)
            for i in ias:
                for j in rest:
                    if (i, j) in self.forbidden or self._sirets_differ(i, j, method) or (allow and not allow(i, j)):
                        continue
                    self.pair(i, j, method)
                    rest.remove(j)
                    break

    def _sirets_differ(self, i: int, j: int, method: str) -> bool:
        sa, sb = self.siret_a[i], self.siret_b[j]
        return method == NAME and isinstance(sa, str) and isinstance(sb, str) and sa != sb


def reference_compare(a, b, links=(), unlinks=(), include_personal: bool = False) -> dict[str, Any]:
    """What the old ``compare`` found, as plain values: pairs (ia, ib, method, changed) sorted by ib, new, gone,
    ambiguities, unresolved links."""
    aa, bb = a.actors.reset_index(drop=True), b.actors.reset_index(drop=True)
    m = _Matcher(aa, bb)
    links, unlinks = list(links), list(unlinks)
    name_cache: dict[object, str] = {}
    place_cache: dict[object, str] = {}
    names_a = _keys(aa["name"].tolist(), name_key, name_cache)
    names_b = _keys(bb["name"].tolist(), name_key, name_cache)
    text_a = _place_text(aa, place_cache)
    text_b = _place_text(bb, place_cache)
    pos_a: dict[str, list[int]] = {}
    pos_b: dict[str, list[int]] = {}
    if links or unlinks:
        for i, r in enumerate(actor_refs(aa, names_a, text_a)):
            pos_a.setdefault(r, []).append(i)
        for j, r in enumerate(actor_refs(bb, names_b, text_b)):
            pos_b.setdefault(r, []).append(j)
    for ra, rb in unlinks:
        m.forbidden.update((i, j) for i in pos_a.get(ra, ()) for j in pos_b.get(rb, ()))
    unresolved = []
    for ra, rb in links:
        i = next((i for i in pos_a.get(ra, ()) if m.free_a[i]), None)
        j = next((j for j in pos_b.get(rb, ()) if m.free_b[j]), None)
        if i is None or j is None:
            unresolved.append((ra, rb))
        else:
            m.pair(i, j, MANUAL)
    m.by_key(m.siret_a, m.siret_b, SIRET)
    insee_a, insee_b = aa["insee"].tolist(), bb["insee"].tolist()
    key = lambda n, c: (n, c) if n and isinstance(c, str) else None  # noqa: E731
    m.by_key([key(n, c) for n, c in zip(names_a, insee_a)], [key(n, c) for n, c in zip(names_b, insee_b)], NAME)
    m.by_key([(n, c) if n else None for n, c in zip(names_a, text_a)],
             [(n, c) if n else None for n, c in zip(names_b, text_b)], NAME,
             allow=lambda i, j: not isinstance(insee_a[i], str) or not isinstance(insee_b[j], str))
    ia = np.array([p[0] for p in m.pairs], dtype=np.int64)
    ib = np.array([p[1] for p in m.pairs], dtype=np.int64)
    order = np.argsort(ib, kind="stable")
    ia, ib = ia[order], ib[order]
    methods = [m.pairs[k][2] for k in order]
    changed = changed_fields(compared_cells(aa, include_personal), compared_cells(bb, include_personal), ia, ib)
    return {"pairs": list(zip(ia.tolist(), ib.tolist(), methods, changed)),
            "new": np.flatnonzero(m.free_b).tolist(), "gone": np.flatnonzero(m.free_a).tolist(),
            "ambiguities": m.ambiguities, "unresolved": unresolved}


def _level(v: Any) -> int | str:
    return UNKNOWN_LEVEL if pd.isna(v) else int(v)


def reference_level_transitions(cmp) -> dict:
    """The old ``compare.level_transitions``, a Python loop over the pairs."""
    out: dict[Any, dict[Any, int]] = {}

    def add(src, dst, n=1):
        out.setdefault(src, {})
        out[src][dst] = out[src].get(dst, 0) + n

    la, lb = cmp.a["level"].tolist(), cmp.b["level"].tolist()
    for i, j in zip(cmp.pairs["ia"].tolist(), cmp.pairs["ib"].tolist()):
        add(_level(la[i]), _level(lb[j]))
    for j in cmp.new.tolist():
        add(NEW, _level(lb[j]))
    for i in cmp.gone.tolist():
        add(_level(la[i]), GONE)
    order = {k: n for n, k in enumerate((NEW, *LEVEL_KEYS, GONE))}
    return {s: dict(sorted(d.items(), key=lambda kv: order[kv[0]])) for s, d in sorted(out.items(),
                                                                                       key=lambda kv: order[kv[0]])}
