"""Update campaigns (migration 0008, issue 26): a campaign reaches actors of the territory's latest version, each
through a personal link (``/questionnaire?territoire=CODE&acteur=TOKEN``) that opens the questionnaire filled in
with its public record; the answer arrives in the review queue as an update of that actor.

- **Recipients** (``campaign_recipients``): one per actor (two actors sharing an address are two recipients), with
  the actor's identifier (nrdash/store/identity.py), its name then, its e-mail address (the first written in
  « Contact »: personal data, erased with the person and after the territory's retention period), where its e-mail
  stands (``state``, nrdash.campaign) and what came of its link (``outcome``).
- **Personal links** (``campaign_tokens``): 192 random bits (``secrets.token_urlsafe(24)``), kept only as their
  SHA-256, tied to one recipient; a link answers until the campaign's end date (the day included) and refuses
  e-mails for good. A new link is issued for every message (and every mail-merge file): every one issued stays
  valid, none is kept in clear.
- **Refusals of e-mails** (``email_refusals``): an HMAC-SHA-256 of the address (trimmed, case ignored) under the
  territory's own key (``campaign_keys``), nothing else: every later campaign of the territory leaves that address
  out.
- **Sending** (nrdash.mailing): one sender per campaign at a time (``campaigns.sender``, a lease it renews at every
  message), recipients claimed one at a time. A recipient is marked ``delivering`` (committed) just before the
  message's content is given to the server, and ``sent`` once the server accepted it: a sender that stops in between
  (a crash, SIGKILL) leaves it ``delivering``, which the next sender turns into ``uncertain`` and never sends again
  by itself. So no actor of a campaign gets its message twice; a message in flight at a crash may be missing (said,
  and sent again on an editor's explicit request: ``resend_uncertain``).
"""
from __future__ import annotations

import datetime as dt
import hmac
import json
import os
import secrets
import socket
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import campaign as cm
from .. import questionnaire as quest
from .access import READ_PERSONAL, Principal, Unit, actor_link
from .common import as_utc, check_text, email_key, sha256, today, utcnow
from .errors import StoreError
from .schema import (campaign_keys, campaign_recipients, campaign_tokens, campaigns, email_refusals,
                     submission_contacts, submission_events, submissions, territories, versions)

LEASE = dt.timedelta(minutes=2)  # a sender not heard of for this long has stopped (it renews at every message)
LINK_ORIGIN = "lien personnel"  # a submission's origin and match
_CHUNK = 500


@dataclass(frozen=True)
class CampaignInfo:
    id: int
    title: str
    created_at: dt.datetime
    created_by: str
    version: int | None
    selection: str
    ends_on: dt.date
    subject: str
    body: str
    remind_after_days: int
    max_reminders: int
    recipients: int
    counts: dict[str, int]  # status (nrdash.campaign.status) -> recipients
    sending: bool  # a sender holds the campaign now
    to_send: int  # recipients a sending would write to now

    @property
    def answered(self) -> int:
        return sum(self.counts.get(s, 0) for s in cm.ANSWER_STATUSES)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "titre": self.title, "creee_le": self.created_at.isoformat(),
                "creee_par": self.created_by, "version": self.version, "selection": self.selection,
                "fin": self.ends_on.isoformat(), "recipients": self.recipients, "statuts": self.counts,
                "reponses": self.answered, "envoi_en_cours": self.sending, "a_envoyer": self.to_send}


@dataclass(frozen=True)
class Recipient:
    id: int
    actor_id: str
    name: str
    email: str | None  # None unless asked for (READ_PERSONAL), or erased
    has_email: bool
    state: str
    outcome: str | None
    status: str  # in words (nrdash.campaign.status)
    attempts: int
    messages: int
    last_error: str | None
    sent_at: dt.datetime | None
    answered_at: dt.datetime | None
    submission_id: int | None

    def as_dict(self, with_contacts: bool = False) -> dict[str, Any]:
        d = {"id": self.id, "acteur": self.actor_id, "nom": self.name, "statut": self.status, "etat": self.state,
             "reponse": self.outcome, "courriels_envoyes": self.messages, "tentatives": self.attempts,
             "erreur": self.last_error, "envoye_le": self.sent_at.isoformat() if self.sent_at else None,
             "repondu_le": self.answered_at.isoformat() if self.answered_at else None,
             "soumission": self.submission_id, "a_une_adresse": self.has_email}
        if with_contacts:
            d["email"] = self.email
        return d


@dataclass(frozen=True)
class Claim:
    """A recipient a sender may write to now, with a link just issued for this message."""

    recipient_id: int
    actor_id: str
    name: str
    email: str
    token: str = field(repr=False)
    reminder: bool


