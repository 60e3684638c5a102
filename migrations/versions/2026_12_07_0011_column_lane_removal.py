"""removed columns

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

``board_columns.removed_at`` marks a column taken off the board: every live read (the
board, moves, WIP admission, new cards) skips it, while metrics, cycle times and the
exports still find the stays and events that name it. Lanes are deleted outright
(nothing historical is keyed on a lane; ``cards.lane_id`` is set null), so they need no
column here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("board_columns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("board_columns", schema=None) as batch_op:
        batch_op.drop_column("removed_at")
