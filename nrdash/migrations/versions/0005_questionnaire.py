"""Questionnaire: actors' answers (submissions), their personal data apart, their status history, and whether a
territory's questionnaire is open.

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("territory_id", sa.Integer, sa.ForeignKey("territories.id"), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("client_key", sa.String(64), nullable=False),  # SHA-256 of the client address (rate limit)
        sa.Column("origin", sa.String(20), nullable=False),  # "formulaire" | "papier"
        sa.Column("status", sa.String(20), nullable=False),  # new | accepted | merged | rejected
        sa.Column("answer", sa.Text, nullable=False),  # JSON, without the referent and contact
        sa.Column("name_key", sa.String(300), nullable=False),
        sa.Column("match_ref", sa.String(400)),  # the census actor it matched when sent (flag, never a refusal)
        sa.Column("match_how", sa.String(20)),
        sa.Column("decision", sa.Text),  # JSON: what the editor decided (merge target and fields)
        sa.Column("reason", sa.Text),  # why it was rejected
        sa.Column("published_version", sa.Integer),  # the version that took it in
    )
    op.create_index("ix_submissions_territory_status", "submissions", ["territory_id", "status"])
    op.create_index("ix_submissions_client_at", "submissions", ["client_key", "created_at"])
    op.create_table(
        "submission_contacts",  # personal data apart: erased on request or after the retention period
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("referent", sa.Text), sa.Column("contact", sa.Text),
    )
    op.create_table(
        "submission_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("author", sa.String(254), nullable=False),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_submission_events_submission", "submission_events", ["submission_id"])
    op.create_table(
        "questionnaire_settings",  # no row: the questionnaire is open
        sa.Column("territory_id", sa.Integer, sa.ForeignKey("territories.id"), primary_key=True),
        sa.Column("open", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("questionnaire_settings")
    op.drop_index("ix_submission_events_submission", "submission_events")
    op.drop_table("submission_events")
    op.drop_table("submission_contacts")
    op.drop_index("ix_submissions_client_at", "submissions")
    op.drop_index("ix_submissions_territory_status", "submissions")
    op.drop_table("submissions")