@dataclass(frozen=True)
class PersonalForm:
    """What the questionnaire opened by a personal link shows: the territory's form, and that actor's public record
    in the latest version (None: the actor is no longer in it; the answer will arrive as a new actor)."""

    territory: str
    retention_months: int
    members: tuple[str, ...]
    name: str  # the actor's name when the campaign was made
    record: dict[str, Any] | None
    ends_on: dt.date
    pending: bool  # an answer of this link waits for review: a new one replaces it
    contact_email: str | None = None


RECORD_FIELDS = ("name", "siret", "type", "is_local", "commune", "insee", "action_types", "dimensions",
                 "description", "level")  # the public record a personal link shows (never referent nor contact)


def _plain(value: Any) -> Any:
    """A census cell as JSON-ready Python (None for every kind of missing)."""
    if isinstance(value, (list, tuple)):
        return list(value)
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


def _record(actors: pd.DataFrame, actor_id: str) -> dict[str, Any] | None:
    """The public record (RECORD_FIELDS) of the actor with this identifier, None when it is not in ``actors``."""
    if "actor_id" not in actors:
        return None
    found = np.flatnonzero(actors["actor_id"].to_numpy(dtype=object) == actor_id)
    if not len(found):
        return None
    row = actors.iloc[int(found[0])]
    return {f: _plain(row[f]) if f in actors else None for f in RECORD_FIELDS}


def _key(conn: Connection, territory_id: int, create: bool) -> bytes | None:
    """The territory's key of the refusals' hashes (made at its first use by a writing operation)."""
    value = conn.execute(sa.select(campaign_keys.c.refusal_key)
                         .where(campaign_keys.c.territory_id == territory_id)).scalar()
    if value is None and create:
        value = secrets.token_hex(32)
        conn.execute(campaign_keys.insert().values(territory_id=territory_id, refusal_key=value))
    return bytes.fromhex(value) if value else None


def address_hash(key: bytes, address: str) -> str:
    return hmac.new(key, email_key(address).encode("utf-8"), "sha256").hexdigest()


def _refused(conn: Connection, territory_id: int, key: bytes | None, addresses: Iterable[str]) -> set[str]:
    """Those of ``addresses`` (as given) that refused the territory's e-mails."""
    if key is None:
        return set()
    by_hash: dict[str, list[str]] = {}
    for a in addresses:
        by_hash.setdefault(address_hash(key, a), []).append(a)
    hashes = list(by_hash)
    out: set[str] = set()
    for chunk in (hashes[k:k + _CHUNK] for k in range(0, len(hashes), _CHUNK)):
        for h in conn.execute(sa.select(email_refusals.c.address_hash).where(
                email_refusals.c.territory_id == territory_id, email_refusals.c.address_hash.in_(chunk))).scalars():
            out.update(by_hash[h])
    return out


def _new_token(conn: Connection, recipient_id: int, now: dt.datetime) -> str:
    token = secrets.token_urlsafe(24)  # 192 bits
    conn.execute(campaign_tokens.insert().values(token_hash=sha256(token.encode()), recipient_id=recipient_id,
                                                 issued_at=now))
    return token


def _status_of(r: Any) -> str:
    return cm.status(r.state, r.outcome)


def sender_name() -> str:
    """A sender's name: this host, this process and a random part (host and process tell a stopped sender of this
    machine at once)."""
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{secrets.token_hex(4)}"


def _sender_alive(name: str | None, seen: dt.datetime | None, now: dt.datetime) -> bool:
    if not name or seen is None or as_utc(seen) < now - LEASE:
        return False
    host, _, rest = name.partition(":")
    pid = rest.partition(":")[0]
    if host == socket.gethostname()[:120] and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
    return True


