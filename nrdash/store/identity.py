"""Actor identifiers (migration 0008): every actor of a territory keeps one identifier from version to version, so
that a campaign link, a questionnaire answer or a published file can name it whatever later versions change in its
name. Each published version stores each row's identifier (``actor_ids``: version, workbook row, identifier);
``Store.open_version`` gives it as the census's ``actor_id`` column.

An identifier is either a valid SIRET (14 digits with its key) or one the store draws: ``nr-`` and 10 characters
of ``0-9a-z`` without i, l, o, u (50 random bits, URL-safe, never 14 digits so never mistaken for a SIRET), never
given to two actors of a territory. Once given, an identifier stays with its actor: an actor that gets a SIRET later
keeps the one it had.

Each row of a new version gets, in this order, the first of these that no other row of the version holds already
(``assign``; docs/developpement.md « Identifiants d'acteurs »):

1. ``suite``: the row continues a row named explicitly (``carried``): a restored version's rows continue the version
   restored; a version published from the questionnaire's shared draft continues, row for row, the version its
   accepted updates were applied to (a renamed actor keeps its identifier), and an update for an actor gone from
   that version takes back that actor's identifier;
2. ``apparié``: the actor is paired with one of the previous version by ``compare.compare`` (the Suivi page's rule:
   the pairs a person made first, the pairs a person forbade never, then the same SIRET, then the same name and
   commune): it takes that actor's identifier;
3. ``appariement manuel``: a pair a person made names it with an actor of an older version (not the previous one):
   it takes that actor's identifier;
4. ``retour``: an actor with the same reference (``compare.actor_refs``: its SIRET, else its name and commune)
   was in an older version, not the previous one (an actor left out of one version and back): its identifier;
5. ``conservé`` (when identifiers are computed again): the identifier the row had, when it was first given to
   this very row (not inherited);
6. ``siret``: its valid SIRET;
7. ``nouveau``: a new drawn identifier.

Steps 3 to 6 never give an identifier held by an actor of the previous version: that actor was not paired with this
row, so it is another one (or a person said so). A pairing made or removed by hand later (``Store.set_pairing``,
``remove_pairing``) computes the identifiers again from the first version that holds the actor it names (same
rules, every later version in order): a re-linked actor takes the older identifier in every version from there on.
Existing versions got theirs when the schema was upgraded to 0008 (the same rules, version by version, with
restored versions continuing the version restored and versions published from the questionnaire continuing their
base version row for row).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Callable, Iterable, Mapping, Protocol, Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .common import QUESTIONNAIRE_FILE, sha256
from .schema import actor_ids, actor_pairings, versions

ID_PREFIX, ID_ALPHABET, ID_LENGTH = "nr-", "0123456789abcdefghjkmnpqrstvwxyz", 10
ID_MAX = 40  # the column's width: a SIRET (14) or a drawn identifier (13)
CARRIED, PAIRED, LINKED, RETURNED, KEPT, SIRET, NEW = (
    "suite", "apparié", "appariement manuel", "retour", "conservé", "siret", "nouveau")
_CHUNK = 500


def new_actor_id() -> str:
    """A drawn identifier: ``nr-`` and 10 random characters (50 bits)."""
    return ID_PREFIX + "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


def is_actor_id(value: object) -> bool:
    """The form of an identifier: a valid SIRET or a drawn one."""
    from ..fields import siret_ok

    if not isinstance(value, str):
        return False
    if len(value) == 14 and value.isascii() and value.isdigit():
        return siret_ok(value)
    return (len(value) == len(ID_PREFIX) + ID_LENGTH and value.startswith(ID_PREFIX)
            and all(ch in ID_ALPHABET for ch in value[len(ID_PREFIX):]))


def ref_key(ref: str) -> str:
    """How an actor reference is stored beside its row (96 bits of its SHA-256: references may be long)."""
    return sha256(ref.encode("utf-8"))[:24]


class History(Protocol):
    """What ``assign`` asks about the territory's other versions."""

    def by_ref(self, keys: Sequence[str]) -> dict[str, list[str]]:
        """For each reference key: the identifiers of the actors of versions older than the previous one that had
        that reference, most recent version first."""

    def before(self, ids: Iterable[str]) -> set[str]:
        """Those of ``ids`` given to an actor of a version before this one."""

    def anywhere(self, ids: Iterable[str]) -> set[str]:
        """Those of ``ids`` given to an actor of any other version of the territory."""


