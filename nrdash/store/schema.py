"""The tables as the store's code reads them, in one place. The schema itself is made and upgraded by the Alembic
migrations of ``nrdash/migrations`` (never by ``metadata.create_all``)."""
from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
TZ = sa.DateTime(timezone=True)
territories = sa.Table(
    "territories", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("code", sa.String(16), unique=True),
    sa.Column("name", sa.String(300)), sa.Column("anonymous_read", sa.Boolean),
    sa.Column("retention_months", sa.Integer), sa.Column("created_at", TZ),
    sa.Column("contact_email", sa.String(254)),  # migration 0007: the address the questionnaire's consent gives
    sa.Column("open_licence", sa.String(40)), sa.Column("open_citizens", sa.Boolean),  # open data (migration 0009)
)
versions = sa.Table(
    "versions", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("territory_id", sa.Integer),
    sa.Column("number", sa.Integer), sa.Column("created_at", TZ), sa.Column("author", sa.String(200)),
    sa.Column("note", sa.Text), sa.Column("force_reason", sa.Text), sa.Column("base_version", sa.Integer),
    sa.Column("restored_from", sa.Integer),
    sa.Column("file_name", sa.String(255)), sa.Column("file_bytes", sa.LargeBinary),
    sa.Column("file_sha256", sa.String(64)), sa.Column("original_sha256", sa.String(64)),
    sa.Column("redacted_at", TZ), sa.Column("redaction_note", sa.Text), sa.Column("sheet", sa.String(255)),
    sa.Column("actors_parquet", sa.LargeBinary), sa.Column("actions_parquet", sa.LargeBinary),
    sa.Column("census_territory", sa.Text), sa.Column("territory_info", sa.Text),
    sa.Column("territory_problem", sa.Text), sa.Column("issues", sa.Text),
    *(sa.Column(c, sa.Integer) for c in ("n_actors", "n_actions", "n_errors", "n_warnings", "n_error_rows")),
    sa.Column("ids_revision", sa.Integer),  # changes when its actors' identifiers are computed again (0008)
)
personal_data = sa.Table(
    "personal_data", metadata,
    sa.Column("version_id", sa.Integer, primary_key=True), sa.Column("row", sa.Integer, primary_key=True),
    sa.Column("referent", sa.Text), sa.Column("contact", sa.Text),
)
workshop_tokens = sa.Table(
    "workshop_tokens", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("territory_id", sa.Integer),
    sa.Column("token_hash", sa.String(64)), sa.Column("label", sa.String(200)),
    sa.Column("created_by", sa.String(254)), sa.Column("created_at", TZ), sa.Column("revoked_at", TZ),
    sa.Column("expires_at", TZ),
)
users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("email", sa.String(254)),
    sa.Column("email_key", sa.String(254)), sa.Column("password_hash", sa.String(255)),
    sa.Column("is_admin", sa.Boolean), sa.Column("created_at", TZ),
)
roles = sa.Table(
    "roles", metadata,
    sa.Column("user_id", sa.Integer, primary_key=True), sa.Column("territory_id", sa.Integer, primary_key=True),
    sa.Column("role", sa.String(20)),
)
drafts = sa.Table(
    "drafts", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("territory_id", sa.Integer),
    sa.Column("author_key", sa.String(254)), sa.Column("author", sa.String(254)),
    sa.Column("base_version", sa.Integer), sa.Column("file_name", sa.String(255)),
    sa.Column("file_bytes", sa.LargeBinary), sa.Column("file_sha256", sa.String(64)), sa.Column("updated_at", TZ),
)
sessions = sa.Table(  # local sign-in sessions (migration 0006): the cookie's session id, hashed
    "sessions", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("id_hash", sa.String(64)),
    sa.Column("user_id", sa.Integer), sa.Column("created_at", TZ), sa.Column("last_seen_at", TZ),
    sa.Column("expires_at", TZ), sa.Column("ended_at", TZ), sa.Column("ended_why", sa.String(40)),
)
maintenance = sa.Table(  # when each scheduled task last ran, whichever replica ran it (migration 0006)
    "maintenance", metadata,
    sa.Column("task", sa.String(40), primary_key=True), sa.Column("done_at", TZ),
)
login_attempts = sa.Table(
    "login_attempts", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("email_key", sa.String(254)),
    sa.Column("client_ip", sa.String(64)), sa.Column("at", TZ), sa.Column("success", sa.Boolean),
)
submissions = sa.Table(
    "submissions", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("territory_id", sa.Integer),
    sa.Column("created_at", TZ), sa.Column("client_key", sa.String(64)), sa.Column("origin", sa.String(20)),
    sa.Column("status", sa.String(20)), sa.Column("answer", sa.Text), sa.Column("name_key", sa.String(300)),
    sa.Column("match_ref", sa.String(400)), sa.Column("match_how", sa.String(20)), sa.Column("decision", sa.Text),
    sa.Column("reason", sa.Text), sa.Column("published_version", sa.Integer),
    sa.Column("actor_id", sa.String(40)), sa.Column("recipient_id", sa.Integer),  # a personal link's (0008)
)
submission_contacts = sa.Table(
    "submission_contacts", metadata,
    sa.Column("submission_id", sa.Integer, primary_key=True), sa.Column("referent", sa.Text),
    sa.Column("contact", sa.Text),
)
submission_events = sa.Table(
    "submission_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("submission_id", sa.Integer), sa.Column("at", TZ),
    sa.Column("status", sa.String(20)), sa.Column("author", sa.String(254)), sa.Column("note", sa.Text),
)
questionnaire_settings = sa.Table(
    "questionnaire_settings", metadata,
    sa.Column("territory_id", sa.Integer, primary_key=True), sa.Column("open", sa.Boolean),
)

