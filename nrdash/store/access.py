"""Who acts, and what they may do: the principals, the one table of the store's operations and the rule each one
needs, and a principal's rights on a territory, read from the database inside the operation's own transaction
(role rows, the instance administrator flag, the workshop link's territory and revocation, the territory's
anonymous reading), never from what the caller claims.

Adding a kind of principal (a campaign link's holder, a vote code's holder…): a
constructor on ``Principal`` and an entry in ``KINDS`` (how its rights on a territory are read, and which
territories it may read). Adding an operation: a method on the store that opens its unit of work with
``self._unit(who, "name", territory)``, a line in ``OPERATIONS``, and a line in the table of
``tests/store/test_store_access.py`` (which fails while a public method is missing from it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .common import ROLES, as_utc, email_key, sha256, today, utcnow
from .errors import Forbidden, StoreError
from .schema import campaign_recipients, campaign_tokens, campaigns, roles, sessions, territories, users, \
    votes_table, workshop_tokens

# ---------------------------------------------------------------------------------------------
# Principals
# ---------------------------------------------------------------------------------------------
ANONYMOUS, ACCOUNT, SESSION, WORKSHOP, OPERATOR = "anonyme", "compte", "session", "atelier", "exploitant"
ACTOR_LINK_KIND = "lien personnel"  # a campaign's personal link (issue 26): one actor of one campaign
VOTER = "votant"  # the holder of a live vote's code (issue 28)


@dataclass(frozen=True)
class Principal:
    """Who performs a store operation. Built by the caller from what it has verified itself (the app: the signed-in
    account of the session, the locked workshop link it was opened with; the command line: the operator), and
    checked by the store at every operation against the database, never trusted for more."""

    kind: str
    email: str | None = None  # an account's e-mail
    token: str | None = field(default=None, repr=False)  # a workshop link's secret, a vote's code (never printed)
    session_id: str | None = field(default=None, repr=False)  # a local sign-in session's id (never printed)
    client: str | None = None  # the client's address, when known (rate limits of the public questionnaire, sign-in)
    voter: str | None = field(default=None, repr=False)  # a vote code holder's browser token (its one ballot)

    @classmethod
    def anonymous(cls, client: str | None = None) -> "Principal":
        """A visitor who is not signed in."""
        return cls(ANONYMOUS, client=client)

    @classmethod
    def account(cls, email: str, client: str | None = None) -> "Principal":
        """A signed-in account (its rights: its role rows and the instance administrator flag)."""
        return cls(ACCOUNT, email=str(email or "").strip(), client=client)

    @classmethod
    def session(cls, session_id: str, client: str | None = None) -> "Principal":
        """A local sign-in session (the id its signed cookie holds): the rights of its account while the session is
        valid — not ended (signed out, signed out everywhere, a role removed or changed, the account removed) and not
        expired —, an anonymous visitor's once it is not. Read again at every operation, on every replica."""
        return cls(SESSION, session_id=str(session_id or ""), client=client)

    @classmethod
    def workshop(cls, token: str, client: str | None = None) -> "Principal":
        """The holder of a locked workshop link: reads its territory's published census while the link is valid."""
        return cls(WORKSHOP, token=str(token or ""), client=client)

    @classmethod
    def actor_link(cls, token: str, client: str | None = None) -> "Principal":
        """The holder of a campaign's personal link (``?acteur=TOKEN``): reads and answers for that one actor of
        that one campaign until the campaign's end date, whether the territory is open to anonymous reading or
        not; refuses further e-mails to its address (also after the end date); and what anyone may."""
        return cls(ACTOR_LINK_KIND, token=str(token or ""), client=client)

    @classmethod
    def vote(cls, code: str, voter: str | None = None, client: str | None = None) -> "Principal":
        """The holder of a live vote's code (a phone in the room): sees that vote's question and choices, casts
        the one ballot of its browser (``voter``: the browser's random token) while it is open, reads its result
        once closed; nothing else of the territory, whether it is open to anonymous reading or not."""
        return cls(VOTER, token=str(code or ""), client=client, voter=str(voter) if voter else None)

    @classmethod
    def operator(cls) -> "Principal":
        """The command line, run by whoever has the database: every operation."""
        return cls(OPERATOR)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown principal kind {self.kind!r}")


