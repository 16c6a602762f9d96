"""Territories: their codes and names, their settings, and what a principal may do on one (``access``)."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..geography import TerritoryCodeError, territory_name
from ..workspace import Access
from .access import (ADMIN_INSTANCE, ADMIN_TERRITORY, EDIT, READ_PERSONAL, READ_PUBLISHED, WORKSHOP, Principal,
                     readable)
from .common import SAMPLE_CODE, SAMPLE_NAME, check_email
from .errors import StoreError
from .schema import territories


def check_contact(email: str | None) -> str | None:
    """A territory's contact address as stored: a checked e-mail, or None when blank (unset)."""
    email = "" if email is None else str(email)
    return check_email(email) if email.strip() else None


def territory_label(code: str) -> str:
    """The territory's name from the offline geography (the sample's for « exemple »), or StoreError when the code
    is not a known one."""
    code = (code or "").strip()
    if code == SAMPLE_CODE:
        return SAMPLE_NAME
    try:
        return territory_name(code)
    except TerritoryCodeError as exc:
        raise StoreError(str(exc)) from None


class Territories:
    def access(self, who: Principal, territory: str | None) -> Access:
        """What ``who`` may do on the territory, as the store decides it at every operation (for the app to choose
        what to show). Whether the territory is on this instance (``exists``) and its name are said only to a
        principal who may read it or administers the instance: for anyone else a closed territory and an unknown
        one look the same. For a workshop link's holder, why the link opens nothing any more (revoked, expired)."""
        with self._unit(who, "access", territory) as u:
            may_read = u.allows(READ_PUBLISHED)
            knows = may_read or u.allows(ADMIN_INSTANCE)
            return Access(u.rights.role if u.allows(READ_PUBLISHED) else None, may_read,
                          locked=who.kind == WORKSHOP, editor=u.allows(EDIT), admin=u.allows(ADMIN_TERRITORY),
                          instance_admin=u.allows(ADMIN_INSTANCE), personal_data=u.allows(READ_PERSONAL),
                          exists=(u.territory is not None) if knows else None,
                          name=u.territory.name if knows and u.territory is not None else "",
                          link_problem=u.rights.problem,
                          public=bool(u.territory.anonymous_read) if may_read and u.territory is not None
                          else None)

    def territories(self, who: Principal) -> list[dict[str, Any]]:
        """Every territory of the instance with its settings."""
        with self._unit(who, "territories") as u:
            return [dict(r._mapping) for r in u.conn.execute(sa.select(territories).order_by(territories.c.code))]

    def readable_territories(self, who: Principal) -> list[tuple[str, str]]:
        """(code, name) of the territories ``who`` may read, in one query: those open to anonymous reading, those
        where the account has a role, every one for an instance administrator, its own for a workshop link."""
        with self._unit(who, "readable_territories") as u:
            q = sa.select(territories.c.code, territories.c.name).order_by(territories.c.name)
            condition = readable(u.conn, who)
            if condition is not None:
                q = q.where(condition)
            return [(r.code, r.name) for r in u.conn.execute(q)]

    def open_data_settings(self, who: Principal, code: str) -> dict[str, Any]:
        """What the territory's open data is published under (nrdash.opendata): its licence (``open_licence``) and
        whether its « Citoyens » are counted per commune (``open_citizens``), with its ``name``. Whoever may read the
        published census may read this (an anonymous visitor: only on a territory open to anonymous reading)."""
        with self._unit(who, "open_data_settings", code) as u:
            row = u.row()
            return {"name": row.name, "open_licence": row.open_licence, "open_citizens": bool(row.open_citizens)}

    def territory(self, who: Principal, code: str) -> dict[str, Any]:
        """The territory's row: its name and settings (anonymous reading, retention period, contact address), and
        whether its questionnaire takes answers (``questionnaire_open``, a setting of its own)."""
        from .answers import _is_open

        with self._unit(who, "territory", code) as u:
            row = u.row()
            return {**row._mapping, "questionnaire_open": _is_open(u.conn, row.id)}

    def set_territory(self, who: Principal, code: str, *, anonymous_read: bool | None = None,
                      retention_months: int | None = None, contact_email: str | None = None,
                      open_licence: str | None = None, open_citizens: bool | None = None) -> None:
        """Change the settings given (None: left as it is). ``anonymous_read``: every published version of the
        territory, earlier ones included, readable by anyone without an account (True) or by its accounts only.
        ``contact_email``: the address the public questionnaire gives (checked as an e-mail; "" unsets it).
        ``open_licence``, ``open_citizens``: its open data's licence and whether « Citoyens » are counted."""
        values: dict[str, Any] = {}
        if anonymous_read is not None:
            values["anonymous_read"] = bool(anonymous_read)
        if open_licence is not None:
            from ..opendata import LICENCES

            if open_licence not in LICENCES:
                raise StoreError(f"Licence « {str(open_licence)[:40]} » inconnue : choisissez "
                                 f"{' ou '.join(LICENCES)}.")
            values["open_licence"] = open_licence
        if open_citizens is not None:
            values["open_citizens"] = bool(open_citizens)
        if retention_months is not None:
            if not 1 <= int(retention_months) <= 240:
                raise StoreError("Durée de conservation des données personnelles invalide : entre 1 et 240 mois.")
            values["retention_months"] = int(retention_months)
        if contact_email is not None:
            values["contact_email"] = check_contact(contact_email)
        with self._unit(who, "set_territory", code, write=True) as u:
            row = u.row()
            if values:
                u.conn.execute(territories.update().where(territories.c.id == row.id).values(**values))
