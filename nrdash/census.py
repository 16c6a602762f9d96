"""The actor census: from the spreadsheet people really keep to one validated, typed table.

``load_census(path_or_bytes)`` returns a :class:`Census` (actors, planned actions, territory settings and
every issue found, each with the sheet, the row a person sees in Excel and the column). Rows with errors
stay in the table, flagged in ``has_error``; nothing is dropped or guessed silently. A file that cannot be
used at all raises :class:`CensusError` with a French message.
"""
from __future__ import annotations

import datetime as dt
import json
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from . import fields as fx
from . import referential as ref
from .prescan import preflight_zip
from .workbook import (CensusError, Limits, RawSheet, check_zip, detect_format, open_workbook, read_csv_rows,
                       read_sheet, read_source)

__all__ = ["Census", "CensusError", "Issue", "Limits", "Territory", "load_census"]

HEADER_SEARCH_ROWS = 30


@dataclass(frozen=True)
class Issue:
    severity: str  # "error" | "warning"
    sheet: str
    row: int | None  # the row number a person sees in Excel (the line in a CSV)
    column: str | None  # the header as written in the file
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "sheet": self.sheet, "row": self.row, "column": self.column,
                "message": self.message}


def issues_table(issues: list[Issue], with_sheet: bool = True) -> pd.DataFrame:
    """The issues as shown to a person (French headers), in the order found."""
    columns = ["Gravité", "Feuille", "Ligne", "Colonne", "Problème et correction"]
    if not with_sheet:
        columns.remove("Feuille")
    rows = [{"Gravité": "Erreur" if i.severity == "error" else "Avertissement", "Feuille": i.sheet, "Ligne": i.row,
             "Colonne": i.column, "Problème et correction": i.message} for i in issues]
    return pd.DataFrame(rows, columns=["Gravité", "Feuille", "Ligne", "Colonne", "Problème et correction"])[columns]


@dataclass
class Territory:
    name: str | None = None
    epci_siren: str | None = None
    commune_insee: str | None = None
    scale: str | None = None
    include_nonlocal_companies: bool = True
    include_nonlocal_associations: bool = True
    include_non_residents: bool = True


ACTION_FIELDS: tuple[str, ...] = (
    "row", "action", "axis", "targets", "status", "lead", "due", "quick_win", "description", "has_error",
)


@dataclass
class Census:
    actors: pd.DataFrame
    actions: pd.DataFrame
    territory: Territory
    issues: list[Issue]
    file_name: str
    sha256: str
    sheet: str
    loaded_at: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0))

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == fx.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == fx.WARNING]


# ---------------------------------------------------------------------------------------------
# Locating a table by its headers
# ---------------------------------------------------------------------------------------------
def _header_lookup(columns: tuple[ref.Column, ...]) -> dict[str, str]:
    table: dict[str, str] = {}
    for col in columns:
        for label in (col.header, *col.aliases):
            table.setdefault(ref.norm_key(label), col.field)
    return table


def _match_header(cell: Any, lookup: dict[str, str]) -> str | None:
    if fx.is_blank(cell) or not isinstance(cell, str):
        return None
    key = ref.norm_key(cell)
    if key in lookup:
        return lookup[key]
    return lookup.get(ref.norm_key(fx._PAREN.sub(" ", cell)))


@dataclass
class _Table:
    sheet: str
    header_row: int  # Excel row number of the header
    headers: dict[str, tuple[int, str]]  # field -> (column index, header text as written)
    rows: np.ndarray  # Excel row numbers of the non-blank data rows
    values: dict[str, np.ndarray]  # field -> raw values (object array aligned with rows)


