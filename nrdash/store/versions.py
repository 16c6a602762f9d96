"""Published versions: publishing (one transaction), restoring, the history, the original files, and opening a
version as the dashboard's Dataset (cached per process: versions are immutable).

A version keeps the original file's bytes, the placed census without its personal columns (Parquet, fast to open),
the validation report and who published it, when and why. Référent and Contact live in ``personal_data``
(version, row), so that an erasure request or the territory's retention period removes them from every version."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import pandas as pd
import sqlalchemy as sa

from .. import referential as ref
from ..census import Census, CensusError, Issue, Territory
from ..geography import offline
from ..parquet import frame_from_parquet, frame_to_parquet
from ..placement import TerritoryInfo
from ..sandbox import load_census_isolated
from ..text import count_noun
from .access import READ_PERSONAL, Principal, Unit
from .common import LIMITS, SAMPLE_CODE, as_utc, check_text, pause_for_tests, sha256, utcnow
from .errors import NewerVersion, PublishRefused, StoreError
from . import identity
from .schema import VERSION_META, personal_data, versions
from .territories import territory_label


ACTOR_ID = "actor_id"  # the column of a stored version's census that holds each actor's identifier


@dataclass(frozen=True)
class VersionInfo:
    number: int
    created_at: dt.datetime
    author: str  # blank for a principal who may not see personal data (an e-mail address is one)
    note: str
    force_reason: str | None
    base_version: int | None
    restored_from: int | None
    file_name: str
    file_sha256: str
    original_sha256: str
    redacted_at: dt.datetime | None
    redaction_note: str | None
    n_actors: int
    n_actions: int
    n_errors: int
    n_warnings: int
    n_error_rows: int

    def as_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        for k in ("created_at", "redacted_at"):
            d[k] = d[k].isoformat() if d[k] else None
        return d


@dataclass(frozen=True)
class PublishResult:
    number: int
    created: bool  # False: the bytes were those of the latest version, nothing new was stored
    version: VersionInfo


def version_info(row: Any) -> VersionInfo:
    m = row._mapping
    d = {k: m[k] for k in VERSION_META}
    d["created_at"], d["redacted_at"] = as_utc(d["created_at"]), as_utc(d["redacted_at"])
    return VersionInfo(**d)


# ---------------------------------------------------------------------------------------------
# Loading cache: versions are immutable, their non-personal content is cached per process
# ---------------------------------------------------------------------------------------------
_CACHE_SIZE = 16
_cache: OrderedDict[tuple, Any] = OrderedDict()
# An editor's Dataset (Référent and Contact joined back), per version, with the stamp of the version's personal data
# (its file's SHA-256 and redaction time, which every erasure and expiry changes): a changed stamp replaces the
# entry, so erased data are never served again; an editor's rerun reuses one object instead of joining 10,000 rows.
_personal_cache: OrderedDict[tuple, tuple[tuple, Any]] = OrderedDict()
_cache_lock = threading.Lock()


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
        _personal_cache.clear()


def forget_personal(store_key: str, version_ids) -> None:
    """This process's copies of these versions' personal data go at once (other processes: at their next read)."""
    with _cache_lock:
        for key in [k for k in _personal_cache if k[0] == store_key and k[3] in version_ids]:
            del _personal_cache[key]


def with_personal(census: Census, rows) -> Census:
    """The census with Référent and Contact joined back from its personal rows (by workbook row), before
    « Date de mise à jour » as in the template."""
    by_row = {r.row: r for r in rows}
    actors = census.actors.copy()
    for col in ref.PERSONAL_FIELDS:
        values = [getattr(by_row[r], col) if r in by_row else None for r in actors["row"]]
        actors.insert(actors.columns.get_loc("updated"), col, pd.Series(values, dtype=object, index=actors.index))
    return dataclasses.replace(census, actors=actors)


def with_actor_ids(actors: pd.DataFrame, ids: dict[int, str]) -> None:
    """Add each row's actor identifier as the last column, ``actor_id`` (None for a row without one), in place
    (a census just read, before anyone else sees it)."""
    actors[ACTOR_ID] = pd.Series([ids.get(int(r)) for r in actors["row"].tolist()], dtype=object,
                                 index=actors.index)


def dataset_of(row: Any):
    """A version's row (every column) as the dashboard's Dataset, without personal data."""
    from ..dataset import Dataset

    info = None
    if row.territory_info:
        d = json.loads(row.territory_info)
        d["members"], d["obligations"] = tuple(d["members"]), tuple(d["obligations"])
        info = TerritoryInfo(**d)
    census = Census(actors=frame_from_parquet(row.actors_parquet), actions=frame_from_parquet(row.actions_parquet),
                    territory=Territory(**json.loads(row.census_territory)),
                    issues=[Issue(**d) for d in json.loads(row.issues)], file_name=row.file_name,
                    sha256=row.original_sha256, sheet=row.sheet,
                    loaded_at=as_utc(row.created_at).astimezone().replace(tzinfo=None, microsecond=0))
    return Dataset(census, "store", info, row.territory_problem)


# ---------------------------------------------------------------------------------------------
# A census file made ready to be stored (read and placed outside any transaction)
# ---------------------------------------------------------------------------------------------
def content_values(census: Census, info: TerritoryInfo | None, problem: str | None) -> dict[str, Any]:
    actors = census.actors.drop(columns=[c for c in (*ref.PERSONAL_FIELDS, ACTOR_ID) if c in census.actors])
    return dict(
        sheet=census.sheet, actors_parquet=frame_to_parquet(actors),
        actions_parquet=frame_to_parquet(census.actions),
        census_territory=json.dumps(dataclasses.asdict(census.territory), ensure_ascii=False),
        territory_info=json.dumps(dataclasses.asdict(info), ensure_ascii=False) if info else None,
        territory_problem=problem,
        issues=json.dumps([i.as_dict() for i in census.issues], ensure_ascii=False),
        n_actors=len(census.actors), n_actions=len(census.actions), n_errors=len(census.errors),
        n_warnings=len(census.warnings), n_error_rows=int(census.actors["has_error"].sum()))


def personal_values(actors: pd.DataFrame) -> list[dict[str, Any]]:
    cols = [c for c in ref.PERSONAL_FIELDS if c in actors]
    out = []
    for rec in actors[["row", *cols]].itertuples(index=False):
        values = {c: getattr(rec, c) for c in cols}
        values = {c: (None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v))
                  for c, v in values.items()}
        if any(values.values()):
            out.append({"row": int(rec.row), "referent": values.get("referent"), "contact": values.get("contact")})
    return out


def prepare_version(territory: str, data: bytes, file_name: str,
                    force_reason: str | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The file read in a worker, checked and placed: the version's columns (but its author, note, base and
    restored_from) and its personal rows. PublishRefused when rows are in error and no reason is given."""
    try:
        census = load_census_isolated(bytes(data), file_name)  # a hostile file costs a worker, never us
    except CensusError as exc:
        raise StoreError(f"Fichier inutilisable : {exc}") from None
    from ..dataset import prepare
    from ..placement import territory_info

    geo = offline()
    home = None  # a census without a Territoire sheet is about the territory it is published to
    if geo is not None and territory != SAMPLE_CODE:
        home = territory_info(geo, "epci" if len(territory) == 9 else "commune", territory)
    ds = prepare(census, "store", geo, home)
    census = ds.census
    n_error_rows = int(census.actors["has_error"].sum())
    if n_error_rows and not force_reason:
        raise PublishRefused(
            f"Publication refusée : {count_noun(n_error_rows, 'ligne')} en erreur "
            f"({count_noun(len(census.errors), 'erreur')}). "
            "Corrigez le fichier, ou publiez-le quand même en donnant la raison (--forcer-erreurs RAISON).")
    digest = sha256(bytes(data))
    values = dict(force_reason=force_reason if n_error_rows else None, file_name=file_name, file_bytes=bytes(data),
                  file_sha256=digest, original_sha256=digest, redacted_at=None, redaction_note=None,
                  **content_values(census, ds.territory, ds.territory_problem))
    return values, personal_values(census.actors)


