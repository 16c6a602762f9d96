"""Personal data: Référent and Contact of every version (``personal_data``) and of questionnaire answers
(``submission_contacts``), their erasure on request, their removal after the territory's retention period, and the
redacted copies of the original files they came from (the original's SHA-256 kept)."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import PurePath
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import referential as ref
from ..census import Census
from ..redaction import RedactionError, file_kind, redact_file
from ..sandbox import load_census_isolated
from .access import Principal
from .campaigns import erase_recipients, expire_recipients
from .common import add_months, as_utc, check_text, fold, sha256, utcnow
from .errors import StoreError
from .schema import (drafts, login_attempts, maintenance, personal_data, sessions, submission_contacts, submissions,
                     territories, versions)
from .versions import dataset_of, forget_personal, with_personal

# The tables an erasure or the retention period deletes from or rewrites: what is scrubbed afterwards.
PERSONAL_TABLES = ("personal_data", "versions", "drafts", "submission_contacts", "campaign_recipients")
RETENTION_TASK, RETENTION_EVERY = "retention", dt.timedelta(days=1)
ACCESS_RECORDS_KEPT = dt.timedelta(days=30)  # ended or expired sessions, sign-in attempts (e-mails, addresses)


def _drop_drafts_mentioning(conn: Connection, territory_id: int, matches) -> int:
    """Drafts are working copies: one that holds a matching Référent/Contact is deleted whole (an erasure reaches it
    too). An unreadable draft is deleted as well: it cannot be checked."""
    dropped = 0
    for d in conn.execute(sa.select(drafts).where(drafts.c.territory_id == territory_id)).all():
        try:
            actors = load_census_isolated(bytes(d.file_bytes), d.file_name).actors
            hit = any(matches(v) for c in ref.PERSONAL_FIELDS if c in actors for v in actors[c].dropna().astype(str))
        except Exception:
            hit = True
        if hit:
            conn.execute(drafts.delete().where(drafts.c.id == d.id))
            dropped += 1
    return dropped


def _erase_submission_contacts(conn: Connection, territory_id: int, matches) -> int:
    rows = conn.execute(sa.select(submission_contacts).join(
        submissions, submissions.c.id == submission_contacts.c.submission_id).where(
        submissions.c.territory_id == territory_id)).all()
    hit = [r.submission_id for r in rows if matches(r.referent) or matches(r.contact)]
    if hit:
        conn.execute(submission_contacts.delete().where(submission_contacts.c.submission_id.in_(hit)))
    return len(hit)


def _expire_submission_contacts(conn: Connection, territory_id: int, cutoff: dt.datetime) -> int:
    old = conn.execute(sa.select(submission_contacts.c.submission_id).join(
        submissions, submissions.c.id == submission_contacts.c.submission_id).where(
        submissions.c.territory_id == territory_id, submissions.c.created_at < cutoff)).scalars().all()
    if old:
        conn.execute(submission_contacts.delete().where(submission_contacts.c.submission_id.in_(old)))
    return len(old)


def _redacted_census(conn: Connection, v: Any) -> Census:
    """The version's census with the personal data left in the table (after the deletes of ``_redact``)."""
    return with_personal(dataset_of(v).census, conn.execute(
        sa.select(personal_data).where(personal_data.c.version_id == v.id)))


