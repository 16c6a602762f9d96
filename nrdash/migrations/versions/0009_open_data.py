"""Open data (issue 27): each territory's licence for its public files and whether the count of its « Citoyens »
actors per commune is published.

Revision ID: 0009
Revises: 0008
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ALTER TABLE … ADD COLUMN, also on SQLite (a NOT NULL column with a default is allowed there): a batch would copy
    # the table and drop the old one, which SQLite refuses while rows of other tables name it by foreign key (an
    # instance with published versions; found by tests/store/test_actor_ids.py going down to 0005 and up again).
    # An identifier of nrdash.opendata.LICENCES; the Licence Ouverte 2.0 unless the administrator chose another.
    op.add_column("territories", sa.Column("open_licence", sa.String(40), nullable=False, server_default="etalab-2.0"))
    # False: the « Citoyens » actors are left out of the open data entirely (never listed one by one anyway).
    op.add_column("territories", sa.Column("open_citizens", sa.Boolean, nullable=False, server_default=sa.true()))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN, also on SQLite (3.35 and later), for the same reason.
    op.drop_column("territories", "open_citizens")
    op.drop_column("territories", "open_licence")