def _find_header(raw: RawSheet, columns: tuple[ref.Column, ...]) -> tuple[int, dict[int, str]] | None:
    lookup = _header_lookup(columns)
    best: tuple[int, dict[int, str]] | None = None
    best_score = 0
    required = {c.field for c in columns if c.required}
    for i, row in enumerate(raw.rows[:HEADER_SEARCH_ROWS]):
        mapping: dict[int, str] = {}
        for j, cell in enumerate(row):
            f = _match_header(cell, lookup)
            if f is not None and f not in mapping.values():
                mapping[j] = f
        score = len(mapping) + 2 * len(required & set(mapping.values()))
        if len(mapping) >= 2 and score > best_score:
            best, best_score = (i, mapping), score
    return best


def _extract(raw: RawSheet, columns: tuple[ref.Column, ...], issues: list[Issue]) -> _Table | None:
    found = _find_header(raw, columns)
    if found is None:
        return None
    hidx, mapping = found
    header_cells = raw.rows[hidx]
    header_row = hidx + 1
    for j, cell in enumerate(header_cells):
        if j not in mapping and not fx.is_blank(cell):
            issues.append(Issue(fx.WARNING, raw.name, header_row, fx.text(cell),
                                f"Colonne « {fx.text(cell)} » non reconnue : elle est ignorée. Colonnes attendues : "
                                f"{ref.expected(c.header for c in columns)}."))
    seen: dict[str, str] = {}
    lookup = _header_lookup(columns)
    for j, cell in enumerate(header_cells):
        f = _match_header(cell, lookup)
        if f is not None and j not in mapping:
            issues.append(Issue(fx.WARNING, raw.name, header_row, fx.text(cell),
                                f"Colonne « {fx.text(cell)} » en double (déjà lue en « {seen.get(f, f)} ») : "
                                "seule la première est lue. Fusionnez ou renommez-la."))
        elif f is not None:
            seen[f] = fx.text(cell)
    body = raw.rows[hidx + 1:]
    width = max((len(r) for r in body), default=0)
    if not body or width == 0:
        return _Table(raw.name, header_row, {f: (j, fx.text(header_cells[j])) for j, f in mapping.items()},
                      np.zeros(0, dtype=np.int64), {f: np.zeros(0, dtype=object) for f in mapping.values()})
    if any(len(r) != width for r in body):
        body = [r + [None] * (width - len(r)) for r in body]
    cells = np.empty((len(body), width), dtype=object)
    cells[:] = body  # cells are scalars (text, numbers, dates): one object each
    # A row is blank when every cell is empty (calamine gives "" or None) or only white space.
    empty = pd.isna(cells) | (cells == "")
    filled = (~empty).sum(axis=1)
    blank = filled == 0
    for i in np.flatnonzero((filled > 0) & (filled <= 3)):
        blank[i] = all(fx.is_blank(v) for v in cells[i])
    keep = ~blank
    rows = np.arange(header_row + 1, header_row + 1 + len(cells), dtype=np.int64)[keep]
    values = {}
    for j, f in mapping.items():
        values[f] = cells[keep, j] if j < cells.shape[1] else np.full(int(keep.sum()), None, dtype=object)
    return _Table(raw.name, header_row, {f: (j, fx.text(header_cells[j])) for j, f in mapping.items()}, rows, values)


def _parse_column(values: np.ndarray, parse: Callable[[Any], tuple[Any, Any]]) -> tuple[np.ndarray, np.ndarray, list]:
    """Parse each distinct value once: (parsed values, index into problems per row or -1, problems)."""
    n = len(values)
    if n == 0:
        return np.empty(0, dtype=object), np.empty(0, dtype=np.int64), []
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    parsed_u = np.empty(len(uniques) + 1, dtype=object)
    prob_idx_u = np.full(len(uniques) + 1, -1, dtype=np.int64)
    problems: list = []
    for k, u in enumerate(list(uniques) + [None]):
        value, problem = parse(u)
        parsed_u[k] = value
        if problem is not None:
            prob_idx_u[k] = len(problems)
            problems.append(problem)
    codes = np.where(codes < 0, len(uniques), codes)
    return parsed_u[codes], prob_idx_u[codes], problems


