"""Actor identifiers: each row of each published version, its actor's identifier, kept from version to version
(nrdash/store/identity.py); the existing versions get theirs here, territory by territory, oldest first.
Update campaigns (nrdash/store/campaigns.py): campaigns, their recipients (the actor, its contact address, where
its e-mails and its answer stand), the personal links issued to them (hashed), the territory's refusals of e-mails
(a keyed hash of the address) and the key; questionnaire answers name the actor and the recipient they came from.

Revision ID: 0008
Revises: 0007
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"  # the territory branch chains 0005 -> 0007 -> 0008 -> 0009 -> 0010 (number order)
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


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

    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("territory_id", sa.Integer, sa.ForeignKey("territories.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("created_by", sa.String(254), nullable=False),
        sa.Column("version", sa.Integer),  # the version whose actors were chosen
        sa.Column("selection", sa.Text, nullable=False),  # how they were chosen, in words
        sa.Column("ends_on", sa.Date, nullable=False),  # links answer until this day, included
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("remind_after_days", sa.Integer, nullable=False),
        sa.Column("max_reminders", sa.Integer, nullable=False),
        sa.Column("sender", sa.String(200)),  # who sends it now (host:pid:random), and when it last said so
        sa.Column("sender_seen_at", TZ),
    )
    op.create_index("ix_campaigns_territory", "campaigns", ["territory_id"])
    op.create_table(
        "campaign_recipients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
        sa.Column("actor_id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),  # the actor's name when the campaign was made
        sa.Column("email", sa.String(254)),  # personal data: erased with the person, or after the retention period
        sa.Column("state", sa.String(20), nullable=False),  # the e-mail's: pending, claimed, delivering, sent…
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("messages", sa.Integer, nullable=False, server_default="0"),  # delivered (first, reminders)
        sa.Column("last_error", sa.Text),  # the server's reply
        sa.Column("claimed_by", sa.String(200)),
        sa.Column("claimed_at", TZ),
        sa.Column("sent_at", TZ),
        sa.Column("submission_id", sa.Integer),  # the last answer through its link
        sa.Column("answered_at", TZ),
        sa.Column("outcome", sa.String(20)),  # answered, accepted, rejected
    )
    op.create_index("ix_campaign_recipients_campaign", "campaign_recipients", ["campaign_id", "state"])
    op.create_index("ix_campaign_recipients_actor", "campaign_recipients", ["actor_id"])
    op.create_table(
        "campaign_tokens",  # each personal link issued (a message, a reminder, a mail-merge file): its SHA-256
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("recipient_id", sa.Integer, sa.ForeignKey("campaign_recipients.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("issued_at", TZ, nullable=False),
    )
    op.create_index("ix_campaign_tokens_recipient", "campaign_tokens", ["recipient_id"])
    op.create_table(
        "campaign_keys",  # the territory's key of the refusals' hashes
        sa.Column("territory_id", sa.Integer, sa.ForeignKey("territories.id"), primary_key=True),
        sa.Column("refusal_key", sa.String(64), nullable=False),
    )
    op.create_table(
        "email_refusals",  # nothing but a keyed hash of the address: honoured by every later campaign
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("territory_id", sa.Integer, sa.ForeignKey("territories.id"), nullable=False),
        sa.Column("address_hash", sa.String(64), nullable=False),
        sa.Column("refused_at", TZ, nullable=False),
        sa.UniqueConstraint("territory_id", "address_hash", name="uq_email_refusals"),
    )
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("actor_id", sa.String(40)))  # an answer through a personal link: its actor
        batch.add_column(sa.Column("recipient_id", sa.Integer))  # and the campaign's recipient


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("recipient_id")
        batch.drop_column("actor_id")
    op.drop_table("email_refusals")
    op.drop_table("campaign_keys")
    op.drop_index("ix_campaign_tokens_recipient", "campaign_tokens")
    op.drop_table("campaign_tokens")
    op.drop_index("ix_campaign_recipients_actor", "campaign_recipients")
    op.drop_index("ix_campaign_recipients_campaign", "campaign_recipients")
    op.drop_table("campaign_recipients")
    op.drop_index("ix_campaigns_territory", "campaigns")
    op.drop_table("campaigns")
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("ids_revision")
    op.drop_index("ix_actor_ids_ref", "actor_ids")
    op.drop_index("ix_actor_ids_actor", "actor_ids")
    op.drop_table("actor_ids")