def check_file_name(file_name: str | None) -> str:
    return check_text(PurePath(file_name or "recensement").name, "file_name") or "recensement"


class Versions:
    def _seed_sample(self) -> int | None:
        """Publish the fictional sample under « exemple » when that territory is not on this instance yet."""
        who = Principal.operator()
        with self._unit(who, "versions", SAMPLE_CODE) as u:
            if u.territory is not None:
                return None
        from ..dataset import SAMPLE_PATH

        return self.publish(who, SAMPLE_CODE, SAMPLE_PATH.read_bytes(), SAMPLE_PATH.name, author="nrdash",
                            note="Recensement fictif livré avec nrdash.").number

    def publish(self, who: Principal, territory: str, data: bytes, file_name: str, *, author: str = "",
                note: str = "", force_reason: str | None = None, base_version: int | None = None,
                expected_latest: int | None = None) -> PublishResult:
        """Check, place and store a census as the territory's next version (one transaction).

        Raises StoreError for an unusable file or an unknown territory, PublishRefused when rows are in error
        and no reason is given, NewerVersion when ``expected_latest`` is given and another version was published
        since (the person confirmed what they saw: nothing is lost silently). Bytes identical to the latest
        version's original store nothing new. The principal is checked before the file is read (a refused one
        costs nothing) and again in the transaction that writes.
        """
        territory = (territory or "").strip()
        author, note = check_text(author, "author"), check_text(note, "note")
        file_name = check_file_name(file_name)
        if force_reason is not None:
            force_reason = check_text(force_reason, "reason").strip() or None
        with self._unit(who, "publish", territory):
            pass
        territory_label(territory)  # the code is checked before the file is read
        values, personal = prepare_version(territory, data, file_name, force_reason)
        values.update(author=author, note=note, base_version=base_version, restored_from=None)
        return self._write_version(who, "publish", territory, values, personal, expected_latest=expected_latest)

    def _write_version(self, who: Principal, operation: str, territory: str, values: dict[str, Any],
                       personal: list[dict[str, Any]], *, expected_latest: int | None = None,
                       after=None, continues=None) -> PublishResult:
        """Store a prepared version in the operation's one writing transaction (``after(unit, result)`` writes what
        goes with it in the same transaction), retried when another publisher took the same number first.
        ``continues(unit)``: {position: (version id, row)} of the rows that continue a row named explicitly (their
        actors keep that row's identifier: nrdash/store/identity.py)."""
        for attempt in range(5):
            try:
                with self._unit(who, operation, territory, write=True, create=True) as u:
                    row = dict(values, author=u.author(values.get("author"))[:LIMITS["author"]])
                    result = self._insert_version(u, row, personal, expected_latest=expected_latest,
                                                  continues=continues)
                    if after is not None:
                        after(u, result)
                    return result
            except sa.exc.IntegrityError:
                if attempt == 4:
                    raise StoreError(f"Publication impossible sur le territoire {territory} : d'autres versions "
                                     "arrivent en même temps. Réessayez.") from None
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _insert_version(self, u: Unit, values: dict[str, Any], personal: list[dict[str, Any]], *,
                        number: int | None = None, created_at: dt.datetime | None = None,
                        expected_latest: int | None = None, pause: bool = True, continues=None,
                        given_ids: dict[int, str] | None = None) -> PublishResult:
        """Insert a version, its personal rows and its actors' identifiers in the unit's transaction (the next
        number unless ``number``). ``continues(unit)``: see _write_version; ``given_ids``: {row: identifier} read
        from an archive."""
        conn, trow = u.conn, u.row()
        latest = conn.execute(sa.select(versions).where(versions.c.territory_id == trow.id)
                              .order_by(versions.c.number.desc()).limit(1)).first()
        if expected_latest is not None and (latest.number if latest else 0) != expected_latest:
            raise NewerVersion(
                f"La version {latest.number if latest else 0} a été publiée pendant que vous prépariez "
                f"la vôtre (vous aviez vu la version {expected_latest}) : relisez ce qu'elle change, "
                "puis publiez de nouveau.")
        if number is None and latest is not None and latest.original_sha256 == values["original_sha256"]:
            return PublishResult(latest.number, False, version_info(latest))
        if number is not None and latest is not None and latest.number >= number:
            raise StoreError(f"Version {number} déjà présente pour le territoire {u.code}.")
        n = number if number is not None else (latest.number + 1 if latest else 1)
        vid = conn.execute(versions.insert().values(
            territory_id=trow.id, number=n, created_at=created_at or utcnow(), **values)
            .returning(versions.c.id)).scalar_one()
        if pause:
            pause_for_tests()
        if personal:
            conn.execute(personal_data.insert(), [{"version_id": vid, **p} for p in personal])
        identity.give_ids(conn, trow.id, vid, n, frame_from_parquet(values["actors_parquet"]),
                          lambda version_id, number: self._open(u, number).census.actors,
                          sources=continues(u) if continues is not None else None, given=given_ids)
        row = conn.execute(sa.select(versions).where(versions.c.id == vid)).one()
        return PublishResult(n, True, version_info(row))

    def restore(self, who: Principal, territory: str, number: int, *, author: str = "",
                note: str = "") -> PublishResult:
        """Publish version ``number``'s content again as a new version (history is never rewritten)."""
        author, note = check_text(author, "author"), check_text(note, "note")
        with self._unit(who, "restore", territory, write=True) as u:
            old = self._version_row(u, number)
            personal = [dict(r._mapping) for r in u.conn.execute(
                sa.select(personal_data.c.row, personal_data.c.referent, personal_data.c.contact)
                .where(personal_data.c.version_id == old.id))]
            values = {c: getattr(old, c) for c in (
                "file_name", "file_bytes", "file_sha256", "original_sha256", "redacted_at", "redaction_note",
                "sheet", "actors_parquet", "actions_parquet", "census_territory", "territory_info",
                "territory_problem", "issues", "n_actors", "n_actions", "n_errors", "n_warnings", "n_error_rows",
                "force_reason")}
            values.update(author=u.author(author)[:LIMITS["author"]], base_version=None, restored_from=old.number,
                          note=note or f"Restauration de la version {old.number}.")
            rows = frame_from_parquet(old.actors_parquet)["row"].tolist()  # the same rows: each continues its own
            return self._insert_version(u, values, personal,
                                        continues=lambda unit: {i: (old.id, int(r)) for i, r in enumerate(rows)})

    # -- reading -------------------------------------------------------------------------------
    def versions(self, who: Principal, territory: str) -> list[VersionInfo]:
        """The territory's versions, oldest first (their authors blank for a principal who may not see personal
        data)."""
        cols = [versions.c[k] for k in VERSION_META]
        with self._unit(who, "versions", territory) as u:
            rows = u.conn.execute(sa.select(*cols).where(versions.c.territory_id == u.row().id)
                                  .order_by(versions.c.number))
            infos = [version_info(r) for r in rows]
            if not u.allows(READ_PERSONAL):
                infos = [dataclasses.replace(v, author="") for v in infos]
            return infos

    def _version_row(self, u: Unit, number: int | None, *columns) -> Any:
        q = sa.select(*(columns or (versions,))).where(versions.c.territory_id == u.row().id)
        q = q.where(versions.c.number == int(number)) if number is not None else \
            q.order_by(versions.c.number.desc()).limit(1)
        row = u.conn.execute(q).first()
        if row is None:
            raise StoreError(f"Version {number} introuvable pour le territoire {u.code}." if number is not None
                             else f"Le territoire {u.code} n'a encore aucune version publiée.")
        return row

    def original(self, who: Principal, territory: str, number: int) -> tuple[str, bytes]:
        """(file name, bytes) of a version's file as published (its redacted copy after an erasure): it holds
        personal data."""
        with self._unit(who, "original", territory) as u:
            row = self._version_row(u, number, versions.c.file_name, versions.c.file_bytes)
        return row.file_name, bytes(row.file_bytes)

    def issues(self, who: Principal, territory: str, number: int | None = None) -> list[Issue]:
        with self._unit(who, "issues", territory) as u:
            row = self._version_row(u, number, versions.c.issues)
        return [Issue(**d) for d in json.loads(row.issues)]

    def open_version(self, who: Principal, territory: str, number: int | None = None, *, personal: bool = False):
        """The version as the dashboard's Dataset (latest when ``number`` is None), from Parquet, cached per
        process. Without ``personal`` it has no Référent/Contact columns and ``personal_data`` is not read;
        ``personal=True`` joins them back (READ_PERSONAL)."""
        with self._unit(who, "open_version", territory, option=READ_PERSONAL if personal else None) as u:
            return self._open(u, number, personal)

    def _open(self, u: Unit, number: int | None, personal: bool = False):
        from ..dataset import Dataset

        head = self._version_row(u, number, versions.c.id, versions.c.number, versions.c.original_sha256,
                                 versions.c.file_sha256, versions.c.redacted_at, versions.c.ids_revision)
        key = (self._key, u.code, head.number, head.id, head.original_sha256, head.ids_revision)
        with _cache_lock:
            ds = _cache.get(key)
            if ds is not None:
                _cache.move_to_end(key)
        if ds is None:
            ds = dataset_of(u.conn.execute(sa.select(versions).where(versions.c.id == head.id)).one())
            with_actor_ids(ds.census.actors, identity.stored(u.conn, head.id))
            with _cache_lock:
                _cache[key] = ds
                while len(_cache) > _CACHE_SIZE:
                    _cache.popitem(last=False)
        if not personal:
            return ds
        stamp = (head.file_sha256, head.redacted_at)
        with _cache_lock:
            hit = _personal_cache.get(key)
            if hit is not None and hit[0] == stamp:
                _personal_cache.move_to_end(key)
                return hit[1]
        rows = u.conn.execute(sa.select(personal_data.c.row, personal_data.c.referent, personal_data.c.contact)
                              .where(personal_data.c.version_id == head.id)).all()
        joined = Dataset(with_personal(ds.census, rows), "store", ds.territory, ds.territory_problem)
        with _cache_lock:
            _personal_cache[key] = (stamp, joined)  # replaces an older stamp's entry: erased data dropped
            _personal_cache.move_to_end(key)
            while len(_personal_cache) > _CACHE_SIZE:
                _personal_cache.popitem(last=False)
        return joined
