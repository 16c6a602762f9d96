"""The room decides (issue 28): what a live vote of a workshop offers, how a ballot is checked, how ballots add up,
how the result is drawn on the projector (as the action matrix itself, in its colours) and how it goes into the
plan. Pure functions: no Streamlit, no database (the store keeps votes and ballots: nrdash.store.votes).

A vote offers one kind of choice (``KINDS``): the cells of the action matrix (axes × cibles, the default), the
plan's actions, or the kit's example actions; each person ticks 1 to ``max_choices`` of them. The room chooses key
actions or quick wins (``PURPOSES``): « Ajouter au plan » turns the chosen cells or actions into plan actions with
the status « Planifiée », marked « gain rapide » when the room chose quick wins.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import pandas as pd

from . import referential as ref
from .text import count_noun, esc, plural

MATRIX, PLAN, EXAMPLES = "matrice", "plan", "exemples"
KINDS: dict[str, str] = {
    MATRIX: "Les cases de la matrice (axes × cibles)",
    PLAN: "Les actions du plan",
    EXAMPLES: "Les exemples d'actions du kit",
}
KEY_ACTIONS, QUICK_WINS = "cles", "gains"
PURPOSES: dict[str, str] = {KEY_ACTIONS: "Des actions clés", QUICK_WINS: "Des gains rapides"}
MIN_CHOICES, MAX_CHOICES, DEFAULT_CHOICES = 1, 10, 3
MAX_OFFERED = 40  # choices a phone's list can hold and a projector can show
QUESTION_MAX = 300
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read from the back of a room, typed on a phone
CODE_LENGTH = 6
PLANNED = "Planifiée"
UNKNOWN_CODE = "Aucun vote ouvert avec ce code."
CLOSED = "Ce vote est clos."


class VoteError(ValueError):
    """A vote that cannot be opened or a ballot that cannot be recorded; the message is French and says why."""


@dataclass(frozen=True)
class Choice:
    """One thing a vote offers: its key (stable within the vote), its label, and where it sits in the matrix."""

    key: str
    label: str
    axis: str | None = None
    targets: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "axis": self.axis, "targets": list(self.targets)}

    @classmethod
    def from_dict(cls, d: Mapping) -> "Choice":
        return cls(str(d["key"]), str(d["label"]), d.get("axis"), tuple(d.get("targets") or ()))


# ---------------------------------------------------------------------------------------------
# What a vote offers
# ---------------------------------------------------------------------------------------------
def cell_label(axis: str, target: str) -> str:
    return f"{ref.AXIS_SHORT[axis]} × {target}"


def matrix_choices() -> list[Choice]:
    """The 16 cells of the matrix, row by row (axes), in the kit's order."""
    return [Choice(f"m{i}{j}", cell_label(axis, target), axis, (target,))
            for i, axis in enumerate(ref.AXES) for j, target in enumerate(ref.TARGETS)]


def example_choices() -> list[Choice]:
    """The kit's example actions, by axis (their targets: the kit's defaults)."""
    return [Choice(f"k{i}", a.text, a.axis, tuple(a.targets)) for i, a in enumerate(ref.EXAMPLE_ACTIONS)]


def plan_choices(actions: pd.DataFrame) -> list[Choice]:
    """The plan's actions (each name once), in the plan's order. VoteError when there is none, or too many for a
    phone's list."""
    seen, out = set(), []
    if actions is not None and len(actions):
        for name, axis, targets in zip(actions["action"], actions["axis"], actions["targets"]):
            if not isinstance(name, str) or not name.strip() or ref.norm_key(name) in seen:
                continue
            seen.add(ref.norm_key(name))
            out.append(Choice(f"p{len(out)}", name.strip(), axis if isinstance(axis, str) else None,
                              tuple(t for t in (targets if isinstance(targets, (list, tuple)) else ()) if t)))
    if not out:
        raise VoteError("Le plan n'a aucune action (feuille « Actions » absente ou vide) : faites voter sur les cases "
                        "de la matrice ou sur les exemples du kit.")
    if len(out) > MAX_OFFERED:
        raise VoteError(f"Le plan compte {len(out)} actions : un vote en propose {MAX_OFFERED} au plus (une liste "
                        "plus longue ne se lit pas sur un téléphone). Faites voter sur les cases de la matrice.")
    return out


