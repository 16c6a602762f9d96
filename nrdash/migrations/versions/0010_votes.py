"""Live votes of a workshop room (issue 28): a territory's votes (question, choices, the code phones use, the
result once closed) and, while a vote is open, one ballot per browser (a hash of its random token and of its
address, for the per-address bound), deleted when the vote closes.

Revision ID: 0010
Revises: 0009
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "votes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("territory_id", sa.Integer, sa.ForeignKey("territories.id"), nullable=False),
        sa.Column("code", sa.String(12), nullable=False, unique=True),  # what phones type: unique for ever
        sa.Column("kind", sa.String(20), nullable=False),  # matrice | plan | exemples
        sa.Column("purpose", sa.String(20), nullable=False),  # cles | gains (key actions or quick wins)
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("choices", sa.Text, nullable=False),  # JSON: [{key, label, axis, targets}]
        sa.Column("max_choices", sa.Integer, nullable=False),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("opened_by", sa.String(254), nullable=False),
        sa.Column("closed_at", TZ),
        sa.Column("revision", sa.Integer, nullable=False),  # bumped by every ballot and by the closing
        sa.Column("participants", sa.Integer),  # the result, once closed
        sa.Column("counts", sa.Text),  # JSON {choice key: n}, once closed
    )
    # One open vote per territory: the store checks it, the database holds it.
    op.create_index("ux_votes_open_territory", "votes", ["territory_id"], unique=True,
                    sqlite_where=sa.text("closed_at IS NULL"), postgresql_where=sa.text("closed_at IS NULL"))
    op.create_index("ix_votes_territory", "votes", ["territory_id", "opened_at"])
    op.create_table(
        "vote_ballots",  # only while the vote is open: no per-person record once it is closed
        sa.Column("vote_id", sa.Integer, sa.ForeignKey("votes.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("voter_key", sa.String(64), primary_key=True),  # SHA-256 of the browser's random token
        sa.Column("client_key", sa.String(64), nullable=False),  # SHA-256 of the client address (bound per address)
        sa.Column("choices", sa.Text, nullable=False),  # JSON list of choice keys
        sa.Column("changes", sa.Integer, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_vote_ballots_client", "vote_ballots", ["vote_id", "client_key"])


def downgrade() -> None:
    op.drop_index("ix_vote_ballots_client", "vote_ballots")
    op.drop_table("vote_ballots")
    op.drop_index("ix_votes_territory", "votes")
    op.drop_index("ux_votes_open_territory", "votes")
    op.drop_table("votes")
