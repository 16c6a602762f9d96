"""First schema: territories, versions, personal data apart, workshop tokens, accounts, roles, login attempts.

Revision ID: 0001
Revises:
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "territories",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(16), nullable=False, unique=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("anonymous_read", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("retention_months", sa.Integer, nullable=False, server_default="24"),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("territory_id", sa.Integer, sa.ForeignKey("territories.id"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("author", sa.String(200), nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("force_reason", sa.Text),
        sa.Column("base_version", sa.Integer),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("file_bytes", sa.LargeBinary, nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("original_sha256", sa.String(64), nullable=False),
        sa.Column("redacted_at", TZ),
        sa.Column("redaction_note", sa.Text),
        sa.Column("sheet", sa.String(255), nullable=False),
        sa.Column("actors_parquet", sa.LargeBinary, nullable=False),
        sa.Column("actions_parquet", sa.LargeBinary, nullable=False),
        sa.Column("census_territory", sa.Text, nullable=False),
        sa.Column("territory_info", sa.Text),
        sa.Column("territory_problem", sa.Text),
        sa.Column("issues", sa.Text, nullable=False),
        sa.Column("n_actors", sa.Integer, nullable=False),
        sa.Column("n_actions", sa.Integer, nullable=False),
        sa.Column("n_errors", sa.Integer, nullable=False),
        sa.Column("n_warnings", sa.Integer, nullable=False),
        sa.Column("n_error_rows", sa.Integer, nullable=False),
        sa.UniqueConstraint("territory_id", "number", name="uq_versions_territory_number"),
    )
    op.create_table(
        "personal_data",
        sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("row", sa.Integer, primary_key=True),
        sa.Column("referent", sa.Text),
        sa.Column("contact", sa.Text),
    )
    op.create_table(
        "workshop_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("territory_id", sa.Integer, sa.ForeignKey("territories.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(254), nullable=False, server_default=""),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("email_key", sa.String(254), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "roles",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("territory_id", sa.Integer, sa.ForeignKey("territories.id"), primary_key=True),
        sa.Column("role", sa.String(20), nullable=False),
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email_key", sa.String(254), nullable=False),
        sa.Column("client_ip", sa.String(64), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("success", sa.Boolean, nullable=False),
    )
    op.create_index("ix_login_attempts_email_at", "login_attempts", ["email_key", "at"])


def downgrade() -> None:
    for table in ("login_attempts", "roles", "users", "workshop_tokens", "personal_data", "versions", "territories"):
        op.drop_table(table)
