"""Update campaigns (issue 26): who is written to, what they are told, where each stands, and the response rates.
Pure logic, no Streamlit, no database (nrdash/store/campaigns.py keeps campaigns; nrdash/mailing.py sends them).

A campaign reaches actors of the territory's latest published version, each through a personal link that opens the
questionnaire already filled in with its public record. Its message is French text the editor may change, with
placeholders (PLACEHOLDERS) filled per actor; every message then says why the actor receives it, whom to write to
and how to refuse further e-mails (nrdash.mailing adds that part, it cannot be edited away).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from . import referential as ref
from .text import count_noun, plural, thousands

DEFAULT_DAYS = 60  # a campaign's links answer this long by default
DEFAULT_REMIND_AFTER_DAYS = 14  # a reminder to whom has not answered after this many days…
DEFAULT_MAX_REMINDERS = 1  # …at most this many times
MAX_REMINDERS = 5
LIMITS = {"title": 200, "subject": 200, "body": 6000}

# Where a recipient's e-mail stands (campaign_recipients.state).
PENDING, CLAIMED, DELIVERING, SENT, FAILED, UNCERTAIN = "pending", "claimed", "delivering", "sent", "failed", "uncertain"
NO_ADDRESS, REFUSED, EXPORTED = "no_address", "refused", "exported"
STATES = (PENDING, CLAIMED, DELIVERING, SENT, FAILED, UNCERTAIN, NO_ADDRESS, REFUSED, EXPORTED)
# What came of its link (campaign_recipients.outcome).
ANSWERED, ACCEPTED, REJECTED = "answered", "accepted", "rejected"
MAX_ATTEMPTS = 3  # a failed e-mail is tried again by the next sendings, this many times in all

# A recipient's status as the campaign page, Suivi and the command line say it, in the words.
TO_SEND, SENT_LABEL, FAILED_LABEL = "à envoyer", "envoyé", "échec"
STATUS_LABELS: dict[str, str] = {
    PENDING: TO_SEND, CLAIMED: TO_SEND, DELIVERING: TO_SEND, SENT: SENT_LABEL, FAILED: FAILED_LABEL,
    UNCERTAIN: "envoi incertain", NO_ADDRESS: "sans adresse", REFUSED: "refus d'e-mails",
    EXPORTED: "lien exporté (publipostage)", ANSWERED: "répondu", ACCEPTED: "accepté", REJECTED: "réponse refusée",
}
STATUS_ORDER = (TO_SEND, SENT_LABEL, FAILED_LABEL, "envoi incertain", "lien exporté (publipostage)", "sans adresse",
                "refus d'e-mails", "répondu", "accepté", "réponse refusée")
STATUS_HELP = {
    "envoi incertain": "l'envoi a été interrompu pendant que le serveur recevait le message : il est peut-être parti. "
                       "Il n'est jamais renvoyé de lui-même (jamais deux fois au même acteur) ; vérifiez, puis "
                       "renvoyez-le si besoin.",
    "sans adresse": "aucune adresse électronique dans « Contact » : à joindre autrement (son lien est dans le "
                    "fichier de publipostage).",
}


def status(state: str, outcome: str | None) -> str:
    """A recipient's status: what came of its link first (accepted, answered, rejected), else its e-mail's."""
    if outcome in (ACCEPTED, ANSWERED, REJECTED):
        return STATUS_LABELS[outcome]
    return STATUS_LABELS.get(state, state)


# ---------------------------------------------------------------------------------------------
# The message
# ---------------------------------------------------------------------------------------------
PLACEHOLDERS: dict[str, str] = {
    "{nom}": "le nom de l'acteur",
    "{lien}": "son lien personnel vers le questionnaire pré-rempli",
    "{date_fin}": "la date de fin de la campagne (jusqu'à laquelle le lien répond)",
    "{territoire}": "le nom du territoire",
}
DEFAULT_SUBJECT = "{territoire} : la fiche de {nom} dans le recensement du Numérique responsable"
DEFAULT_BODY = """Bonjour,

{territoire} tient à jour le recensement des acteurs du Numérique responsable de son territoire, et votre structure, {nom}, y figure.

Pouvez-vous vérifier sa fiche ? Le lien ci-dessous ouvre le questionnaire déjà rempli avec ce que nous savons d'elle : corrigez ce qui a changé (ou rien), puis cliquez sur « Envoyer ». Cela prend deux minutes.

{lien}

Ce lien est personnel : il ne sert qu'à votre structure, jusqu'au {date_fin}.

