"""Actor identifiers: each row of each published version, its actor's identifier, kept from version to version
(nrdash/store/identity.py); the existing versions get theirs here, territory by territory, oldest first.

Revision ID: 0008
Revises: 0005
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "actor_ids",
        sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("row", sa.Integer, primary_key=True),  # the workbook row, as personal_data
        sa.Column("actor_id", sa.String(40), nullable=False),
        sa.Column("ref_key", sa.String(24), nullable=False),  # 96 bits of SHA-256 of compare.actor_refs' reference
        sa.Column("from_version_id", sa.Integer),  # the row it continues explicitly (a restoration, an update
        sa.Column("from_row", sa.Integer),  # from the questionnaire), kept for when identifiers are computed again
    )
    op.create_index("ix_actor_ids_actor", "actor_ids", ["actor_id"])
    op.create_index("ix_actor_ids_ref", "actor_ids", ["ref_key"])
    with op.batch_alter_table("versions") as batch:
        batch.add_column(sa.Column("ids_revision", sa.Integer))
    from nrdash.store.identity import backfill

    backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("ids_revision")
    op.drop_index("ix_actor_ids_ref", "actor_ids")
    op.drop_index("ix_actor_ids_actor", "actor_ids")
    op.drop_table("actor_ids")