class Personal:
    def personal_rows(self, who: Principal, territory: str, number: int) -> list[dict[str, Any]]:
        with self._unit(who, "personal_rows", territory) as u:
            row = self._version_row(u, number, versions.c.id)
            return [dict(r._mapping) for r in u.conn.execute(
                sa.select(personal_data.c.row, personal_data.c.referent, personal_data.c.contact)
                .where(personal_data.c.version_id == row.id).order_by(personal_data.c.row))]

    def erase_person(self, who: Principal, territory: str, text: str, *, now: dt.datetime | None = None) -> int:
        """Remove every Référent/Contact matching ``text`` (case and accents ignored; a whole value or whole
        words inside it) from every version of the territory and from its questionnaire answers, and redact the
        original files; the campaigns' recipients with a matching address go (their rows and links); then scrub the
        database's files of what was deleted (``Database._scrub``). Returns the number of versions, answers and
        campaign recipients changed."""
        wanted = fold(check_text(text, "note", required=True))
        if len(wanted) < 3:
            raise StoreError("Texte à effacer trop court (3 caractères au moins) : donnez le nom ou l'adresse.")
        pattern = re.compile(r"(?<![\w@.-])" + re.escape(wanted) + r"(?![\w@-])")

        def matches(value: str | None) -> bool:
            return bool(value) and bool(pattern.search(fold(value)))

        with self._unit(who, "erase_person", territory, write=True) as u:
            trow = u.row()
            rows = u.conn.execute(
                sa.select(personal_data.c.version_id, personal_data.c.row, personal_data.c.referent,
                          personal_data.c.contact)
                .join(versions, versions.c.id == personal_data.c.version_id)
                .where(versions.c.territory_id == trow.id)).all()
            hits: dict[int, set[int]] = {}
            for r in rows:
                if matches(r.referent) or matches(r.contact):
                    hits.setdefault(r.version_id, set()).add(r.row)
            self._redact(u.conn, hits, now or utcnow(), "effacement demandé")
            _drop_drafts_mentioning(u.conn, trow.id, matches)
            answers = _erase_submission_contacts(u.conn, trow.id, matches)
            recipients = erase_recipients(u.conn, trow.id, matches)  # their campaign rows and links
        self._scrub(PERSONAL_TABLES)  # down to the bytes: nothing left in the database's files
        return len(hits) + answers + recipients

    def apply_retention(self, who: Principal, now: dt.datetime | None = None) -> dict[str, int]:
        """Remove the personal data of versions older than their territory's retention period (months), and the
        referent and contact of questionnaire answers received before it; ended or expired sessions and sign-in
        attempts after 30 days. Returns {territory code: versions and answers changed}. ``python -m nrdash
        retention`` runs it (cron); the server runs ``apply_retention_if_due`` on its own."""
        now = as_utc(now) or utcnow()
        with self._unit(who, "apply_retention", write=True) as u:
            done = self._retention(u.conn, now)
        if done or self._scrub_pending():  # (an erasure's scrub that could not finish is finished here)
            self._scrub(PERSONAL_TABLES)
        return done

    def apply_retention_if_due(self, who: Principal, now: dt.datetime | None = None) -> dict[str, int] | None:
        """``apply_retention`` unless it was applied less than a day ago, by whichever replica or command (the time
        is a row of the database, read and written in the same transaction: replicas starting together apply it
        once). None when it was not due."""
        now = as_utc(now) or utcnow()
        with self._unit(who, "apply_retention_if_due", write=True) as u:
            self._serialize(u.conn, f"maintenance {RETENTION_TASK}")
            last = as_utc(u.conn.execute(sa.select(maintenance.c.done_at).where(
                maintenance.c.task == RETENTION_TASK)).scalar())
            if last is not None and now - RETENTION_EVERY < last <= now:
                return None
            done = self._retention(u.conn, now)
        if done or self._scrub_pending():
            self._scrub(PERSONAL_TABLES)
        return done

    def _retention(self, conn: Connection, now: dt.datetime) -> dict[str, int]:
        done: dict[str, int] = {}
        for t in conn.execute(sa.select(territories)).all():
            cutoff = add_months(now, -int(t.retention_months))
            old = conn.execute(
                sa.select(personal_data.c.version_id).distinct()
                .join(versions, versions.c.id == personal_data.c.version_id)
                .where(versions.c.territory_id == t.id, versions.c.created_at < cutoff)).scalars().all()
            if old:
                self._redact(conn, {vid: None for vid in old}, now,
                             f"durée de conservation ({t.retention_months} mois) écoulée")
                done[t.code] = len(old)
            conn.execute(drafts.delete().where(drafts.c.territory_id == t.id, drafts.c.updated_at < cutoff))
            answers = _expire_submission_contacts(conn, t.id, cutoff) + expire_recipients(conn, t.id, cutoff)
            if answers:
                done[t.code] = done.get(t.code, 0) + answers
        kept = now - ACCESS_RECORDS_KEPT
        conn.execute(sessions.delete().where(sa.or_(sessions.c.expires_at < kept, sessions.c.ended_at < kept)))
        conn.execute(login_attempts.delete().where(login_attempts.c.at < kept))
        conn.execute(maintenance.delete().where(maintenance.c.task == RETENTION_TASK))
        conn.execute(maintenance.insert().values(task=RETENTION_TASK, done_at=now))
        return done

    def _redact(self, conn: Connection, hits: dict[int, set[int] | None], now: dt.datetime, why: str) -> None:
        forget_personal(self._key, hits)
        for vid, rows in hits.items():
            v = conn.execute(sa.select(versions).where(versions.c.id == vid)).one()
            q = personal_data.delete().where(personal_data.c.version_id == vid)
            conn.execute(q if rows is None else q.where(personal_data.c.row.in_(sorted(rows))))
            fallback = None if file_kind(bytes(v.file_bytes), v.file_name) in ("xlsx", "csv") else \
                _redacted_census(conn, v)
            try:
                data, name, note = redact_file(bytes(v.file_bytes), v.file_name, v.sheet, rows, fallback)
            except RedactionError as exc:
                raise StoreError(str(exc)) from None
            except Exception:  # a file openpyxl cannot rewrite: the normalised census, re-written
                from ..template import census_to_xlsx

                data = census_to_xlsx(_redacted_census(conn, v), with_contacts=True)
                name = f"{PurePath(v.file_name).stem}-expurge.xlsx"
                note = (f"Copie expurgée réécrite au format .xlsx depuis le recensement normalisé "
                        f"(« {v.file_name} » n'a pas pu être réécrit tel quel).")
            history = f"{now.date().isoformat()} : {why}, données personnelles retirées ; SHA-256 du fichier " \
                      f"d'origine : {v.original_sha256}."
            conn.execute(versions.update().where(versions.c.id == vid).values(
                file_bytes=data, file_sha256=sha256(data), file_name=name, redacted_at=now,
                redaction_note="\n".join(filter(None, [v.redaction_note, note, history]))))
