"""Small helpers of the store's modules: time, hashes, folding, the length and character checks of typed text, and
the constants they share."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import time
import unicodedata
from pathlib import Path
from typing import Any

from .. import questionnaire as quest
from .. import referential as ref
from ..text import thousands
from .errors import StoreError

SAMPLE_CODE = "exemple"
SAMPLE_NAME = "Recensement d'exemple (fictif)"
ROLES = ref.ROLES
RETENTION_MONTHS = 24
QUESTIONNAIRE_AUTHOR = "questionnaire"  # the author key of the territory's shared draft of accepted answers
QUESTIONNAIRE_FILE = "recensement-questionnaire.xlsx"  # the shared draft's file name (and its version's)
PAUSE_ENV = "NRDASH_TEST_PAUSE_IN_PUBLISH"  # tests only: a file path; a publish or an import creates it, then waits
# inside its transaction
LIMITS = {"note": 2000, "author": 200, "reason": 2000, "email": 254, "file_name": 255, "label": 200}
FIELD_LABEL = {"note": "La note", "author": "Le nom de l'auteur", "reason": "La raison",
               "email": "L'adresse électronique", "file_name": "Le nom du fichier", "label": "Le libellé"}
for _key, (_label, _limit) in quest.TEXT_FIELDS.items():  # the questionnaire's text fields, defined once there
    LIMITS[f"q_{_key}"], FIELD_LABEL[f"q_{_key}"] = _limit, f"« {_label} »"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


PARIS = "Europe/Paris"


def today() -> dt.date:
    """Today in France (a campaign's links answer until its end date, the day included, France's calendar)."""
    from zoneinfo import ZoneInfo

    return utcnow().astimezone(ZoneInfo(PARIS)).date()


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def iso(value: Any) -> str | None:
    """A date or a date and time (in UTC) as ISO text, None kept."""
    if value is None:
        return None
    return as_utc(value).isoformat() if isinstance(value, dt.datetime) else value.isoformat()


def parse_time(value: str | None) -> dt.datetime | None:
    return as_utc(dt.datetime.fromisoformat(value)) if value else None


def add_months(when: dt.datetime, months: int) -> dt.datetime:
    month0 = when.month - 1 + months
    year, month = when.year + month0 // 12, month0 % 12 + 1
    days = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31,
            30, 31][month - 1]
    return when.replace(year=year, month=month, day=min(when.day, days))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fold(text: Any) -> str:
    """Case-, accent- and spacing-insensitive form, for matching a person's name or e-mail."""
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()
    return " ".join(s.split())


def email_key(email: Any) -> str:
    """How an account's e-mail is looked up: trimmed, case ignored."""
    return str(email or "").strip().casefold()


def check_text(value: str | None, field: str, required: bool = False) -> str:
    """The text as typed, or StoreError (French) when too long, missing or holding a NUL character."""
    value = "" if value is None else str(value)
    limit = LIMITS[field]
    if len(value) > limit:
        raise StoreError(f"{FIELD_LABEL[field]} fait {thousands(len(value))} caractères : "
                         f"{thousands(limit)} au plus. Raccourcissez-la puis réessayez.")
    if "\x00" in value:
        raise StoreError(f"{FIELD_LABEL[field]} contient un caractère nul (\\x00), refusé par la base : "
                         "retirez-le puis réessayez.")
    if required and not value.strip():
        raise StoreError(f"{FIELD_LABEL[field]} est vide : renseignez-la.")
    return value


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_email(email: str) -> str:
    email = check_text(email, "email", required=True).strip()
    if not _EMAIL.match(email) or any(unicodedata.category(ch).startswith("C") for ch in email):
        raise StoreError(f"Adresse électronique invalide : « {email[:80]} ». Forme attendue : nom@domaine.fr.")
    return email


def pause_for_tests() -> None:
    """Tests only (NRDASH_TEST_PAUSE_IN_PUBLISH=path): say we are inside the transaction, then wait to be killed."""
    path = os.environ.get(PAUSE_ENV)
    if path:
        Path(path).write_text(str(os.getpid()))
        time.sleep(120)
