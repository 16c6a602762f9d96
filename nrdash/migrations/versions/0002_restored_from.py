"""A restored version says which one it copies; login attempts are also counted per client address.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.add_column(sa.Column("restored_from", sa.Integer))
    op.create_index("ix_login_attempts_ip_at", "login_attempts", ["client_ip", "at"])


def downgrade() -> None:
    op.drop_index("ix_login_attempts_ip_at", "login_attempts")
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("restored_from")
