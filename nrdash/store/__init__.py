"""The shared, versioned census store: territories, published versions, personal data apart, accounts, workshop
links, sign-in sessions, the questionnaire's answers, the Suivi page's objectives and pairings, a territory's archive,
and the live votes of a workshop room.

No Streamlit here. One database through SQLAlchemy (``database``), the tables in one place (``tables``), one
module per aggregate. Every operation takes the acting principal first (``access.Principal``: an anonymous
visitor, a signed-in account or local sign-in session, a workshop link's holder, the command line's operator) and runs in one unit of work:
one transaction in which the principal's rights are read from the database and the operation's rule
(``access.OPERATIONS``) is checked before anything else; a refusal is ``Forbidden``. Every user-facing message
is French. docs/securite.md says what this guarantees.
"""
from __future__ import annotations

import threading

from .access import (ADMIN_INSTANCE, ADMIN_TERRITORY, ANYONE, EDIT, OPERATIONS, OPERATOR_ONLY, READ_PERSONAL,
                     READ_PUBLISHED, RULES, SUBMIT, Principal)
from .accounts import ENDED_WORDS, SESSION_LIFETIME, Accounts, SignIn, check_role
from .campaigns import CampaignInfo, Campaigns, Claim, PersonalForm, Recipient
from .archive import (EXPORT_FORMAT, EXPORT_VERSION, KEPT_FILES, OBJECTIVES_FILE, PAIRINGS_FILE, SUBMISSIONS_FILE,
                      Archive)
from .common import (PAUSE_ENV, QUESTIONNAIRE_AUTHOR, QUESTIONNAIRE_FILE, RETENTION_MONTHS, ROLES, SAMPLE_CODE,
                     SAMPLE_NAME, add_months, check_email, check_text, utcnow)
from .database import Database, data_dir, database_url, head_revision, upgrade_schema
from .drafts import Draft, Drafts
from .errors import Forbidden, NewerVersion, PublishRefused, StoreError, TooManySubmissions
from .followup import PAIR_LINK, PAIR_REF_MAX, PAIR_UNLINK, FollowUp, StoredObjective
from .personal import Personal
from .answers import SUBMISSION_BURST, SUBMISSION_WINDOW, FormInfo, Questionnaire, Submission
from .territories import Territories, territory_label
from .versions import PublishResult, VersionInfo, Versions, clear_cache
from .votes import Ballot, TooManyBallots, VoteInfo, Votes
from .workshop import LINK_DAYS, LINK_DAYS_MAX, NewLink, Workshop, WorkshopLink


class Store(Territories, Versions, Drafts, Personal, Archive, Accounts, Workshop, Questionnaire, FollowUp, Campaigns,
            Votes, Database):
    """One instance's database. ``Store()`` reads NRDASH_DATABASE_URL / NRDASH_DATA_DIR, migrates the schema
    (under a lock) and seeds the fictional sample under the reserved code « exemple » on a fresh store. Every
    public method but ``close`` is an operation of ``access.OPERATIONS``: its first argument is the acting
    Principal."""


_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def get_store(url: str | None = None) -> Store:
    """One Store per database URL per process (migrated once, at first use)."""
    url = url or database_url()
    with _stores_lock:
        if url not in _stores:
            _stores[url] = Store(url)
        return _stores[url]


__all__ = [
    "ADMIN_INSTANCE", "ADMIN_TERRITORY", "ANYONE", "EDIT", "ENDED_WORDS", "EXPORT_FORMAT", "EXPORT_VERSION",
    "KEPT_FILES", "LINK_DAYS", "LINK_DAYS_MAX", "OBJECTIVES_FILE", "OPERATIONS", "OPERATOR_ONLY", "PAIRINGS_FILE",
    "PAIR_LINK", "PAIR_REF_MAX", "PAIR_UNLINK", "PAUSE_ENV", "QUESTIONNAIRE_AUTHOR", "QUESTIONNAIRE_FILE",
    "READ_PERSONAL", "READ_PUBLISHED", "RETENTION_MONTHS", "ROLES", "RULES", "SAMPLE_CODE", "SAMPLE_NAME",
    "SESSION_LIFETIME", "SUBMISSIONS_FILE", "SUBMISSION_BURST", "SUBMISSION_WINDOW", "SUBMIT", "Draft", "Forbidden",
    "FormInfo", "NewLink", "NewerVersion", "Principal", "PublishRefused", "PublishResult", "SignIn", "Store",
    "StoreError", "StoredObjective", "Submission", "TooManySubmissions", "VersionInfo", "WorkshopLink", "add_months",
    "check_email", "check_role", "check_text", "clear_cache", "data_dir", "database_url", "get_store", "head_revision",
    "territory_label", "upgrade_schema", "utcnow", "Ballot", "TooManyBallots", "VoteInfo",
    "CampaignInfo", "Claim", "PersonalForm", "Recipient",
]
