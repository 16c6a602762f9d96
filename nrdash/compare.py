"""What changed between two censuses A (older) and B (newer): pure pandas, no Streamlit.

Compare *placed* censuses (``nrdash.placement.place_actors``): the commune is then the one the geography resolved
(« St-Xandre » and « Saint-Xandre » both become INSEE 17414), not the spelling typed.

Matching an actor of A with one of B, one to one, in this order (each pair records its method):

1. ``manuel``: the pairs a person made (``links``), applied first; the pairs a person forbade (``unlinks``) are
   never made by the steps below. Both are given as actor references (:func:`actor_ref`), which stay the same
   from one version to the next: ``siret:<14 digits>`` for an actor with a valid SIRET, else
   ``nom:<name key>|<commune key>`` (:func:`name_key` of the name, ``geography.name_key`` of the commune as the
   census holds it: the official name once placed, else as typed). A reference may name several actors of a
   side (duplicates): the first not yet matched, in row order, is taken.
2. ``siret``: the same valid SIRET on both sides (an invalid SIRET is never used).
3. ``nom+commune``: the same :func:`name_key` and the same INSEE code; then, for actors still unmatched, the same
   name key and the same commune text key (for actors without an INSEE code on one side or both). Two actors
   whose valid SIRETs differ are different establishments and are never matched by name.

Duplicates on one side (several actors with one key) are paired in row order and reported in ``ambiguities``.

Name key (:func:`name_key`): ``referential.norm_key`` (case, accents, punctuation, « & » → « et »), initials
joined (« S.A.S. » → « sas »), then removed, at the start or at the end of the name only and never down to an
empty name: the legal forms in :data:`LEGAL_FORMS` (SA, SAS, SASU, SARL, EURL, EI, EIRL, SCOP, SCIC, SCI, SNC,
association, asso, assoc), then one leading article (« l' », « la », « le », « les »). Words inside a name are
kept: « Le Sas numérique » is « sas numerique »; « Les Amis du Vélo » and « Association Amis du vélo » are one key;
« Atelier » and « Atelier solidaire » are two.

Changed fields are compared on the template's cells (``export.template_cells``: what an export would write,
in French headers), except the personal columns (Référent, Contact) unless asked, and « Date de mise à jour »
(updating the date alone does not change an actor; see :func:`freshness`). The circle is compared as the
effective circle (given or derived by the kit's rule), coordinates to the sixth decimal.

Filters (:func:`filter_comparison`): an actor is kept when its state in A *or* its state in B passes every
shared filter (family, type, level, circle, commune…); a new actor by its state in B, a gone one by its state
in A. A level or circle filter thus keeps an actor that entered or left that level or circle.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import threading
import weakref
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import referential as ref
from .export import template_cells
from .filters import Filters, commune_labels, filter_mask
from .geography import name_key as commune_key
from .matrix import filter_actions, plan_counts
from .text import plural, thousands

MANUAL, SIRET, NAME = "manuel", "siret", "nom+commune"
NEW, GONE, UNKNOWN_LEVEL = "nouveau", "sorti", "non renseigné"

LEGAL_FORMS: frozenset[str] = frozenset({
    "sa", "sas", "sasu", "sarl", "eurl", "ei", "eirl", "scop", "scic", "sci", "snc", "association", "asso", "assoc",
})
LEADING_ARTICLES: frozenset[str] = frozenset({"l", "la", "le", "les"})
NOT_COMPARED: frozenset[str] = frozenset({"updated", *ref.PERSONAL_FIELDS})


# ---------------------------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------------------------
def name_key(name: object) -> str:
    """'S.A.S. L'Atelier du Réemploi' -> 'atelier du reemploi'; 'Les Amis du Vélo (association)' -> 'amis du velo'."""
    if name is None or (isinstance(name, float) and name != name):
        return ""
    words = ref.norm_key(name).split()
    joined: list[str] = []
    run: list[str] = []
    for w in words + [""]:  # initials in a row ('s a s') become one word
        if len(w) == 1 and w.isalpha():
            run.append(w)
            continue
        if run:
            joined.extend(["".join(run)] if len(run) > 1 else run)
            run = []
        if w:
            joined.append(w)
    words = joined
    while len(words) > 1 and words[-1] in LEGAL_FORMS:
        words = words[:-1]
    while len(words) > 1 and words[0] in LEGAL_FORMS:
        words = words[1:]
    if len(words) > 1 and words[0] in LEADING_ARTICLES:
        words = words[1:]
    return " ".join(words)


def _regex_alternatives(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=lambda w: (-len(w), w)))


_INITIALS_RE = r"(?:^| )[a-z] [a-z](?: |$)"  # two one-letter words in a row: name_key joins them (rare)
_TRAILING_FORM_RE = rf" (?:{_regex_alternatives(LEGAL_FORMS)})$"  # one, after at least one word
_LEADING_FORMS_RE = rf"^(?:(?:{_regex_alternatives(LEGAL_FORMS)}) )+(.+)$"
_LEADING_FORM_RE = rf"^(?:{_regex_alternatives(LEGAL_FORMS)}) "
_LEADING_ARTICLE_RE = rf"^(?:{_regex_alternatives(LEADING_ARTICLES)}) (.+)$"
_LEADING_ARTICLE_FIND_RE = rf"^(?:{_regex_alternatives(LEADING_ARTICLES)}) "


def name_keys(values: Iterable[object]) -> np.ndarray:
    """:func:`name_key` of each value (\"\" for a missing or non-text value), as an object array: each distinct
    name once, with Arrow's vectorised string functions (``referential.norm_keys_arrow``, then the steps of
    :func:`name_key`: the legal forms at the end, at the start, one leading article); names with initials
    (« S.A.S. ») with :func:`name_key` itself."""
    values = np.asarray(values if not isinstance(values, pd.Series) else values.to_numpy(dtype=object),
                        dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    keys = np.full(len(uniques), "", dtype=object)
    is_text = _is_str(uniques)
    texts = uniques[is_text]
    if len(texts):
        n = ref.norm_keys_arrow(pa.array(texts, type=pa.large_string()))
        initials = pc.match_substring_regex(n, _INITIALS_RE).to_numpy(zero_copy_only=False)
        while True:  # the legal forms at the end, one at a time, never the first word
            stripped = ref.arrow_sub(n, _TRAILING_FORM_RE, _TRAILING_FORM_RE, "")
            if stripped is n:
                break
            n = stripped
        n = ref.arrow_sub(n, _LEADING_FORM_RE, _LEADING_FORMS_RE, r"\1")
        n = ref.arrow_sub(n, _LEADING_ARTICLE_FIND_RE, _LEADING_ARTICLE_RE, r"\1")
        out = n.to_numpy(zero_copy_only=False).astype(object)
        special = np.flatnonzero(initials)
        out[special] = [name_key(t) for t in texts[special]]
        keys[is_text] = out
    result = np.full(len(values), "", dtype=object)
    known = codes >= 0
    result[known] = keys[codes[known]]
    return result


def _is_str(values: np.ndarray) -> np.ndarray:
    """isinstance(v, str) for each value (a whole-array test when the values are text or missing)."""
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return ~pd.isna(values)
    return np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))