@dataclass(frozen=True)
class Assignment:
    ids: list[str]  # one per row of the version, in its order
    how: list[str]  # which step gave it (module docstring)
    refs: list[str]  # each row's reference (compare.actor_refs)


def _census(actors: pd.DataFrame) -> SimpleNamespace:
    """What compare.compare reads of a census."""
    return SimpleNamespace(actors=actors, actions=pd.DataFrame(), file_name="")


def assign(actors: pd.DataFrame, *, previous: pd.DataFrame | None = None,
           previous_ids: Sequence[str] | None = None, links: Iterable[tuple[str, str]] = (),
           unlinks: Iterable[tuple[str, str]] = (), carried: Mapping[int, str] | None = None,
           former: Sequence[str | None] | None = None, history: History | None = None,
           new_id: Callable[[], str] = new_actor_id) -> Assignment:
    """Each row's identifier (module docstring). ``actors``: the version's placed actors; ``previous`` and
    ``previous_ids``: the previous version's and their identifiers; ``links``/``unlinks``: the territory's manual
    pairings; ``carried``: {position: identifier} of the rows that continue a row named explicitly; ``former``: the
    identifiers the rows had (when computed again)."""
    from .. import compare

    actors = actors.reset_index(drop=True)
    n = len(actors)
    ids: list[str | None] = [None] * n
    how: list[str | None] = [None] * n
    taken: set[str] = set()
    links, unlinks = list(links), list(unlinks)

    def give(i: int, value: str, why: str) -> None:
        ids[i], how[i] = value, why
        taken.add(value)

    for i, value in sorted((carried or {}).items()):
        if value and value not in taken and 0 <= i < n:
            give(i, value, CARRIED)
    previous_ids = list(previous_ids or ())
    held_before = set(previous_ids)
    if previous is not None and len(previous) and not held_before <= taken:
        cmp = compare.compare(_census(previous), _census(actors), links, unlinks)
        for ia, ib in zip(cmp.pairs["ia"].tolist(), cmp.pairs["ib"].tolist()):
            value = previous_ids[ia]
            if ids[ib] is None and value and value not in taken:
                give(ib, value, PAIRED)
    refs = compare.actor_refs(actors)
    free = [i for i in range(n) if ids[i] is None]

    def first_free(candidates: Iterable[str]) -> str | None:
        return next((c for c in candidates if c not in taken and c not in held_before), None)

    if free and history is not None:
        sources: dict[str, list[str]] = {}
        for ra, rb in links:
            sources.setdefault(rb, []).append(ra)
        forbidden = set(unlinks)
        wanted = {r for i in free for r in (refs[i], *sources.get(refs[i], ()))}
        found = history.by_ref(sorted({ref_key(r) for r in wanted}))
        for i in free:
            for ra in sources.get(refs[i], ()):
                value = first_free(found.get(ref_key(ra), ()))
                if value:
                    give(i, value, LINKED)
                    break
            if ids[i] is None and (refs[i], refs[i]) not in forbidden:
                value = first_free(found.get(ref_key(refs[i]), ()))
                if value:
                    give(i, value, RETURNED)
        free = [i for i in free if ids[i] is None]
    if free and former is not None:
        wanted = {former[i] for i in free if former[i]}
        inherited = history.before(wanted) if history is not None and wanted else set()
        for i in free:
            value = former[i]
            if value and value not in inherited and value not in taken and value not in held_before:
                give(i, value, KEPT)
        free = [i for i in free if ids[i] is None]
    if free and "siret" in actors:
        sirets = actors["siret"].tolist()
        for i in free:
            s = sirets[i]
            if isinstance(s, str) and s and s not in taken and s not in held_before:
                give(i, s, SIRET)
        free = [i for i in free if ids[i] is None]
    while free:
        drawn = {i: new_id() for i in free}
        clash = history.anywhere(set(drawn.values())) if history is not None else set()
        for i, value in drawn.items():
            if value not in taken and value not in clash and value not in held_before:
                give(i, value, NEW)
        free = [i for i in free if ids[i] is None]
    return Assignment([str(v) for v in ids], [str(h) for h in how], refs)


