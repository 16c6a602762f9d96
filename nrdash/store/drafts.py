"""Drafts: an editor's census in progress on a territory (migration 0003), one per editor and territory, seen by
its author only until it is published or discarded."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from .access import Principal, Unit
from .common import as_utc, check_email, check_text, email_key, sha256, utcnow
from .errors import StoreError
from .schema import drafts
from .versions import PublishResult, check_file_name, prepare_version


@dataclass(frozen=True)
class Draft:
    """An editor's census in progress on a territory: the file as given, and the version it started from."""

    author: str
    file_name: str
    data: bytes
    sha256: str
    base_version: int | None
    updated_at: dt.datetime


def _author_key(u: Unit, author: str | None) -> tuple[str, str]:
    """(e-mail, key) of the draft's author: the account acting, or the one the operator names."""
    email = check_email(u.author(author))
    return email, email_key(email)


class Drafts:
    def save_draft(self, who: Principal, territory: str, data: bytes, file_name: str, base_version: int | None, *,
                   author: str = "") -> Draft:
        """Keep ``data`` as the acting editor's draft on the territory (replacing theirs): only they see it, until
        they publish or discard it. ``base_version`` is the published version it started from."""
        file_name = check_file_name(file_name)
        data = bytes(data)
        now = utcnow()
        with self._unit(who, "save_draft", territory, write=True) as u:
            email, key = _author_key(u, author)
            trow = u.row()
            u.conn.execute(drafts.delete().where(drafts.c.territory_id == trow.id, drafts.c.author_key == key))
            u.conn.execute(drafts.insert().values(
                territory_id=trow.id, author_key=key, author=email, base_version=base_version,
                file_name=file_name, file_bytes=data, file_sha256=sha256(data), updated_at=now))
        return Draft(email, file_name, data, sha256(data), base_version, now)

    def draft(self, who: Principal, territory: str, *, data: bool = True, author: str = "") -> Draft | None:
        """The acting editor's draft on the territory; ``data=False``: without the file's bytes (``data`` is b""),
        for a caller that only needs to know whether it changed (its SHA-256) before reading it."""
        with self._unit(who, "draft", territory) as u:
            return self._draft(u, _author_key(u, author)[1], data)

    def _draft(self, u: Unit, key: str, data: bool = True) -> Draft | None:
        if u.territory is None:
            return None
        cols = [drafts.c[k] for k in ("author", "file_name", "file_sha256", "base_version", "updated_at")]
        if data:
            cols.append(drafts.c.file_bytes)
        row = u.conn.execute(sa.select(*cols).where(drafts.c.territory_id == u.territory.id,
                                                    drafts.c.author_key == key)).first()
        if row is None:
            return None
        return Draft(row.author, row.file_name, bytes(row.file_bytes) if data else b"", row.file_sha256,
                     row.base_version, as_utc(row.updated_at))

    def discard_draft(self, who: Principal, territory: str, *, author: str = "") -> bool:
        with self._unit(who, "discard_draft", territory, write=True) as u:
            key = _author_key(u, author)[1]
            if u.territory is None:
                return False
            return u.conn.execute(drafts.delete().where(drafts.c.territory_id == u.territory.id,
                                                        drafts.c.author_key == key)).rowcount > 0

    def publish_draft(self, who: Principal, territory: str, *, note: str = "", force_reason: str | None = None,
                      expected_latest: int | None = None, author: str = "") -> PublishResult:
        """Publish the acting editor's draft as the territory's next version and drop the draft, in one
        transaction (the file is read before it; the draft published is the one read, not one saved meanwhile)."""
        note = check_text(note, "note")
        if force_reason is not None:
            force_reason = check_text(force_reason, "reason").strip() or None
        with self._unit(who, "publish_draft", territory) as u:
            email, key = _author_key(u, author)
            d = self._draft(u, key)
        if d is None:
            raise StoreError("Aucun brouillon à publier : chargez ou modifiez d'abord un recensement.")
        values, personal = prepare_version(u.code, d.data, d.file_name, force_reason)
        values.update(author=d.author, note=note, base_version=d.base_version, restored_from=None)

        def drop(unit: Unit, result: PublishResult) -> None:
            unit.conn.execute(drafts.delete().where(drafts.c.territory_id == unit.row().id,
                                                    drafts.c.author_key == key, drafts.c.file_sha256 == d.sha256))

        return self._write_version(who, "publish_draft", territory, values, personal,
                                   expected_latest=expected_latest, after=drop)