class _Builder:
    """Collects issues for one table, keyed to Excel rows and the file's headers."""

    def __init__(self, table: _Table, issues: list[Issue]):
        self.table = table
        self.issues = issues
        self.error_rows = np.zeros(len(table.rows), dtype=bool)

    def written(self, field_name: str, parsed: np.ndarray) -> np.ndarray:
        """Where the column's cell holds something: a value was read from it (``parsed``, aligned with the rows,
        is set: no parser reads a value from an empty cell), or it is not empty although nothing was read."""
        out = pd.notna(parsed)
        unread = np.flatnonzero(~out)
        if len(unread):
            out[unread] = [not fx.is_blank(v) for v in self.raw(field_name)[unread]]
        return out

    def header(self, field_name: str) -> str | None:
        return self.table.headers[field_name][1] if field_name in self.table.headers else None

    def raw(self, field_name: str) -> np.ndarray:
        return self.table.values.get(field_name, np.full(len(self.table.rows), None, dtype=object))

    def parse(self, field_name: str, parse: Callable[[Any], tuple[Any, Any]],
              fast: Callable[[Any], Any] | None = None,
              fast_column: Callable[[np.ndarray, object], np.ndarray] | None = None) -> np.ndarray:
        """Parse a column, each distinct value once. ``fast`` (per cell) or ``fast_column`` (the whole column at
        once) may settle the common clean cells first (giving ``SLOW`` for anything they are not sure of, which
        then goes through ``parse``)."""
        raw = self.raw(field_name)
        if (fast is not None or fast_column is not None) and field_name in self.table.headers:
            if fast_column is not None:
                out = fast_column(raw, SLOW)
            else:
                out = np.empty(len(raw), dtype=object)
                out[:] = [fast(v) for v in raw]
            slow = np.flatnonzero(np.fromiter((v is SLOW for v in out), dtype=bool, count=len(out)))
            if len(slow):
                out[slow] = self._parse_rows(field_name, raw[slow], slow, parse)
            return out
        return self._parse_rows(field_name, raw, np.arange(len(raw)), parse)

    def _parse_rows(self, field_name: str, raw: np.ndarray, at: np.ndarray,
                    parse: Callable[[Any], tuple[Any, Any]]) -> np.ndarray:
        parsed, prob_idx, problems = _parse_column(raw, parse)
        if problems and field_name not in self.table.headers:
            # A column absent from the file: report once at the header, not once per row.
            severity, message = problems[0]
            self.add_sheet_issue(severity, field_name, message)
            if severity == fx.ERROR:
                self.error_rows[:] = True
            return parsed
        for k in np.flatnonzero(prob_idx >= 0):
            severity, message = problems[prob_idx[k]]
            self.add(int(at[k]), severity, field_name, message)
        return parsed

    def add(self, i: int, severity: str, field_name: str | None, message: str) -> None:
        self.issues.append(Issue(severity, self.table.sheet, int(self.table.rows[i]),
                                 self.header(field_name) if field_name else None, message))
        if severity == fx.ERROR:
            self.error_rows[i] = True

    def add_sheet_issue(self, severity: str, field_name: str, message: str) -> None:
        col = next(c for c in ref.ACTOR_COLUMNS + ref.ACTION_COLUMNS if c.field == field_name)
        self.issues.append(Issue(severity, self.table.sheet, self.table.header_row, col.header,
                                 f"Colonne obligatoire « {col.header} » absente de la ligne d'en-tête : "
                                 f"ajoutez-la. ({message})"))

    def text(self, field_name: str, required_message: str | None = None) -> np.ndarray:
        """Clean text per cell. A straight loop: free-text columns have nearly as many values as rows."""
        raw = self.raw(field_name)
        out = np.empty(len(raw), dtype=object)
        out[:] = [(v.strip() or None) if type(v) is str and "  " not in v and "\n" not in v and "\u00a0" not in v
                  and "\t" not in v else fx.text(v) for v in raw]
        if required_message and field_name in self.table.headers:
            for i in np.flatnonzero(pd.isna(out)):
                self.add(int(i), fx.ERROR, field_name, required_message)
        return out

    def coordinate(self, field_name: str, axis: str) -> np.ndarray:
        bound = 90.0 if axis == "lat" else 180.0

        def fast(v: Any) -> Any:
            t = type(v)
            if t is str:
                try:
                    v = float(v.replace(",", ".", 1))
                except ValueError:
                    return SLOW
            elif t is not float and t is not int:
                return None if v is None else SLOW
            return float(v) if -bound <= v <= bound else SLOW  # NaN fails the test too

        return self.parse(field_name, lambda v: fx.parse_coordinate(v, axis), fast)


