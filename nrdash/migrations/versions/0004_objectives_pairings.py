"""Suivi: a territory's objectives (indicator, target, deadline, the version current when set) and the actor
pairings a person made or forbade between versions (a renamed association).

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "objectives",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("territory_id", sa.Integer, sa.ForeignKey("territories.id"), nullable=False),
        sa.Column("indicator", sa.String(40), nullable=False),
        sa.Column("family", sa.String(100)),
        sa.Column("target", sa.Float, nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("start_version", sa.Integer),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("start_value", sa.Float, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.String(254), nullable=False, server_default=""),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_objectives_territory", "objectives", ["territory_id"])
    op.create_table(
        "actor_pairings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("territory_id", sa.Integer, sa.ForeignKey("territories.id"), nullable=False),
        sa.Column("ref_a", sa.String(700), nullable=False),
        sa.Column("ref_b", sa.String(700), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("created_by", sa.String(254), nullable=False, server_default=""),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("territory_id", "ref_a", "ref_b", name="uq_actor_pairings_refs"),
    )


def downgrade() -> None:
    op.drop_table("actor_pairings")
    op.drop_index("ix_objectives_territory", table_name="objectives")
    op.drop_table("objectives")