def choices_for(kind: str, actions: pd.DataFrame | None = None) -> list[Choice]:
    if kind == MATRIX:
        return matrix_choices()
    if kind == EXAMPLES:
        return example_choices()
    if kind == PLAN:
        return plan_choices(actions if actions is not None else pd.DataFrame())
    raise VoteError(f"Sujet de vote inconnu « {str(kind)[:40]} » : {', '.join(KINDS)}.")


def default_question(kind: str, purpose: str = KEY_ACTIONS) -> str:
    what = "gains rapides" if purpose == QUICK_WINS else "priorités"
    return {MATRIX: f"Quelles cases de la matrice sont nos {what} ?",
            PLAN: f"Quelles actions du plan sont nos {what} ?",
            EXAMPLES: f"Quels exemples d'actions du kit retenir comme {what} ?"}.get(kind, "")


def check_max_choices(value: object) -> int:
    """The number of choices each person has: a whole number from 1 to 10 (VoteError otherwise)."""
    text = str(value).strip()
    if not text.isdigit() or not MIN_CHOICES <= int(text) <= MAX_CHOICES:
        raise VoteError(f"Nombre de choix par personne invalide (« {text[:20]} ») : un nombre entier de "
                        f"{MIN_CHOICES} à {MAX_CHOICES}.")
    return int(text)


def check_question(text: str | None, kind: str, purpose: str) -> str:
    question = " ".join(str(text or "").split()) or default_question(kind, purpose)
    if len(question) > QUESTION_MAX:
        raise VoteError(f"La question fait {len(question)} caractères : {QUESTION_MAX} au plus. Raccourcissez-la.")
    if "\x00" in question:
        raise VoteError("La question contient un caractère nul : retirez-le.")
    return question


def check_purpose(purpose: str) -> str:
    if purpose not in PURPOSES:
        raise VoteError(f"But du vote inconnu « {str(purpose)[:40]} » : {', '.join(PURPOSES)}.")
    return purpose


# ---------------------------------------------------------------------------------------------
# Codes and ballots
# ---------------------------------------------------------------------------------------------
def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: object) -> str:
    """A code as typed (spaces, dashes, lower case) in the form stored; '' for anything that cannot be a code."""
    code = "".join(ch for ch in str(text or "")[:40].upper() if ch not in " -_.\t")
    return code if len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code) else ""


def check_ballot(selected: Iterable[str], choices: Sequence[Choice], max_choices: int) -> list[str]:
    """The keys ticked, each once, in the vote's order; VoteError (French) for an empty ballot, too many choices or
    a choice the vote does not offer."""
    offered = [c.key for c in choices]
    picked = set()
    for key in selected:
        if key not in offered:
            raise VoteError("Ce choix n'est pas proposé par ce vote : rechargez la page puis votez de nouveau.")
        picked.add(key)
    if not picked:
        raise VoteError("Aucun choix coché : cochez au moins une case, puis « Voter ».")
    if len(picked) > max_choices:
        extra = len(picked) - max_choices
        raise VoteError(f"Vous avez coché {len(picked)} choix : {max_choices} au plus. "
                        f"Décochez-en {extra}, puis « Voter ».")
    return [k for k in offered if k in picked]


def tally(ballots: Iterable[Sequence[str]], choices: Sequence[Choice]) -> dict[str, int]:
    """Votes per choice (every choice, in the vote's order; a key the vote does not offer is ignored)."""
    counts = {c.key: 0 for c in choices}
    for ballot in ballots:
        for key in set(ballot):
            if key in counts:
                counts[key] += 1
    return counts


def ranked(counts: Mapping[str, int], choices: Sequence[Choice]) -> list[tuple[Choice, int]]:
    """Choices by votes, most first (the vote's order between equals)."""
    order = sorted(range(len(choices)), key=lambda i: (-int(counts.get(choices[i].key, 0)), i))
    return [(choices[i], int(counts.get(choices[i].key, 0))) for i in order]


def counts_by_label(counts: Mapping[str, int], choices: Sequence[Choice]) -> dict[str, int]:
    """{label: votes} in the vote's order (the command line's JSON)."""
    return {c.label: int(counts.get(c.key, 0)) for c in choices}