# ---------------------------------------------------------------------------------------------
# Rules, and the one table of operations
# ---------------------------------------------------------------------------------------------
ANYONE = "anyone"  # nothing of a territory: sign-in checks, what a principal may do, the territories it may read
SUBMIT = "submit"  # the public questionnaire of a territory of this instance
READ_PUBLISHED = "read_published"  # published versions without personal data, objectives, pairings
READ_PERSONAL = "read_personal"  # Référent/Contact, original files, version authors
EDIT = "edit"  # drafts, publish, restore, review queue, objectives, pairings, workshop links
ADMIN_TERRITORY = "admin_territory"  # settings, people of the territory, erasure, the territory's archive
ADMIN_INSTANCE = "admin_instance"  # accounts, importing a territory, retention over every territory
OPERATOR_ONLY = "operator_only"  # the schema: the command line only
ACTOR_LINK = "actor_link"  # a personal link's one actor: its public record, its answer (until the campaign's end)
REFUSE_EMAILS = "refuse_emails"  # a personal link's address: no more e-mails from the territory's campaigns
VOTE = "vote"  # a live vote of the territory, by its code: its question, one ballot per browser, its result
RULES = (ANYONE, SUBMIT, READ_PUBLISHED, READ_PERSONAL, EDIT, ADMIN_TERRITORY, ADMIN_INSTANCE, OPERATOR_ONLY, VOTE,
         ACTOR_LINK, REFUSE_EMAILS)
LINK_RULES = frozenset({ACTOR_LINK, REFUSE_EMAILS})  # only a personal link's holder acts as its actor: nobody else,
# the operator included, holds them (which actor would it be?)

# Every public operation of the store and the rule it needs on the territory it names (an operation that names
# none, or names none this time, needs the rule on the instance: only instance administrators and the operator
# hold territory rules there). An option may need one more rule, checked first in the same place (the unit of
# work's ``option``): open_version(personal=True) and submissions/submission(with_contacts=True) need
# READ_PERSONAL.
OPERATIONS: dict[str, str] = {
    # database.py
    "ensure_schema": OPERATOR_ONLY,
    # territories.py
    "access": ANYONE, "readable_territories": ANYONE, "territories": ADMIN_INSTANCE,
    "territory": ADMIN_TERRITORY, "set_territory": ADMIN_TERRITORY, "open_data_settings": READ_PUBLISHED,
    # versions.py
    "publish": EDIT, "restore": EDIT, "versions": READ_PUBLISHED, "issues": READ_PUBLISHED,
    "open_version": READ_PUBLISHED, "original": READ_PERSONAL,
    # drafts.py
    "save_draft": EDIT, "draft": EDIT, "discard_draft": EDIT, "publish_draft": EDIT,
    # personal.py
    "personal_rows": READ_PERSONAL, "erase_person": ADMIN_TERRITORY, "apply_retention": ADMIN_INSTANCE,
    "apply_retention_if_due": ADMIN_INSTANCE,
    # archive.py
    "export_territory": ADMIN_TERRITORY, "import_territory": ADMIN_INSTANCE,
    # accounts.py
    "add_user": ADMIN_TERRITORY, "user_exists": ADMIN_INSTANCE, "role_of": ADMIN_TERRITORY,
    "set_role": ADMIN_TERRITORY, "remove_user": ADMIN_TERRITORY,
    "verify_password": OPERATOR_ONLY, "sign_in": ANYONE, "signed_in": ANYONE, "sign_out": ANYONE,
    "end_sessions": ADMIN_INSTANCE,
    # workshop.py
    "create_workshop_token": EDIT, "workshop_territory": ANYONE, "workshop_links": EDIT,
    "revoke_workshop_link": EDIT,
    # questionnaire.py
    "questionnaire_form": SUBMIT, "submit": SUBMIT, "submit_paper": EDIT, "questionnaire_open": EDIT,
    "set_questionnaire_open": EDIT, "submissions": EDIT, "submission": EDIT, "count_submissions": EDIT,
    "review_submission": EDIT, "questionnaire_draft": EDIT, "publish_questionnaire": EDIT,
    # followup.py
    "objectives": READ_PUBLISHED, "add_objective": EDIT, "delete_objective": EDIT, "pairings": READ_PUBLISHED,
    "set_pairing": EDIT, "remove_pairing": EDIT,
    # campaigns.py
    "campaign_audience": READ_PERSONAL, "create_campaign": EDIT, "campaigns": EDIT, "campaign": EDIT,
    "campaign_recipients": EDIT, "update_campaign": EDIT, "campaign_links": EDIT, "start_sending": EDIT,
    "claim_recipient": EDIT, "mark_recipient": EDIT, "stop_sending": EDIT, "remind": EDIT, "resend_uncertain": EDIT,
    "find_campaign": ADMIN_INSTANCE, "personal_form": ACTOR_LINK, "submit_update": ACTOR_LINK,
    "refuse_emails": REFUSE_EMAILS,
    # votes.py
    "open_vote": EDIT, "close_vote": EDIT, "votes": READ_PUBLISHED, "latest_vote": READ_PUBLISHED,
    "vote_revision": READ_PUBLISHED, "vote_territory": ANYONE, "vote_ballot": VOTE, "cast_vote": VOTE,
}

