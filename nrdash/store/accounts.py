"""Accounts: local accounts (argon2) or accounts of the identity provider, their roles on territories, the instance
administrator flag; the local sign-in (rate-limited in the database per e-mail and per client address, counted and
decided in one transaction) and its server-side sessions, which every replica reads: signing out, signing out
everywhere, a role removed or changed, an account removed end them at their next operation."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import referential as ref
from .access import ACCOUNT, ADMIN_INSTANCE, SESSION, Principal, Unit, session_user
from .common import ROLES, as_utc, check_email, email_key, sha256, utcnow
from .errors import Forbidden, StoreError
from .schema import drafts, login_attempts, roles, sessions, territories, users

MAX_FAILURES_PER_EMAIL, MAX_FAILURES_PER_IP, RATE_WINDOW = 5, 20, dt.timedelta(minutes=15)
SESSION_LIFETIME = dt.timedelta(hours=12)  # a working day: signing in again each morning
LAST_SEEN_EVERY = dt.timedelta(minutes=1)  # a session's last_seen_at is written at most this often
OK, WRONG, BLOCKED = "ok", "wrong", "blocked"
ACCOUNTS_LOCK = "accounts"  # Database._serialize: the operations that change accounts and roles, one at a time
# Why a session ended (sessions.ended_why), and the words for it.
SIGNED_OUT, SIGNED_OUT_EVERYWHERE, ENDED_BY_ADMIN, ROLE_CHANGED = (
    "signed-out", "signed-out-everywhere", "ended-by-admin", "role-changed")
ENDED_WORDS = {SIGNED_OUT: "déconnexion", SIGNED_OUT_EVERYWHERE: "déconnexion de tous les appareils",
               ENDED_BY_ADMIN: "fin décidée par un administrateur", ROLE_CHANGED: "rôle modifié ou retiré"}


@dataclass(frozen=True)
class SignIn:
    """A sign-in attempt's outcome: OK (with the new session's id, for the signed cookie), WRONG (unknown e-mail and
    wrong password alike) or BLOCKED (too many failures: nothing was checked nor recorded)."""

    outcome: str
    session: str | None = field(default=None, repr=False)
    expires_at: dt.datetime | None = None


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def check_role(role: str | None) -> str | None:
    """The role as stored (« editeur », « Éditeur » -> « éditeur »), None kept, else StoreError (French)."""
    if role is None:
        return None
    named = ref.role_named(role)
    if named is None:
        raise StoreError(f"Rôle « {str(role)[:40]} » inconnu : {ref.expected(ROLES)} (accents et majuscules "
                         "facultatifs).")
    return named


def _account(conn: Connection, email: str) -> Any:
    """The account's row, or StoreError when there is none (nothing is changed)."""
    user = conn.execute(sa.select(users).where(users.c.email_key == email_key(email))).first()
    if user is None:
        raise StoreError(f"Aucun compte pour « {str(email).strip()[:254]} » : vérifiez l'adresse électronique "
                         "(rien n'a été modifié).")
    return user


def _not_the_last_administrator(conn: Connection, user: Any, doing: str) -> None:
    """StoreError when ``user`` is the instance's only administrator (the operations that change accounts run one
    after the other, ``ACCOUNTS_LOCK``: two administrators downgrading each other at once cannot leave none)."""
    admins = conn.execute(sa.select(users.c.id).where(users.c.is_admin.is_(True))).scalars().all()
    if user.is_admin and set(admins) <= {user.id}:
        raise StoreError(f"« {user.email} » est le dernier administrateur de l'instance : impossible de {doing}. "
                         "Donnez d'abord ce rôle à un autre compte (python -m nrdash user role AUTRE@ADRESSE "
                         "--role administrateur), puis recommencez.")


def _end_sessions(conn: Connection, user_id: int, why: str, now: dt.datetime | None = None,
                  only: int | None = None) -> int:
    """End the account's open sessions (or only the session row ``only``): they are refused from their next
    operation on, on every replica."""
    q = sessions.update().where(sessions.c.user_id == user_id, sessions.c.ended_at.is_(None))
    if only is not None:
        q = q.where(sessions.c.id == only)
    return conn.execute(q.values(ended_at=now or utcnow(), ended_why=why)).rowcount