def _keys(values: Iterable[object], fn, cache: dict[object, str] | None = None) -> list[str]:
    """fn of each string (\"\" for a missing value), each distinct value computed once (``cache`` may be shared
    by both versions: most names recur)."""
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
    """Each actor's reference, stable from one version to the next (see the module's docstring). ``names`` and
    ``places``: the name and commune keys when already computed."""
    sirets = actors["siret"].tolist() if "siret" in actors else [None] * len(actors)
    names = _keys(actors["name"].tolist(), name_key) if names is None else names
    places = _place_text(actors) if places is None else places
    return [f"siret:{s}" if isinstance(s, str) else f"nom:{n}|{p}" for s, n, p in zip(sirets, names, places)]


def actor_ref(actor: Mapping[str, Any]) -> str:
    """The reference of one actor (a row of a census's actors, as a mapping)."""
    return actor_refs(pd.DataFrame([{k: actor.get(k) for k in ("name", "siret", "commune")}]))[0]


# ---------------------------------------------------------------------------------------------
# The comparison
# ---------------------------------------------------------------------------------------------
@dataclass
class Comparison:
    """Positions (0-based, into ``a`` and ``b``) of the pairs, the new and the gone actors."""

    a: pd.DataFrame
    b: pd.DataFrame
    actions_a: pd.DataFrame
    actions_b: pd.DataFrame
    pairs: pd.DataFrame  # ia, ib, method, changed (tuple of French headers)
    new: np.ndarray  # positions in b
    gone: np.ndarray  # positions in a
    ambiguities: list[dict] = field(default_factory=list)
    unresolved_links: list[tuple[str, str]] = field(default_factory=list)
    label_a: str = "A"
    label_b: str = "B"
    cells_a: dict[str, list] = field(default_factory=dict, repr=False)  # compared_cells of a and b
    cells_b: dict[str, list] = field(default_factory=dict, repr=False)

    @property
    def changed(self) -> pd.DataFrame:
        return self.pairs[self.pairs["changed"].map(bool).astype(bool)]  # an empty mask is still a mask

    @property
    def unchanged(self) -> pd.DataFrame:
        return self.pairs[~self.pairs["changed"].map(bool).astype(bool)]

    def side_a(self) -> pd.DataFrame:
        """The actors of A in this comparison (paired or gone)."""
        return self.a.iloc[np.sort(np.concatenate([self.pairs["ia"].to_numpy(dtype=np.int64), self.gone]))]

    def side_b(self) -> pd.DataFrame:
        """The actors of B in this comparison (paired or new)."""
        return self.b.iloc[np.sort(np.concatenate([self.pairs["ib"].to_numpy(dtype=np.int64), self.new]))]


def _compared_fields(include_personal: bool) -> list[ref.Column]:
    return [c for c in ref.ACTOR_COLUMNS
            if c.field != "updated" and (include_personal or not c.personal)]


def _cells(actors: pd.DataFrame, field_name: str) -> list:
    if field_name == "circle":
        return [None if pd.isna(v) else int(v) for v in actors["circle"].tolist()]
    values = template_cells(actors, field_name)
    if field_name in ("lat", "lon"):  # an unreadable coordinate is kept as typed (text): compared as it is
        return [round(v, 6) if isinstance(v, float) else v for v in values]
    return values


class _Cells(Mapping):
    """French header -> the compared cells of one census, each column computed when first read."""

    def __init__(self, actors: pd.DataFrame, include_personal: bool):
        self._actors = actors
        self._fields = {c.header: c.field for c in _compared_fields(include_personal)}
        self._done: dict[str, list] = {}

    def __getitem__(self, header: str) -> list:
        if header not in self._done:
            self._done[header] = _cells(self._actors, self._fields[header])
        return self._done[header]

    def __iter__(self):
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)


def compared_cells(actors: pd.DataFrame, include_personal: bool = False) -> Mapping[str, list]:
    """French header -> the cells compared, one per actor (module docstring); each column is computed when first
    read (the comparison itself only reads the cells of the pairs whose columns differ, :func:`changed_fields`)."""
    return _Cells(actors, include_personal)


# The columns each compared cell is made from (``export.template_cells``; the circle is compare's own) besides the
# column itself; « unread » (a cell kept as typed) can replace any template cell.
_CELL_INPUTS: dict[str, tuple[str, ...]] = {"type": ("type_text",), "siret": ("siret_text",),
                                            "action_types": ("other_categories",)}
_LIST_FIELDS = frozenset({"action_types", "dimensions", "other_categories"})


@dataclass(frozen=True)
class _Raw:
    """A column's values for whole-column comparisons: ``kind`` says how they are held (``empty``: all missing;
    ``object``: text or lists as Python objects; ``arrow``: pandas' Arrow-backed text; else the column's dtype,
    numbers or booleans with their missing mask)."""

    kind: str
    values: Any = None
    missing: np.ndarray | None = None


def _raw(actors: pd.DataFrame, column: str) -> _Raw | None:
    """A column of a census, for :func:`_may_differ`; None for a column whose equal values might still make
    different cells (numbers of mixed types in an object column): its pairs are all checked cell by cell."""
    if column not in actors:
        return _Raw("empty")
    s = actors[column]
    dtype = s.dtype
    if isinstance(dtype, pd.StringDtype):
        if not s.notna().any():
            return _Raw("empty")
        arr = pa.chunked_array(s.array.__arrow_array__()) if dtype.storage == "pyarrow" else pa.chunked_array(
            [pa.array(s.to_numpy(dtype=object, na_value=None), type=pa.large_string())])
        return _Raw("arrow", arr.cast(pa.large_string()))
    if dtype != object:  # noqa: E721  (a dtype compared by value, np.dtype("O") == object; not a type check)
        if dtype.kind not in "biuf":
            return None
        numpy_dtype = getattr(dtype, "numpy_dtype", dtype)
        missing = s.isna().to_numpy()
        values = s.to_numpy(dtype=numpy_dtype, na_value=numpy_dtype.type(0)) if missing.any() \
            else s.to_numpy(dtype=numpy_dtype)
        return _Raw(str(dtype), values, missing)
    values = s.to_numpy(dtype=object)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind == "empty":
        return _Raw("empty")
    if kind == "string" or (column in _LIST_FIELDS and kind == "mixed"):
        return _Raw("object", values)
    return None


