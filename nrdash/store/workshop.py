"""Locked workshop links: a secret link that opens a territory's published census read-only in mode atelier, for a
number of days chosen at creation (30 by default, 1 to 365), until it expires or an editor revokes it. Only the
token's SHA-256 is kept; the link's rights are read again at every operation of its holder
(``access.link_state``), so a revoked or expired link stops working at the next one, even in an open session."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from .access import READ_PERSONAL, WORKSHOP, Principal, workshop_link
from .common import as_utc, check_text, sha256, utcnow
from .errors import StoreError
from .schema import territories, workshop_tokens

LINK_DAYS, LINK_DAYS_MAX = 30, 365
VALID, EXPIRED, REVOKED = "valide", "expiré", "révoqué"


class NewLink(str):
    """A new link's secret (a str, shown once: only its hash is kept), with its row's ``id`` and ``expires_at``."""

    id: int
    expires_at: dt.datetime

    def __new__(cls, token: str, link_id: int, expires_at: dt.datetime) -> "NewLink":
        new = super().__new__(cls, token)
        new.id, new.expires_at = link_id, expires_at
        return new

    def __repr__(self) -> str:  # the secret is never printed
        return f"NewLink(id={self.id}, expires_at={self.expires_at.isoformat()})"


@dataclass(frozen=True)
class WorkshopLink:
    """A link as listed (never its secret)."""

    id: int
    label: str
    created_at: dt.datetime
    created_by: str  # an e-mail: blank for whoever may not see personal data
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    state: str  # VALID | EXPIRED | REVOKED

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "libelle": self.label, "cree_le": self.created_at.isoformat(),
                "cree_par": self.created_by, "expire_le": self.expires_at.isoformat(),
                "revoque_le": self.revoked_at.isoformat() if self.revoked_at else None, "etat": self.state}


def check_days(days: Any) -> int:
    """A link's validity in days: a whole number from 1 to LINK_DAYS_MAX, else StoreError (French)."""
    text = str(days).strip()
    if isinstance(days, bool) or not text.isdigit() or not 1 <= int(text) <= LINK_DAYS_MAX:
        raise StoreError(f"Durée de validité du lien invalide (« {text[:20]} ») : un nombre entier de jours, de 1 à "
                         f"{LINK_DAYS_MAX}.")
    return int(text)


class Workshop:
    def create_workshop_token(self, who: Principal, territory: str, label: str = "", *, author: str = "",
                              days: int = LINK_DAYS, now: dt.datetime | None = None) -> NewLink:
        """A new link, valid ``days`` days (1 to 365): its secret, shown once (only its hash is kept), with its id
        and expiry."""
        label = check_text(label, "label")
        days = check_days(days)
        now = as_utc(now) or utcnow()
        token = secrets.token_urlsafe(24)
        with self._unit(who, "create_workshop_token", territory, write=True) as u:
            expires = now + dt.timedelta(days=days)
            link_id = u.conn.execute(workshop_tokens.insert().values(
                territory_id=u.row().id, token_hash=sha256(token.encode()), label=label,
                created_by=check_text(u.author(author), "email"), created_at=now, expires_at=expires)
                .returning(workshop_tokens.c.id)).scalar_one()
        return NewLink(token, link_id, expires)

    def workshop_links(self, who: Principal, territory: str, *, now: dt.datetime | None = None) -> list[WorkshopLink]:
        """The territory's links, newest first, with their state (valid, expired, revoked); who made them only for
        whoever may see personal data."""
        now = as_utc(now) or utcnow()
        with self._unit(who, "workshop_links", territory) as u:
            rows = u.conn.execute(sa.select(workshop_tokens).where(workshop_tokens.c.territory_id == u.row().id)
                                  .order_by(workshop_tokens.c.id.desc())).all()
            personal = u.allows(READ_PERSONAL)
        out = []
        for r in rows:
            expires = as_utc(r.expires_at)
            state = REVOKED if r.revoked_at is not None else EXPIRED if expires is None or expires <= now else VALID
            out.append(WorkshopLink(r.id, r.label or "", as_utc(r.created_at), r.created_by if personal else "",
                                    expires, as_utc(r.revoked_at), state))
        return out

    def revoke_workshop_link(self, who: Principal, link_id: int, territory: str | None = None, *,
                             now: dt.datetime | None = None) -> str:
        """Revoke a link (an editor of its territory may; the operator names only its id): every session opened with
        it shows nothing of the census from its next run. StoreError when there is no such link, or it is revoked
        already (nothing is changed). Returns the link's territory code."""
        try:
            link_id = int(link_id)
        except (TypeError, ValueError):
            raise StoreError(f"Identifiant de lien invalide : « {str(link_id)[:20]} » (un nombre, donné par "
                             "python -m nrdash link list).") from None
        with self._unit(who, "revoke_workshop_link", territory, write=True) as u:  # no territory: the instance's
            q = sa.select(workshop_tokens, territories.c.code).join(  # rights (the operator, instance administrators)
                territories, territories.c.id == workshop_tokens.c.territory_id).where(workshop_tokens.c.id == link_id)
            row = u.conn.execute(q if territory is None else q.where(territories.c.id == u.row().id)).first()
            if row is None:
                raise StoreError(f"Aucun lien d'atelier n° {link_id}" + (" sur ce territoire" if territory else "")
                                 + " : vérifiez le numéro (python -m nrdash link list --territoire CODE).")
            if row.revoked_at is not None:
                raise StoreError(f"Le lien d'atelier n° {link_id} est déjà révoqué (le "
                                 f"{as_utc(row.revoked_at):%d/%m/%Y à %H:%M} UTC) : rien n'a été modifié.")
            u.conn.execute(workshop_tokens.update().where(workshop_tokens.c.id == link_id).values(
                revoked_at=as_utc(now) or utcnow()))
            return row.code

    def workshop_territory(self, who: Principal) -> str | None:
        """The territory a workshop link's holder is locked on, while the link is valid (None otherwise, and for
        any other principal)."""
        with self._unit(who, "workshop_territory") as u:
            link = workshop_link(u.conn, who.token) if who.kind == WORKSHOP else None
            if link is None:
                return None
            return u.conn.execute(sa.select(territories.c.code).where(territories.c.id == link.territory_id)).scalar()