# What a refusal says: what the operation needs, never whether the territory exists.
REFUSALS = {
    SUBMIT: "Ce questionnaire n'existe pas sur ce serveur : vérifiez le lien reçu.",
    READ_PUBLISHED: "Accès refusé : ce recensement n'est visible que des personnes qui ont un rôle sur ce "
                    "territoire (s'il est publié sur cette instance). Connectez-vous avec un compte qui y a un "
                    "rôle.",
    READ_PERSONAL: "Accès refusé : les référents, contacts et fichiers d'origine ne sont visibles que des éditeurs "
                   "et administrateurs du territoire.",
    EDIT: "Accès refusé : seuls les éditeurs et administrateurs du territoire peuvent faire cela. Connectez-vous "
          "avec un compte qui y a ce rôle.",
    ADMIN_TERRITORY: "Accès refusé : seuls les administrateurs du territoire peuvent faire cela.",
    ADMIN_INSTANCE: "Accès refusé : seuls les administrateurs de l'instance peuvent faire cela.",
    VOTE: "Aucun vote ouvert avec ce code.",
    OPERATOR_ONLY: "Accès refusé : cette opération se fait en ligne de commande (python -m nrdash), par qui "
                   "exploite la base.",
    ACTOR_LINK: "Accès refusé : ce lien personnel n'est pas (ou plus) valide — la campagne est terminée, ou le lien "
                "est incomplet. Le questionnaire public du territoire reste ouvert à tous.",
    REFUSE_EMAILS: "Accès refusé : ce lien n'est pas valide (il est incomplet, ou ses données ont été effacées). "
                   "Écrivez à l'équipe du recensement pour ne plus recevoir ses courriels.",
}

ROLE_RULES = {  # what a role row on a territory grants there
    "lecteur": frozenset({ANYONE, SUBMIT, READ_PUBLISHED}),
    "éditeur": frozenset({ANYONE, SUBMIT, READ_PUBLISHED, READ_PERSONAL, EDIT}),
    "administrateur": frozenset({ANYONE, SUBMIT, READ_PUBLISHED, READ_PERSONAL, EDIT, ADMIN_TERRITORY}),
}
assert set(ROLE_RULES) == set(ROLES)
INSTANCE_ADMIN_RULES = frozenset(RULES) - {OPERATOR_ONLY} - LINK_RULES
ALL_RULES = frozenset(RULES) - LINK_RULES


@dataclass(frozen=True)
class Rights:
    """What a principal may do on one territory (or on the instance), as read from the database."""

    rules: frozenset[str]
    role: str | None = None  # its role there ("administrateur" for an instance administrator)
    problem: str | None = None  # why a workshop link opens nothing (revoked, expired, unknown), in French
    account: str | None = None  # the e-mail of the account acting (an account, a valid session's account)


def _public(trow: Any) -> set[str]:
    """What anyone may do: ask, answer the public questionnaire of a territory of this instance, read a territory
    open to anonymous reading."""
    rules = {ANYONE}
    if trow is not None:
        rules.add(SUBMIT)
        if trow.anonymous_read:
            rules.add(READ_PUBLISHED)
    return rules


def _anonymous_rights(conn: Connection, who: Principal, trow: Any) -> Rights:
    return Rights(frozenset(_public(trow)))


def _user(conn: Connection, who: Principal) -> Any:
    """The account a principal acts as: an account's row, a valid session's account's row; None otherwise."""
    if who.kind == SESSION:
        return session_user(conn, who.session_id)
    key = email_key(who.email)
    return conn.execute(sa.select(users.c.id, users.c.email, users.c.is_admin).where(users.c.email_key == key)
                        ).first() if key else None


