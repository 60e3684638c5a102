"""card blocked time

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25

Cards keep the seconds of their finished blocked spells, so flow metrics and exports
read blocked time from one row per card. Existing cards are backfilled from their
``card.blocked`` / ``card.unblocked`` events.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def upgrade() -> None:
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("blocked_seconds", sa.Float(), server_default="0", nullable=False)
        )
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT type, at, data FROM board_events "
            "WHERE type IN ('card.blocked', 'card.unblocked') ORDER BY board_id, seq"
        )
    )
    since: dict[int, datetime] = {}
    totals: dict[int, float] = {}
    for type_, at, data in rows:
        payload = data if isinstance(data, dict) else json.loads(data)
        card_id = int(payload["card_id"])
        when = _when(at)
        if type_ == "card.blocked":
            since.setdefault(card_id, when)
        elif card_id in since:
            spell = (when - since.pop(card_id)).total_seconds()
            totals[card_id] = totals.get(card_id, 0.0) + max(spell, 0.0)
    update = sa.text("UPDATE cards SET blocked_seconds = :seconds WHERE id = :card_id")
    for card_id, seconds in totals.items():
        conn.execute(update, {"seconds": seconds, "card_id": card_id})


def downgrade() -> None:
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_column("blocked_seconds")
