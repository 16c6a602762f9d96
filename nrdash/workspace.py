"""The territory workspace as the app shows it: who may do what, which census a session sees, the history of
published versions, and what publishing a draft over a newer version would undo. Pure logic, no Streamlit.

A session shows, first that applies:
1. its own census (an upload or an edit, in this session only, never stored);
2. for an editor who chose it, their **draft** (kept in the store, visible to them only, labelled « brouillon »);
3. ``NRDASH_CENSUS`` when no territory is asked for in the address: that file replaces the store's default
   territory for everyone (it is read at start, never stored);
4. the store: the territory of ``?territoire=CODE`` (else ``NRDASH_TERRITOIRE``, else the fictional sample
   « exemple »), its latest version or ``?version=N``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable

import pandas as pd

from .census import Census
from .compare import actor_refs, compare
from .text import count_noun, date_time

TERRITORY_ENV = "NRDASH_TERRITOIRE"
SAMPLE_CODE = "exemple"
EDITOR, ADMIN, READER = "éditeur", "administrateur", "lecteur"


def default_territory() -> str:
    """The territory shown when the address names none: NRDASH_TERRITOIRE, else the fictional sample."""
    return os.environ.get(TERRITORY_ENV, "").strip() or SAMPLE_CODE


@dataclass(frozen=True)
class Access:
    """What a session may do on one territory, as the store decides it (``Store.access``): the app uses it only to
    choose what to show, the store checks every operation again."""

    role: str | None  # "lecteur" | "éditeur" | "administrateur" | None (anonymous, or no role here)
    may_read: bool
    locked: bool = False  # opened with a locked workshop link: a viewer in mode atelier, whatever is done
    editor: bool = False  # drafts, publishing, restore, the questionnaire's queue, objectives, pairings
    admin: bool = False  # the territory's settings and people, erasure
    instance_admin: bool = False  # accounts and the instance's administrator role
    personal_data: bool = False  # Référent, Contact, original files
    exists: bool | None = None  # whether the territory is on this instance; None: not said to this session
    name: str = ""  # the territory's name, when said
    public: bool | None = None  # whether anyone reads it without an account; None: not said to this session

    def personal(self, workshop: bool) -> bool:
        """Whether Référent and Contact may be sent to this session's browser at all."""
        return self.personal_data and not workshop


def parse_version(value: str | None) -> int | None:
    """``?version=N``: a positive integer, else None (the latest)."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) < 10**9 else None


def history_table(infos: Iterable, editor: bool) -> pd.DataFrame:
    """The history list: one row per version, newest first, in French. Authors are shown to editors only (an
    e-mail address is personal data)."""
    rows = []
    for v in sorted(infos, key=lambda v: -v.number):
        origin = []
        if v.restored_from:
            origin.append(f"restauration de la version {v.restored_from}")
        if v.force_reason:
            origin.append(f"publiée malgré les erreurs : {v.force_reason}")
        if v.redacted_at:
            origin.append("données personnelles retirées")
        row = {"Version": v.number, "Publiée le": date_time(v.created_at), "Note": v.note or "",
               "Acteurs": v.n_actors, "Actions": v.n_actions, "Lignes en erreur": v.n_error_rows,
               "Avertissements": v.n_warnings, "Fichier": v.file_name, "Remarques": " ; ".join(origin)}
        if editor:
            row["Auteur"] = v.author or ""
        rows.append(row)
    columns = ["Version", "Publiée le", *(["Auteur"] if editor else []), "Note", "Acteurs", "Actions",
               "Lignes en erreur", "Avertissements", "Fichier", "Remarques"]
    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class Undone:
    """What publishing a draft started from ``base`` would undo of the versions published after it."""

    base: int
    latest: int
    lines: list[str]  # one French sentence per actor whose change by the newer version(s) would be lost
    others: str  # what the newer version(s) changed, in one sentence

    @property
    def sentence(self) -> str:
        if not self.lines:
            return (f"La version {self.latest} a été publiée depuis la version {self.base} sur laquelle repose "
                    "votre brouillon ; votre brouillon ne défait aucun de ses changements d'acteurs.")
        return (f"La version {self.latest} a été publiée depuis la version {self.base} sur laquelle repose votre "
                f"brouillon. Le publier défera {count_noun(len(self.lines), 'changement')} de cette version :")


def _shown(actors: pd.DataFrame) -> list[str]:
    """« Name (Commune) » of each actor, as a person names it."""
    return [f"{n} ({c})" if isinstance(c, str) and c.strip() else str(n)
            for n, c in zip(actors["name"], actors["commune"])]


def undone_by(base: Census, latest: Census, draft: Census, base_number: int, latest_number: int,
              limit: int = 50) -> Undone:
    """Among the actors the newer version changed (added, removed, modified) relative to the draft's base, those
    the draft would put back as they were."""
    others = compare(base, latest)
    mine = compare(latest, draft)
    refs_latest, refs_base = _shown(others.b), _shown(others.a)
    gone_in_draft = set(int(i) for i in mine.gone)
    draft_pair = {int(r.ia): tuple(r.changed) for r in mine.pairs.itertuples()}
    lines: list[str] = []
    for ib in (int(i) for i in others.new):
        if ib in gone_in_draft:
            lines.append(f"« {refs_latest[ib]} », ajouté par la version {latest_number}, serait retiré.")
    for r in others.changed.itertuples():
        ib = int(r.ib)
        if ib in gone_in_draft:
            lines.append(f"« {refs_latest[ib]} », modifié par la version {latest_number}, serait retiré.")
        elif set(r.changed) & set(draft_pair.get(ib, ())):
            fields = ", ".join(f for f in r.changed if f in draft_pair[ib])
            lines.append(f"« {refs_latest[ib]} » : ce que la version {latest_number} a changé ({fields}) serait "
                         "remplacé par votre brouillon.")
    back = set(actor_refs(mine.b.iloc[list(mine.new)])) if len(mine.new) else set()
    keys_base = actor_refs(others.a)
    for ia in (int(i) for i in others.gone):
        if keys_base[ia] in back:
            lines.append(f"« {refs_base[ia]} », retiré par la version {latest_number}, reviendrait.")
    from .compare import summary_sentence

    return Undone(base_number, latest_number, lines[:limit], summary_sentence(others))
