"""swarms

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

Swarms (at most one open per card, by a partial unique index on both databases), their
invitations and members. Reviewed by hand after autogenerate.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "swarms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("skills", _JSON, nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("tried", sa.Text(), server_default="", nullable=False),
        sa.Column("unmatched_skills", _JSON, nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("knowledge", sa.Text(), nullable=True),
        sa.Column("knowledge_by", sa.Integer(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["board_id"], ["boards.id"], name=op.f("fk_swarms_board_id_boards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_swarms_card_id_cards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["knowledge_by"],
            ["users.id"],
            name=op.f("fk_swarms_knowledge_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["users.id"],
            name=op.f("fk_swarms_requested_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_swarms")),
    )
    with op.batch_alter_table("swarms", schema=None) as batch_op:
        batch_op.create_index("ix_swarms_board_id_state", ["board_id", "state"], unique=False)
        batch_op.create_index("ix_swarms_card_id", ["card_id"], unique=False)
        batch_op.create_index(
            "uq_swarms_open_card",
            ["card_id"],
            unique=True,
            sqlite_where=sa.text("state = 'open'"),
            postgresql_where=sa.text("state = 'open'"),
        )

    op.create_table(
        "swarm_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("swarm_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("skills", _JSON, nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["swarm_id"],
            ["swarms.id"],
            name=op.f("fk_swarm_invitations_swarm_id_swarms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_swarm_invitations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_swarm_invitations")),
        sa.UniqueConstraint(
            "swarm_id", "user_id", name=op.f("uq_swarm_invitations_swarm_id_user_id")
        ),
    )
    with op.batch_alter_table("swarm_invitations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_swarm_invitations_user_id_state", ["user_id", "state"], unique=False
        )

    op.create_table(
        "swarm_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("swarm_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["swarm_id"],
            ["swarms.id"],
            name=op.f("fk_swarm_members_swarm_id_swarms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_swarm_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_swarm_members")),
        sa.UniqueConstraint("swarm_id", "user_id", name=op.f("uq_swarm_members_swarm_id_user_id")),
    )
    with op.batch_alter_table("swarm_members", schema=None) as batch_op:
        batch_op.create_index("ix_swarm_members_user_id", ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("swarm_members", schema=None) as batch_op:
        batch_op.drop_index("ix_swarm_members_user_id")

    op.drop_table("swarm_members")
    with op.batch_alter_table("swarm_invitations", schema=None) as batch_op:
        batch_op.drop_index("ix_swarm_invitations_user_id_state")

    op.drop_table("swarm_invitations")
    with op.batch_alter_table("swarms", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_swarms_open_card",
            sqlite_where=sa.text("state = 'open'"),
            postgresql_where=sa.text("state = 'open'"),
        )
        batch_op.drop_index("ix_swarms_card_id")
        batch_op.drop_index("ix_swarms_board_id_state")

    op.drop_table("swarms")