class Campaigns:
    # -- choosing and making ------------------------------------------------------------------
    def _latest_actors(self, u: Unit, personal: bool):
        ds = self._open(u, None, personal=personal)
        return ds.census.actors

    def campaign_audience(self, who: Principal, territory: str, actor_ids: Iterable[str] | None = None
                          ) -> cm.Audience:
        """Whom a campaign for these actors of the latest version (None: all) would reach: with an e-mail address
        in « Contact », without (listed), refused."""
        with self._unit(who, "campaign_audience", territory) as u:
            actors = self._latest_actors(u, personal=True)
            if actor_ids is not None:
                actors = actors[actors["actor_id"].isin(set(actor_ids))]
            addresses = cm.emails(actors["contact"]) if "contact" in actors else [None] * len(actors)
            found = [a for a in addresses if a]
            refused = _refused(u.conn, u.row().id, _key(u.conn, u.row().id, False), found)
            without = tuple((i, str(n)) for i, n, a in zip(actors["actor_id"], actors["name"], addresses) if not a)
            return cm.Audience(len(actors), len(found) - sum(a in refused for a in found), without,
                               sum(a in refused for a in found))

    def create_campaign(self, who: Principal, territory: str, actor_ids: Iterable[str] | None = None, *,
                        ends_on: dt.date | None = None, title: str = "", subject: str = cm.DEFAULT_SUBJECT,
                        body: str = cm.DEFAULT_BODY, selection: str = "",
                        remind_after_days: int = cm.DEFAULT_REMIND_AFTER_DAYS,
                        max_reminders: int = cm.DEFAULT_MAX_REMINDERS, author: str = "",
                        now: dt.datetime | None = None) -> CampaignInfo:
        """A campaign for these actors of the latest version (None: every actor), each a recipient: ``pending``
        with an e-mail address in « Contact », ``no_address`` without, ``refused`` when the address refused the
        territory's e-mails. StoreError (French, nothing created) when no actor is chosen, the end date is past or
        the message is wrong."""
        now = as_utc(now) or utcnow()
        day = _paris(now)
        ends_on = ends_on or day + dt.timedelta(days=cm.DEFAULT_DAYS)
        problems = cm.check_message(subject, body)
        end = cm.end_problem(ends_on, day)
        if end:
            problems.insert(0, end)
        if not (1 <= int(remind_after_days) <= 90) or not (0 <= int(max_reminders) <= cm.MAX_REMINDERS):
            problems.append(f"Relances : après 1 à 90 jours, au plus {cm.MAX_REMINDERS} fois.")
        if len(title) > cm.LIMITS["title"]:
            problems.append(f"Le titre fait plus de {cm.LIMITS['title']} caractères.")
        if problems:
            raise StoreError("Campagne non créée : " + " ".join(problems))
        author = check_text(author, "author")
        with self._unit(who, "create_campaign", territory, write=True, option=READ_PERSONAL) as u:
            tid = u.row().id
            latest = u.conn.execute(sa.select(sa.func.max(versions.c.number))
                                    .where(versions.c.territory_id == tid)).scalar()
            actors = self._latest_actors(u, personal=True)
            if actor_ids is not None:
                wanted = set(actor_ids)
                actors = actors[actors["actor_id"].isin(wanted)]
            if not len(actors):
                raise StoreError("Campagne non créée : aucun acteur de la dernière version ne correspond à ce choix. "
                                 "Élargissez-le (niveaux, filtres, « à actualiser »).")
            addresses = cm.emails(actors["contact"]) if "contact" in actors else [None] * len(actors)
            key = _key(u.conn, tid, True)
            refused = _refused(u.conn, tid, key, [a for a in addresses if a])
            cid = u.conn.execute(campaigns.insert().values(
                territory_id=tid, title=title.strip() or f"Campagne du {now.astimezone().strftime('%d/%m/%Y')}",
                created_at=now, created_by=u.author(author) or "", version=latest,
                selection=selection or cm.selection_words(), ends_on=ends_on, subject=subject, body=body,
                remind_after_days=int(remind_after_days), max_reminders=int(max_reminders))
                .returning(campaigns.c.id)).scalar_one()
            u.conn.execute(campaign_recipients.insert(), [
                {"campaign_id": cid, "actor_id": aid, "name": str(name)[:300], "email": a,
                 "state": cm.NO_ADDRESS if not a else cm.REFUSED if a in refused else cm.PENDING,
                 "attempts": 0, "messages": 0}
                for aid, name, a in zip(actors["actor_id"].tolist(), actors["name"].tolist(), addresses)])
            return self._info(u, u.conn.execute(sa.select(campaigns).where(campaigns.c.id == cid)).one(), now)

    # -- reading ----------------------------------------------------------------------------------
    def _campaign_row(self, u: Unit, cid: int) -> Any:
        row = u.conn.execute(sa.select(campaigns).where(campaigns.c.territory_id == u.row().id,
                                                        campaigns.c.id == int(cid))).first()
        if row is None:
            raise StoreError(f"Campagne n° {cid} introuvable pour ce territoire.")
        return row

    def _info(self, u: Unit, row: Any, now: dt.datetime | None = None) -> CampaignInfo:
        now = as_utc(now) or utcnow()
        counts: dict[str, int] = {}
        to_send = 0
        for r in u.conn.execute(sa.select(campaign_recipients.c.state, campaign_recipients.c.outcome,
                                          campaign_recipients.c.attempts, sa.func.count().label("n"))
                                .where(campaign_recipients.c.campaign_id == row.id)
                                .group_by(campaign_recipients.c.state, campaign_recipients.c.outcome,
                                          campaign_recipients.c.attempts)):
            label = cm.status(r.state, r.outcome)
            counts[label] = counts.get(label, 0) + r.n
            if r.state in (cm.PENDING, cm.CLAIMED) or (r.state == cm.FAILED and r.attempts < cm.MAX_ATTEMPTS):
                to_send += r.n
        ordered = {s: counts[s] for s in (*cm.STATUS_ORDER, *sorted(set(counts) - set(cm.STATUS_ORDER)))
                   if s in counts}
        return CampaignInfo(row.id, row.title, as_utc(row.created_at), row.created_by if u.allows(READ_PERSONAL)
                            else "", row.version, row.selection, row.ends_on, row.subject, row.body,
                            row.remind_after_days, row.max_reminders, sum(counts.values()), ordered,
                            _sender_alive(row.sender, row.sender_seen_at, now), to_send)

    def campaigns(self, who: Principal, territory: str) -> list[CampaignInfo]:
        """The territory's campaigns, newest first, with their recipients counted by status."""
        with self._unit(who, "campaigns", territory) as u:
            if u.territory is None:
                return []
            rows = u.conn.execute(sa.select(campaigns).where(campaigns.c.territory_id == u.territory.id)
                                  .order_by(campaigns.c.id.desc())).all()
            return [self._info(u, r) for r in rows]

    def campaign(self, who: Principal, territory: str, cid: int) -> CampaignInfo:
        with self._unit(who, "campaign", territory) as u:
            return self._info(u, self._campaign_row(u, cid))

    def campaign_recipients(self, who: Principal, territory: str, cid: int, *,
                            with_contacts: bool = False) -> list[Recipient]:
        """The campaign's recipients in the order they were chosen; their e-mail addresses only when asked for
        (READ_PERSONAL)."""
        with self._unit(who, "campaign_recipients", territory,
                        option=READ_PERSONAL if with_contacts else None) as u:
            self._campaign_row(u, cid)
            rows = u.conn.execute(sa.select(campaign_recipients).where(campaign_recipients.c.campaign_id == int(cid))
                                  .order_by(campaign_recipients.c.id)).all()
        return [Recipient(r.id, r.actor_id, r.name, r.email if with_contacts else None, bool(r.email), r.state,
                          r.outcome, _status_of(r), r.attempts, r.messages, r.last_error, as_utc(r.sent_at),
                          as_utc(r.answered_at), r.submission_id) for r in rows]

    def find_campaign(self, who: Principal, cid: int) -> str:
        """The code of the territory a campaign belongs to (the command line names a campaign by its number)."""
        with self._unit(who, "find_campaign") as u:
            code = u.conn.execute(sa.select(territories.c.code).select_from(
                campaigns.join(territories, territories.c.id == campaigns.c.territory_id))
                .where(campaigns.c.id == int(cid))).scalar()
        if code is None:
            raise StoreError(f"Campagne n° {cid} introuvable sur cette instance : la page Campagnes de chaque "
                             "territoire donne leurs numéros.")
        return code

    # -- changing -------------------------------------------------------------------------------
    def update_campaign(self, who: Principal, territory: str, cid: int, *, title: str | None = None,
                        subject: str | None = None, body: str | None = None, ends_on: dt.date | None = None,
                        remind_after_days: int | None = None, max_reminders: int | None = None) -> CampaignInfo:
        """Change a campaign's title, message, end date or reminders (messages already sent stay as they were)."""
        with self._unit(who, "update_campaign", territory, write=True) as u:
            row = self._campaign_row(u, cid)
            values = {k: v for k, v in dict(title=title, subject=subject, body=body, ends_on=ends_on,
                                            remind_after_days=remind_after_days, max_reminders=max_reminders).items()
                      if v is not None}
            problems = cm.check_message(values.get("subject", row.subject), values.get("body", row.body))
            if ends_on is not None and ends_on != row.ends_on:
                end = cm.end_problem(ends_on, today())
                if end:
                    problems.insert(0, end)
            if not (1 <= int(values.get("remind_after_days", row.remind_after_days)) <= 90) or \
                    not (0 <= int(values.get("max_reminders", row.max_reminders)) <= cm.MAX_REMINDERS):
                problems.append(f"Relances : après 1 à 90 jours, au plus {cm.MAX_REMINDERS} fois.")
            if "title" in values:
                values["title"] = values["title"].strip()[:cm.LIMITS["title"]] or row.title
            if problems:
                raise StoreError("Campagne non modifiée : " + " ".join(problems))
            if values:
                u.conn.execute(campaigns.update().where(campaigns.c.id == row.id).values(**values))
            return self._info(u, u.conn.execute(sa.select(campaigns).where(campaigns.c.id == row.id)).one())

    def campaign_links(self, who: Principal, territory: str, cid: int, *,
                       now: dt.datetime | None = None) -> list[tuple[str, str | None, str, dt.date]]:
        """The mail-merge file's rows, (actor's name, e-mail address, personal link's token, end date), a link
        issued now for each recipient but those who refused e-mails; those still « à envoyer » become « lien
        exporté » (nrdash will not write to them: the collectivité's own mailing tool does)."""
        now = as_utc(now) or utcnow()
        with self._unit(who, "campaign_links", territory, write=True, option=READ_PERSONAL) as u:
            row = self._campaign_row(u, cid)
            rows = u.conn.execute(sa.select(campaign_recipients).where(
                campaign_recipients.c.campaign_id == row.id, campaign_recipients.c.state != cm.REFUSED)
                .order_by(campaign_recipients.c.id)).all()
            out = []
            tokens = []
            for r in rows:
                token = secrets.token_urlsafe(24)
                tokens.append({"token_hash": sha256(token.encode()), "recipient_id": r.id, "issued_at": now})
                out.append((r.name, r.email, token, row.ends_on))
            if tokens:
                u.conn.execute(campaign_tokens.insert(), tokens)
            u.conn.execute(campaign_recipients.update().where(
                campaign_recipients.c.campaign_id == row.id,
                campaign_recipients.c.state.in_([cm.PENDING, cm.FAILED])).values(state=cm.EXPORTED))
            return out

    def remind(self, who: Principal, territory: str, *, now: dt.datetime | None = None) -> dict[int, int]:
        """Make due the reminders of the territory's running campaigns: a recipient written to, who has not
        answered, not refused e-mails, reminded fewer times than the campaign allows, whose last message is at
        least the campaign's number of days old, is « à envoyer » again (a reminder). Returns {campaign: due}."""
        now = as_utc(now) or utcnow()
        done: dict[int, int] = {}
        with self._unit(who, "remind", territory, write=True) as u:
            if u.territory is None:
                return done
            for c in u.conn.execute(sa.select(campaigns).where(campaigns.c.territory_id == u.territory.id,
                                                               campaigns.c.ends_on >= _paris(now))).all():
                if c.max_reminders <= 0:
                    continue
                n = u.conn.execute(campaign_recipients.update().where(
                    campaign_recipients.c.campaign_id == c.id, campaign_recipients.c.state == cm.SENT,
                    campaign_recipients.c.outcome.is_(None), campaign_recipients.c.messages >= 1,
                    campaign_recipients.c.messages <= c.max_reminders,
                    campaign_recipients.c.sent_at <= now - dt.timedelta(days=c.remind_after_days))
                    .values(state=cm.PENDING, attempts=0, last_error=None)).rowcount
                if n:
                    done[c.id] = n
        return done

    def resend_uncertain(self, who: Principal, territory: str, cid: int) -> int:
        """An editor's explicit decision: the recipients whose sending was interrupted (« envoi incertain ») are « à
        envoyer » again (they may get the message twice: check first)."""
        with self._unit(who, "resend_uncertain", territory, write=True) as u:
            row = self._campaign_row(u, cid)
            return u.conn.execute(campaign_recipients.update().where(
                campaign_recipients.c.campaign_id == row.id, campaign_recipients.c.state == cm.UNCERTAIN)
                .values(state=cm.PENDING, last_error=None)).rowcount

    # -- sending (nrdash.mailing) -----------------------------------------------------------------
    def start_sending(self, who: Principal, territory: str, cid: int, sender: str, *,
                      now: dt.datetime | None = None) -> dict[str, int]:
        """Take the campaign for ``sender`` (one sender at a time). What a stopped sender left is settled first:
        claimed but not yet given to the server, « à envoyer » again; being given to the server, « envoi incertain »
        (never sent again by itself). Returns {"uncertain": recipients found so}."""
        now = as_utc(now) or utcnow()
        with self._unit(who, "start_sending", territory, write=True, option=READ_PERSONAL) as u:
            row = self._campaign_row(u, cid)
            if row.sender and row.sender != sender and _sender_alive(row.sender, row.sender_seen_at, now):
                raise StoreError("Cette campagne est déjà en cours d'envoi (par un autre processus, vu le "
                                 f"{as_utc(row.sender_seen_at).astimezone().strftime('%d/%m/%Y à %H:%M:%S')}) : "
                                 "attendez qu'il finisse, ou qu'il soit arrêté depuis deux minutes.")
            base = sa.and_(campaign_recipients.c.campaign_id == row.id,
                           sa.or_(campaign_recipients.c.claimed_by.is_(None),
                                  campaign_recipients.c.claimed_by != sender))
            u.conn.execute(campaign_recipients.update().where(base, campaign_recipients.c.state == cm.CLAIMED)
                           .values(state=cm.PENDING, claimed_by=None))
            uncertain = u.conn.execute(campaign_recipients.update().where(
                base, campaign_recipients.c.state == cm.DELIVERING).values(
                state=cm.UNCERTAIN, last_error="Envoi interrompu pendant que le serveur recevait le message : il est "
                                               "peut-être parti. Vérifiez avant de le renvoyer.")).rowcount
            u.conn.execute(campaigns.update().where(campaigns.c.id == row.id)
                           .values(sender=sender, sender_seen_at=now))
            return {"uncertain": uncertain}

    def _held(self, u: Unit, cid: int, sender: str) -> Any:
        row = self._campaign_row(u, cid)
        if row.sender != sender:
            raise StoreError("L'envoi de cette campagne a été repris par un autre processus : celui-ci s'arrête.")
        return row

    def claim_recipient(self, who: Principal, territory: str, cid: int, sender: str, *,
                        now: dt.datetime | None = None) -> Claim | None:
        """The next recipient ``sender`` (holding the campaign) should write to, with a link issued for this
        message; None when nobody is left. A recipient whose address refused e-mails since is passed over (and
        marked so); a failure of this sending is tried again by the next one, not by this one."""
        now = as_utc(now) or utcnow()
        with self._unit(who, "claim_recipient", territory, write=True, option=READ_PERSONAL) as u:
            row = self._held(u, cid, sender)
            u.conn.execute(campaigns.update().where(campaigns.c.id == row.id).values(sender_seen_at=now))
            key = _key(u.conn, u.row().id, False)
            while True:
                r = u.conn.execute(sa.select(campaign_recipients).where(
                    campaign_recipients.c.campaign_id == row.id,
                    sa.or_(campaign_recipients.c.state == cm.PENDING,
                           sa.and_(campaign_recipients.c.state == cm.FAILED,
                                   campaign_recipients.c.attempts < cm.MAX_ATTEMPTS,
                                   sa.or_(campaign_recipients.c.claimed_by.is_(None),
                                          campaign_recipients.c.claimed_by != sender))))
                    .order_by(campaign_recipients.c.id).limit(1)).first()
                if r is None:
                    return None
                if not r.email:
                    u.conn.execute(campaign_recipients.update().where(campaign_recipients.c.id == r.id)
                                   .values(state=cm.NO_ADDRESS))
                    continue
                if _refused(u.conn, u.row().id, key, [r.email]):
                    u.conn.execute(campaign_recipients.update().where(campaign_recipients.c.id == r.id)
                                   .values(state=cm.REFUSED))
                    continue
                u.conn.execute(campaign_recipients.update().where(campaign_recipients.c.id == r.id)
                               .values(state=cm.CLAIMED, claimed_by=sender, claimed_at=now))
                return Claim(r.id, r.actor_id, r.name, r.email, _new_token(u.conn, r.id, now), r.messages > 0)

    def mark_recipient(self, who: Principal, territory: str, cid: int, recipient_id: int, sender: str, state: str,
                       *, error: str | None = None, now: dt.datetime | None = None) -> None:
        """What came of a claimed recipient's message: ``delivering`` (committed before its content is given to
        the server), ``sent``, ``failed`` (with the server's reply; tried again by later sendings), ``uncertain``
        (interrupted while the server was receiving it), ``pending`` (not tried: the sending stopped first)."""
        now = as_utc(now) or utcnow()
        allowed = {cm.DELIVERING: (cm.CLAIMED,), cm.SENT: (cm.CLAIMED, cm.DELIVERING),
                   cm.FAILED: (cm.CLAIMED, cm.DELIVERING), cm.UNCERTAIN: (cm.CLAIMED, cm.DELIVERING),
                   cm.PENDING: (cm.CLAIMED,)}
        if state not in allowed:
            raise ValueError(state)
        with self._unit(who, "mark_recipient", territory, write=True) as u:
            self._held(u, cid, sender)
            values: dict[str, Any] = {"state": state}
            if state == cm.SENT:
                values.update(messages=campaign_recipients.c.messages + 1, sent_at=now, last_error=None)
            elif state == cm.FAILED:
                values.update(attempts=campaign_recipients.c.attempts + 1, last_error=(error or "")[:2000])
            elif state == cm.UNCERTAIN:
                values.update(last_error=(error or "")[:2000])
            elif state == cm.PENDING:
                values.update(claimed_by=None)
            n = u.conn.execute(campaign_recipients.update().where(
                campaign_recipients.c.id == int(recipient_id), campaign_recipients.c.campaign_id == int(cid),
                campaign_recipients.c.claimed_by == sender, campaign_recipients.c.state.in_(allowed[state]))
                .values(**values)).rowcount
            if n != 1:
                raise StoreError(f"Destinataire n° {recipient_id} : il n'est plus réservé par cet envoi.")

    def stop_sending(self, who: Principal, territory: str, cid: int, sender: str) -> None:
        """Let the campaign go (another sending may start at once)."""
        with self._unit(who, "stop_sending", territory, write=True) as u:
            u.conn.execute(campaigns.update().where(campaigns.c.territory_id == u.row().id,
                                                    campaigns.c.id == int(cid), campaigns.c.sender == sender)
                           .values(sender=None, sender_seen_at=None))

    # -- the personal link's holder -----------------------------------------------------------
    def _link(self, u: Unit) -> Any:
        link = actor_link(u.conn, u.who.token)
        return u.conn.execute(sa.select(campaign_recipients, campaigns.c.ends_on, campaigns.c.title)
                              .select_from(campaign_recipients.join(campaigns,
                                                                    campaigns.c.id == campaign_recipients.c.campaign_id))
                              .where(campaign_recipients.c.id == link.id)).one()

    def personal_form(self, who: Principal, territory: str) -> PersonalForm:
        """What the questionnaire opened by a personal link shows (its one actor's public record, never its referent
        nor contact nor anything of another actor)."""
        with self._unit(who, "personal_form", territory) as u:
            r = self._link(u)
            trow = u.row()
            latest = u.conn.execute(sa.select(versions.c.territory_info).where(versions.c.territory_id == trow.id)
                                    .order_by(versions.c.number.desc()).limit(1)).first()
            info = json.loads(latest.territory_info) if latest is not None and latest.territory_info else None
            record = _record(self._latest_actors(u, personal=False), r.actor_id) if latest is not None else None
            pending = r.submission_id is not None and u.conn.execute(sa.select(submissions.c.status).where(
                submissions.c.id == r.submission_id)).scalar() == quest.NEW
            return PersonalForm(trow.name, int(trow.retention_months), tuple(info["members"]) if info else (),
                                r.name, record, r.ends_on, bool(pending), getattr(trow, "contact_email", None))

    def submit_update(self, who: Principal, territory: str, answer: "quest.Answer", *,
                      now: dt.datetime | None = None) -> int:
        """Store the answer of a personal link as an update of its actor (matched by its link, never by its name):
        a new submission in the review queue, or the one of this link still waiting there, replaced. An actor gone
        from the latest version: the answer has no match, and arrives as a new actor. Returns its id."""
        from .answers import _check_answer

        _check_answer(answer)
        now = as_utc(now) or utcnow()
        with self._unit(who, "submit_update", territory, write=True) as u:
            r = self._link(u)
            tid = u.row().id
            actors = self._latest_actors(u, personal=False)
            record = _record(actors, r.actor_id)
            match_ref = None
            if record is not None:
                from ..compare import actor_ref

                match_ref = actor_ref(record)
            public = json.dumps(answer.public(), ensure_ascii=False)
            current = u.conn.execute(sa.select(submissions.c.id, submissions.c.status).where(
                submissions.c.id == r.submission_id)).first() if r.submission_id else None
            if current is not None and current.status == quest.NEW:
                sid = current.id
                u.conn.execute(submissions.update().where(submissions.c.id == sid).values(
                    answer=public, name_key=quest.name_key(answer.name)[:300], match_ref=match_ref,
                    match_how=LINK_ORIGIN if match_ref else None, actor_id=r.actor_id))
                u.conn.execute(submission_contacts.delete().where(submission_contacts.c.submission_id == sid))
                u.conn.execute(submission_contacts.insert().values(submission_id=sid,
                                                                   referent=answer.referent or None,
                                                                   contact=answer.contact or None))
                u.conn.execute(submission_events.insert().values(
                    submission_id=sid, at=now, status=quest.NEW, author=LINK_ORIGIN,
                    note="Remplacée par une nouvelle réponse du même lien personnel."))
            else:
                sid = u.conn.execute(submissions.insert().values(
                    territory_id=tid, created_at=now, client_key=sha256(f"lien:{r.id}".encode()),
                    origin=LINK_ORIGIN, status=quest.NEW, answer=public,
                    name_key=quest.name_key(answer.name)[:300], match_ref=match_ref,
                    match_how=LINK_ORIGIN if match_ref else None, actor_id=r.actor_id, recipient_id=r.id)
                    .returning(submissions.c.id)).scalar_one()
                u.conn.execute(submission_contacts.insert().values(submission_id=sid,
                                                                   referent=answer.referent or None,
                                                                   contact=answer.contact or None))
                u.conn.execute(submission_events.insert().values(
                    submission_id=sid, at=now, status=quest.NEW, author=LINK_ORIGIN,
                    note=None if match_ref else "L'acteur n'est plus dans la dernière version : la réponse arrive "
                                                "comme un nouvel acteur."))
            u.conn.execute(campaign_recipients.update().where(campaign_recipients.c.id == r.id).values(
                submission_id=sid, answered_at=now, outcome=cm.ANSWERED))
            return sid

    def refuse_emails(self, who: Principal, territory: str, *, now: dt.datetime | None = None) -> bool:
        """The link's address refuses the territory's e-mails: its keyed hash is kept (nothing else), and every
        recipient with that address not yet written to, in every campaign of the territory, is left out."""
        now = as_utc(now) or utcnow()
        with self._unit(who, "refuse_emails", territory, write=True) as u:
            r = self._link(u)
            tid = u.row().id
            if r.email:
                key = _key(u.conn, tid, True)
                h = address_hash(key, r.email)
                if not u.conn.execute(sa.select(email_refusals.c.id).where(
                        email_refusals.c.territory_id == tid, email_refusals.c.address_hash == h)).first():
                    u.conn.execute(email_refusals.insert().values(territory_id=tid, address_hash=h, refused_at=now))
                same = sa.select(campaign_recipients.c.id).select_from(campaign_recipients.join(
                    campaigns, campaigns.c.id == campaign_recipients.c.campaign_id)).where(
                    campaigns.c.territory_id == tid, sa.func.lower(campaign_recipients.c.email) == email_key(r.email))
                ids = u.conn.execute(same).scalars().all()
            else:
                ids = [r.id]
            for chunk in (ids[k:k + _CHUNK] for k in range(0, len(ids), _CHUNK)):
                u.conn.execute(campaign_recipients.update().where(
                    campaign_recipients.c.id.in_(chunk),
                    campaign_recipients.c.state.in_([cm.PENDING, cm.FAILED, cm.SENT, cm.EXPORTED, cm.UNCERTAIN]))
                    .values(state=cm.REFUSED))
            return True


