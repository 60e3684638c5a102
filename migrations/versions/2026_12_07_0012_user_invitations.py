"""user invitations

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

An admin can add a person without a password and send them a one-time link instead
(``user_invitations``: the SHA-256 of the link's token, when it expires, when it was
used); on it they choose their password and are signed in.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_invitations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_invitations_token_hash")),
    )
    op.create_index(
        op.f("ix_user_invitations_user_id"), "user_invitations", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_user_invitations_user_id"), table_name="user_invitations")
    op.drop_table("user_invitations")