Merci de votre aide,
L'équipe du recensement"""
REMINDER_SUBJECT = "Rappel — {subject}"
REMINDER_INTRO = "Nous vous avons écrit il y a quelques jours : si vous avez un moment, votre réponse nous aide."
_PLACEHOLDER = re.compile(r"\{[^{}\s]{1,30}\}")


def check_message(subject: str, body: str) -> list[str]:
    """What is wrong with a campaign's message, in French (an empty list: nothing)."""
    problems = []
    for what, text, limit in (("L'objet", subject, LIMITS["subject"]), ("Le texte", body, LIMITS["body"])):
        if not text.strip():
            problems.append(f"{what} du message est vide : écrivez-le.")
        if len(text) > limit:
            problems.append(f"{what} du message fait {thousands(len(text))} caractères : {thousands(limit)} au plus.")
        if "\x00" in text:
            problems.append(f"{what} du message contient un caractère nul : retirez-le.")
        unknown = sorted({p for p in _PLACEHOLDER.findall(text) if p not in PLACEHOLDERS})
        if unknown:
            problems.append(f"{what} du message contient {', '.join(unknown)}, que nrdash ne sait pas remplir : les "
                            f"repères possibles sont {', '.join(PLACEHOLDERS)}.")
    if any(ch in subject for ch in "\r\n"):
        problems.append("L'objet du message tient sur une ligne : retirez ses retours à la ligne.")
    if "{lien}" not in body:
        problems.append("Le texte du message doit contenir {lien} : c'est là que chaque acteur trouve son lien "
                        "personnel.")
    return problems


def fill(template: str, values: Mapping[str, str]) -> str:
    """The template with its placeholders replaced (``values``: {"{nom}": …}); anything else is left as written."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(0), m.group(0)), template)


def french_date(day: dt.date) -> str:
    months = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
              "novembre", "décembre")
    return f"{day.day}{'er' if day.day == 1 else ''} {months[day.month - 1]} {day.year}"


def parse_end(text: str, today: dt.date) -> dt.date:
    """A campaign's end date as typed (AAAA-MM-JJ), or ValueError with a French message (unreadable, past)."""
    try:
        day = dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise ValueError(f"Date de fin illisible : « {str(text)[:40]} ». Écrivez-la AAAA-MM-JJ, par exemple "
                         f"{(today + dt.timedelta(days=DEFAULT_DAYS)).isoformat()}.") from None
    problem = end_problem(day, today)
    if problem:
        raise ValueError(problem)
    return day


def end_problem(day: dt.date, today: dt.date) -> str | None:
    if day < today:
        return (f"La date de fin ({day.strftime('%d/%m/%Y')}) est passée : choisissez aujourd'hui ou un jour à "
                "venir (les liens répondent jusqu'à ce jour inclus).")
    if day > today + dt.timedelta(days=366):
        return "La date de fin est à plus d'un an : une campagne dure quelques semaines (60 jours par défaut)."
    return None


# ---------------------------------------------------------------------------------------------
# Who
# ---------------------------------------------------------------------------------------------
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")


def email_in(contact: Any) -> str | None:
    """The first e-mail address written in a « Contact » cell (« Léa, 06 12 34 56 78, lea@asso.fr »), else None."""
    if not isinstance(contact, str):
        return None
    m = _EMAIL.search(contact)
    if m is None:
        return None
    address = m.group(0).strip(".")
    return address if len(address) <= 254 and "." in address.split("@", 1)[1] else None


def emails(contacts: Iterable[Any]) -> list[str | None]:
    return [email_in(c) for c in contacts]


def stale_mask(actors: pd.DataFrame, today: dt.date, months: int) -> np.ndarray:
    """Actors whose « Date de mise à jour » is older than ``months`` (compare.freshness's rule) or missing: both
    are « à actualiser »."""
    from .compare import months_before

    cutoff = months_before(today, months)
    return np.fromiter(((d.date() if isinstance(d, dt.datetime) else d) < cutoff if isinstance(d, dt.date) else True
                        for d in actors["updated"].tolist()), dtype=bool, count=len(actors))


def select(actors: pd.DataFrame, *, levels: Iterable[int] = (), stale_months: int | None = None,
           today: dt.date | None = None) -> pd.DataFrame:
    """The actors a campaign is for: at these levels (none given: every level), « à actualiser » only when
    ``stale_months`` is given."""
    mask = np.ones(len(actors), dtype=bool)
    levels = set(levels)
    if levels:
        mask &= actors["level"].isin(levels).to_numpy(dtype=bool)
    if stale_months is not None:
        mask &= stale_mask(actors, today or dt.date.today(), stale_months)
    return actors[mask]


