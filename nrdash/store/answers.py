"""Answers (submissions) to a territory's public questionnaire: their referent and contact apart
(``submission_contacts``, erased on request or after the territory's retention period), their status history
(``submission_events``), and the territory's one shared draft of accepted and merged answers not yet published,
kept as their decisions and always rebuilt on the latest version."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import campaign
from .. import questionnaire as quest
from .. import referential as ref
from . import identity
from .access import READ_PERSONAL, READ_PUBLISHED, Principal, Unit
from .common import (QUESTIONNAIRE_AUTHOR, QUESTIONNAIRE_FILE, as_utc, check_email, check_text, sha256, utcnow)
from .drafts import Draft
from .errors import StoreError, TooManySubmissions
from .schema import (campaign_recipients, drafts, questionnaire_settings, submission_contacts, submission_events,
                     submissions, versions)
from .versions import PublishResult, prepare_version

SUBMISSION_BURST, SUBMISSION_WINDOW = 20, dt.timedelta(minutes=10)  # answers per client address per window


@dataclass(frozen=True)
class Submission:
    """A questionnaire answer as stored. ``answer``'s referent and contact are blank unless asked for."""

    id: int
    created_at: dt.datetime
    origin: str  # "formulaire" | "papier"
    status: str  # questionnaire.NEW | ACCEPTED | MERGED | REJECTED
    answer: "quest.Answer"
    match_ref: str | None  # the census actor it matched when it was sent
    match_how: str | None
    decision: "quest.Decision | None"
    reason: str | None
    published_version: int | None
    history: tuple[tuple[dt.datetime, str, str, str | None], ...] = ()  # (when, status, who, note)
    actor_id: str | None = None  # an answer through a campaign's personal link: the actor it updates

    def as_dict(self, with_contacts: bool = False) -> dict[str, Any]:
        d = {"id": self.id, "recue_le": self.created_at.isoformat(), "origine": self.origin, "statut": self.status,
             "reponse": self.answer.public(), "acteur_correspondant": self.match_ref,
             "correspondance": self.match_how, "raison": self.reason, "version_publiee": self.published_version,
             "acteur": self.actor_id,
             "historique": [{"le": at.isoformat(), "statut": s, "par": who, "note": note}
                            for at, s, who, note in self.history]}
        if self.decision is not None:
            d["decision"] = json.loads(self.decision.to_json())
        if with_contacts:
            d["referent"], d["contact"] = self.answer.referent, self.answer.contact
        return d


@dataclass(frozen=True)
class FormInfo:
    """What the public form shows of its territory: its name, how long answers' contacts are kept, whether it takes
    answers, its communes (INSEE codes, from the latest version's territory) and the address to write to (None
    while its administrators have not set it)."""

    name: str
    retention_months: int
    open: bool
    members: tuple[str, ...]
    contact_email: str | None = None


def _check_answer(answer: "quest.Answer") -> None:
    for key in quest.TEXT_FIELDS:  # checked again here: the form is not the only way in
        check_text(answer.commune if key == "commune_text" else getattr(answer, key), f"q_{key}")
    if answer.actor_type not in ref.TYPES or not answer.name.strip():
        raise StoreError("Réponse incomplète : le nom de la structure et le type d'acteur sont obligatoires.")


def _is_open(conn: Connection, territory_id: int) -> bool:
    value = conn.execute(sa.select(questionnaire_settings.c.open).where(
        questionnaire_settings.c.territory_id == territory_id)).scalar()
    return True if value is None else bool(value)


def _insert(conn: Connection, territory_id: int, answer: "quest.Answer", match, client_key: str, origin: str,
            now: dt.datetime) -> int:
    sid = conn.execute(submissions.insert().values(
        territory_id=territory_id, created_at=now, client_key=client_key, origin=origin, status=quest.NEW,
        answer=json.dumps(answer.public(), ensure_ascii=False), name_key=quest.name_key(answer.name)[:300],
        match_ref=match.ref[:400] if match else None, match_how=match.how if match else None)
        .returning(submissions.c.id)).scalar_one()
    conn.execute(submission_contacts.insert().values(submission_id=sid, referent=answer.referent or None,
                                                     contact=answer.contact or None))
    conn.execute(submission_events.insert().values(submission_id=sid, at=now, status=quest.NEW, author=origin,
                                                   note=None))
    return sid


