"""intake, confirmation and insights

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

Ticket intake (customers, interactions, repeat/duplicate links), customer confirmation
requests, card evidence, and the insight fields on cards; columns gain the
requires-insight gate and the reopen target. Reviewed by hand after autogenerate.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("ref", name=op.f("uq_customers_ref")),
    )
    op.create_table(
        "card_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=30), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["boards.id"],
            name=op.f("fk_card_evidence_board_id_boards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["cards.id"],
            name=op.f("fk_card_evidence_card_id_cards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["users.id"],
            name=op.f("fk_card_evidence_uploaded_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_evidence")),
    )
    with op.batch_alter_table("card_evidence", schema=None) as batch_op:
        batch_op.create_index("ix_card_evidence_card_id", ["card_id"], unique=False)

    op.create_table(
        "card_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["boards.id"],
            name=op.f("fk_card_links_board_id_boards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_card_links_card_id_cards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_card_links_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["cards.id"],
            name=op.f("fk_card_links_target_id_cards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_links")),
        sa.UniqueConstraint("card_id", "target_id", name=op.f("uq_card_links_card_id_target_id")),
    )
    with op.batch_alter_table("card_links", schema=None) as batch_op:
        batch_op.create_index("ix_card_links_board_id", ["board_id"], unique=False)
        batch_op.create_index("ix_card_links_target_id", ["target_id"], unique=False)

    op.create_table(
        "confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("solved", sa.Boolean(), nullable=True),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.Column("ces", sa.Integer(), nullable=True),
        sa.Column("nps", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["boards.id"],
            name=op.f("fk_confirmations_board_id_boards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["cards.id"],
            name=op.f("fk_confirmations_card_id_cards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_confirmations")),
        sa.UniqueConstraint("nonce", name=op.f("uq_confirmations_nonce")),
    )
    with op.batch_alter_table("confirmations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_confirmations_board_id_answered_at", ["board_id", "answered_at"], unique=False
        )
        batch_op.create_index(
            "ix_confirmations_card_id_requested_at", ["card_id", "requested_at"], unique=False
        )

    op.create_table(
        "interactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("actor_kind", sa.String(length=10), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("handle_seconds", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["boards.id"],
            name=op.f("fk_interactions_board_id_boards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["cards.id"],
            name=op.f("fk_interactions_card_id_cards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
            name=op.f("fk_interactions_recorded_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interactions")),
    )
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index("ix_interactions_board_id_at", ["board_id", "at"], unique=False)
        batch_op.create_index("ix_interactions_card_id_at", ["card_id", "at"], unique=False)

    with op.batch_alter_table("board_columns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("requires_insight", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("reopen_target", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("boards", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False)
        )

    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_ref", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("customer_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("agent_replies", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("handle_seconds", sa.Float(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("bot_handled", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("bot_resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("handed_off_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("reopen_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("problem_statement", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("suggested_fix", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("impact_per_month", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("effort_hours", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("owner_team", sa.String(length=100), nullable=True))
        batch_op.create_index("ix_cards_customer_id", ["customer_id"], unique=False)
        batch_op.create_index(
            "uq_cards_board_id_external_ref", ["board_id", "external_ref"], unique=True
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cards_customer_id_customers"),
            "customers",
            ["customer_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cards_customer_id_customers"), type_="foreignkey")
        batch_op.drop_index("uq_cards_board_id_external_ref")
        batch_op.drop_index("ix_cards_customer_id")
        batch_op.drop_column("owner_team")
        batch_op.drop_column("effort_hours")
        batch_op.drop_column("impact_per_month")
        batch_op.drop_column("suggested_fix")
        batch_op.drop_column("problem_statement")
        batch_op.drop_column("reopen_count")
        batch_op.drop_column("handed_off_at")
        batch_op.drop_column("bot_resolved_at")
        batch_op.drop_column("bot_handled")
        batch_op.drop_column("handle_seconds")
        batch_op.drop_column("agent_replies")
        batch_op.drop_column("customer_id")
        batch_op.drop_column("external_ref")

    with op.batch_alter_table("boards", schema=None) as batch_op:
        batch_op.drop_column("currency")

    with op.batch_alter_table("board_columns", schema=None) as batch_op:
        batch_op.drop_column("reopen_target")
        batch_op.drop_column("requires_insight")

    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index("ix_interactions_card_id_at")
        batch_op.drop_index("ix_interactions_board_id_at")

    op.drop_table("interactions")
    with op.batch_alter_table("confirmations", schema=None) as batch_op:
        batch_op.drop_index("ix_confirmations_card_id_requested_at")
        batch_op.drop_index("ix_confirmations_board_id_answered_at")

    op.drop_table("confirmations")
    with op.batch_alter_table("card_links", schema=None) as batch_op:
        batch_op.drop_index("ix_card_links_target_id")
        batch_op.drop_index("ix_card_links_board_id")

    op.drop_table("card_links")
    with op.batch_alter_table("card_evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_card_evidence_card_id")

    op.drop_table("card_evidence")
    op.drop_table("customers")