def session_user(conn: Connection, session_id: str | None) -> Any:
    """The account of a local sign-in session while it is valid (its row: id, email, is_admin, with the session's
    ``session_row`` and ``last_seen_at``), None when the session is unknown, ended or expired, or its account was
    removed. Every operation of a session principal reads it again: an ending holds from the next one, on every
    replica (the sessions are rows of the shared database)."""
    if not session_id:
        return None
    return conn.execute(
        sa.select(users.c.id, users.c.email, users.c.is_admin, sessions.c.id.label("session_row"),
                  sessions.c.last_seen_at)
        .join(users, users.c.id == sessions.c.user_id)
        .where(sessions.c.id_hash == sha256(str(session_id).encode()), sessions.c.ended_at.is_(None),
               sessions.c.expires_at > utcnow())).first()


def _account_rights(conn: Connection, who: Principal, trow: Any) -> Rights:
    user = _user(conn, who)
    email = who.email if who.kind == ACCOUNT else (user.email if user is not None else None)
    if user is not None and user.is_admin:
        return Rights(INSTANCE_ADMIN_RULES, "administrateur", account=email)
    role = None
    if user is not None and trow is not None:
        role = conn.execute(sa.select(roles.c.role).where(roles.c.user_id == user.id,
                                                          roles.c.territory_id == trow.id)).scalar()
    return Rights(frozenset(_public(trow) | ROLE_RULES.get(role, frozenset())), role if role in ROLE_RULES else None,
                  account=email)


LINK_REVOKED = "Ce lien d'atelier a été révoqué."
LINK_EXPIRED = "Ce lien d'atelier a expiré."
LINK_UNKNOWN = "Ce lien d'atelier n'est pas valide."


def link_state(conn: Connection, token: str | None) -> tuple[Any, str | None]:
    """(the workshop link's row — its territory —, None) while the link is valid: known, not revoked, not expired;
    (None, why not, in French) otherwise. Every operation of a workshop principal reads it again, so a revocation or
    an expiry holds from the next one, even in a session opened before."""
    row = conn.execute(sa.select(workshop_tokens.c.id, workshop_tokens.c.territory_id, workshop_tokens.c.revoked_at,
                                 workshop_tokens.c.expires_at).where(
        workshop_tokens.c.token_hash == sha256(str(token).encode()))).first() if token else None
    if row is None:
        return None, LINK_UNKNOWN
    if row.revoked_at is not None:
        return None, LINK_REVOKED
    if row.expires_at is None or as_utc(row.expires_at) <= utcnow():
        return None, LINK_EXPIRED
    return row, None


def workshop_link(conn: Connection, token: str | None) -> Any:
    """The workshop link's row while it is valid (``link_state``), else None."""
    return link_state(conn, token)[0]


def _workshop_rights(conn: Connection, who: Principal, trow: Any) -> Rights:
    """A valid link reads its territory's published census, nothing else; an invalid one nothing at all (not even
    what an anonymous visitor may: the session it opened stays locked), and says why."""
    link, problem = link_state(conn, who.token)
    rules = {ANYONE}
    if link is not None and trow is not None and link.territory_id == trow.id:
        rules |= {SUBMIT, READ_PUBLISHED}
    return Rights(frozenset(rules), problem=problem)


def actor_link(conn: Connection, token: str | None) -> Any:
    """A personal link's recipient row (its id, its campaign's territory and end date), None for an unknown token
    (or one whose recipient was erased): read again at every operation of its holder."""
    if not token:
        return None
    return conn.execute(
        sa.select(campaign_recipients.c.id, campaign_recipients.c.actor_id, campaign_recipients.c.campaign_id,
                  campaigns.c.territory_id, campaigns.c.ends_on)
        .select_from(campaign_tokens.join(campaign_recipients,
                                          campaign_recipients.c.id == campaign_tokens.c.recipient_id)
                     .join(campaigns, campaigns.c.id == campaign_recipients.c.campaign_id))
        .where(campaign_tokens.c.token_hash == sha256(str(token).encode()))).first()