SLOW = object()


def _fast_code(v: Any) -> Any:
    """A clean 5-digit commune or postal code, else SLOW (the tolerant parser decides)."""
    t = type(v)
    if t is str:
        return v if len(v) == 5 and v.isdigit() else SLOW
    if t is int or t is float:
        return f"{int(v):05d}" if 1000 <= v <= 99999 and v == int(v) else SLOW
    return None if v is None or v == "" else SLOW


def _pair_codes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per row, a code (0, 1, 2… in order of first appearance) of the pair of objects (a[i], b[i]), by
    identity: the parsed cells of one distinct value are one object."""
    if not len(a):
        return np.zeros(0, dtype=np.int64)
    codes_a = pd.factorize(np.fromiter(map(id, a), dtype=np.int64, count=len(a)))[0].astype(np.int64)
    codes_b = pd.factorize(np.fromiter(map(id, b), dtype=np.int64, count=len(b)))[0].astype(np.int64)
    return pd.factorize(codes_a * (int(codes_b.max()) + 1) + codes_b)[0].astype(np.int64)


# ---------------------------------------------------------------------------------------------
# Actors
# ---------------------------------------------------------------------------------------------
def _actors(table: _Table, issues: list[Issue]) -> pd.DataFrame:
    b = _Builder(table, issues)
    n = len(table.rows)
    name = b.text("name", "Nom de l'acteur manquant : chaque ligne doit nommer une structure.")
    family_given = b.parse("family", fx.parse_family)
    type_found = b.parse("type", fx.parse_type)
    type_raw = b.raw("type")
    family = np.empty(n, dtype=object)
    atype = np.empty(n, dtype=object)
    type_text = np.full(n, None, dtype=object)  # the type as written when classed "Autre": exports write it back
    others = {ref.norm_key("autre"), ref.norm_key("autres")}
    if "type" not in table.headers:
        b.add_sheet_issue(fx.ERROR, "type", "Type d'acteur manquant.")
        b.error_rows[:] = True
    # The kit's types settle their family at once; only rows with a message (a family that contradicts the
    # type, a missing or unknown type) go through the loop, in row order.
    known = pd.notna(type_found)
    atype[known] = type_found[known]
    family[known] = pd.Series(type_found[known], dtype=object).map(ref.FAMILY_OF_TYPE).to_numpy(dtype=object)
    family[~known] = family_given[~known]
    contradicted = known & pd.notna(family_given) & (family_given != family)
    for i in np.flatnonzero(contradicted | ~known):
        fam, typ = family_given[i], type_found[i]
        if typ is not None:
            b.add(i, fx.ERROR, "family", f"La famille « {fam} » ne correspond pas au type « {typ} », qui relève "
                                         f"de « {family[i]} ». Corrigez la famille ou le type.")
            continue
        raw_t = type_raw[i]
        if fx.is_blank(raw_t):
            atype[i] = ref.OTHER_TYPE if fam else None
            if "type" in table.headers:
                b.add(i, fx.ERROR, "type", "Type d'acteur manquant. Choisissez une valeur de la liste du kit "
                                           "(voir la feuille « Mode d'emploi » du modèle).")
        elif fam is not None:
            own_other = [t for t in ref.TYPES_BY_FAMILY[fam] if t.startswith("Autres")]
            if ref.norm_key(raw_t) in others and own_other:
                atype[i] = own_other[0]
            else:
                atype[i], type_text[i] = ref.OTHER_TYPE, fx.text(raw_t)
                b.add(i, fx.WARNING, "type", f"Type « {fx.text(raw_t)} » inconnu : classé « {ref.OTHER_TYPE} » dans "
                                             f"la famille « {fam} ». Types du kit pour cette famille : "
                                             f"{ref.expected(ref.TYPES_BY_FAMILY[fam])}.")
        else:
            atype[i] = None
            b.add(i, fx.ERROR, "type", f"Type « {fx.text(raw_t)} » inconnu et famille non précisée. Choisissez un "
                                       "type du kit, ou indiquez la famille d'acteurs.")

    siret = b.parse("siret", fx.parse_siret, fast_column=fx.plain_sirets)
    # An invalid SIRET (a warning) is not used, but kept as typed so that exports write it back.
    siret_text = np.full(n, None, dtype=object)
    if "siret" in table.headers:
        unread = pd.isna(siret) & b.written("siret", siret)
        siret_text[unread] = [fx.text(v) for v in b.raw("siret")[unread]]
    is_local = b.parse("is_local", fx.parse_yes_no)
    insee = b.parse("insee", fx.parse_insee, _fast_code)
    postcode = b.parse("postcode", fx.parse_postcode, _fast_code)
    lat = b.coordinate("lat", "lat")
    lon = b.coordinate("lon", "lon")
    has_lat, has_lon = b.written("lat", lat), b.written("lon", lon)
    for i in np.flatnonzero(has_lat != has_lon):
        field_name = "lon" if has_lat[i] else "lat"
        b.add(int(i), fx.ERROR, field_name if field_name in table.headers else ("lat" if has_lat[i] else "lon"),
              "Coordonnées incomplètes : renseignez la latitude et la longitude, ou aucune des deux.")
    placed = ~(pd.isna(lat) | pd.isna(lon))
    lat[~placed] = None
    lon[~placed] = None
    placement = np.where(placed, "coordonnées", None).astype(object)

    cats_a = b.parse("action_types", lambda v: fx.parse_categories(v, "action_types"))
    cats_d = b.parse("dimensions", lambda v: fx.parse_categories(v, "dimensions"))
    # Parsed cells are shared per distinct value: merge each distinct pair of cells once.
    pair = _pair_codes(cats_a, cats_d)
    firsts = np.unique(pair, return_index=True)[1] if n else np.zeros(0, dtype=np.int64)
    merged_at, merged_dim, merged_other = (np.empty(len(firsts), dtype=object) for _ in range(3))
    empty = ([], [], [])
    for k, i in enumerate(firsts):
        ca, cd = cats_a[i] or empty, cats_d[i] or empty
        merged_at[k] = [t for t in ref.ACTION_TYPES if t in ca[0] or t in cd[0]]
        merged_dim[k] = [d for d in ref.NR_DIMENSIONS if d in ca[1] or d in cd[1]]
        merged_other[k] = list(dict.fromkeys(ca[2] + cd[2]))
    action_types, dimensions, other = merged_at[pair], merged_dim[pair], merged_other[pair]

    level = b.parse("level", fx.parse_level)
    circle = b.parse("circle", fx.parse_circle)
    circle_derived = np.array([c is None for c in circle], dtype=bool)
    for i in np.flatnonzero(circle_derived):
        circle[i] = ref.default_circle(atype[i], level[i])

    obj = lambda values: pd.Series(values, dtype=object)  # noqa: E731 - text stays plain Python objects
    actors = pd.DataFrame({
        "row": table.rows,
        "name": obj(name),
        "siret": obj(siret),
        "siret_text": obj(siret_text),
        "family": obj(family),
        "type": obj(atype),
        "type_text": obj(type_text),
        "is_local": pd.array(is_local, dtype="boolean"),
        "commune": obj(b.text("commune")),
        "insee": obj(insee),
        "postcode": obj(postcode),
        "address": obj(b.text("address")),
        "lat": pd.array(lat, dtype="Float64"),
        "lon": pd.array(lon, dtype="Float64"),
        "placement": obj(placement),
        "action_types": action_types,
        "dimensions": dimensions,
        "other_categories": other,
        "description": obj(b.text("description")),
        "level": pd.array(level, dtype="Int64"),
        "circle": pd.array(circle, dtype="Int64"),
        "circle_derived": circle_derived,
        "source": obj(b.parse("source", fx.parse_source)),
        "referent": obj(b.text("referent")),
        "contact": obj(b.text("contact")),
        "updated": obj(b.parse("updated", fx.parse_date)),
    })
    actors["unread"] = _unread_cells(b, actors)
    _flag_duplicates(actors, b)
    actors["has_error"] = b.error_rows
    return actors


UNREAD_FIELDS = ("is_local", "insee", "postcode", "lat", "lon", "level", "circle", "source", "updated")


def _unread_cells(b: "_Builder", actors: pd.DataFrame) -> pd.Series:
    """Per actor, the cells that were written but could not be read (a level « 7 », a date « bientôt »), as typed,
    in JSON ({field: text}), else None: the report says what is wrong with them, and the editor and the exports
    write them back as they were, so that nothing typed is lost on the way to its correction."""
    out = np.full(len(actors), None, dtype=object)
    found: dict[int, dict[str, str]] = {}
    for f in UNREAD_FIELDS:
        if f not in b.table.headers:
            continue
        raw = b.raw(f)
        values = actors[f].to_numpy(dtype=object)
        for i in np.flatnonzero(pd.isna(values) & b.written(f, values)):
            found.setdefault(int(i), {})[f] = fx.text(raw[i])
    for i, cells in found.items():
        out[i] = json.dumps(cells, ensure_ascii=False)
    return pd.Series(out, dtype=object, index=actors.index)


def _flag_duplicates(actors: pd.DataFrame, b: _Builder) -> None:
    """Warn on a second actor with the same name in the same commune (compared tolerantly)."""
    names = actors["name"].to_numpy(dtype=object)
    places = actors["commune"].to_numpy(dtype=object).copy()
    no_commune = pd.isna(places)
    places[no_commune] = actors["insee"].to_numpy(dtype=object)[no_commune]
    named = np.flatnonzero(pd.notna(names))
    if not len(named):
        return
    # Names and communes share spellings (an actor named after its commune): one key per distinct text.
    both = ref.norm_keys(np.concatenate([names[named], places[named]]))
    keys = pd.Series(both[:len(named)], dtype=object) + "|" + pd.Series(both[len(named):], dtype=object)
    again = keys.duplicated(keep="first").to_numpy()
    if not again.any():
        return
    first_row = dict(zip(keys[~again], b.table.rows[named[~again]]))
    for i, key in zip(named[again], keys[again]):
        b.add(int(i), fx.WARNING, "name",
              f"Acteur « {names[i]} » déjà présent ligne {int(first_row[key])} (même nom, même commune) : doublon à "
              "fusionner ou à supprimer.")


# ---------------------------------------------------------------------------------------------
# Planned actions and territory
# ---------------------------------------------------------------------------------------------
def _actions(table: _Table, issues: list[Issue], actor_names: set[str]) -> pd.DataFrame:
    b = _Builder(table, issues)
    lead = b.text("lead")
    for i, who in enumerate(lead):
        if who and ref.norm_key(who) not in actor_names:
            b.add(i, fx.WARNING, "lead", f"Porteur « {who} » absent de la feuille « {ref.ACTORS_SHEET} » : "
                                         "vérifiez l'orthographe ou ajoutez l'acteur.")
    actions = pd.DataFrame({
        "row": table.rows,
        "action": b.text("action", "Intitulé de l'action manquant."),
        "axis": b.parse("axis", fx.parse_axis),
        "targets": b.parse("targets", fx.parse_targets),
        "status": b.parse("status", fx.parse_status),
        "lead": lead,
        "due": b.parse("due", fx.parse_date),
        "quick_win": pd.array(b.parse("quick_win", fx.parse_yes_no), dtype="boolean"),
        "description": b.text("description"),
    })
    actions["has_error"] = b.error_rows
    return actions


def empty_actions() -> pd.DataFrame:
    return pd.DataFrame({f: pd.Series(dtype=object) for f in ACTION_FIELDS})


def _territory(raw: RawSheet, issues: list[Issue]) -> Territory:
    keys = {ref.norm_key(alias): k for k, aliases in ref.TERRITORY_KEYS.items() for alias in aliases}
    territory = Territory()
    for i, row in enumerate(raw.rows):
        cells = [c for c in row if not fx.is_blank(c)]
        if len(cells) < 2 or not isinstance(cells[0], str):
            continue
        key = keys.get(ref.norm_key(cells[0])) or keys.get(ref.norm_key(fx._PAREN.sub(" ", cells[0])))
        if key is None:
            continue
        value = cells[1]
        label = fx.text(cells[0])
        if key.startswith("include_"):
            parsed, problem = fx.parse_yes_no(value)
            if problem:
                issues.append(Issue(problem[0], raw.name, i + 1, label, problem[1]))
            elif parsed is not None:
                setattr(territory, key, parsed)
        elif key == "commune_insee":
            parsed, problem = fx.parse_insee(value)
            if problem:
                issues.append(Issue(problem[0], raw.name, i + 1, label, problem[1]))
            territory.commune_insee = parsed
        elif key == "epci_siren":
            siren = (fx.text(value) or "").replace(" ", "")
            if siren.isdigit() and len(siren) == 9:
                territory.epci_siren = siren
            else:
                issues.append(Issue(fx.ERROR, raw.name, i + 1, label,
                                    f"SIREN « {fx.text(value)} » invalide : 9 chiffres attendus (ex. 241700434)."))
        else:
            setattr(territory, key, fx.text(value))
    return territory


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------
TEMPLATE_HINT = ("Partez du modèle vierge : bouton « Télécharger le modèle vierge (.xlsx) » en bas de la page "
                 "Recensement.")
WORKBOOK_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")


def _what_was_read(kind: str, names: list[str], filename: str | None) -> str:
    """What the reader really read, for a refusal: the workbook's sheets, or a text file (which has no sheet)."""
    if kind != "csv":
        return f"feuilles lues : {', '.join(f'« {n} »' for n in names) or 'aucune'}"
    ext = Path(filename).suffix.lower() if filename else ""
    if ext in WORKBOOK_EXTENSIONS:
        return (f"le fichier porte l'extension {ext} mais n'est pas un classeur : son contenu est du texte, lu comme "
                "un fichier CSV, sans feuille")
    return "fichier texte lu comme un CSV, sans feuille"


