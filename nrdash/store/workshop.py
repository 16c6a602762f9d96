"""Locked workshop links: a secret link that opens a territory's published census read-only in mode atelier. Only
the token's SHA-256 is kept; the link's rights are read again at every operation of its holder
(``access.workshop_link``), so a revoked link stops working at once."""
from __future__ import annotations

import secrets

import sqlalchemy as sa

from .access import WORKSHOP, Principal, workshop_link
from .common import check_text, sha256, utcnow
from .tables import territories, workshop_tokens


class Workshop:
    def create_workshop_token(self, who: Principal, territory: str, label: str = "", *, author: str = "") -> str:
        """A new link's secret (shown once: only its hash is kept)."""
        label = check_text(label, "label")
        token = secrets.token_urlsafe(24)
        with self._unit(who, "create_workshop_token", territory, write=True) as u:
            u.conn.execute(workshop_tokens.insert().values(
                territory_id=u.row().id, token_hash=sha256(token.encode()), label=label,
                created_by=check_text(u.author(author), "email"), created_at=utcnow()))
        return token

    def workshop_territory(self, who: Principal) -> str | None:
        """The territory a workshop link's holder is locked on, while the link is valid (None otherwise, and for
        any other principal)."""
        with self._unit(who, "workshop_territory") as u:
            link = workshop_link(u.conn, who.token) if who.kind == WORKSHOP else None
            if link is None:
                return None
            return u.conn.execute(sa.select(territories.c.code).where(territories.c.id == link.territory_id)).scalar()