def _paris(now: dt.datetime) -> dt.date:
    from zoneinfo import ZoneInfo

    from .common import PARIS

    return as_utc(now).astimezone(ZoneInfo(PARIS)).date()


# ---------------------------------------------------------------------------------------------
# Personal data: erasure and retention reach campaigns (nrdash/store/personal.py calls these)
# ---------------------------------------------------------------------------------------------
def erase_recipients(conn: Connection, territory_id: int, matches) -> int:
    """Remove the campaign rows (and so their links) whose address matches an erasure request."""
    rows = conn.execute(sa.select(campaign_recipients.c.id, campaign_recipients.c.email).select_from(
        campaign_recipients.join(campaigns, campaigns.c.id == campaign_recipients.c.campaign_id)).where(
        campaigns.c.territory_id == territory_id, campaign_recipients.c.email.is_not(None))).all()
    hit = [r.id for r in rows if matches(r.email)]
    for chunk in (hit[k:k + _CHUNK] for k in range(0, len(hit), _CHUNK)):
        conn.execute(campaign_tokens.delete().where(campaign_tokens.c.recipient_id.in_(chunk)))
        conn.execute(submissions.update().where(submissions.c.recipient_id.in_(chunk)).values(recipient_id=None))
        conn.execute(campaign_recipients.delete().where(campaign_recipients.c.id.in_(chunk)))
    return len(hit)


def expire_recipients(conn: Connection, territory_id: int, cutoff: dt.datetime) -> int:
    """The addresses of campaigns made before the territory's retention period are removed (their statuses stay)."""
    ids = conn.execute(sa.select(campaigns.c.id).where(campaigns.c.territory_id == territory_id,
                                                       campaigns.c.created_at < cutoff)).scalars().all()
    if not ids:
        return 0
    return conn.execute(campaign_recipients.update().where(campaign_recipients.c.campaign_id.in_(ids),
                                                           campaign_recipients.c.email.is_not(None))
                        .values(email=None)).rowcount