def _pick_sheet(names: list[str], wanted: str) -> str | None:
    key = ref.norm_key(wanted)
    for n in names:
        if ref.norm_key(n) == key:
            return n
    for n in names:
        if key.rstrip("s") in ref.norm_key(n):
            return n
    return None


def load_census(source: str | Path | bytes, filename: str | None = None, limits: Limits | None = None,
                prechecked: bool = False) -> Census:
    """Read, validate and normalise a census. Raises CensusError only for an unusable file.

    ``prechecked``: the caller already ran ``check_zip`` and ``check_extents`` on these bytes
    (``nrdash.sandbox`` does, before handing them to its child process)."""
    limits = limits or Limits()
    if filename is None and not isinstance(source, (bytes, bytearray, memoryview)):
        filename = Path(source).name
    data = read_source(source, limits)
    kind = detect_format(data, filename)
    issues: list[Issue] = []
    sheets: dict[str, RawSheet] = {}
    if kind == "csv":
        raw = read_csv_rows(data, limits)
        actor_sheet = raw.name
        sheets[raw.name] = raw
        names = [raw.name]
        workbook = None
    else:
        if kind == "zip":
            if prechecked:
                kind = check_zip(data, limits, measure=False)
            else:
                kind = preflight_zip(data, limits)[0]  # before the reader allocates any sheet
        workbook = open_workbook(data, kind)
        names = list(workbook.sheet_names)
        actor_sheet = _pick_sheet(names, ref.ACTORS_SHEET)

    def sheet(name: str) -> RawSheet:
        if name not in sheets:
            sheets[name] = read_sheet(workbook, name, limits)
        return sheets[name]

    table = _extract(sheet(actor_sheet), ref.ACTOR_COLUMNS, issues) if actor_sheet else None
    if table is None:
        # No sheet called "Acteurs" (or no header in it): take the sheet whose headers match best.
        for name in names:
            if name == actor_sheet or ref.norm_key(name) in (ref.norm_key(ref.ACTIONS_SHEET),
                                                             ref.norm_key(ref.TERRITORY_SHEET)):
                continue
            candidate_issues: list[Issue] = []
            candidate = _extract(sheet(name), ref.ACTOR_COLUMNS, candidate_issues)
            if candidate is not None and "name" in candidate.headers:
                table, actor_sheet = candidate, name
                issues.extend(candidate_issues)
                break
    if table is None or "name" not in table.headers:
        raise CensusError(
            f"Aucun tableau d'acteurs trouvé ({_what_was_read(kind, names, filename)}). La ligne d'en-tête doit "
            f"contenir au moins « {ref.HEADER_OF['name']} », « {ref.HEADER_OF['type']} » et "
            f"« {ref.HEADER_OF['level']} ». {TEMPLATE_HINT}"
        )
    if len(table.rows) > limits.max_rows:
        raise CensusError(f"Le recensement compte {len(table.rows)} acteurs, au-delà de la limite de "
                          f"{limits.max_rows}. Découpez-le.")
    if len(table.rows) == 0:
        raise CensusError(f"La feuille « {actor_sheet} » a une ligne d'en-tête (ligne {table.header_row}) mais aucun "
                          "acteur en dessous. Ajoutez au moins un acteur.")
    actors = _actors(table, issues)

    actions = empty_actions()
    territory = Territory()
    if workbook is not None:
        act_name = _pick_sheet([n for n in names if n != actor_sheet], ref.ACTIONS_SHEET)
        if act_name:
            act_table = _extract(sheet(act_name), ref.ACTION_COLUMNS, issues)
            if act_table is None:
                issues.append(Issue(fx.WARNING, act_name, None, None,
                                    f"Feuille « {act_name} » sans ligne d'en-tête reconnue : elle est ignorée. "
                                    f"Colonnes attendues : {ref.expected(c.header for c in ref.ACTION_COLUMNS)}."))
            elif len(act_table.rows):
                actions = _actions(act_table, issues, {ref.norm_key(s) for s in actors["name"].dropna()})
        ter_name = _pick_sheet([n for n in names if n != actor_sheet], ref.TERRITORY_SHEET)
        if ter_name:
            territory = _territory(sheet(ter_name), issues)
    return Census(
        actors=actors, actions=actions, territory=territory, issues=issues,
        file_name=filename or "recensement", sha256=hashlib.sha256(data).hexdigest(), sheet=actor_sheet,
    )