def _pending(conn: Connection, territory_id: int) -> list[Any]:
    return conn.execute(sa.select(submissions).where(
        submissions.c.territory_id == territory_id, submissions.c.status.in_([quest.ACCEPTED, quest.MERGED]),
        submissions.c.published_version.is_(None)).order_by(submissions.c.id)).all()


def _decided(conn: Connection, pending: list[Any], contacts: bool) -> list[tuple[Any, Any]]:
    """(answer, decision) of each pending row, in order; the answers' referent and contact when asked for."""
    found = {}
    if contacts and pending:
        found = {c.submission_id: c for c in conn.execute(sa.select(submission_contacts).where(
            submission_contacts.c.submission_id.in_([r.id for r in pending]))).all()}
    out = []
    for r in pending:
        c = found.get(r.id)
        out.append((quest.Answer.from_public(json.loads(r.answer), c.referent if c else None,
                                             c.contact if c else None), quest.Decision.from_json(r.decision)))
    return out


def _latest(conn: Connection, territory_id: int) -> Any:
    return conn.execute(sa.select(versions.c.number, versions.c.file_sha256, versions.c.territory_info).where(
        versions.c.territory_id == territory_id).order_by(versions.c.number.desc()).limit(1)).first()


def _submissions(conn: Connection, rows: list[Any], with_contacts: bool) -> list[Submission]:
    """The rows as Submissions, their history and (when asked for) contacts read in two queries."""
    ids = [r.id for r in rows]
    contacts: dict[int, Any] = {}
    history: dict[int, list] = {i: [] for i in ids}
    for chunk in (ids[k:k + 500] for k in range(0, len(ids), 500)):
        if with_contacts:
            contacts.update((c.submission_id, c) for c in conn.execute(
                sa.select(submission_contacts).where(submission_contacts.c.submission_id.in_(chunk))))
        for e in conn.execute(sa.select(submission_events).where(submission_events.c.submission_id.in_(chunk))
                              .order_by(submission_events.c.id)):
            history[e.submission_id].append((as_utc(e.at), e.status, e.author, e.note))
    out = []
    for row in rows:
        c = contacts.get(row.id)
        out.append(Submission(
            row.id, as_utc(row.created_at), row.origin, row.status,
            quest.Answer.from_public(json.loads(row.answer), c.referent if c else None, c.contact if c else None),
            row.match_ref, row.match_how, quest.Decision.from_json(row.decision) if row.decision else None,
            row.reason, row.published_version, tuple(history[row.id]), row.actor_id))
    return out