def _missing_at(raw: _Raw, positions: np.ndarray) -> np.ndarray:
    if raw.kind == "empty":
        return np.ones(len(positions), dtype=bool)
    if raw.kind == "arrow":
        return raw.values.is_null().to_numpy()[positions]
    if raw.kind == "object":
        return pd.isna(raw.values[positions])
    return raw.missing[positions]


def _may_differ(raw_a: _Raw | None, raw_b: _Raw | None, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
    """Pairs whose values may differ: False only where both values are missing, or equal and held alike (so
    that their cells are equal)."""
    every = np.ones(len(ia), dtype=bool)
    if raw_a is None or raw_b is None:
        return every
    if raw_a.kind == "empty" or raw_b.kind == "empty":
        return ~(_missing_at(raw_a, ia) & _missing_at(raw_b, ib))
    if raw_a.kind != raw_b.kind:
        return every
    if raw_a.kind == "arrow":
        x, y = raw_a.values.take(ia), raw_b.values.take(ib)
        same = pc.fill_null(pc.equal(x, y), False).to_numpy(zero_copy_only=False)
        both_missing = pc.and_(pc.is_null(x), pc.is_null(y)).to_numpy(zero_copy_only=False)
        return ~(same | both_missing)
    if raw_a.kind == "object":
        try:
            ne = raw_a.values[ia] != raw_b.values[ib]
        except (TypeError, ValueError):
            return every
        if not isinstance(ne, np.ndarray) or ne.shape != ia.shape:
            return every
        return ne.astype(bool)  # None == None: both missing (NaN != NaN: checked cell by cell)
    ma, mb = raw_a.missing[ia], raw_b.missing[ib]
    return (ma != mb) | (~ma & (raw_a.values[ia] != raw_b.values[ib]))


def changed_fields(a: pd.DataFrame, b: pd.DataFrame, ia: np.ndarray, ib: np.ndarray,
                   include_personal: bool = False, raw_a=None, raw_b=None) -> list[tuple[str, ...]]:
    """For each pair (ia[k], ib[k]): the French headers whose compared cells differ, in the template's order.
    Whole columns are compared first (values equal on both sides make equal cells); only the pairs whose values
    differ have their cells made and compared, as ``!=`` compares them. ``raw_a``/``raw_b``: a dict the columns'
    values are kept in (per census)."""
    raw_a = {} if raw_a is None else raw_a
    raw_b = {} if raw_b is None else raw_b

    def raw(frame, cache, column):
        if column not in cache:
            cache[column] = _raw(frame, column)
        return cache[column]

    fields = _compared_fields(include_personal)
    bits = np.zeros(len(ia), dtype=np.int64)
    by_column: dict[str, np.ndarray] = {}  # column -> pairs whose values may differ
    for k, c in enumerate(fields):
        inputs = (c.field, *_CELL_INPUTS.get(c.field, ()), *(() if c.field == "circle" else ("unread",)))
        maybe = np.zeros(len(ia), dtype=bool)
        for column in inputs:
            if column not in by_column:
                by_column[column] = _may_differ(raw(a, raw_a, column), raw(b, raw_b, column), ia, ib)
            maybe |= by_column[column]
        cand = np.flatnonzero(maybe)
        if not len(cand):
            continue
        ua, pa_ = np.unique(ia[cand], return_inverse=True)
        ub, pb_ = np.unique(ib[cand], return_inverse=True)
        cells_a, cells_b = _cells(a.iloc[ua], c.field), _cells(b.iloc[ub], c.field)
        differ = np.fromiter((cells_a[x] != cells_b[y] for x, y in zip(pa_.tolist(), pb_.tolist())), dtype=bool,
                             count=len(cand))
        bits[cand[differ]] |= 1 << k
    headers = [c.header for c in fields]
    codes, uniques = pd.factorize(bits)
    tuples = [tuple(h for k, h in enumerate(headers) if int(u) >> k & 1) for u in uniques]
    return [tuples[c] for c in codes.tolist()]


def change_details(cmp: "Comparison", ia: int, ib: int, headers: Iterable[str]) -> dict[str, list]:
    """{header: [cell in A, cell in B]} for one pair, as the template writes the cells."""
    return {h: [cmp.cells_a[h][ia], cmp.cells_b[h][ib]] for h in headers}


class _Matcher:
    """One-to-one pairing of positions of A and B, step by step (module docstring)."""

    def __init__(self, a: pd.DataFrame, b: pd.DataFrame):
        self.free_a = np.ones(len(a), dtype=bool)
        self.free_b = np.ones(len(b), dtype=bool)
        self.ia: list[np.ndarray] = []
        self.ib: list[np.ndarray] = []
        self.methods: list[np.ndarray] = []
        self.ambiguities: list[dict] = []
        self.forbidden: set[tuple[int, int]] = set()
        self._by_a: tuple[int, dict[int, set[int]]] | None = None  # the forbidden pairs by position in A
        self.siret_a, self.siret_b = self._sirets(a), self._sirets(b)
        self.rows_a, self.rows_b = a["row"].to_numpy(), b["row"].to_numpy()

    @staticmethod
    def _sirets(frame: pd.DataFrame) -> np.ndarray:
        if "siret" not in frame:
            return np.full(len(frame), None, dtype=object)
        values = frame["siret"].to_numpy(dtype=object)
        return np.where(_is_str(values), values, None)

    def pair(self, i, j, method: str) -> None:
        i, j = np.atleast_1d(np.asarray(i, dtype=np.int64)), np.atleast_1d(np.asarray(j, dtype=np.int64))
        self.free_a[i] = False
        self.free_b[j] = False
        self.ia.append(i)
        self.ib.append(j)
        self.methods.append(np.full(len(i), method, dtype=object))

    def _allowed(self, i: np.ndarray, j: np.ndarray, method: str, no_code_a, no_code_b) -> np.ndarray:
        """Which candidate pairs (i[k], j[k]) may be made: not forbidden by a person; by name, not two different
        valid SIRETs; on the commune's text, one side without an INSEE code."""
        ok = np.ones(len(i), dtype=bool)
        if self.forbidden:
            by_i = self._forbidden_by_a()
            for k in np.flatnonzero(np.isin(i, np.fromiter(by_i, dtype=np.int64))):
                ok[k] = int(j[k]) not in by_i[int(i[k])]
        if method == NAME:
            sa, sb = self.siret_a[i], self.siret_b[j]
            both = (sa != None) & (sb != None)  # noqa: E711 (element-wise)
            ok &= ~(both & (sa != sb))
        if no_code_a is not None:
            ok &= no_code_a[i] | no_code_b[j]
        return ok

    def _forbidden_by_a(self) -> dict[int, set[int]]:
        """The forbidden pairs by their position in A (built once: they are all known before the first step)."""
        if self._by_a is None or self._by_a[0] != len(self.forbidden):
            by_a: dict[int, set[int]] = {}
            for x, y in self.forbidden:
                by_a.setdefault(x, set()).add(y)
            self._by_a = (len(self.forbidden), by_a)
        return self._by_a[1]

    def by_key(self, keys_a: np.ndarray, keys_b: np.ndarray, method: str, key_of=lambda k: k,
               no_code_a: np.ndarray | None = None, no_code_b: np.ndarray | None = None) -> None:
        """Pair free actors with equal keys (None: no key), in row order; report duplicates (``key_of`` gives
        a key as reported). ``no_code_a``/``no_code_b``: pair only when one side has no INSEE code."""
        pos_a = np.flatnonzero(self.free_a & (keys_a != None))  # noqa: E711 (element-wise)
        pos_b = np.flatnonzero(self.free_b & (keys_b != None))  # noqa: E711
        if not len(pos_a) or not len(pos_b):
            return
        codes, _ = pd.factorize(np.concatenate([keys_a[pos_a], keys_b[pos_b]]))
        ca, cb = codes[:len(pos_a)], codes[len(pos_a):]
        n = int(codes.max()) + 1
        count_a, count_b = np.bincount(ca, minlength=n), np.bincount(cb, minlength=n)
        both = (count_a > 0) & (count_b > 0)
        single = both & (count_a == 1) & (count_b == 1)
        # one actor on each side: pair them when allowed
        one_a, one_b = pos_a[single[ca]], pos_b[single[cb]]
        one_a = one_a[np.argsort(ca[single[ca]], kind="stable")]
        one_b = one_b[np.argsort(cb[single[cb]], kind="stable")]
        ok = self._allowed(one_a, one_b, method, no_code_a, no_code_b)
        # duplicates on a side: reported, and paired in row order as allowed
        multi = both & ~single
        groups = []
        if multi.any():
            in_a, in_b = multi[ca], multi[cb]
            ga = pd.Series(pos_a[in_a]).groupby(ca[in_a], sort=False).agg(list)
            gb = pd.Series(pos_b[in_b]).groupby(cb[in_b], sort=False).agg(list)
            groups = [(ias, gb[code]) for code, ias in ga.items()]  # by their first actor of A
        self.pair(one_a[ok], one_b[ok], method)
        for ias, jbs in groups:
            self.ambiguities.append({"method": method, "key": key_of(keys_a[ias[0]]),
                                     "rows_a": self.rows_a[ias].tolist(), "rows_b": self.rows_b[jbs].tolist()})
            rest = list(jbs)
            for i in ias:
                for j in rest:
                    if self._allowed(np.array([i]), np.array([j]), method, no_code_a, no_code_b)[0]:
                        self.pair(i, j, method)
                        rest.remove(j)
                        break

    def result(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """The pairs sorted by their position in B."""
        if not self.ia:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), []
        ia, ib, m = np.concatenate(self.ia), np.concatenate(self.ib), np.concatenate(self.methods)
        order = np.argsort(ib, kind="stable")
        return ia[order], ib[order], m[order].tolist()


_derived: dict[int, dict[Any, Any]] = {}  # id(actors frame) -> what compare derives from it (below)
_derived_lock = threading.Lock()


def _derived_of(actors: pd.DataFrame) -> dict[Any, Any]:
    """What compare derives from a census's actors (name and commune keys, compared cells), kept while that very
    frame lives: a published version's census is one object per process (Store.open_version's cache), so the
    Suivi page computes them once per version, not on every rerun. A census is never changed in place (an edit
    makes a new one), and the entry goes with its frame, so an identity never outlives what it names."""
    key = id(actors)
    with _derived_lock:
        d = _derived.get(key)
        if d is None:
            d = _derived[key] = {}
            weakref.finalize(actors, _derived.pop, key, None)
    return d


def _cached(actors: pd.DataFrame, what: Any, make) -> Any:
    d = _derived_of(actors)
    if what not in d:
        d[what] = make()
    return d[what]


_SEP = "\x1f"  # between the parts of a key (a name key is letters, digits and spaces only)


def _joined(first: np.ndarray, second: np.ndarray, valid: np.ndarray) -> np.ndarray:
    out = np.full(len(first), None, dtype=object)
    out[valid] = first[valid] + _SEP + second[valid]
    return out


def _key_parts(key: str) -> tuple[str, ...]:
    return tuple(key.split(_SEP, 1))


def _objects(values: pd.Series) -> np.ndarray:
    """A column as an object array (pandas' Arrow-backed text through Arrow, quicker than pandas' own loop)."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        return pa.chunked_array(values.array.__arrow_array__()).to_numpy()
    return values.to_numpy(dtype=object)


def _text_or_none(frame: pd.DataFrame, column: str) -> np.ndarray:
    values = _objects(frame[column])
    return np.where(_is_str(values), values, None)


def _place_keys(frame: pd.DataFrame, positions: np.ndarray, cache: dict[object, str]) -> list[str]:
    """``geography.name_key`` of these actors' communes (\"\" when missing), each distinct spelling once."""
    out = []
    for v in _objects(frame["commune"].iloc[positions]).tolist():
        k = cache.get(v)
        if k is None:
            k = cache[v] = commune_key(v) if isinstance(v, str) else ""
        out.append(k)
    return out


def _ref_positions(frame: pd.DataFrame, names: np.ndarray, refs: Iterable[str],
                   place_cache: dict[object, str]) -> dict[str, list[int]]:
    """Positions (in row order) of the actors these references (:func:`actor_refs`) name: the references are
    made for the actors whose SIRET or name key a reference holds, not for the whole census."""
    refs = set(refs)
    sirets = _Matcher._sirets(frame)
    has_siret = sirets != None  # noqa: E711 (element-wise)
    wanted_sirets = {r[len("siret:"):] for r in refs if r.startswith("siret:")}
    wanted_names = {r[len("nom:"):].split("|", 1)[0] for r in refs if r.startswith("nom:")}
    cand = np.flatnonzero((has_siret & pd.Series(sirets, dtype=object).isin(wanted_sirets).to_numpy())
                          | (~has_siret & pd.Series(names, dtype=object).isin(wanted_names).to_numpy()))
    out: dict[str, list[int]] = {}
    part = frame.iloc[cand]
    for p, r in zip(cand.tolist(), actor_refs(part, names[cand].tolist(), _place_keys(frame, cand, place_cache))):
        out.setdefault(r, []).append(p)
    return out


def _name_keys_of(*censuses: tuple[pd.DataFrame, pd.DataFrame]) -> list[np.ndarray]:
    """The name keys of each census (its actors frame, and that frame with positions as index), kept per frame;
    those not known yet made in one call (most names recur from one version to the next)."""
    todo = [(frame, actors) for frame, actors in censuses if "names" not in _derived_of(frame)]
    if todo:
        keys = name_keys(np.concatenate([actors["name"].to_numpy(dtype=object) for _, actors in todo]))
        start = 0
        for frame, actors in todo:
            _derived_of(frame).setdefault("names", keys[start:start + len(actors)])
            start += len(actors)
    return [_derived_of(frame)["names"] for frame, _ in censuses]


def compare(a, b, links: Iterable[tuple[str, str]] = (), unlinks: Iterable[tuple[str, str]] = (),
            include_personal: bool = False) -> Comparison:
    """Compare census ``a`` (older) with census ``b`` (newer); both placed. ``links`` and ``unlinks`` are pairs of
    actor references (:func:`actor_refs`) made or forbidden by a person."""
    aa, bb = a.actors.reset_index(drop=True), b.actors.reset_index(drop=True)
    m = _Matcher(aa, bb)
    links, unlinks = list(links), list(unlinks)
    names_a, names_b = _name_keys_of((a.actors, aa), (b.actors, bb))
    places_a = _cached(a.actors, "places", dict)  # commune spelling -> key, filled as needed
    places_b = _cached(b.actors, "places", dict)
    pos_a: dict[str, list[int]] = {}
    pos_b: dict[str, list[int]] = {}
    if links or unlinks:
        pos_a = _ref_positions(aa, names_a, [r for r, _ in links + unlinks], places_a)
        pos_b = _ref_positions(bb, names_b, [r for _, r in links + unlinks], places_b)
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
    insee_a, insee_b = _text_or_none(aa, "insee"), _text_or_none(bb, "insee")
    named_a, named_b = names_a != "", names_b != ""
    no_code_a, no_code_b = insee_a == None, insee_b == None  # noqa: E711 (element-wise)
    m.by_key(_joined(names_a, insee_a, named_a & ~no_code_a), _joined(names_b, insee_b, named_b & ~no_code_b), NAME,
             _key_parts)
    # the commune as text, only where one side has no INSEE code (two homonym communes are not one); the text
    # keys are made for the actors still free only
    text_a, text_b = np.full(len(aa), None, dtype=object), np.full(len(bb), None, dtype=object)
    free_a, free_b = m.free_a & named_a, m.free_b & named_b
    # only actors whose name key is also among the other side's free actors can share a key (pair or duplicate)
    free_a, free_b = (np.flatnonzero(free_a & pd.Series(names_a, dtype=object).isin(names_b[free_b]).to_numpy()),
                      np.flatnonzero(free_b & pd.Series(names_b, dtype=object).isin(names_a[free_a]).to_numpy()))
    text_a[free_a] = np.array(_place_keys(aa, free_a, places_a), dtype=object)
    text_b[free_b] = np.array(_place_keys(bb, free_b, places_b), dtype=object)
    m.by_key(_joined(names_a, text_a, text_a != None), _joined(names_b, text_b, text_b != None),  # noqa: E711
             NAME, _key_parts, no_code_a, no_code_b)
    ia, ib, methods = m.result()
    cells_a = _cached(a.actors, ("cells", include_personal), lambda: compared_cells(aa, include_personal))
    cells_b = _cached(b.actors, ("cells", include_personal), lambda: compared_cells(bb, include_personal))
    changed = changed_fields(aa, bb, ia, ib, include_personal, _cached(a.actors, "raw", dict),
                             _cached(b.actors, "raw", dict))
    pairs = pd.DataFrame({"ia": ia, "ib": ib, "method": methods,
                          "changed": pd.Series(changed, dtype=object)})
    return Comparison(aa, bb, a.actions, b.actions, pairs, np.flatnonzero(m.free_b), np.flatnonzero(m.free_a),
                      m.ambiguities, unresolved, a.file_name, b.file_name, cells_a, cells_b)


# ---------------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------------
def filter_comparison(cmp: Comparison, f: Filters) -> Comparison:
    """The comparison restricted to the actors whose state in A or in B passes the filters (module docstring);
    the planned actions of both versions follow the family filter as on the Matrice page."""
    mask_a, mask_b = filter_mask(cmp.a, f), filter_mask(cmp.b, f)
    ia, ib = cmp.pairs["ia"].to_numpy(dtype=np.int64), cmp.pairs["ib"].to_numpy(dtype=np.int64)
    keep = mask_a[ia] | mask_b[ib]
    return replace(cmp, pairs=cmp.pairs[keep].reset_index(drop=True), new=cmp.new[mask_b[cmp.new]],
                   gone=cmp.gone[mask_a[cmp.gone]], actions_a=filter_actions(cmp.actions_a, f),
                   actions_b=filter_actions(cmp.actions_b, f))


def transition_filters(f: Filters) -> Filters:
    """The filters the level transitions are drawn with: all but the level filter (the transitions are levels)."""
    return replace(f, levels=())


TRANSITIONS_IGNORE_LEVEL = ("Le diagramme des transitions ignore le filtre de niveau : il montre tous les niveaux "
                            "de départ et d'arrivée des acteurs retenus par les autres filtres.")


# ---------------------------------------------------------------------------------------------
# Level transitions and circle movements
# ---------------------------------------------------------------------------------------------
def _level(v: Any) -> int | str:
    return UNKNOWN_LEVEL if pd.isna(v) else int(v)


LEVEL_KEYS: tuple[int | str, ...] = (*ref.LEVELS, UNKNOWN_LEVEL)


def level_transitions(cmp: Comparison) -> dict[int | str, dict[int | str, int]]:
    """{from: {to: n}}: levels 0-3 or « non renseigné »; « nouveau » as a source, « sorti » as a destination.
    Cells with no actor are left out."""
    def codes(levels: pd.Series) -> np.ndarray:  # position in LEVEL_KEYS
        c = pd.Categorical(levels.to_numpy(dtype=float, na_value=np.nan), categories=[float(v) for v in ref.LEVELS]).codes
        return np.where(c < 0, len(ref.LEVELS), c).astype(np.int64)

    la, lb = codes(cmp.a["level"]), codes(cmp.b["level"])
    sources, targets = (NEW, *LEVEL_KEYS), (*LEVEL_KEYS, GONE)
    new, gone = 0, len(LEVEL_KEYS)  # NEW's position in sources, GONE's in targets
    src = np.concatenate([la[cmp.pairs["ia"].to_numpy(dtype=np.int64)] + 1, np.full(len(cmp.new), new),
                          la[cmp.gone] + 1])
    dst = np.concatenate([lb[cmp.pairs["ib"].to_numpy(dtype=np.int64)], lb[cmp.new], np.full(len(cmp.gone), gone)])
    counts = np.bincount(src * len(targets) + dst, minlength=len(sources) * len(targets)).reshape(
        len(sources), len(targets))
    return {s: {d: int(counts[x, y]) for y, d in enumerate(targets) if counts[x, y]}
            for x, s in enumerate(sources) if counts[x].any()}


def circle_movements(cmp: Comparison) -> tuple[dict[int, dict[int, int]], pd.DataFrame]:
    """Paired actors whose circle changed: counts {from: {to: n}} and the list (row A, row B, name, from, to)."""
    ia, ib = cmp.pairs["ia"].to_numpy(dtype=np.int64), cmp.pairs["ib"].to_numpy(dtype=np.int64)
    ca = cmp.a["circle"].to_numpy(dtype=float, na_value=np.nan)[ia]
    cb = cmp.b["circle"].to_numpy(dtype=float, na_value=np.nan)[ib]
    moved = (ca != cb) & ~np.isnan(ca) & ~np.isnan(cb)
    rows = pd.DataFrame({"row_a": cmp.a["row"].to_numpy()[ia[moved]], "row_b": cmp.b["row"].to_numpy()[ib[moved]],
                         "name": cmp.b["name"].to_numpy(dtype=object)[ib[moved]],
                         "from": ca[moved].astype(int), "to": cb[moved].astype(int)})
    counts: dict[int, dict[int, int]] = {}
    for (s, d), n in rows.groupby(["from", "to"]).size().items():
        counts.setdefault(int(s), {})[int(d)] = int(n)
    return counts, rows


# ---------------------------------------------------------------------------------------------
# Engagement per family and per commune
# ---------------------------------------------------------------------------------------------
def _engaged_share(actors: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    level = actors["level"]
    frame = pd.DataFrame({"group": groups.to_numpy(), "known": level.notna().to_numpy(),
                          "engaged": (level.fillna(-1) >= 2).to_numpy(dtype=bool)})
    return frame.groupby("group").agg(actors=("known", "size"), known=("known", "sum"), engaged=("engaged", "sum"))


def engagement_progress(cmp: Comparison, by: str = "family") -> pd.DataFrame:
    """Per family (the kit's order) or per commune: actors, engaged (level ≥ 2) and share of engaged among the
    actors with a known level, in A and in B, and the progression in points of percentage (None when a share is
    unknown)."""
    a, b = cmp.side_a(), cmp.side_b()
    if by == "family":
        ga, gb = a["family"].fillna("Famille inconnue"), b["family"].fillna("Famille inconnue")
    elif by == "commune":
        ga, gb = commune_labels(a), commune_labels(b)
    else:
        raise ValueError(by)
    sa, sb = _engaged_share(a, ga), _engaged_share(b, gb)
    index = list(ref.FAMILIES) if by == "family" else []
    index += sorted((set(sa.index) | set(sb.index)) - set(index), key=str)
    index = [g for g in index if g in sa.index or g in sb.index]
    out = pd.DataFrame(index=pd.Index(index, name=by))
    for side, s in (("a", sa), ("b", sb)):
        s = s.reindex(index)
        out[f"actors_{side}"] = s["actors"].fillna(0).astype(int)
        out[f"engaged_{side}"] = s["engaged"].fillna(0).astype(int)
        known = s["known"].fillna(0).to_numpy(dtype=float)
        out[f"share_{side}"] = [e / k if k else None for e, k in zip(s["engaged"].fillna(0), known)]
    out["progress_points"] = [None if x is None or y is None else (y - x) * 100
                              for x, y in zip(out["share_a"], out["share_b"])]
    return out.reset_index()


# ---------------------------------------------------------------------------------------------
# The action plan
# ---------------------------------------------------------------------------------------------
_STATUS_RANK = {s: n for n, s in enumerate(ref.STATUSES)}


def action_changes(actions_a: pd.DataFrame, actions_b: pd.DataFrame) -> dict[str, list[dict]]:
    """Planned actions matched by title (``referential.norm_key``), duplicates in row order: ``advanced`` (status
    later in Idée < Planifiée < En cours < Réalisée), ``moved_back``, ``new`` and ``removed``. A missing status
    is compared with nothing."""
    def index(actions):
        out: dict[str, list[dict]] = {}
        for rec in actions.to_dict("records") if len(actions) else []:
            out.setdefault(ref.norm_key(rec.get("action") or ""), []).append(rec)
        return out

    ia, ib = index(actions_a), index(actions_b)
    result: dict[str, list[dict]] = {"advanced": [], "moved_back": [], "new": [], "removed": []}
    for key in list(ia) + [k for k in ib if k not in ia]:
        left, right = ia.get(key, []), ib.get(key, [])
        for x, y in zip(left, right):
            ra, rb = _STATUS_RANK.get(x.get("status")), _STATUS_RANK.get(y.get("status"))
            item = {"action": y.get("action"), "from": x.get("status"), "to": y.get("status")}
            if ra is not None and rb is not None and rb != ra:
                result["advanced" if rb > ra else "moved_back"].append(item)
        result["removed"] += [{"action": x.get("action"), "status": x.get("status")} for x in left[len(right):]]
        result["new"] += [{"action": y.get("action"), "status": y.get("status")} for y in right[len(left):]]
    return result


def coverage_changes(actions_a: pd.DataFrame, actions_b: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    """Matrix cells (axis, target) covered by at least one planned action (``matrix.plan_counts``, all
    statuses, as the Matrice page counts them) in B and not in A (``covered``), and the reverse
    (``uncovered``). The plan's coverage, not the actors'."""
    ca, cb = plan_counts(actions_a) > 0, plan_counts(actions_b) > 0
    cells = [(axis, target) for axis in ref.AXES for target in ref.TARGETS]
    return {"covered": [c for c in cells if cb.loc[c] and not ca.loc[c]],
            "uncovered": [c for c in cells if ca.loc[c] and not cb.loc[c]]}


# ---------------------------------------------------------------------------------------------
# Sentences (French), for the page and the command line
# ---------------------------------------------------------------------------------------------
def _n(n: int, singular: str, plural_form: str) -> str:
    return f"{thousands(n)} {plural(n, singular, plural_form)}"


def level_words(level: int | str) -> str:
    return f"« {ref.level_label(level if level != UNKNOWN_LEVEL else None)} »"


def summary_sentence(cmp: Comparison) -> str:
    """'Entre « a.xlsx » et « b.xlsx » : 3 nouveaux acteurs, 1 sorti, 12 modifiés, 130 inchangés.'"""
    n_new, n_gone, n_changed = len(cmp.new), len(cmp.gone), len(cmp.changed)
    n_same = len(cmp.pairs) - n_changed
    return (f"Entre « {cmp.label_a} » et « {cmp.label_b} » : {_n(n_new, 'nouvel acteur', 'nouveaux acteurs')}, "
            f"{_n(n_gone, 'sorti', 'sortis')}, {_n(n_changed, 'modifié', 'modifiés')}, "
            f"{_n(n_same, 'inchangé', 'inchangés')}.")


def transition_sentences(matrix: Mapping) -> list[str]:
    """One sentence per non-empty cell: '12 acteurs sont passés de « 1 — Sensibilisé au NR » à « 2 — Acteur du
    NR »', '1 acteur est resté…', '3 nouveaux acteurs au niveau…', '2 acteurs sortis étaient au niveau…'.
    Changes first, then new and gone actors, then the actors who kept their level."""
    moves, entries, stays = [], [], []
    for src, row in matrix.items():
        for dst, n in row.items():
            if not n:
                continue
            if src == NEW:
                entries.append(f"{_n(n, 'nouvel acteur', 'nouveaux acteurs')} au niveau {level_words(dst)}")
            elif dst == GONE:
                entries.append(f"{_n(n, 'acteur sorti du recensement était', 'acteurs sortis du recensement étaient')}"
                               f" au niveau {level_words(src)}")
            elif src == dst:
                stays.append(f"{_n(n, 'acteur est resté', 'acteurs sont restés')} au niveau {level_words(src)}")
            else:
                moves.append(f"{_n(n, 'acteur est passé', 'acteurs sont passés')} de {level_words(src)} à "
                             f"{level_words(dst)}")
    return moves + entries + stays


def circle_sentences(counts: Mapping[int, Mapping[int, int]]) -> list[str]:
    return [f"{_n(n, 'acteur est passé', 'acteurs sont passés')} du cercle {s} au cercle {d}"
            for s, row in sorted(counts.items()) for d, n in sorted(row.items()) if n]


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f} %"


def engagement_sentences(progress: pd.DataFrame, by: str = "family") -> list[str]:
    """'Entreprises : 20 % des acteurs au niveau ≥ 2 → 35 % (+15 points).'"""
    out = []
    for rec in progress.to_dict("records"):
        p = rec["progress_points"]
        delta = "" if p is None else f" ({'+' if p >= 0 else '−'}{abs(p):.0f} {plural(round(abs(p)), 'point')})"
        out.append(f"{rec[by]} : {_percent(rec['share_a'])} des acteurs au niveau ≥ 2 → "
                   f"{_percent(rec['share_b'])}{delta}.")
    return out


def plan_sentences(changes: Mapping[str, list], coverage: Mapping[str, list]) -> list[str]:
    out = []
    adv = changes.get("advanced", [])
    if adv:
        detail = " ; ".join(f"« {c['action']} » : {c['from']} → {c['to']}" for c in adv)
        out.append(f"{_n(len(adv), 'action a avancé', 'actions ont avancé')} ({detail}).")
    back = changes.get("moved_back", [])
    if back:
        detail = " ; ".join(f"« {c['action']} » : {c['from']} → {c['to']}" for c in back)
        out.append(f"{_n(len(back), 'action a reculé', 'actions ont reculé')} ({detail}).")
    for key, one, many in (("new", "action nouvelle", "actions nouvelles"),
                           ("removed", "action retirée du plan", "actions retirées du plan")):
        if changes.get(key):
            out.append(f"{_n(len(changes[key]), one, many)}.")
    cells = lambda cs: " ; ".join(f"{ref.AXIS_SHORT[a]} × {t}" for a, t in cs)  # noqa: E731
    for key, one, many in (("covered", "case de la matrice est nouvellement couverte",
                            "cases de la matrice sont nouvellement couvertes"),
                           ("uncovered", "case de la matrice n'est plus couverte",
                            "cases de la matrice ne sont plus couvertes")):
        if coverage.get(key):
            out.append(f"{_n(len(coverage[key]), one, many)} : {cells(coverage[key])}.")
    return out or ["Le plan d'actions n'a pas changé."]


# ---------------------------------------------------------------------------------------------
# Freshness
# ---------------------------------------------------------------------------------------------
DEFAULT_FRESHNESS_MONTHS = 12
STALE_LABEL = "actualisation conseillée"


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (the month's last day when it has fewer days)."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    for d in range(day.day, 27, -1) if day.day > 28 else (day.day,):
        try:
            return dt.date(y, m, d)
        except ValueError:
            continue
    return dt.date(y, m, 28)


@dataclass(frozen=True)
class Freshness:
    months: int
    cutoff: dt.date
    stale: pd.DataFrame  # actors last updated before the cutoff
    undated: int  # actors without a « Date de mise à jour »

    @property
    def count(self) -> int:
        return len(self.stale)

    def sentence(self) -> str:
        who = _n(self.count, "acteur n'a pas été mis à jour", "acteurs n'ont pas été mis à jour")
        head = (f"{who} depuis plus "
                f"de {self.months} mois (avant le {self.cutoff.strftime('%d/%m/%Y')}) : {STALE_LABEL}.")
        if self.undated:
            undated = _n(self.undated, "acteur n'a", "acteurs n'ont")
            head += f" {undated} pas de « {ref.HEADER_OF['updated']} »."
        return head


def freshness(actors: pd.DataFrame, today: dt.date, months: int = DEFAULT_FRESHNESS_MONTHS) -> Freshness:
    """Actors whose « Date de mise à jour » is more than ``months`` months before ``today``."""
    cutoff = months_before(today, months)
    dates = actors["updated"].tolist()
    stale = np.fromiter((isinstance(d, dt.date) and (d.date() if isinstance(d, dt.datetime) else d) < cutoff
                         for d in dates), dtype=bool, count=len(dates))
    undated = sum(not isinstance(d, dt.date) for d in dates)
    return Freshness(months, cutoff, actors[stale], undated)


# ---------------------------------------------------------------------------------------------
# Objectives
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IndicatorDef:
    key: str
    label: str  # '{family}' is replaced by the family for a per-family indicator
    unit: str
    needs_family: bool = False


INDICATORS: dict[str, IndicatorDef] = {d.key: d for d in (
    IndicatorDef("engaged_actors", "Acteurs de niveau ≥ 2", "acteurs"),
    IndicatorDef("engaged_communes_share", "Part des communes ayant au moins un acteur de niveau ≥ 2", "%"),
    IndicatorDef("cells_covered", "Cases de la matrice couvertes par une action prévue", "cases"),
    IndicatorDef("actions_done", "Actions « Réalisée »", "actions"),
    IndicatorDef("family_in_circle_2", "Acteurs « {family} » dans le cercle 2", "acteurs", needs_family=True),
)}


def indicator_label(key: str, family: str | None = None) -> str:
    d = INDICATORS[key]
    return d.label.format(family=family or "?") if d.needs_family else d.label


def indicator_value(key: str, actors: pd.DataFrame, actions: pd.DataFrame, members: Iterable[str] | None = None,
                    family: str | None = None) -> float:
    """One indicator computed from a census (its actors and planned actions). ``members``: the territory's
    member communes (INSEE codes) when known; the share of communes is then over them, else over the communes
    present in the census."""
    engaged = (actors["level"].fillna(-1) >= 2).to_numpy(dtype=bool)
    if key == "engaged_actors":
        return float(engaged.sum())
    if key == "engaged_communes_share":
        places = actors["insee"].where(actors["insee"].notna(), actors["commune"].map(
            lambda c: f"txt:{commune_key(c)}" if isinstance(c, str) else None))
        hit = set(places[engaged].dropna())
        if members:
            members = set(members)
            return 100.0 * len(hit & members) / len(members)
        present = set(places.dropna())
        return 100.0 * len(hit) / len(present) if present else 0.0
    if key == "cells_covered":
        return float((plan_counts(actions).to_numpy() > 0).sum())
    if key == "actions_done":
        return float((actions["status"] == "Réalisée").sum()) if len(actions) else 0.0
    if key == "family_in_circle_2":
        if family not in ref.FAMILIES:
            raise ValueError(f"Famille « {family} » inconnue : {ref.expected(ref.FAMILIES)}.")
        return float(((actors["family"] == family) & (actors["circle"] == 2)).fillna(False).sum())
    raise KeyError(key)


@dataclass(frozen=True)
class Objective:
    """A territory's objective: an indicator, its value when the objective was set (the version current then),
    a target and a deadline. Stored as JSON by whoever stores it (``to_json`` / ``from_json``)."""

    indicator: str
    target: float
    deadline: dt.date
    start_date: dt.date
    start_value: float
    family: str | None = None
    note: str = ""

    def __post_init__(self):
        if self.indicator not in INDICATORS:
            raise ValueError(f"Indicateur « {self.indicator} » inconnu.")
        if INDICATORS[self.indicator].needs_family and self.family not in ref.FAMILIES:
            raise ValueError(f"Cet indicateur demande une famille : {ref.expected(ref.FAMILIES)}.")

    @property
    def label(self) -> str:
        return indicator_label(self.indicator, self.family)

    @property
    def unit(self) -> str:
        return INDICATORS[self.indicator].unit

    def to_json(self) -> str:
        d = asdict(self)
        d["deadline"], d["start_date"] = self.deadline.isoformat(), self.start_date.isoformat()
        return json.dumps(d, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Objective":
        d = json.loads(text)
        d["deadline"], d["start_date"] = dt.date.fromisoformat(d["deadline"]), dt.date.fromisoformat(d["start_date"])
        return cls(**d)


AHEAD, BEHIND, REACHED = "en avance", "en retard", "atteint"


@dataclass(frozen=True)
class Progress:
    status: str | None  # AHEAD, BEHIND, REACHED, or None without any version up to today
    value: float | None  # the value of the version current on ``today``
    value_date: dt.date | None
    expected: float | None  # the straight path's value at value_date


def expected_value(start_value: float, start_date: dt.date, target: float, deadline: dt.date, day: dt.date) -> float:
    """The straight path from (start_date, start_value) to (deadline, target), flat outside it."""
    span = (deadline - start_date).days
    if span <= 0 or day >= deadline:
        return float(target)
    t = max(0.0, (day - start_date).days / span)
    return start_value + (target - start_value) * t


def progress(values_by_version_date: Mapping[dt.date, float], start_value: float, start_date: dt.date,
             target: float, deadline: dt.date, today: dt.date) -> Progress:
    """Where the indicator stands against its objective: the value of the latest version on or before ``today``
    compared with the straight path. « atteint » once the value reaches the target (in the target's direction);
    else « en avance » when at or beyond the path, « en retard » when short of it."""
    dated = sorted((d, v) for d, v in values_by_version_date.items() if d <= today and v is not None)
    if not dated:
        return Progress(None, None, None, None)
    day, value = dated[-1]
    expected = expected_value(start_value, start_date, target, deadline, day)
    rising = target >= start_value
    reached = value >= target if rising else value <= target
    if reached:
        status = REACHED
    else:
        ahead = value >= expected if rising else value <= expected
        status = AHEAD if ahead else BEHIND
    return Progress(status, float(value), day, expected)


def _number(x: float, unit: str) -> str:
    if unit == "%":
        return f"{x:.0f} %"
    return f"{thousands(round(x))} {unit}" if not math.isnan(x) else "—"


def objective_sentence(objective: Objective, p: Progress) -> str:
    """'Acteurs de niveau ≥ 2 : 45 acteurs au 15/03/2026 pour une cible de 60 acteurs au 31/12/2026 — en avance
    (le chemin prévu en attendait 40 acteurs).'"""
    u = objective.unit
    goal = f"une cible de {_number(objective.target, u)} au {objective.deadline.strftime('%d/%m/%Y')}"
    if p.status is None:
        return f"{objective.label} : aucune version publiée à ce jour, pour {goal}."
    head = f"{objective.label} : {_number(p.value, u)} au {p.value_date.strftime('%d/%m/%Y')} pour {goal} — {p.status}"
    if p.status == REACHED:
        return head + "."
    return head + f" (le chemin prévu en attendait {_number(p.expected, u)})."