def selection_words(levels: Iterable[int] = (), stale_months: int | None = None, filters: str = "") -> str:
    """How the actors were chosen, in words (kept with the campaign)."""
    parts = []
    levels = sorted(set(levels))
    if levels:
        parts.append(("niveau " if len(levels) == 1 else "niveaux ") + ", ".join(map(str, levels)))
    if stale_months is not None:
        parts.append(f"à actualiser (sans mise à jour depuis plus de {stale_months} mois)")
    if filters:
        parts.append(filters)
    return " ; ".join(parts) or "tous les acteurs de la version"


@dataclass(frozen=True)
class Audience:
    """Whom a campaign would reach: actors with an e-mail address in « Contact », actors without one (listed: to
    reach another way), and actors whose address refused e-mails."""

    total: int
    with_email: int
    without_email: tuple[tuple[str, str], ...]  # (actor id, name)
    refused: int

    def sentence(self) -> str:
        with_words = plural(self.with_email, "a", "ont")
        text = (f"{count_noun(self.total, 'acteur')} : {thousands(self.with_email)} {with_words} une adresse "
                f"électronique dans « Contact », {thousands(len(self.without_email))} n'en "
                f"{plural(len(self.without_email), 'a', 'ont')} pas")
        if self.refused:
            text += (f", {thousands(self.refused)} {plural(self.refused, 'a', 'ont')} refusé de recevoir les "
                     "courriels de la collectivité (ils n'en recevront pas)")
        return text + "."


# ---------------------------------------------------------------------------------------------
# Following it
# ---------------------------------------------------------------------------------------------
BY_LABEL = {"level": "Niveau d'engagement", "circle": "Cercle"}
ANSWER_STATUSES = (STATUS_LABELS[ANSWERED], STATUS_LABELS[ACCEPTED], STATUS_LABELS[REJECTED])


def status_counts(statuses: Iterable[str]) -> dict[str, int]:
    """{status: count} in STATUS_ORDER, the statuses with no recipient left out."""
    counts: dict[str, int] = {}
    for s in statuses:
        counts[s] = counts.get(s, 0) + 1
    return {s: counts[s] for s in (*STATUS_ORDER, *sorted(set(counts) - set(STATUS_ORDER))) if s in counts}


def response_rates(recipients: pd.DataFrame, actors: pd.DataFrame, by: str) -> pd.DataFrame:
    """Recipients, answers and the response rate per level or circle (``by``), the actors' values read from the
    latest version by identifier (« hors version » for an actor gone from it); a total row last. ``recipients``:
    columns actor_id and status."""
    values = dict(zip(actors["actor_id"], actors[by])) if "actor_id" in actors and by in actors else {}

    def label(actor_id: str) -> str:
        v = values.get(actor_id, "absent")
        if isinstance(v, str) and v == "absent":
            return "hors version"
        if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
            return "non renseigné"
        return ref.level_label(int(v)) if by == "level" else f"Cercle {int(v)}"

    groups = [label(a) for a in recipients["actor_id"]]
    answered = recipients["status"].isin(ANSWER_STATUSES).to_numpy()
    table = pd.DataFrame({"group": groups, "answered": answered})
    order = ([ref.level_label(n) for n in ref.LEVELS] if by == "level" else [f"Cercle {c}" for c in ref.CIRCLES]) \
        + ["non renseigné", "hors version"]
    rows = []
    for g in order:
        part = table[table["group"] == g]
        if len(part):
            rows.append((g, len(part), int(part["answered"].sum())))
    rows.append(("Total", len(table), int(table["answered"].sum())))
    out = pd.DataFrame(rows, columns=[BY_LABEL[by], "Destinataires", "Réponses"])
    out["Taux de réponse"] = [f"{round(100 * a / n)} %" if n else "—" for _, n, a in rows]
    return out


def rate_sentence(recipients: int, answered: int) -> str:
    if not recipients:
        return "Aucun destinataire."
    return (f"{thousands(answered)} {plural(answered, 'réponse')} sur {count_noun(recipients, 'destinataire')} "
            f"({round(100 * answered / recipients)} %).")


MERGE_COLUMNS = ("Nom de l'acteur", "Adresse électronique", "Lien personnel", "Date de fin")


def mail_merge_csv(rows: Iterable[tuple[str, str | None, str, dt.date]]) -> bytes:
    """(name, e-mail, link, end date) per recipient as a CSV Excel opens in French (';', UTF-8 with BOM), text a
    spreadsheet would read as a formula made inert."""
    from .export import neutralise

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(MERGE_COLUMNS)
    for name, email, link, end in rows:
        writer.writerow([neutralise(name), neutralise(email or ""), link, end.strftime("%d/%m/%Y")])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