def _give_role(u: Unit, user: Any, role: str, trow: Any, *, new: bool = False) -> bool:
    """Give ``user`` the role on the territory, replacing the one it had there. An instance administrator given a
    territory's role is one no longer (only another instance administrator may do that, never to the last one),
    unless the account is ``new`` (the first account of an instance is its administrator, with the role asked).
    Returns whether a right was removed or changed (the account's open sessions are then ended)."""
    changed = False
    if user.is_admin and not new:
        if not u.allows(ADMIN_INSTANCE):
            raise Forbidden(f"Accès refusé : « {user.email} » est administrateur de l'instance ; seul un administrateur "
                            "de l'instance peut changer son rôle.")
        _not_the_last_administrator(u.conn, user, f"lui donner le rôle « {role} » sur un seul territoire")
        u.conn.execute(users.update().where(users.c.id == user.id).values(is_admin=False))
        changed = True
    before = u.conn.execute(sa.select(roles.c.role).where(roles.c.user_id == user.id,
                                                          roles.c.territory_id == trow.id)).scalar()
    if before != role:
        u.conn.execute(roles.delete().where(roles.c.user_id == user.id, roles.c.territory_id == trow.id))
        u.conn.execute(roles.insert().values(user_id=user.id, territory_id=trow.id, role=role))
    changed = changed or (before is not None and before != role)
    if changed:
        _end_sessions(u.conn, user.id, ROLE_CHANGED)
    return changed


