"""Drafts: an editor's census in progress on a territory (one per editor and territory), kept across sessions.

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("territory_id", sa.Integer, sa.ForeignKey("territories.id"), nullable=False),
        sa.Column("author_key", sa.String(254), nullable=False),
        sa.Column("author", sa.String(254), nullable=False),
        sa.Column("base_version", sa.Integer),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("file_bytes", sa.LargeBinary, nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.UniqueConstraint("territory_id", "author_key", name="uq_drafts_territory_author"),
    )


def downgrade() -> None:
    op.drop_table("drafts")