# ---------------------------------------------------------------------------------------------
# In the database
# ---------------------------------------------------------------------------------------------
def _chunks(values: Sequence, size: int = _CHUNK):
    for k in range(0, len(values), size):
        yield values[k:k + size]


class DbHistory:
    """``History`` over the territory's versions in the database (``number``: the version being given its
    identifiers; ``previous``: the number of the one before it, None for a first version)."""

    def __init__(self, conn: Connection, territory_id: int, number: int, previous: int | None):
        self.conn, self.territory_id, self.number, self.previous = conn, territory_id, number, previous

    def _select(self, *columns):
        return sa.select(*columns).select_from(actor_ids.join(versions, versions.c.id == actor_ids.c.version_id)) \
            .where(versions.c.territory_id == self.territory_id)

    def by_ref(self, keys: Sequence[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        if self.previous is None:
            return out
        for chunk in _chunks(list(keys)):
            q = self._select(actor_ids.c.ref_key, actor_ids.c.actor_id, versions.c.number, actor_ids.c.row).where(
                versions.c.number < self.previous, actor_ids.c.ref_key.in_(chunk))
            for r in sorted(self.conn.execute(q), key=lambda r: (-r.number, r.row)):
                found = out.setdefault(r.ref_key, [])
                if r.actor_id not in found:
                    found.append(r.actor_id)
        return out

    def _having(self, ids: Iterable[str], condition) -> set[str]:
        out: set[str] = set()
        for chunk in _chunks(sorted(set(ids))):
            out.update(self.conn.execute(self._select(actor_ids.c.actor_id).where(
                condition, actor_ids.c.actor_id.in_(chunk))).scalars())
        return out

    def before(self, ids: Iterable[str]) -> set[str]:
        return self._having(ids, versions.c.number < self.number)

    def anywhere(self, ids: Iterable[str]) -> set[str]:
        return self._having(ids, versions.c.number != self.number)


def pairings(conn: Connection, territory_id: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(links, unlinks) of the territory, as compare.compare takes them."""
    from .followup import PAIR_LINK

    rows = conn.execute(sa.select(actor_pairings.c.ref_a, actor_pairings.c.ref_b, actor_pairings.c.kind)
                        .where(actor_pairings.c.territory_id == territory_id).order_by(actor_pairings.c.id)).all()
    return ([(r.ref_a, r.ref_b) for r in rows if r.kind == PAIR_LINK],
            [(r.ref_a, r.ref_b) for r in rows if r.kind != PAIR_LINK])


def stored(conn: Connection, version_id: int) -> dict[int, str]:
    """{workbook row: identifier} of a version."""
    return {r.row: r.actor_id for r in conn.execute(sa.select(actor_ids.c.row, actor_ids.c.actor_id)
                                                    .where(actor_ids.c.version_id == version_id))}


def _stored_sources(conn: Connection, version_id: int) -> dict[int, tuple[int, int]]:
    """{row: (version id, row)} of the rows of a version that continue a row named explicitly."""
    return {r.row: (r.from_version_id, r.from_row) for r in conn.execute(
        sa.select(actor_ids.c.row, actor_ids.c.from_version_id, actor_ids.c.from_row).where(
            actor_ids.c.version_id == version_id, actor_ids.c.from_version_id.is_not(None)))}


def _resolve(conn: Connection, sources: Mapping[int, tuple[int, int]]) -> dict[int, str]:
    """{position: identifier} of ``sources`` ({position: (version id, row)})."""
    by_version: dict[int, dict[int, str]] = {}
    out = {}
    for pos, (vid, row) in sources.items():
        if vid not in by_version:
            by_version[vid] = stored(conn, vid)
        value = by_version[vid].get(row)
        if value:
            out[pos] = value
    return out


def _version_rows(conn: Connection, territory_id: int) -> list:
    return conn.execute(sa.select(versions.c.id, versions.c.number, versions.c.restored_from,
                                  versions.c.base_version, versions.c.file_name)
                        .where(versions.c.territory_id == territory_id).order_by(versions.c.number)).all()


def _previous(rows: list, number: int):
    before = [r for r in rows if r.number < number]
    return before[-1] if before else None


def give_ids(conn: Connection, territory_id: int, version_id: int, number: int, actors: pd.DataFrame,
             load: Callable[[int, int], pd.DataFrame], *, sources: Mapping[int, tuple[int, int]] | None = None,
             given: Mapping[int, str] | None = None) -> Assignment | None:
    """Give a version just inserted its identifiers, in the same transaction. ``load(version id, number)``: a
    version's actors; ``sources``: {position: (version id, row)} of the rows that continue a row named
    explicitly; ``given``: {workbook row: identifier} read from a territory's archive (kept as they are)."""
    rows_of = actors["row"].tolist()
    sources = dict(sources or {})
    if given is not None:
        conn.execute(actor_ids.insert(), [
            {"version_id": version_id, "row": int(r), "actor_id": given[int(r)], "ref_key": ref_key(ref),
             "from_version_id": None, "from_row": None}
            for r, ref in zip(rows_of, _refs(actors))])
        return None
    result = _assign_version(conn, territory_id, number, actors, load, sources, former=None)
    conn.execute(actor_ids.insert(), [
        {"version_id": version_id, "row": int(r), "actor_id": v, "ref_key": ref_key(ref),
         "from_version_id": sources[i][0] if i in sources else None,
         "from_row": sources[i][1] if i in sources else None}
        for i, (r, v, ref) in enumerate(zip(rows_of, result.ids, result.refs))])
    return result


def _refs(actors: pd.DataFrame) -> list[str]:
    from ..compare import actor_refs

    return actor_refs(actors.reset_index(drop=True))


def _assign_version(conn: Connection, territory_id: int, number: int, actors: pd.DataFrame,
                    load: Callable[[int, int], pd.DataFrame], sources: Mapping[int, tuple[int, int]],
                    former: Sequence[str | None] | None) -> Assignment:
    prev = _previous(_version_rows(conn, territory_id), number)
    previous = previous_ids = None
    if prev is not None:
        previous = load(prev.id, prev.number)
        by_row = stored(conn, prev.id)
        previous_ids = [by_row.get(int(r), "") for r in previous["row"].tolist()]
    links, unlinks = pairings(conn, territory_id)
    return assign(actors, previous=previous, previous_ids=previous_ids, links=links, unlinks=unlinks,
                  carried=_resolve(conn, sources), former=former,
                  history=DbHistory(conn, territory_id, number, prev.number if prev is not None else None))


def last_row_of(conn: Connection, territory_id: int, actor_id: str) -> tuple[int, int] | None:
    """(version id, row) of the most recent row of the territory that held this identifier."""
    row = conn.execute(sa.select(actor_ids.c.version_id, actor_ids.c.row).select_from(
        actor_ids.join(versions, versions.c.id == actor_ids.c.version_id)).where(
        versions.c.territory_id == territory_id, actor_ids.c.actor_id == actor_id)
        .order_by(versions.c.number.desc()).limit(1)).first()
    return (row.version_id, row.row) if row is not None else None


def first_version_with(conn: Connection, territory_id: int, refs: Iterable[str]) -> int | None:
    """The number of the oldest version of the territory that holds an actor with one of these references."""
    keys = [ref_key(r) for r in refs if r]
    if not keys:
        return None
    q = sa.select(sa.func.min(versions.c.number)).select_from(
        actor_ids.join(versions, versions.c.id == actor_ids.c.version_id)).where(
        versions.c.territory_id == territory_id, actor_ids.c.ref_key.in_(keys))
    return conn.execute(q).scalar()


def recompute(conn: Connection, territory_id: int, start: int,
              load: Callable[[int, int], pd.DataFrame]) -> dict[str, str]:
    """Compute the identifiers again for every version numbered ``start`` or later, in order (after a pairing made
    or removed by hand); a version whose identifiers changed gets a new ``ids_revision`` (its cached census is read
    again). Returns {old: new} for the identifiers of the latest version that changed."""
    rows = _version_rows(conn, territory_id)
    renamed: dict[str, str] = {}
    latest = rows[-1].id if rows else None
    for v in rows:
        if v.number < start:
            continue
        actors = load(v.id, v.number)
        before = stored(conn, v.id)
        former = [before.get(int(r)) for r in actors["row"].tolist()]
        continued = _stored_sources(conn, v.id)
        sources = {pos: continued[int(r)] for pos, r in enumerate(actors["row"].tolist()) if int(r) in continued}
        result = _assign_version(conn, territory_id, v.number, actors, load, sources, former)
        changed = [(int(r), old, new) for r, old, new in zip(actors["row"].tolist(), former, result.ids)
                   if old != new]
        if not changed:
            continue
        # Two passes: an identifier may move from one row to another of the same version.
        conn.execute(actor_ids.update().where(actor_ids.c.version_id == v.id,
                                              actor_ids.c.row == sa.bindparam("r")).values(actor_id=sa.bindparam("tmp")),
                     [{"r": r, "tmp": f"~{r}"} for r, _, _ in changed])
        conn.execute(actor_ids.update().where(actor_ids.c.version_id == v.id,
                                              actor_ids.c.row == sa.bindparam("r")).values(actor_id=sa.bindparam("new")),
                     [{"r": r, "new": new} for r, _, new in changed])
        conn.execute(versions.update().where(versions.c.id == v.id).values(
            ids_revision=sa.func.coalesce(versions.c.ids_revision, 0) + 1))
        if v.id == latest:
            renamed = {old: new for _, old, new in changed if old}
    return renamed


def backfill(conn: Connection) -> int:
    """Give every version of every territory its identifiers (the schema's upgrade to 0008), oldest first: a
    restored version continues the version restored, a version published from the questionnaire's shared draft
    continues its base version row for row. Returns the number of versions done."""
    from ..parquet import frame_from_parquet
    from .schema import territories

    def load(version_id: int, number: int) -> pd.DataFrame:
        data = conn.execute(sa.select(versions.c.actors_parquet).where(versions.c.id == version_id)).scalar_one()
        return frame_from_parquet(bytes(data))

    done = 0
    for tid in conn.execute(sa.select(territories.c.id).order_by(territories.c.id)).scalars().all():
        rows = _version_rows(conn, tid)
        cache: dict[int, pd.DataFrame] = {}

        def cached(version_id: int, number: int, cache: dict[int, pd.DataFrame] = cache) -> pd.DataFrame:
            if version_id not in cache:
                if len(cache) > 2:  # a version is read by itself and by the next one
                    cache.clear()
                cache[version_id] = load(version_id, number)
            return cache[version_id]

        for v in rows:
            actors = cached(v.id, v.number)
            give_ids(conn, tid, v.id, v.number, actors, cached,
                     sources=implied_sources(conn, tid, v.number, v.restored_from, v.base_version, v.file_name,
                                             len(actors), cached))
            done += 1
    return done


def implied_sources(conn: Connection, territory_id: int, number: int, restored_from: int | None,
                    base_version: int | None, file_name: str, n_rows: int,
                    load: Callable[[int, int], pd.DataFrame]) -> dict[int, tuple[int, int]]:
    """What a version given no explicit continuation continues anyway (an existing version at the upgrade, a
    version of an archive without identifiers): a restored version, the version restored (row for row: the same
    content); a version published from the questionnaire's shared draft, its base version when it was the previous
    one (row for row: the accepted updates were applied to it in place, new actors appended)."""
    by_number = {r.number: r for r in _version_rows(conn, territory_id)}
    src = None
    if restored_from is not None:
        src = by_number.get(restored_from)
    elif file_name == QUESTIONNAIRE_FILE and base_version is not None:
        prev = _previous(list(by_number.values()), number)
        src = prev if prev is not None and prev.number == base_version else None
    if src is None:
        return {}
    source_rows = load(src.id, src.number)["row"].tolist()
    if len(source_rows) > n_rows:
        return {}
    return {pos: (src.id, int(r)) for pos, r in enumerate(source_rows)}
