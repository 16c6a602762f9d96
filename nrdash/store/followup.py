"""The Suivi page's stored choices (migration 0004): a territory's objectives, and the actor pairings a person made
or forbade between versions."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from . import identity
from .access import READ_PERSONAL, Principal, Unit
from .common import as_utc, check_text, utcnow
from .errors import StoreError
from .schema import actor_pairings, objectives_table

PAIR_LINK, PAIR_UNLINK, PAIR_REF_MAX = "link", "unlink", 700


@dataclass(frozen=True)
class StoredObjective:
    id: int
    objective: Any  # nrdash.compare.Objective
    start_version: int | None
    created_by: str  # blank for a principal who may not see personal data
    created_at: dt.datetime


class FollowUp:
    def objectives(self, who: Principal, territory: str) -> list[StoredObjective]:
        """The territory's objectives, oldest first."""
        from ..compare import Objective

        with self._unit(who, "objectives", territory) as u:
            rows = u.conn.execute(sa.select(objectives_table).where(objectives_table.c.territory_id == u.row().id)
                                  .order_by(objectives_table.c.id)).all()
            authors = u.allows(READ_PERSONAL)
        return [StoredObjective(r.id, Objective(r.indicator, float(r.target), r.deadline, r.start_date,
                                                float(r.start_value), r.family, r.note or ""),
                                r.start_version, r.created_by if authors else "", as_utc(r.created_at)) for r in rows]

    def add_objective(self, who: Principal, territory: str, objective, start_version: int | None, *,
                      author: str = "") -> int:
        """Record an objective (nrdash.compare.Objective) set while ``start_version`` was current."""
        note = check_text(objective.note, "note")
        author = check_text(author, "author")
        if not math.isfinite(objective.target) or not math.isfinite(objective.start_value):
            raise StoreError("La cible de l'objectif doit être un nombre.")
        if objective.deadline <= objective.start_date:
            raise StoreError(f"L'échéance ({objective.deadline.strftime('%d/%m/%Y')}) doit suivre la date de "
                             f"départ de l'objectif ({objective.start_date.strftime('%d/%m/%Y')}).")
        with self._unit(who, "add_objective", territory, write=True) as u:
            return u.conn.execute(objectives_table.insert().values(
                territory_id=u.row().id, indicator=objective.indicator, family=objective.family,
                target=float(objective.target), deadline=objective.deadline, start_version=start_version,
                start_date=objective.start_date, start_value=float(objective.start_value), note=note,
                created_by=u.author(author), created_at=utcnow()).returning(objectives_table.c.id)).scalar_one()

    def delete_objective(self, who: Principal, territory: str, objective_id: int) -> bool:
        with self._unit(who, "delete_objective", territory, write=True) as u:
            return u.conn.execute(objectives_table.delete().where(
                objectives_table.c.territory_id == u.row().id,
                objectives_table.c.id == int(objective_id))).rowcount > 0

    def pairings(self, who: Principal, territory: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """(links, unlinks): the pairs of actor references (nrdash.compare.actor_refs) a person made or forbade
        on this territory, for ``compare.compare``."""
        with self._unit(who, "pairings", territory) as u:
            if u.territory is None:
                return [], []
            rows = u.conn.execute(sa.select(actor_pairings.c.ref_a, actor_pairings.c.ref_b, actor_pairings.c.kind)
                                  .where(actor_pairings.c.territory_id == u.territory.id)
                                  .order_by(actor_pairings.c.id)).all()
        links = [(r.ref_a, r.ref_b) for r in rows if r.kind == PAIR_LINK]
        return links, [(r.ref_a, r.ref_b) for r in rows if r.kind == PAIR_UNLINK]

    def set_pairing(self, who: Principal, territory: str, ref_a: str, ref_b: str, kind: str, *,
                    author: str = "") -> None:
        """Pair (``link``) or forbid pairing (``unlink``) the actor ``ref_a`` of an older version with ``ref_b``
        of a newer one; replaces an earlier choice on the same two references."""
        if kind not in (PAIR_LINK, PAIR_UNLINK):
            raise ValueError(kind)
        for r in (ref_a, ref_b):
            if not isinstance(r, str) or not r or len(r) > PAIR_REF_MAX:
                raise StoreError(f"Référence d'acteur invalide (vide ou plus de {PAIR_REF_MAX} caractères) : "
                                 "choisissez deux acteurs dans les listes.")
        author = check_text(author, "author")
        with self._unit(who, "set_pairing", territory, write=True) as u:
            tid = u.row().id
            u.conn.execute(actor_pairings.delete().where(actor_pairings.c.territory_id == tid,
                                                         actor_pairings.c.ref_a == ref_a,
                                                         actor_pairings.c.ref_b == ref_b))
            u.conn.execute(actor_pairings.insert().values(territory_id=tid, ref_a=ref_a, ref_b=ref_b, kind=kind,
                                                          created_by=u.author(author), created_at=utcnow()))
            self._relink(u, ref_b)

    def _relink(self, u: Unit, ref: str) -> dict[str, str]:
        """The actors' identifiers computed again from the first version holding ``ref`` (a pairing made or removed
        by hand re-links them: nrdash/store/identity.py), in the operation's transaction; {old: new} for the latest
        version's."""
        tid = u.row().id
        start = identity.first_version_with(u.conn, tid, [ref])
        if start is None:
            return {}
        return identity.recompute(u.conn, tid, start, lambda version_id, number: self._open(u, number).census.actors)

    def remove_pairing(self, who: Principal, territory: str, ref_a: str, ref_b: str) -> bool:
        with self._unit(who, "remove_pairing", territory, write=True) as u:
            removed = u.conn.execute(actor_pairings.delete().where(
                actor_pairings.c.territory_id == u.row().id, actor_pairings.c.ref_a == ref_a,
                actor_pairings.c.ref_b == ref_b)).rowcount > 0
            if removed:
                self._relink(u, ref_b)
            return removed