class Accounts:
    def add_user(self, who: Principal, email: str, password: str | None, role: str | None = None,
                 territory: str | None = None, *, without_password: bool = False) -> dict[str, Any]:
        """Create a local account (argon2 hash) or give an existing one a role on a territory (an administrator
        of that territory may; an account without a territory, or the instance's administrator role, needs an
        administrator of the instance). The first account of a fresh instance is the administrator of the instance.
        ``without_password``: an account that signs in only through the identity provider (OpenID Connect), never
        with a local password. Giving an existing account a role on a territory replaces the one it had there, as
        ``set_role`` does (an instance administrator given a territory's role is one no longer)."""
        email = check_email(email)
        key = email.casefold()
        role = check_role(role)
        if territory is not None and role is None:
            raise StoreError("Précisez le rôle sur ce territoire (--role).")
        if territory is None and role is not None and role != "administrateur":
            raise StoreError(f"Le rôle « {role} » se donne sur un territoire (--territoire CODE).")
        with self._unit(who, "add_user", territory, write=True, create=True) as u:
            conn = u.conn
            self._serialize(conn, ACCOUNTS_LOCK)
            user = conn.execute(sa.select(users).where(users.c.email_key == key)).first()
            if user is None and without_password:
                password_hash = None
            elif user is None:
                if not password or len(password) < 10:
                    raise StoreError("Mot de passe trop court : 10 caractères au moins.")
                if len(password) > 1024:
                    raise StoreError("Mot de passe trop long : 1 024 caractères au plus.")
                password_hash = _hasher().hash(password)
            if user is None:
                first = conn.execute(sa.select(sa.func.count()).select_from(users)).scalar() == 0
                uid = conn.execute(users.insert().values(
                    email=email, email_key=key, password_hash=password_hash, is_admin=first,
                    created_at=utcnow()).returning(users.c.id)).scalar_one()
            else:
                uid = user.id
            if territory is not None:
                _give_role(u, conn.execute(sa.select(users).where(users.c.id == uid)).one(), role, u.row(),
                           new=user is None)
            elif role == "administrateur":
                conn.execute(users.update().where(users.c.id == uid).values(is_admin=True))
            row = conn.execute(sa.select(users).where(users.c.id == uid)).one()
        return {"email": row.email, "is_admin": bool(row.is_admin), "created": user is None}

    def set_role(self, who: Principal, email: str, role: str, territory: str | None = None) -> dict[str, Any]:
        """Change an existing account's role: on a territory (replacing the one it had there, downgrades included;
        an instance administrator given a territory's role is one no longer), or, without a territory,
        « administrateur » of the instance. The last instance administrator is never downgraded. A role changed or
        removed ends the account's open sessions. Returns {email, role, territory, is_admin, sessions_ended}."""
        role = check_role(role)
        if territory is None and role != "administrateur":
            raise StoreError(f"Le rôle « {role} » se donne sur un territoire : ajoutez --territoire CODE.")
        with self._unit(who, "set_role", territory, write=True, create=True,
                        option=ADMIN_INSTANCE if territory is None else None) as u:
            self._serialize(u.conn, ACCOUNTS_LOCK)
            user = _account(u.conn, email)
            ended = 0
            if territory is not None:
                trow = u.row()
                open_before = self._open_sessions(u.conn, user.id)
                ended = open_before if _give_role(u, user, role, trow) else 0
            elif not user.is_admin:
                u.conn.execute(users.update().where(users.c.id == user.id).values(is_admin=True))
            row = u.conn.execute(sa.select(users).where(users.c.id == user.id)).one()
        return {"email": row.email, "role": role, "territory": territory, "is_admin": bool(row.is_admin),
                "sessions_ended": ended}

    def remove_user(self, who: Principal, email: str, territory: str | None = None) -> dict[str, Any]:
        """Remove an account's role on a territory (an administrator of the territory may), or, without a
        territory, the whole account: its roles, its sessions, its drafts (an instance administrator may; never the
        last one). Its open sessions end at their next operation. StoreError when there is no such account or role
        (nothing is changed). Returns {email, territory, role (the one removed), sessions_ended}."""
        with self._unit(who, "remove_user", territory, write=True,
                        option=ADMIN_INSTANCE if territory is None else None) as u:
            self._serialize(u.conn, ACCOUNTS_LOCK)
            user = _account(u.conn, email)
            ended = self._open_sessions(u.conn, user.id)
            if territory is not None:
                trow = u.row()
                if user.is_admin:
                    raise StoreError(f"« {user.email} » est administrateur de l'instance : il a tous les droits sur "
                                     "chaque territoire. Pour l'en retirer, donnez-lui un rôle sur un territoire "
                                     f"(python -m nrdash user role {user.email} --role lecteur --territoire "
                                     f"{trow.code}) ou retirez le compte (python -m nrdash user remove "
                                     f"{user.email}).")
                removed = u.conn.execute(sa.select(roles.c.role).where(
                    roles.c.user_id == user.id, roles.c.territory_id == trow.id)).scalar()
                if removed is None:
                    raise StoreError(f"« {user.email} » n'a aucun rôle sur « {trow.name} » ({trow.code}) : rien n'a "
                                     "été modifié.")
                u.conn.execute(roles.delete().where(roles.c.user_id == user.id, roles.c.territory_id == trow.id))
                _end_sessions(u.conn, user.id, ROLE_CHANGED)
            else:
                _not_the_last_administrator(u.conn, user, "retirer ce compte")
                removed = "administrateur" if user.is_admin else None
                u.conn.execute(drafts.delete().where(drafts.c.author_key == user.email_key))
                u.conn.execute(sessions.delete().where(sessions.c.user_id == user.id))
                u.conn.execute(roles.delete().where(roles.c.user_id == user.id))
                u.conn.execute(users.delete().where(users.c.id == user.id))
        return {"email": user.email, "territory": territory, "role": removed, "sessions_ended": ended}

    def user_exists(self, who: Principal, email: str) -> bool:
        with self._unit(who, "user_exists") as u:
            return u.conn.execute(sa.select(users.c.id).where(users.c.email_key == email_key(email))).first() \
                is not None

    def role_of(self, who: Principal, email: str, territory: str) -> str | None:
        """'administrateur' for the instance's administrators, else the account's role on the territory."""
        with self._unit(who, "role_of", territory) as u:
            user = u.conn.execute(sa.select(users).where(users.c.email_key == email_key(email))).first()
            if user is None:
                return None
            if user.is_admin:
                return "administrateur"
            return u.conn.execute(sa.select(roles.c.role).join(territories, territories.c.id == roles.c.territory_id)
                                  .where(roles.c.user_id == user.id, territories.c.code == u.code)).scalar()

    def verify_password(self, who: Principal, email: str, password: str) -> bool:
        """Whether the local account's password is this one, for the operator (a restored backup's accounts): no
        limit, no session. Signing in is ``sign_in``."""
        with self._unit(who, "verify_password") as u:
            user = u.conn.execute(sa.select(users).where(users.c.email_key == email_key(email))).first()
        return self._password_matches(user, password)[0]

    def sign_in(self, who: Principal, email: str, password: str, *, lifetime: dt.timedelta = SESSION_LIFETIME,
                now: dt.datetime | None = None) -> SignIn:
        """One local sign-in attempt from ``who``'s client address: BLOCKED when the e-mail (5) or the address (20)
        failed too often in the last 15 minutes — counted and decided in one transaction with the attempt's record
        (a failure until the password is found right), so that parallel attempts are each counted before the next
        is decided —; else the password is checked (outside any transaction: argon2 takes its time, the same
        whether the account exists or not), and when it is right a session is opened (``lifetime``)."""
        now = as_utc(now) or utcnow()
        key, client = email_key(email)[:254], str(who.client or "")[:64]
        failed = sa.and_(login_attempts.c.success.is_(False), login_attempts.c.at > now - RATE_WINDOW)
        with self._unit(who, "sign_in", write=True) as u:
            self._serialize(u.conn, f"sign-in e-mail {key}")  # this order everywhere: no deadlock
            self._serialize(u.conn, f"sign-in address {client}")
            by_email = u.conn.execute(sa.select(sa.func.count()).select_from(login_attempts).where(
                failed, login_attempts.c.email_key == key)).scalar()
            by_ip = u.conn.execute(sa.select(sa.func.count()).select_from(login_attempts).where(
                failed, login_attempts.c.client_ip == client)).scalar()
            if by_email >= MAX_FAILURES_PER_EMAIL or by_ip >= MAX_FAILURES_PER_IP:
                return SignIn(BLOCKED)
            attempt = u.conn.execute(login_attempts.insert().values(
                email_key=key, client_ip=client, at=now, success=False).returning(login_attempts.c.id)).scalar_one()
            user = u.conn.execute(sa.select(users).where(users.c.email_key == key)).first() if key else None
        if not (email and password):
            return SignIn(WRONG)
        ok, rehash = self._password_matches(user, password)
        if not ok:
            return SignIn(WRONG)
        token = secrets.token_urlsafe(32)
        with self._unit(who, "sign_in", write=True) as u:
            if u.conn.execute(sa.select(users.c.id).where(users.c.id == user.id)).first() is None:
                return SignIn(WRONG)  # removed meanwhile
            u.conn.execute(login_attempts.update().where(login_attempts.c.id == attempt).values(success=True))
            if rehash:
                u.conn.execute(users.update().where(users.c.id == user.id).values(password_hash=rehash))
            u.conn.execute(sessions.insert().values(
                id_hash=sha256(token.encode()), user_id=user.id, created_at=now, last_seen_at=now,
                expires_at=now + lifetime))
        return SignIn(OK, token, now + lifetime)

    def signed_in(self, who: Principal, *, now: dt.datetime | None = None) -> str | None:
        """Who ``who`` is signed in as, for the page to say it: a valid session's account's e-mail (and when it was
        last seen, written at most once a minute), an account's e-mail (the identity provider's); None for a
        session that ended or expired, and anyone else."""
        with self._unit(who, "signed_in") as u:
            if who.kind == ACCOUNT:
                return who.email or None
            user = session_user(u.conn, who.session_id) if who.kind == SESSION else None
        if user is None:
            return None
        now = as_utc(now) or utcnow()
        if as_utc(user.last_seen_at) <= now - LAST_SEEN_EVERY:
            with self._unit(who, "signed_in", write=True) as u:
                u.conn.execute(sessions.update().where(sessions.c.id == user.session_row).values(last_seen_at=now))
        return user.email

    def sign_out(self, who: Principal, *, everywhere: bool = False) -> int:
        """End ``who``'s session (a session principal's), or, ``everywhere``, every open session of its account
        (an account's, for an identity provider's: its local sessions). Returns how many were ended."""
        with self._unit(who, "sign_out", write=True) as u:
            if who.kind == SESSION and not everywhere:
                row = u.conn.execute(sa.select(sessions.c.id, sessions.c.user_id).where(
                    sessions.c.id_hash == sha256(str(who.session_id or "").encode()))).first()
                return _end_sessions(u.conn, row.user_id, SIGNED_OUT, only=row.id) if row is not None else 0
            if not everywhere or who.kind not in (SESSION, ACCOUNT):
                return 0
            user = session_user(u.conn, who.session_id) if who.kind == SESSION else \
                u.conn.execute(sa.select(users.c.id).where(users.c.email_key == email_key(who.email))).first()
            return _end_sessions(u.conn, user.id, SIGNED_OUT_EVERYWHERE) if user is not None else 0

    def end_sessions(self, who: Principal, email: str) -> int:
        """An instance administrator (or the operator) ends every open session of an account, on every replica, from
        their next operation. StoreError for an unknown account. Returns how many were ended."""
        with self._unit(who, "end_sessions", write=True) as u:
            return _end_sessions(u.conn, _account(u.conn, email).id, ENDED_BY_ADMIN)

    @staticmethod
    def _open_sessions(conn: Connection, user_id: int) -> int:
        return conn.execute(sa.select(sa.func.count()).select_from(sessions).where(
            sessions.c.user_id == user_id, sessions.c.ended_at.is_(None), sessions.c.expires_at > utcnow())).scalar()

    @staticmethod
    def _password_matches(user: Any, password: str) -> tuple[bool, str | None]:
        """(whether the password is the account's, its new hash when it was made with older parameters). The same
        time whether the account exists or not: no account enumeration by timing."""
        from argon2.exceptions import InvalidHashError, VerificationError

        hasher = _hasher()
        if user is None or not user.password_hash:
            hasher.hash(password or "")
            return False, None
        try:
            hasher.verify(user.password_hash, password or "")
        except (VerificationError, InvalidHashError):
            return False, None
        return True, hasher.hash(password) if hasher.check_needs_rehash(user.password_hash) else None