# Objectives and manual actor pairings (the Suivi page, migration 0004).
objectives_table = sa.Table(
    "objectives", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("territory_id", sa.Integer),
    sa.Column("indicator", sa.String(40)), sa.Column("family", sa.String(100)), sa.Column("target", sa.Float),
    sa.Column("deadline", sa.Date), sa.Column("start_version", sa.Integer), sa.Column("start_date", sa.Date),
    sa.Column("start_value", sa.Float), sa.Column("note", sa.Text), sa.Column("created_by", sa.String(254)),
    sa.Column("created_at", TZ),
)
actor_pairings = sa.Table(
    "actor_pairings", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("territory_id", sa.Integer),
    sa.Column("ref_a", sa.String(700)), sa.Column("ref_b", sa.String(700)), sa.Column("kind", sa.String(10)),
    sa.Column("created_by", sa.String(254)), sa.Column("created_at", TZ),
)

VERSION_META = ("number", "created_at", "author", "note", "force_reason", "base_version", "restored_from",
                "file_name", "file_sha256", "original_sha256", "redacted_at", "redaction_note", "n_actors",
                "n_actions", "n_errors", "n_warnings", "n_error_rows")

# Actor identifiers (migration 0008, nrdash/store/identity.py): each row of each version, its actor's identifier.
actor_ids = sa.Table(
    "actor_ids", metadata,
    sa.Column("version_id", sa.Integer, primary_key=True), sa.Column("row", sa.Integer, primary_key=True),
    sa.Column("actor_id", sa.String(40)), sa.Column("ref_key", sa.String(24)),
    sa.Column("from_version_id", sa.Integer), sa.Column("from_row", sa.Integer),
)

# Update campaigns (migration 0008, nrdash/store/campaigns.py).
campaigns = sa.Table(
    "campaigns", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("territory_id", sa.Integer),
    sa.Column("title", sa.String(200)), sa.Column("created_at", TZ), sa.Column("created_by", sa.String(254)),
    sa.Column("version", sa.Integer), sa.Column("selection", sa.Text), sa.Column("ends_on", sa.Date),
    sa.Column("subject", sa.Text), sa.Column("body", sa.Text), sa.Column("remind_after_days", sa.Integer),
    sa.Column("max_reminders", sa.Integer), sa.Column("sender", sa.String(200)), sa.Column("sender_seen_at", TZ),
)
campaign_recipients = sa.Table(
    "campaign_recipients", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("campaign_id", sa.Integer),
    sa.Column("actor_id", sa.String(40)), sa.Column("name", sa.String(300)), sa.Column("email", sa.String(254)),
    sa.Column("state", sa.String(20)), sa.Column("attempts", sa.Integer), sa.Column("messages", sa.Integer),
    sa.Column("last_error", sa.Text), sa.Column("claimed_by", sa.String(200)), sa.Column("claimed_at", TZ),
    sa.Column("sent_at", TZ), sa.Column("submission_id", sa.Integer), sa.Column("answered_at", TZ),
    sa.Column("outcome", sa.String(20)),
)
campaign_tokens = sa.Table(
    "campaign_tokens", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True), sa.Column("recipient_id", sa.Integer),
    sa.Column("issued_at", TZ),
)
campaign_keys = sa.Table(
    "campaign_keys", metadata,
    sa.Column("territory_id", sa.Integer, primary_key=True), sa.Column("refusal_key", sa.String(64)),
)
email_refusals = sa.Table(
    "email_refusals", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("territory_id", sa.Integer),
    sa.Column("address_hash", sa.String(64)), sa.Column("refused_at", TZ),
)

# Live votes of a workshop room and their ballots while open (migration 0010).
votes_table = sa.Table(
    "votes", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("territory_id", sa.Integer),
    sa.Column("code", sa.String(12)), sa.Column("kind", sa.String(20)), sa.Column("purpose", sa.String(20)),
    sa.Column("question", sa.Text), sa.Column("choices", sa.Text), sa.Column("max_choices", sa.Integer),
    sa.Column("opened_at", TZ), sa.Column("opened_by", sa.String(254)), sa.Column("closed_at", TZ),
    sa.Column("revision", sa.Integer), sa.Column("participants", sa.Integer), sa.Column("counts", sa.Text),
)
vote_ballots = sa.Table(
    "vote_ballots", metadata,
    sa.Column("vote_id", sa.Integer, primary_key=True), sa.Column("voter_key", sa.String(64), primary_key=True),
    sa.Column("client_key", sa.String(64)), sa.Column("choices", sa.Text), sa.Column("changes", sa.Integer),
    sa.Column("updated_at", TZ),
)