def _actor_link_rights(conn: Connection, who: Principal, trow: Any) -> Rights:
    """A known link on its territory: its actor until the campaign's end date (the day included, France's
    calendar), the refusal of e-mails always; besides, what anyone may (a territory closed to anonymous reading
    stays closed to it)."""
    link = actor_link(conn, who.token)
    rules = _public(trow)
    if link is not None and trow is not None and link.territory_id == trow.id:
        rules.add(REFUSE_EMAILS)
        if today() <= link.ends_on:
            rules.add(ACTOR_LINK)
    return Rights(frozenset(rules))


def _vote_rights(conn: Connection, who: Principal, trow: Any) -> Rights:
    """A vote's code gives its vote on its territory (open or closed), nothing else: not the territory's census,
    even when anyone may read it (the phone shows only the question)."""
    from ..vote import normalise_code

    code = normalise_code(who.token)
    vote = conn.execute(sa.select(votes_table.c.territory_id).where(votes_table.c.code == code)).first() \
        if code and trow is not None else None
    return Rights(frozenset({ANYONE, VOTE} if vote is not None and vote.territory_id == trow.id else {ANYONE}))


def _operator_rights(conn: Connection, who: Principal, trow: Any) -> Rights:
    return Rights(ALL_RULES, "administrateur")


def _anonymous_readable(conn: Connection, who: Principal):
    return territories.c.anonymous_read.is_(True)


def _account_readable(conn: Connection, who: Principal):
    user = _user(conn, who)
    if user is None:
        return territories.c.anonymous_read.is_(True)
    if user.is_admin:
        return None
    return sa.or_(territories.c.anonymous_read.is_(True),
                  territories.c.id.in_(sa.select(roles.c.territory_id).where(roles.c.user_id == user.id)))


def _workshop_readable(conn: Connection, who: Principal):
    link = workshop_link(conn, who.token)
    return territories.c.id == (link.territory_id if link is not None else -1)


@dataclass(frozen=True)
class Kind:
    """How the store reads a kind of principal's rights: on one territory (None: on the instance), and which
    territories it may read (a condition on ``territories``; None: every one)."""

    rights: Callable[[Connection, Principal, Any], Rights]
    readable: Callable[[Connection, Principal], Any]


KINDS: dict[str, Kind] = {
    ANONYMOUS: Kind(_anonymous_rights, _anonymous_readable),
    ACCOUNT: Kind(_account_rights, _account_readable),
    SESSION: Kind(_account_rights, _account_readable),  # its account's, while the session is valid
    WORKSHOP: Kind(_workshop_rights, _workshop_readable),
    OPERATOR: Kind(_operator_rights, lambda conn, who: None),
    ACTOR_LINK_KIND: Kind(_actor_link_rights, _anonymous_readable),  # no census but what anyone reads
    VOTER: Kind(_vote_rights, lambda conn, who: sa.false()),
}


def rights(conn: Connection, who: Principal, trow: Any) -> Rights:
    if not isinstance(who, Principal):
        raise TypeError(f"a store operation needs the acting Principal first, not {type(who).__name__}")
    return KINDS[who.kind].rights(conn, who, trow)


def readable(conn: Connection, who: Principal):
    return KINDS[who.kind].readable(conn, who)


# ---------------------------------------------------------------------------------------------
# The unit of work
# ---------------------------------------------------------------------------------------------
@dataclass
class Unit:
    """One operation's unit of work: its connection (in the operation's one transaction), who acts, the territory
    it names (its row, locked until the end of a writing operation; None when the territory is not on this
    instance, which only a principal who may know it learns) and the principal's rights there. Internal helpers
    take it instead of opening their own transaction."""

    conn: Connection
    who: Principal
    code: str | None
    territory: Any
    rights: Rights

    def allows(self, rule: str) -> bool:
        return rule in self.rights.rules

    def require(self, rule: str) -> None:
        if rule not in self.rights.rules:
            raise Forbidden(REFUSALS[rule])

    def row(self) -> Any:
        """The territory's row, or StoreError when it is not on this instance (said only to a principal whose rights
        were checked: one who may not act here was refused the same way whether it exists or not)."""
        if self.territory is None:
            raise StoreError(f"Territoire « {str(self.code or '')[:40]} » absent de cette instance.")
        return self.territory

    def author(self, given: str | None = "") -> str:
        """Who is recorded as doing it: an account is always recorded as itself; the operator as the author it
        gives (the command line's --auteur); anyone else as nobody."""
        if self.who.kind == OPERATOR:
            return str(given or "")
        return self.rights.account or ""
