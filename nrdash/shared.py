"""What sessions showing the same census the same way share: computed once per server process, kept in a bounded
LRU (issue 30: forty people open the same link at once; each session used to filter the same census, count the same
levels and serialise the same figures). No Streamlit here.

A shared value is keyed by what it really depends on (``ViewKey``): the census — its origin, territory, version
number and the original file's SHA-256 —, whether that census carries personal data (Référent, Contact: an
editor's), whether rows in error are included, and the filters; then by what the caller adds (the page's figure,
mode atelier, the high-contrast theme…). Two rules keep it private:

- the key says whether the census carries personal data, read from the census itself (its columns), not from who
  asks: an editor's census and a viewer's census of the same version never meet under one key;
- an entry also remembers the very census object it was computed from, and serves only a caller holding that same
  object: the store gives one object per version and per personal-data state (an erasure gives a new one), so a
  value computed before an erasure is never served after it, and a session's own census (an upload, a draft) never
  matches a published one. Those are not shared at all (``view_key`` gives None).

Values are read-only for everyone: pages draw from them, never modify them (a DataFrame is shared as it is).
"""
from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import referential as ref
from .filters import Filters, filter_mask
from .matrix import filter_actions

SHARED_ORIGINS = ("store", "sample", "config")  # a published version, the embedded sample, NRDASH_CENSUS's file
MAX_ENTRIES = 256
MAX_BYTES = 96 * 1024 * 1024  # the cap on what is kept (its own estimate: frames' memory, strings' length)
_Event = threading.Event  # (tests count who waits)


@dataclass(frozen=True)
class ViewKey:
    census: tuple  # (origin, territory code, version number, original file's SHA-256)
    personal: bool  # the census carries Référent/Contact (an editor's): never under a viewer's key
    include_errors: bool
    filters: Filters


def carries_personal_data(dataset) -> bool:
    """Whether the census has Référent or Contact columns (an editor's census, an upload)."""
    return any(c in dataset.census.actors.columns for c in ref.PERSONAL_FIELDS)


def view_key(dataset, code: str | None, number: int | None, include_errors: bool,
             filters: Filters) -> ViewKey | None:
    """The key of this census's view, or None when it is not shared: a session's own census (an upload, a draft:
    ``dataset.origin``), or a census without its file's SHA-256."""
    census = dataset.census
    if dataset.origin not in SHARED_ORIGINS or not census.sha256:
        return None
    return ViewKey((dataset.origin, code, number, census.sha256), carries_personal_data(dataset),
                   bool(include_errors), filters)


@dataclass(frozen=True)
class View:
    """The filtered view every page reads (the page context's frames)."""

    actors: pd.DataFrame
    categories: pd.DataFrame
    actions: pd.DataFrame
    total: int  # actors before the shared filters


def compute_view(dataset, include_errors: bool, filters: Filters) -> View:
    actors, cats = dataset.actors(include_errors)
    mask = filter_mask(actors, filters, cats)
    return View(actors[mask], cats[mask], filter_actions(dataset.census.actions, filters), len(actors))


def size_of(value: Any) -> int:
    """A rough size in bytes: frames' memory, strings' length, containers' parts."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return int(np.sum(value.memory_usage(index=True)))
    if isinstance(value, View):
        return sum(size_of(f) for f in (value.actors, value.categories, value.actions))
    if isinstance(value, (str, bytes)):
        return len(value) + 64
    if isinstance(value, dict):
        return 64 + sum(size_of(k) + size_of(v) for k, v in value.items())
    if isinstance(value, (tuple, list)):
        return 64 + sum(size_of(v) for v in value)
    return sys.getsizeof(value)


class SharedCache:
    """A thread-safe LRU bounded in entries and bytes; a value is computed once even when many sessions ask for it
    at the same moment (the others wait for it)."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._entries: OrderedDict[Hashable, tuple[object, Any, int]] = OrderedDict()  # key -> (source, value, size)
        self._bytes = 0
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Event] = {}  # key -> set once its value is computed
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        return self._bytes

    def get(self, key: Hashable, source: object, compute: Callable[[], Any]) -> Any:
        """The value under ``key`` computed from ``source`` (the census object it was computed from: a value of
        another object under the same key is not served, it is replaced)."""
        while True:
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None and entry[0] is source:
                    self._entries.move_to_end(key)
                    self.hits += 1
                    return entry[1]
                waiting = self._computing.get(key)
                if waiting is None:
                    self._computing[key] = done = _Event()
                    self.misses += 1
                    break
            waiting.wait()  # another session computes it: wait, then look again
        try:
            value = compute()
            self._put(key, source, value)
            return value
        finally:
            with self._lock:
                self._computing.pop(key, None)
            done.set()

    def _put(self, key: Hashable, source: object, value: Any) -> None:
        size = size_of(value)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[2]
            if size > self.max_bytes:
                return  # larger than the whole cache: served to this caller only
            self._entries[key] = (source, value, size)
            self._bytes += size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, (_, _, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


CACHE = SharedCache()


def view(dataset, key: ViewKey | None, include_errors: bool, filters: Filters) -> View:
    """The filtered view: shared when ``key`` is given (``view_key``), else this session's own."""
    if key is None:
        return compute_view(dataset, include_errors, filters)
    return CACHE.get(("view", key), dataset, lambda: compute_view(dataset, include_errors, filters))


def derived(dataset, key: ViewKey | None, name: Hashable, compute: Callable[[], Any]) -> Any:
    """A value computed from the view under ``key`` (a figure's payload, key figures…), shared when ``key`` is
    given; ``name`` says which, and everything else it depends on (mode atelier, theme, date…)."""
    if key is None:
        return compute()
    return CACHE.get((key, name), dataset, compute)