def summary(participants: int, counts: Mapping[str, int], choices: Sequence[Choice], top: int = 5) -> str:
    """The result in one sentence (the figure's text alternative, the report, the phone after closing)."""
    head = f"{count_noun(participants, 'participant')}."
    leading = [(c, n) for c, n in ranked(counts, choices) if n][:top]
    if not leading:
        return head + " Aucune voix pour l'instant."
    return head + " En tête : " + " ; ".join(f"{c.label} ({count_noun(n, 'voix', 'voix')})" for c, n in leading) + "."


def matrix_counts(counts: Mapping[str, int], choices: Sequence[Choice]) -> pd.DataFrame:
    """Axes × targets: the votes of each cell (a matrix vote)."""
    grid = pd.DataFrame(0, index=list(ref.AXES), columns=list(ref.TARGETS))
    for c in choices:
        if c.axis in grid.index and len(c.targets) == 1 and c.targets[0] in grid.columns:
            grid.loc[c.axis, c.targets[0]] = int(counts.get(c.key, 0))
    return grid


# ---------------------------------------------------------------------------------------------
# The result on the projector: the matrix itself, in the count scale of the figures (nrdash.charts)
# ---------------------------------------------------------------------------------------------
def results_html(kind: str, choices: Sequence[Choice], counts: Mapping[str, int], participants: int) -> str:
    """The result as HTML (every label escaped): a matrix vote as the matrix (axes × cibles, each cell's votes in
    it, darker = more), an action vote as a ranked list with bars of the same colours. A real table: read by a
    screen reader as one."""
    from .charts import count_fill, text_color

    top = max([1, *(int(v) for v in counts.values())])

    def cell(n: int) -> str:
        fill = count_fill(n, top)
        return (f'<td style="background:{fill};color:{text_color(fill)}">'
                f'<span class="nr-vote-n">{n}</span> {plural(n, "voix", "voix")}</td>')

    if kind == MATRIX:
        grid = matrix_counts(counts, choices)
        head = "".join(f'<th scope="col">{esc(t)}</th>' for t in grid.columns)
        rows = "".join(f'<tr><th scope="row">{esc(ref.AXIS_SHORT[a])}</th>'
                       + "".join(cell(int(grid.loc[a, t])) for t in grid.columns) + "</tr>" for a in grid.index)
        return (f'<table class="nr-vote-matrix"><caption>Voix par case : axes × cibles '
                f'({count_noun(participants, "participant")})</caption>'
                f'<thead><tr><td></td>{head}</tr></thead><tbody>{rows}</tbody></table>')
    rows = []
    for c, n in ranked(counts, choices):
        fill = count_fill(n, top)
        where = " · ".join(x for x in (ref.AXIS_SHORT.get(c.axis or "", ""), ", ".join(c.targets)) if x)
        rows.append(f'<tr><th scope="row">{esc(c.label)}'
                    + (f'<span class="nr-vote-where">{esc(where)}</span>' if where else "")
                    + f'</th><td class="nr-vote-bar"><span style="width:{100 * n / top:.0f}%;background:{fill}">'
                      f'</span></td><td class="nr-vote-votes">{n} {plural(n, "voix", "voix")}</td></tr>')
    return (f'<table class="nr-vote-ranking"><caption>Voix par action '
            f'({count_noun(participants, "participant")})</caption><tbody>{"".join(rows)}</tbody></table>')


# ---------------------------------------------------------------------------------------------
# Into the plan
# ---------------------------------------------------------------------------------------------
def planned_action(choice: Choice, kind: str, quick_win: bool, when: dt.date, question: str) -> dict:
    """The plan action a chosen cell or example becomes."""
    said = f"en atelier le {when:%d/%m/%Y} (vote « {question} »)"
    if kind == MATRIX:
        name = f"Action à préciser : {choice.label}"
        description = f"Case de la matrice choisie {said}."
    else:
        name = choice.label
        description = f"Action choisie {said}."
    return {"row": None, "action": name, "axis": choice.axis, "targets": list(choice.targets), "status": PLANNED,
            "lead": None, "due": None, "quick_win": bool(quick_win), "description": description,
            "has_error": False}


