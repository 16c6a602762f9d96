"""Open data (issue 27): each territory's licence for its public files and whether the count of its « Citoyens »
actors per commune is published.

Revision ID: 0009
Revises: 0005
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("territories") as batch:
        # An identifier of nrdash.opendata.LICENCES; the Licence Ouverte 2.0 unless the administrator chose another.
        batch.add_column(sa.Column("open_licence", sa.String(40), nullable=False, server_default="etalab-2.0"))
        # False: the « Citoyens » actors are left out of the open data entirely (never listed one by one anyway).
        batch.add_column(sa.Column("open_citizens", sa.Boolean, nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("territories") as batch:
        batch.drop_column("open_citizens")
        batch.drop_column("open_licence")
