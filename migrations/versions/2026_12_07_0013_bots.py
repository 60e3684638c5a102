"""bots as principals, card skills, resolutions and token usage

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

AI agents become users of ``kind`` 'bot' (people are 'person'). A card names the skills
it needs (``cards.skills``, matched by the pull), keeps the resolution text its resolver
wrote (``cards.resolution``) with the knowledge note worth reusing, if any
(``cards.knowledge``, searched with the swarms' notes), and ``card_usage`` holds the
tokens and money an agent reported spending on it, for the cost per confirmed
resolution.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=10), nullable=False, server_default="person")
        )
    with op.batch_alter_table("cards") as batch:
        batch.add_column(sa.Column("skills", _JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("resolution", sa.Text(), nullable=True))
        batch.add_column(sa.Column("knowledge", sa.Text(), nullable=True))
        batch.add_column(sa.Column("knowledge_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("knowledge_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            op.f("fk_cards_knowledge_by_users"),
            "users",
            ["knowledge_by"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "card_usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["boards.id"],
            name=op.f("fk_card_usage_board_id_boards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["cards.id"],
            name=op.f("fk_card_usage_card_id_cards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_card_usage_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_usage")),
    )
    op.create_index(op.f("ix_card_usage_card_id"), "card_usage", ["card_id"], unique=False)
    op.create_index("ix_card_usage_board_id_reported_at", "card_usage", ["board_id", "reported_at"])


def downgrade() -> None:
    op.drop_index("ix_card_usage_board_id_reported_at", table_name="card_usage")
    op.drop_index(op.f("ix_card_usage_card_id"), table_name="card_usage")
    op.drop_table("card_usage")
    with op.batch_alter_table("cards") as batch:
        batch.drop_constraint(op.f("fk_cards_knowledge_by_users"), type_="foreignkey")
        batch.drop_column("knowledge_at")
        batch.drop_column("knowledge_by")
        batch.drop_column("knowledge")
        batch.drop_column("resolution")
        batch.drop_column("skills")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("kind")
