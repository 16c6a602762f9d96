"""Live votes of a workshop room (issue 28, migration 0010): an editor opens one vote at a time on a territory; the
room votes from phones with its short code (``Principal.vote``: the code is the only credential, and gives nothing
else of the territory); the projector follows a cheap revision counter; closing the vote keeps its result (date,
question, counts, participants) with the territory and deletes every ballot.

A ballot is one per browser (the SHA-256 of a random token the browser keeps while the vote is open), changed in
place until the vote closes; the number of ballots from one client address is bounded (a script), generously (a
room behind one NAT address)."""
from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, replace
from typing import Sequence

import sqlalchemy as sa

from .. import vote as vt
from .access import EDIT, OPERATOR, VOTER, WORKSHOP, Principal, Unit
from .common import as_utc, check_text, sha256, utcnow
from .errors import StoreError
from .schema import territories, vote_ballots, votes_table

PER_ADDRESS_ENV = "NRDASH_VOTE_PAR_ADRESSE"
PER_ADDRESS = 200  # ballots of one vote from one client address: a room behind one NAT, not a script
MAX_CHANGES = 100  # times one ballot may be changed


def per_address() -> int:
    """The bound on ballots per client address and vote (NRDASH_VOTE_PAR_ADRESSE; a bad value: the default)."""
    value = os.environ.get(PER_ADDRESS_ENV, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else PER_ADDRESS


class TooManyBallots(StoreError):
    """Too many ballots of one vote from one client address."""


@dataclass(frozen=True)
class VoteInfo:
    """A vote as a principal may see it: ``code`` only for the territory's editors and its workshop link (None for
    other readers); ``counts`` live while open (for the readers of the result), final once closed."""

    id: int
    code: str | None
    kind: str
    purpose: str
    question: str
    choices: tuple[vt.Choice, ...]
    max_choices: int
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    revision: int
    participants: int
    counts: dict[str, int]

    @property
    def open(self) -> bool:
        return self.closed_at is None

    def summary(self) -> str:
        return vt.summary(self.participants, self.counts, self.choices)

    def as_dict(self) -> dict:
        """The command line's JSON: the question, participants, counts by label."""
        return {"code": self.code, "territoire": None, "question": self.question, "sujet": self.kind,
                "but": self.purpose, "choix_par_personne": self.max_choices,
                "ouvert_le": self.opened_at.isoformat(), "clos_le": self.closed_at.isoformat() if self.closed_at
                else None, "participants": self.participants,
                "counts": vt.counts_by_label(self.counts, self.choices)}


@dataclass(frozen=True)
class Ballot:
    """What a phone shows: the vote (the result only once closed) and this browser's current choices."""

    vote: VoteInfo
    mine: tuple[str, ...]


def _info(row, show_code: bool, counts: dict[str, int] | None = None, participants: int | None = None) -> VoteInfo:
    choices = tuple(vt.Choice.from_dict(d) for d in json.loads(row.choices))
    if counts is None:
        counts = {c.key: int(json.loads(row.counts or "{}").get(c.key, 0)) for c in choices}
    return VoteInfo(row.id, row.code if show_code else None, row.kind, row.purpose, row.question, choices,
                    row.max_choices, as_utc(row.opened_at), as_utc(row.closed_at), row.revision,
                    int(row.participants or 0) if participants is None else participants, counts)


def _live(u: Unit, row) -> tuple[dict[str, int], int]:
    """(counts, participants) of an open vote, from its ballots."""
    ballots = [json.loads(b) for b in u.conn.execute(
        sa.select(vote_ballots.c.choices).where(vote_ballots.c.vote_id == row.id)).scalars()]
    return vt.tally(ballots, [vt.Choice.from_dict(d) for d in json.loads(row.choices)]), len(ballots)


def _code_of(who: Principal, code: str | None) -> str:
    """The vote code an operation is about: the code holder's own; the code given by the caller otherwise."""
    return vt.normalise_code(who.token if who.kind == VOTER else code)


class Votes:
    def open_vote(self, who: Principal, territory: str, kind: str = vt.MATRIX, max_choices: int = vt.DEFAULT_CHOICES,
                  *, purpose: str = vt.KEY_ACTIONS, question: str = "", choices: Sequence[vt.Choice] | None = None,
                  author: str = "") -> VoteInfo:
        """Open the territory's vote (one at a time): what it offers (``choices``, else those of ``kind``: a plan
        vote reads the latest published version's actions), how many choices each person has (1–10, at most the
        number offered). Returns it with its code."""
        try:
            n = vt.check_max_choices(max_choices)
            vt.check_purpose(purpose)
            question = vt.check_question(question, kind, purpose)
            offered = list(choices) if choices is not None else None
            if kind not in vt.KINDS:
                vt.choices_for(kind)
        except vt.VoteError as exc:
            raise StoreError(str(exc)) from None
        with self._unit(who, "open_vote", territory, write=True) as u:
            trow = u.row()
            current = u.conn.execute(sa.select(votes_table.c.code).where(
                votes_table.c.territory_id == trow.id, votes_table.c.closed_at.is_(None))).scalar()
            if current is not None:
                raise StoreError(f"Un vote est déjà ouvert sur ce territoire (code {current}) : fermez-le avant d'en ouvrir "
                                 f"un autre (« Clore le vote » sur la page Atelier, ou python -m nrdash vote close "
                                 f"{current}).")
            try:
                if offered is None:
                    offered = vt.choices_for(kind, self._open(u, None).census.actions if kind == vt.PLAN else None)
            except vt.VoteError as exc:
                raise StoreError(str(exc)) from None
            if not offered or len(offered) > vt.MAX_OFFERED:
                raise StoreError(f"Un vote propose de 1 à {vt.MAX_OFFERED} choix ({len(offered)} donnés).")
            for c in offered:
                check_text(c.label, "label", required=True)
            while True:
                code = vt.new_code()
                if u.conn.execute(sa.select(votes_table.c.id).where(votes_table.c.code == code)).first() is None:
                    break
            u.conn.execute(votes_table.insert().values(
                territory_id=trow.id, code=code, kind=kind, purpose=purpose, question=question,
                choices=json.dumps([c.as_dict() for c in offered], ensure_ascii=False),
                max_choices=min(n, len(offered)), opened_at=utcnow(),
                opened_by=check_text(u.author(author), "email"), closed_at=None, revision=0))
            row = u.conn.execute(sa.select(votes_table).where(votes_table.c.code == code)).one()
            return _info(row, True, *_live(u, row))

    def close_vote(self, who: Principal, territory: str, code: str | None = None) -> VoteInfo:
        """Close the territory's open vote (``code``: only if it is that one): its result is kept (participants and
        counts per choice) and every ballot is deleted."""
        wanted = vt.normalise_code(code) if code else None
        with self._unit(who, "close_vote", territory, write=True) as u:
            trow = u.row()
            row = u.conn.execute(sa.select(votes_table).where(
                votes_table.c.territory_id == trow.id, votes_table.c.closed_at.is_(None))).first()
            if row is None or (wanted is not None and row.code != wanted):
                raise StoreError("Aucun vote ouvert sur ce territoire" + (f" avec le code {wanted}" if wanted else "")
                                 + " : rien à clore.")
            counts, participants = _live(u, row)
            u.conn.execute(votes_table.update().where(votes_table.c.id == row.id).values(
                closed_at=utcnow(), participants=participants, counts=json.dumps(counts),
                revision=votes_table.c.revision + 1))
            u.conn.execute(vote_ballots.delete().where(vote_ballots.c.vote_id == row.id))
            return _info(u.conn.execute(sa.select(votes_table).where(votes_table.c.id == row.id)).one(), True)

    def votes(self, who: Principal, territory: str) -> list[VoteInfo]:
        """The territory's closed votes and their results, newest first (their codes: to its editors only)."""
        with self._unit(who, "votes", territory) as u:
            if u.territory is None:
                return []
            rows = u.conn.execute(sa.select(votes_table).where(
                votes_table.c.territory_id == u.territory.id, votes_table.c.closed_at.is_not(None))
                .order_by(votes_table.c.id.desc())).all()
            return [_info(r, u.allows(EDIT)) for r in rows]

    def latest_vote(self, who: Principal, territory: str) -> VoteInfo | None:
        """The territory's newest vote: the open one with its live counts, else the last closed one with its result
        (what the projector shows). Its code is given to the territory's editors and to its workshop link (the
        projector shows it), to no other reader."""
        with self._unit(who, "latest_vote", territory) as u:
            if u.territory is None:
                return None
            row = u.conn.execute(sa.select(votes_table).where(votes_table.c.territory_id == u.territory.id)
                                 .order_by(votes_table.c.id.desc()).limit(1)).first()
            if row is None:
                return None
            show = u.allows(EDIT) or who.kind == WORKSHOP
            return _info(row, show, *_live(u, row)) if row.closed_at is None else _info(row, show)

    def vote_revision(self, who: Principal, territory: str) -> tuple[int, int, bool] | None:
        """(vote, revision, open) of the territory's newest vote: the revision changes with every ballot and with
        the closing. The projector asks for it every second and reads the result only when it changed."""
        with self._unit(who, "vote_revision", territory) as u:
            if u.territory is None:
                return None
            row = u.conn.execute(sa.select(votes_table.c.id, votes_table.c.revision, votes_table.c.closed_at).where(
                votes_table.c.territory_id == u.territory.id).order_by(votes_table.c.id.desc()).limit(1)).first()
            return None if row is None else (row.id, row.revision, row.closed_at is None)

    def vote_territory(self, who: Principal, code: str | None = None) -> str | None:
        """The territory of the vote a code holder holds the code of (open or closed), None for an unknown code;
        the operator may name the code (the command line's ``vote close CODE``). Anyone else learns nothing."""
        with self._unit(who, "vote_territory") as u:
            wanted = _code_of(who, code) if who.kind in (VOTER, OPERATOR) else ""
            if not wanted:
                return None
            return u.conn.execute(sa.select(territories.c.code).join(
                votes_table, votes_table.c.territory_id == territories.c.id).where(
                votes_table.c.code == wanted)).scalar()

    def _vote_row(self, u: Unit, code: str | None):
        wanted = _code_of(u.who, code)
        row = u.conn.execute(sa.select(votes_table).where(
            votes_table.c.code == wanted, votes_table.c.territory_id == u.row().id)).first() if wanted else None
        if row is None:
            raise StoreError(vt.UNKNOWN_CODE)
        return row

    def vote_ballot(self, who: Principal, territory: str, *, code: str | None = None,
                    voter: str | None = None) -> Ballot:
        """What the phone shows: the question and its choices, this browser's choices while the vote is open, the
        result once it is closed (never a count while it is open: the room votes first)."""
        voter = voter or who.voter
        with self._unit(who, "vote_ballot", territory) as u:
            row = self._vote_row(u, code)
            info = _info(row, True)
            if row.closed_at is not None:
                return Ballot(info, ())
            mine = u.conn.execute(sa.select(vote_ballots.c.choices).where(
                vote_ballots.c.vote_id == row.id, vote_ballots.c.voter_key == sha256(voter.encode()))).scalar() \
                if voter else None
            return Ballot(replace(info, counts={}, participants=0), tuple(json.loads(mine)) if mine else ())

    def cast_vote(self, who: Principal, territory: str, selected: Sequence[str], *, code: str | None = None,
                  voter: str | None = None) -> tuple[str, ...]:
        """Record this browser's choices (replacing its earlier ones) while the vote is open. Refused, in French: a
        closed vote, an empty ballot, too many choices, a choice not offered, a browser without its token, too
        many ballots from one address."""
        voter = voter or who.voter
        if not voter:
            raise StoreError("Votre navigateur n'a pas de jeton de vote : rechargez la page (le navigateur doit "
                             "accepter les cookies de ce site).")
        voter_key, client_key = sha256(str(voter).encode()), sha256(str(who.client or "").encode())
        with self._unit(who, "cast_vote", territory, write=True) as u:
            row = self._vote_row(u, code)
            if row.closed_at is not None:
                raise StoreError(vt.CLOSED)
            try:
                chosen = vt.check_ballot(selected, [vt.Choice.from_dict(d) for d in json.loads(row.choices)],
                                         row.max_choices)
            except vt.VoteError as exc:
                raise StoreError(str(exc)) from None
            mine = vote_ballots.c.vote_id == row.id, vote_ballots.c.voter_key == voter_key
            old = u.conn.execute(sa.select(vote_ballots.c.choices, vote_ballots.c.changes).where(*mine)).first()
            now, text = utcnow(), json.dumps(chosen)
            if old is not None:
                if old.choices == text:
                    return tuple(chosen)
                if old.changes >= MAX_CHANGES:
                    raise StoreError(f"Votre vote a déjà été modifié {MAX_CHANGES} fois : il reste enregistré tel "
                                     "quel.")
                u.conn.execute(vote_ballots.update().where(*mine).values(
                    choices=text, changes=old.changes + 1, updated_at=now))
            else:
                same = u.conn.execute(sa.select(sa.func.count()).select_from(vote_ballots).where(
                    vote_ballots.c.vote_id == row.id, vote_ballots.c.client_key == client_key)).scalar()
                limit = per_address()
                if same >= limit:
                    raise TooManyBallots(f"Trop de votes depuis cette adresse réseau ({limit}) : ce vote n'en "
                                         "accepte pas davantage. Si toute la salle passe par la même adresse, "
                                         "l'exploitant peut relever NRDASH_VOTE_PAR_ADRESSE.")
                u.conn.execute(vote_ballots.insert().values(
                    vote_id=row.id, voter_key=voter_key, client_key=client_key, choices=text, changes=0,
                    updated_at=now))
            u.conn.execute(votes_table.update().where(votes_table.c.id == row.id).values(
                revision=votes_table.c.revision + 1))
            return tuple(chosen)