def _true(value: object) -> bool:
    return value is not None and value is not pd.NA and bool(value)


def plan_with(actions: pd.DataFrame, chosen: Sequence[Choice], kind: str, quick_win: bool, when: dt.date,
              question: str) -> tuple[pd.DataFrame, int, int]:
    """The plan's actions with the chosen ones in it: an action already in the plan (same name) becomes
    « Planifiée » when it was only an idea (or had no status) and is marked « gain rapide » when the room chose
    quick wins; any other is added. Returns (actions, added, updated); adding twice adds nothing more."""
    out = actions.copy()
    names = {ref.norm_key(n): i for i, n in zip(out.index, out["action"]) if isinstance(n, str)} if len(out) else {}
    added, updated, new = 0, 0, []
    for choice in chosen:
        row = planned_action(choice, kind, quick_win, when, question)
        key = ref.norm_key(row["action"])
        if key in names:
            i = names[key]
            status = out.at[i, "status"]
            changed = False
            if not isinstance(status, str) or status == ref.STATUSES[0]:
                out.at[i, "status"], changed = PLANNED, True
            if quick_win and not _true(out.at[i, "quick_win"]):
                out.at[i, "quick_win"], changed = True, True
            updated += changed
            continue
        names[key] = -1
        new.append(row)
        added += 1
    if new:
        extra = pd.DataFrame(new)
        extra["quick_win"] = pd.array(extra["quick_win"], dtype="boolean")
        out = pd.concat([out, extra[[c for c in extra.columns if c in out.columns or not len(out.columns)]]],
                        ignore_index=True) if len(out.columns) else extra
    return out, added, updated


def plan_message(added: int, updated: int) -> str:
    parts = []
    if added:
        parts.append(f"{count_noun(added, 'action ajoutée', 'actions ajoutées')} au plan")
    if updated:
        parts.append(f"{count_noun(updated, 'action du plan mise à jour', 'actions du plan mises à jour')}")
    if not parts:
        return "Rien à ajouter : ces choix sont déjà dans le plan de votre brouillon."
    return " ; ".join(parts).capitalize() + " dans votre brouillon (vous seul le voyez) : publiez-le depuis la page " \
                                           "Versions."


# ---------------------------------------------------------------------------------------------
# The address phones use, and its QR code (made here: nothing from outside)
# ---------------------------------------------------------------------------------------------
VOTE_PATH = "/vote"
_LOCAL_HOSTS = ("localhost", "127.", "::1", "0.0.0.0")


@dataclass(frozen=True)
class Address:
    """Where phones vote: the whole address (the QR code), the short one to type (without « http:// » nor the
    code, shown apart), and a warning when phones cannot reach it (the projector opened nrdash as « localhost »)."""

    url: str
    short: str
    warning: str | None = None


def vote_path(code: str) -> str:
    return f"{VOTE_PATH}?code={code}"


def vote_address(url: str, configured: bool) -> Address:
    """The vote's address as nrdash.links.public_url made it (``url``: NRDASH_PUBLIC_URL when ``configured``, else
    the projector's own address), its short form, and a warning for an address only the projector's computer
    reaches."""
    from urllib.parse import urlsplit

    from .links import PUBLIC_URL_ENV

    parts = urlsplit(url)
    warning = None
    if not configured and (parts.hostname or "").startswith(_LOCAL_HOSTS):
        warning = (f"Cette adresse ({parts.netloc}) ne marche que sur cet ordinateur : les téléphones ne la joignent "
                   f"pas. Ouvrez le tableau de bord par l'adresse du serveur sur le réseau de la salle (par exemple "
                   f"http://192.168.1.20:8501), ou réglez {PUBLIC_URL_ENV}.")
    return Address(url, f"{parts.netloc}{parts.path}", warning)


def qr_image(text: str, alt: str) -> str:
    """A QR code of ``text`` as an <img> holding its SVG as a data: address (dark on white, a quiet zone of two
    modules; scaled by its container without blur), made locally with segno: nothing is fetched."""
    import segno

    uri = segno.make(text, error="m").svg_data_uri(border=2, dark="#000000", light="#ffffff", omitsize=True)
    return f'<img class="nr-qr" src="{esc(uri)}" alt="{esc(alt)}">'
