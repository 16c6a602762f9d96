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

from . import referential as ref
from .census import Census
from .compare import actor_refs, change_details, compare, coverage_changes, action_changes, plan_sentences
from .text import count_noun, date_time

TERRITORY_ENV = "NRDASH_TERRITOIRE"
SAMPLE_CODE = "exemple"
EDITOR, ADMIN, READER = "éditeur", "administrateur", "lecteur"


def default_territory() -> str:
    """The territory shown when the address names none: NRDASH_TERRITOIRE, else the fictional sample."""
    return os.environ.get(TERRITORY_ENV, "").strip() or SAMPLE_CODE


def home_territory(own: Iterable[str], default: str) -> str:
    """Where a signed-in person lands when the address names no territory: the one territory they have a role on
    (the fictional sample aside), else ``default`` (several: they choose)."""
    own = [c for c in dict.fromkeys(own) if c != SAMPLE_CODE]
    return own[0] if len(own) == 1 else default


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
    link_problem: str | None = None  # why the workshop link this session was opened with opens nothing any more
    public: bool | None = None  # whether anyone reads it without an account; None: not said to this session

    def personal(self, workshop: bool) -> bool:
        """Whether Référent and Contact may be sent to this session's browser at all."""
        return self.personal_data and not workshop


def parse_version(value: str | None) -> int | None:
    """``?version=N``: a positive integer, else None (the latest)."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) < 10**9 else None


def draft_origin(base_version: int | None) -> str:
    """Where a draft comes from, in words: « d'après la version 2 », or the territory's first census."""
    return f"d'après la version {base_version}" if base_version else "premier recensement du territoire"


def _checked(n_error_rows: int, n_warnings: int) -> str:
    """What the check found, in a few words: « aucun problème », « 2 lignes en erreur, 1 avertissement »."""
    parts = ([count_noun(n_error_rows, "ligne en erreur", "lignes en erreur")] if n_error_rows else []) + \
            ([count_noun(n_warnings, "avertissement")] if n_warnings else [])
    return ", ".join(parts) or "aucun problème"


def history_table(infos: Iterable, editor: bool) -> pd.DataFrame:
    """The history list: one row per version, newest first, in French, in few columns so that it fits a 1280 px
    screen (the counts in words: « 150 acteurs, 12 actions »; a restoration or a forced publication said after the
    note, in brackets). Authors are shown to editors only (an e-mail
    address is personal data)."""
    rows = []
    for v in sorted(infos, key=lambda v: -v.number):
        origin = []
        if v.restored_from:
            origin.append(f"restauration de la version {v.restored_from}")
        if v.force_reason:
            origin.append(f"publiée malgré les erreurs : {v.force_reason}")
        if v.redacted_at:
            origin.append("données personnelles retirées")
        remarks = " ; ".join(origin)
        note = " — ".join(filter(None, [v.note or "", f"({remarks})" if remarks else ""]))
        row = {"Version": v.number, "Publiée le": date_time(v.created_at), "Note": note,
               "Contenu": f"{count_noun(v.n_actors, 'acteur')}, {count_noun(v.n_actions, 'action')}",
               "Vérification": _checked(v.n_error_rows, v.n_warnings), "Fichier": v.file_name}
        if editor:
            row["Auteur"] = v.author or ""
        rows.append(row)
    columns = ["Version", "Publiée le", *(["Auteur"] if editor else []), "Note", "Contenu", "Vérification",
               "Fichier"]
    return pd.DataFrame(rows, columns=columns)


def links_table(links: Iterable) -> pd.DataFrame:
    """The workshop links of a territory, newest first, in French (never their secret)."""
    rows = [{"N°": x.id, "Libellé": x.label or "—", "Créé le": date_time(x.created_at.astimezone()),
             "Par": x.created_by or "—", "Expire le": date_time(x.expires_at.astimezone()), "État": x.state
             + (f" le {date_time(x.revoked_at.astimezone())}" if x.revoked_at is not None else "")} for x in links]
    return pd.DataFrame(rows, columns=["N°", "Libellé", "Créé le", "Par", "Expire le", "État"])


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
    return [f"{n} ({c})" if isinstance(c, str) and c.strip() and not str(n).endswith(f"({c})") else str(n)
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


CHANGE_CELL_MAX = 80  # characters of a cell quoted in what a draft changes


@dataclass(frozen=True)
class DraftChanges:
    """What publishing a draft changes against the latest version: counts, and the first actors of each kind in
    French (« Name (Commune) », with the fields changed, old → new)."""

    latest: int
    n_new: int
    n_gone: int
    n_changed: int
    n_same: int
    new: list[str]
    gone: list[str]
    changed: list[str]
    plan: list[str]  # what changes in the planned actions, in sentences

    @property
    def sentence(self) -> str:
        return (f"Par rapport à la version {self.latest} : {count_noun(self.n_new, 'nouvel acteur', 'nouveaux acteurs')}"
                f", {count_noun(self.n_gone, 'acteur retiré', 'acteurs retirés')}, "
                f"{count_noun(self.n_changed, 'acteur modifié', 'acteurs modifiés')}, "
                f"{count_noun(self.n_same, 'inchangé', 'inchangés')}.")

    @property
    def nothing(self) -> bool:
        return not (self.n_new or self.n_gone or self.n_changed)


def _cell(value) -> str:
    text = "vide" if value is None or value == "" or (isinstance(value, float) and value != value) else str(value)
    return text if len(text) <= CHANGE_CELL_MAX else text[:CHANGE_CELL_MAX - 1] + "…"


def draft_changes(latest: Census, draft: Census, latest_number: int, links: Iterable[tuple[str, str]] = (),
                  unlinks: Iterable[tuple[str, str]] = (), include_personal: bool = False,
                  limit: int = 20) -> DraftChanges:
    """The Suivi comparison (nrdash.compare) of the latest version with the draft, as the Versions page shows it
    before publishing: the manual pairings of the territory apply; personal fields are named, never quoted."""
    cmp = compare(latest, draft, links, unlinks, include_personal=include_personal)
    names_a, names_b = _shown(cmp.a), _shown(cmp.b)
    personal = {c.header for c in ref.ACTOR_COLUMNS if c.personal}
    changed = []
    for r in cmp.changed.head(limit).itertuples():
        details = change_details(cmp, int(r.ia), int(r.ib), [h for h in r.changed if h not in personal])
        parts = [f"{h} : {_cell(a)} → {_cell(b)}" for h, (a, b) in details.items()]
        parts += [f"{h} modifié" for h in r.changed if h in personal]
        changed.append(f"« {names_b[int(r.ib)]} » — " + " ; ".join(parts))
    plan = plan_sentences(action_changes(latest.actions, draft.actions), coverage_changes(latest.actions, draft.actions))
    return DraftChanges(latest_number, len(cmp.new), len(cmp.gone), len(cmp.changed), len(cmp.pairs) - len(cmp.changed),
                        [f"« {names_b[int(i)]} »" for i in cmp.new[:limit]],
                        [f"« {names_a[int(i)]} »" for i in cmp.gone[:limit]], changed, plan)
