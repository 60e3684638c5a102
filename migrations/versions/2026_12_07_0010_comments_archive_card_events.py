"""card comments, archived cards, and the card an event is about

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

``card_comments`` holds the discussion on a card. ``cards.archived_at`` marks a card
that has left the board (and its WIP counts) but stays in metrics and exports.
``board_events.card_id`` copies ``data.card_id`` into a column with an index, so a
card's activity is read without scanning its board's whole log; existing events are
backfilled.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "card_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["cards.id"],
            name=op.f("fk_card_comments_card_id_cards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["boards.id"],
            name=op.f("fk_card_comments_board_id_boards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_card_comments_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_comments")),
    )
    op.create_index("ix_card_comments_card_id_id", "card_comments", ["card_id", "id"], unique=False)
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("board_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("card_id", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE board_events SET card_id = (data->>'card_id')::integer "
            "WHERE jsonb_typeof(data->'card_id') = 'number'"
        )
    else:
        op.execute(
            "UPDATE board_events SET card_id = json_extract(data, '$.card_id') "
            "WHERE json_type(data, '$.card_id') = 'integer'"
        )
    op.create_index("ix_board_events_card_id_seq", "board_events", ["card_id", "seq"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_board_events_card_id_seq", table_name="board_events")
    with op.batch_alter_table("board_events", schema=None) as batch_op:
        batch_op.drop_column("card_id")
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_column("archived_at")
    op.drop_index("ix_card_comments_card_id_id", table_name="card_comments")
    op.drop_table("card_comments")
