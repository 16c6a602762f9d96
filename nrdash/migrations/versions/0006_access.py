"""Access that can be withdrawn (issue 23): server-side sign-in sessions, workshop links that expire, and the
instance's scheduled maintenance (when the retention period was last applied, so that replicas do not repeat it).
On PostgreSQL, the personal columns get no statistics: ANALYZE (autovacuum's too) would otherwise copy samples of
their values (names, e-mails) into pg_statistic, where an erasure cannot reach them.

Revision ID: 0006_access
Revises: 0005
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0006_access"
down_revision = "0005"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
PERSONAL_COLUMNS = (("personal_data", "referent"), ("personal_data", "contact"), ("submission_contacts", "referent"),
                    ("submission_contacts", "contact"))
LEGACY_LINK_DAYS = 30  # links made before expiries existed: valid 30 days from this upgrade


def upgrade() -> None:
    op.create_table(
        "sessions",  # a local sign-in: the cookie holds the session id, signed; only its SHA-256 is kept here
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("id_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_seen_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("ended_at", TZ),  # signed out, signed out everywhere, role changed: no longer valid
        sa.Column("ended_why", sa.String(40)),
    )
    op.create_index("ix_sessions_user", "sessions", ["user_id"])
    with op.batch_alter_table("workshop_tokens") as batch:
        batch.add_column(sa.Column("expires_at", TZ))
    expiry = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=LEGACY_LINK_DAYS)
    links = sa.table("workshop_tokens", sa.column("expires_at", TZ))
    op.execute(links.update().where(links.c.expires_at.is_(None)).values(expires_at=expiry))
    op.create_table(
        "maintenance",  # one row per scheduled task: when it last ran (any replica)
        sa.Column("task", sa.String(40), primary_key=True),
        sa.Column("done_at", TZ, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table, column in PERSONAL_COLUMNS:
            op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET STATISTICS 0')
        if _superuser():  # samples an earlier ANALYZE took: gone too
            op.execute("DELETE FROM pg_statistic s USING pg_attribute a, pg_class c WHERE s.starelid = c.oid "
                       "AND a.attrelid = c.oid AND s.staattnum = a.attnum AND a.attstattarget = 0 "
                       "AND c.relname IN ('personal_data', 'submission_contacts')")


def _superuser() -> bool:
    """Whether the migration's database user may clean pg_statistic (a superuser; nrdash's own user usually is not:
    samples an ANALYZE took before this upgrade then stay there, docs/securite.md says how to remove them)."""
    return bool(op.get_bind().execute(sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar())


def downgrade() -> None:
    op.drop_table("maintenance")
    with op.batch_alter_table("workshop_tokens") as batch:
        batch.drop_column("expires_at")
    op.drop_index("ix_sessions_user", "sessions")
    op.drop_table("sessions")
