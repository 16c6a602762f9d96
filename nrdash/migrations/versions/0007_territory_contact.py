"""A territory's contact address: where the public questionnaire's consent text tells people to write (to have
their data erased, or with a question). Empty (NULL) until an administrator sets it. No data is changed: the
territories already on the instance keep their reading setting (new ones are created closed by the code, except
the sample).

Revision ID: 0007
Revises: 0005
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006_access"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("territories") as batch:
        batch.add_column(sa.Column("contact_email", sa.String(254)))


def downgrade() -> None:
    with op.batch_alter_table("territories") as batch:
        batch.drop_column("contact_email")
