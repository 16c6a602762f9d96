"""Accounts: local accounts (argon2) or accounts of the identity provider, their roles on territories, the instance
administrator flag, and the sign-in's attempts (rate-limited in the database per e-mail and per client address)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from .access import Principal
from .common import ROLES, as_utc, check_email, email_key, utcnow
from .errors import StoreError
from .tables import login_attempts, roles, territories, users

MAX_FAILURES_PER_EMAIL, MAX_FAILURES_PER_IP, RATE_WINDOW = 5, 20, dt.timedelta(minutes=15)


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


class Accounts:
    def add_user(self, who: Principal, email: str, password: str | None, role: str | None = None,
                 territory: str | None = None, *, without_password: bool = False) -> dict[str, Any]:
        """Create a local account (argon2 hash) or give an existing one a role on a territory (an administrator
        of that territory may; an account without a territory, or the instance's administrator role, needs an
        administrator of the instance). The first account of a fresh instance is the administrator of the instance.
        ``without_password``: an account that signs in only through the identity provider (OpenID Connect), never
        with a local password."""
        email = check_email(email)
        key = email.casefold()
        if role is not None and role not in ROLES:
            raise StoreError(f"Rôle « {role[:40]} » inconnu : {', '.join(ROLES)}.")
        if territory is not None and role is None:
            raise StoreError("Précisez le rôle sur ce territoire (--role).")
        if territory is None and role is not None and role != "administrateur":
            raise StoreError(f"Le rôle « {role} » se donne sur un territoire (--territoire CODE).")
        with self._unit(who, "add_user", territory, write=True, create=True) as u:
            conn = u.conn
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
                trow = u.row()
                conn.execute(roles.delete().where(roles.c.user_id == uid, roles.c.territory_id == trow.id))
                conn.execute(roles.insert().values(user_id=uid, territory_id=trow.id, role=role))
            elif role == "administrateur":
                conn.execute(users.update().where(users.c.id == uid).values(is_admin=True))
            row = conn.execute(sa.select(users).where(users.c.id == uid)).one()
        return {"email": row.email, "is_admin": bool(row.is_admin), "created": user is None}

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
        """Whether the local account's password is this one (the same time whether the account exists or not). A
        hash made with older parameters is made again, in a second transaction."""
        from argon2.exceptions import InvalidHashError, VerificationError

        with self._unit(who, "verify_password") as u:
            user = u.conn.execute(sa.select(users).where(users.c.email_key == email_key(email))).first()
        hasher = _hasher()
        if user is None or not user.password_hash:
            hasher.hash(password or "")  # same time as a real check: no account enumeration by timing
            return False
        try:
            hasher.verify(user.password_hash, password or "")
        except (VerificationError, InvalidHashError):
            return False
        if hasher.check_needs_rehash(user.password_hash):
            with self._unit(who, "verify_password", write=True) as u:
                u.conn.execute(users.update().where(users.c.id == user.id).values(password_hash=hasher.hash(password)))
        return True

    def record_login(self, who: Principal, email: str, success: bool, now: dt.datetime | None = None) -> None:
        """One sign-in attempt for ``email`` from ``who``'s client address."""
        with self._unit(who, "record_login", write=True) as u:
            u.conn.execute(login_attempts.insert().values(
                email_key=email_key(email)[:254], client_ip=str(who.client or "")[:64], at=as_utc(now) or utcnow(),
                success=bool(success)))

    def check_rate(self, who: Principal, email: str, now: dt.datetime | None = None) -> bool:
        """False when the e-mail (5) or ``who``'s client address (20) failed too often in the last 15 minutes."""
        now = as_utc(now) or utcnow()
        failed = sa.and_(login_attempts.c.success.is_(False), login_attempts.c.at > now - RATE_WINDOW)
        with self._unit(who, "check_rate") as u:
            by_email = u.conn.execute(sa.select(sa.func.count()).select_from(login_attempts).where(
                failed, login_attempts.c.email_key == email_key(email)[:254])).scalar()
            by_ip = u.conn.execute(sa.select(sa.func.count()).select_from(login_attempts).where(
                failed, login_attempts.c.client_ip == str(who.client or "")[:64])).scalar()
        return by_email < MAX_FAILURES_PER_EMAIL and by_ip < MAX_FAILURES_PER_IP