class Questionnaire:
    def questionnaire_form(self, who: Principal, territory: str) -> FormInfo:
        """What the public form of the territory needs (StoreError when the territory has nothing published)."""
        with self._unit(who, "questionnaire_form", territory) as u:
            trow = u.row()
            latest = _latest(u.conn, trow.id)
            if latest is None:
                raise StoreError("Ce questionnaire n'existe pas sur ce serveur : vérifiez le lien reçu.")
            info = json.loads(latest.territory_info) if latest.territory_info else None
            return FormInfo(trow.name, int(trow.retention_months), _is_open(u.conn, trow.id),
                            tuple(info["members"]) if info else (), trow.contact_email or None)

    def questionnaire_open(self, who: Principal, territory: str) -> bool:
        with self._unit(who, "questionnaire_open", territory) as u:
            return _is_open(u.conn, u.row().id)

    def set_questionnaire_open(self, who: Principal, territory: str, is_open: bool) -> None:
        with self._unit(who, "set_questionnaire_open", territory, write=True) as u:
            tid = u.row().id
            u.conn.execute(questionnaire_settings.delete().where(questionnaire_settings.c.territory_id == tid))
            u.conn.execute(questionnaire_settings.insert().values(territory_id=tid, open=bool(is_open)))

    def submit(self, who: Principal, territory: str, answer: "quest.Answer", *,
               now: dt.datetime | None = None) -> tuple[int, "quest.Match | None"]:
        """Store one answer of the public form (checked by questionnaire.validate) as a new submission; returns
        (its id, the census actor it matches, flagged for the editors, never refused; None to a principal who may
        not read the census: a closed census is never revealed). Raises StoreError when the questionnaire is
        closed or a text too long, TooManySubmissions when ``who``'s client address sent SUBMISSION_BURST answers
        in the last SUBMISSION_WINDOW, to any territory (counted and decided in the transaction that stores it,
        one such transaction at a time per address: parallel answers are each counted before the next is
        decided)."""
        _check_answer(answer)
        now = as_utc(now) or utcnow()
        key = sha256(str(who.client or who.email or "").encode())
        with self._unit(who, "submit", territory, write=True) as u:
            trow = u.row()
            self._serialize(u.conn, f"questionnaire answers from {key}")  # counted and decided by one at a time
            if not _is_open(u.conn, trow.id):
                raise StoreError("Ce questionnaire est fermé : il n'accepte plus de réponses.")
            recent = u.conn.execute(sa.select(submissions.c.created_at).where(
                submissions.c.client_key == key, submissions.c.created_at > now - SUBMISSION_WINDOW)
                .order_by(submissions.c.created_at)).scalars().all()
            if len(recent) >= SUBMISSION_BURST:
                wait = max(1, -(-int((as_utc(recent[0]) + SUBMISSION_WINDOW - now).total_seconds()) // 60))
                raise TooManySubmissions(
                    f"Beaucoup de réponses viennent d'être envoyées depuis cette connexion : patientez {wait} "
                    f"minute{'s' if wait > 1 else ''} puis cliquez de nouveau sur « Envoyer » (votre saisie est "
                    "conservée dans le formulaire).")
            match = self._match(u, answer)
            sid = _insert(u.conn, trow.id, answer, match, key, "formulaire", now)
            return sid, match if u.allows(READ_PUBLISHED) else None

    def _match(self, u: Unit, answer: "quest.Answer") -> "quest.Match | None":
        try:
            latest = self._open(u, None).census.actors
        except StoreError:
            latest = None
        return quest.flagged(answer, latest)

    def submit_paper(self, who: Principal, territory: str, answers: list, *, author: str = "",
                     now: dt.datetime | None = None) -> list[int]:
        """Answers collected on paper and typed in by an editor: all stored, in one transaction, or none."""
        for answer in answers:
            _check_answer(answer)
        now = as_utc(now) or utcnow()
        with self._unit(who, "submit_paper", territory, write=True) as u:
            key = sha256(str(u.author(author)).encode())
            return [_insert(u.conn, u.row().id, a, self._match(u, a), key, "papier", now) for a in answers]

    def submissions(self, who: Principal, territory: str, *, status: str | None = None,
                    with_contacts: bool = False) -> list[Submission]:
        """A territory's answers, oldest first (``status``: only those). Referent and contact only when asked for
        (READ_PERSONAL)."""
        with self._unit(who, "submissions", territory, option=READ_PERSONAL if with_contacts else None) as u:
            q = sa.select(submissions).where(submissions.c.territory_id == u.row().id).order_by(submissions.c.id)
            if status is not None:
                q = q.where(submissions.c.status == status)
            return _submissions(u.conn, u.conn.execute(q).all(), with_contacts)

    def submission(self, who: Principal, territory: str, sid: int, *, with_contacts: bool = False) -> Submission:
        with self._unit(who, "submission", territory, option=READ_PERSONAL if with_contacts else None) as u:
            row = u.conn.execute(sa.select(submissions).where(submissions.c.territory_id == u.row().id,
                                                              submissions.c.id == int(sid))).first()
            if row is None:
                raise StoreError(f"Réponse n° {sid} introuvable pour ce territoire.")
            return _submissions(u.conn, [row], with_contacts)[0]

    def count_submissions(self, who: Principal, territory: str, status: str = quest.NEW) -> int:
        with self._unit(who, "count_submissions", territory) as u:
            if u.territory is None:
                return 0
            return u.conn.execute(sa.select(sa.func.count()).select_from(submissions).where(
                submissions.c.territory_id == u.territory.id, submissions.c.status == status)).scalar()

    def review_submission(self, who: Principal, territory: str, sid: int, *,
                          decision: "quest.Decision | None" = None, reason: str | None = None,
                          now: dt.datetime | None = None, author: str = "") -> str:
        """An editor's decision on a new answer: ``decision`` (accept as a new actor, or merge chosen fields into
        an actor) puts it into the territory's shared draft (checked against the latest version in the same
        transaction; its workbook is written on publishing); ``reason`` rejects it. Returns the new status."""
        now = as_utc(now) or utcnow()
        if decision is None:
            reason = check_text(reason, "reason").strip()
            if not reason:
                raise StoreError("Donnez la raison du refus : elle est gardée dans l'historique de la réponse.")
            status = quest.REJECTED
        else:
            if decision.action not in (quest.ACCEPTED, quest.MERGED):
                raise StoreError(f"Décision « {decision.action[:20]} » inconnue.")
            if decision.action == quest.MERGED and not decision.actor_id and (not decision.target or
                                                                               not decision.fields):
                raise StoreError("Fusion impossible : choisissez l'acteur et au moins un champ à reprendre.")
            status = decision.action
        with self._unit(who, "review_submission", territory, write=True) as u:
            author = check_email(u.author(author))
            trow = u.row()
            row = u.conn.execute(sa.select(submissions).where(submissions.c.territory_id == trow.id,
                                                              submissions.c.id == int(sid))).first()
            if row is None:
                raise StoreError(f"Réponse n° {sid} introuvable pour ce territoire.")
            if row.status != quest.NEW:
                raise StoreError(f"La réponse n° {sid} a déjà été traitée ({quest.STATUS_LABEL[row.status]}).")
            u.conn.execute(submissions.update().where(submissions.c.id == row.id).values(
                status=status, decision=decision.to_json() if decision else None, reason=reason))
            note = reason if decision is None else (
                None if decision.action == quest.ACCEPTED else
                f"Mise à jour de l'acteur {decision.actor_id} : " + (", ".join(
                    quest.field_label(f) for f in decision.fields) or "aucun changement, fiche confirmée")
                if decision.actor_id else
                f"Fusion avec {decision.target} : " + ", ".join(quest.field_label(f) for f in decision.fields))
            u.conn.execute(submission_events.insert().values(submission_id=row.id, at=now, status=status,
                                                             author=author, note=note))
            if row.recipient_id is not None:  # an answer through a personal link: its campaign follows it
                u.conn.execute(campaign_recipients.update().where(
                    campaign_recipients.c.id == row.recipient_id, campaign_recipients.c.submission_id == row.id)
                    .values(outcome=campaign.REJECTED if decision is None else campaign.ACCEPTED))
            if decision is not None:
                self._check_questionnaire_draft(u, now)
        return status

    def _check_questionnaire_draft(self, u: Unit, now: dt.datetime) -> None:
        """Every accepted or merged answer not yet published still applies to the latest version (a merge's actor
        is in it), or StoreError (the decision is refused). The shared draft is kept as these decisions, not as a
        file: its workbook is written when it is published (or asked for), not on every decision."""
        tid = u.row().id
        pending = _pending(u.conn, tid)
        # A workbook an earlier nrdash stored for the shared draft: stale from now on (publishing rewrites it).
        u.conn.execute(drafts.delete().where(drafts.c.territory_id == tid, drafts.c.author_key == QUESTIONNAIRE_AUTHOR))
        if not pending:
            return
        latest = _latest(u.conn, tid)
        actors = self._open(u, latest.number if latest else None).census.actors  # no personal data: a merge's
        try:  # actor is found by its name, SIRET and commune
            quest.apply_decisions(actors, _decided(u.conn, pending, contacts=False), now.date())
        except quest.ApplyError as exc:
            raise StoreError(str(exc)) from None

    def _questionnaire_workbook(self, u: Unit, now: dt.datetime) -> tuple[bytes, int | None, list[int]]:
        """The shared draft as a census workbook: the latest version (its personal data included) with every
        accepted or merged answer not yet published applied in order; its base version and the answers' ids.
        (b"", None, []) when there is no such answer."""
        from ..template import census_to_xlsx

        pending = _pending(u.conn, u.row().id)
        if not pending:
            return b"", None, []
        latest = _latest(u.conn, u.row().id)
        number = latest.number if latest else None
        ds = self._open(u, number, personal=True)
        try:
            actors = quest.apply_decisions(ds.census.actors, _decided(u.conn, pending, contacts=True), now.date())
        except quest.ApplyError as exc:
            raise StoreError(str(exc)) from None
        return census_to_xlsx(ds.census, with_contacts=True, actors=actors), number, [r.id for r in pending]

    def questionnaire_draft(self, who: Principal, territory: str, *, data: bool = True) -> Draft | None:
        """The shared draft of accepted and merged answers not yet published (None when there is none): always the
        latest version with their decisions applied. ``author`` and ``updated_at``: the last decision's. ``data``:
        its workbook, written on demand (seconds on a large census); ``data=False``: b"". ``sha256`` identifies
        its content (base version and decisions), not the workbook's bytes."""
        with self._unit(who, "questionnaire_draft", territory) as u:
            if u.territory is None:
                return None
            pending = _pending(u.conn, u.territory.id)
            if not pending:
                return None
            latest = _latest(u.conn, u.territory.id)
            last = u.conn.execute(sa.select(submission_events.c.at, submission_events.c.author).where(
                submission_events.c.submission_id.in_([r.id for r in pending]),
                submission_events.c.status.in_([quest.ACCEPTED, quest.MERGED]))
                .order_by(submission_events.c.at.desc(), submission_events.c.id.desc()).limit(1)).first()
            now = utcnow()
            file = self._questionnaire_workbook(u, now)[0] if data else b""
        identity = json.dumps([latest.number if latest else None, latest.file_sha256 if latest else None,
                               [[r.id, r.decision] for r in pending]])
        return Draft(last.author if last else QUESTIONNAIRE_AUTHOR, QUESTIONNAIRE_FILE, file,
                     sha256(identity.encode("utf-8")), latest.number if latest else None,
                     as_utc(last.at) if last else now)

    def publish_questionnaire(self, who: Principal, territory: str, *, note: str = "",
                              force_reason: str | None = None, author: str = "") -> PublishResult:
        """Publish the shared draft (rebuilt on the latest version) as the next version, by the acting editor; its
        answers are marked as taken in by that version in the same transaction. The workbook is written and read
        before it; the transaction refuses when a version or a decision came meanwhile."""
        note = check_text(note, "note")
        if force_reason is not None:
            force_reason = check_text(force_reason, "reason").strip() or None
        now = utcnow()
        with self._unit(who, "publish_questionnaire", territory) as u:
            publisher = check_email(u.author(author))
            data, latest, ids = self._questionnaire_workbook(u, now)
        if not ids:
            raise StoreError("Aucune réponse acceptée ou fusionnée à publier.")
        values, personal = prepare_version(u.code, data, QUESTIONNAIRE_FILE, force_reason)
        values.update(author=publisher, note=note or "Réponses au questionnaire.", base_version=latest,
                      restored_from=None)

        def continues(unit: Unit) -> dict[int, tuple[int, int]]:
            """The base version's actors, row for row (updates were applied in place, new actors appended): each
            keeps its identifier, whatever an update changed in its name."""
            if latest is None:
                return {}
            base = self._version_row(unit, latest, versions.c.id)
            rows = self._open(unit, latest).census.actors["row"].tolist()
            added = [r for r in _pending(unit.conn, unit.row().id)
                     if quest.Decision.from_json(r.decision).action == quest.ACCEPTED]
            if values["n_actors"] != len(rows) + len(added):  # not the workbook it was written as: compare instead
                return {}
            out = {i: (base.id, int(r)) for i, r in enumerate(rows)}
            for k, r in enumerate(added):  # an actor gone from the base version, back through its personal link
                if r.actor_id:
                    last = identity.last_row_of(unit.conn, unit.row().id, r.actor_id)
                    if last is not None:
                        out[len(rows) + k] = last
            return out

        def mark(unit: Unit, result: PublishResult) -> None:
            tid = unit.row().id
            if [r.id for r in _pending(unit.conn, tid)] != ids:
                raise StoreError("Les réponses acceptées ont changé pendant la publication : relisez le brouillon "
                                 "partagé puis publiez de nouveau.")
            unit.conn.execute(drafts.delete().where(drafts.c.territory_id == tid,
                                                    drafts.c.author_key == QUESTIONNAIRE_AUTHOR))
            unit.conn.execute(submissions.update().where(submissions.c.id.in_(ids))
                              .values(published_version=result.number))
            unit.conn.execute(submission_events.insert(), [
                {"submission_id": i, "at": utcnow(), "status": "published", "author": publisher,
                 "note": f"Publiée dans la version {result.number}."} for i in ids])

        return self._write_version(who, "publish_questionnaire", territory, values, personal,
                                   expected_latest=latest or 0, after=mark, continues=continues)
