"""customers scoped to a board

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

Customers were global and keyed by ``ref`` alone, so intake on one board could read and
overwrite another board's customer. Each customer now belongs to one board, unique on
(board_id, ref). Existing data is split so that no board loses a customer's history:
a customer whose cards are on several boards keeps its row for the board of its
earliest card and is copied (same ref, name, email and timestamps) for each other
board; those boards' cards, and the ``customer_id`` in their ``card.created`` events,
are re-pointed to their board's copy. Confirmations and interactions name the card, not
the customer, so they follow their card. A customer no card names was reachable from no
board and is dropped. Written by hand.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _repoint_created_events(conn: sa.Connection, moved: dict[int, dict[int, int]]) -> None:
    """Rewrite ``customer_id`` in the ``card.created`` events of the re-pointed cards;
    ``moved`` is {board_id: {card_id: new customer_id}}."""
    select = sa.text(
        "SELECT id, data FROM board_events WHERE board_id = :b AND type = 'card.created'"
    )
    update = sa.text("UPDATE board_events SET data = :data WHERE id = :id").bindparams(
        sa.bindparam("data", type_=sa.JSON().with_variant(postgresql.JSONB(), "postgresql"))
    )
    for board_id, by_card in moved.items():
        for event_id, data in conn.execute(select, {"b": board_id}).all():
            payload: dict[str, Any] = data if isinstance(data, dict) else json.loads(data)
            card_id = payload.get("card_id")
            if card_id not in by_card or "customer_id" not in payload:
                continue
            payload["customer_id"] = by_card[card_id]
            conn.execute(update, {"data": payload, "id": event_id})


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("board_id", sa.Integer(), nullable=True))
        batch_op.drop_constraint("uq_customers_ref", type_="unique")

    conn = op.get_bind()
    # Each customer's boards, the board of its earliest card first.
    uses = conn.execute(
        sa.text(
            "SELECT customer_id, board_id, MIN(id) AS first_card FROM cards "
            "WHERE customer_id IS NOT NULL GROUP BY customer_id, board_id "
            "ORDER BY customer_id, first_card"
        )
    ).all()
    boards_of: dict[int, list[int]] = {}
    for customer_id, board_id, _ in uses:
        boards_of.setdefault(int(customer_id), []).append(int(board_id))

    customers = conn.execute(
        sa.text("SELECT id, ref, name, email, created_at, updated_at FROM customers ORDER BY id")
    ).all()
    keep = sa.text("UPDATE customers SET board_id = :b WHERE id = :id")
    copy = sa.text(
        "INSERT INTO customers (board_id, ref, name, email, created_at, updated_at) "
        "VALUES (:b, :ref, :name, :email, :created_at, :updated_at)"
    )
    copied = sa.text("SELECT id FROM customers WHERE board_id = :b AND ref = :ref")
    repoint = sa.text(
        "UPDATE cards SET customer_id = :new WHERE customer_id = :old AND board_id = :b"
    )
    cards_of = sa.text("SELECT id FROM cards WHERE customer_id = :c AND board_id = :b")
    drop = sa.text("DELETE FROM customers WHERE id = :id")
    moved: dict[int, dict[int, int]] = {}
    for row in customers:
        boards = boards_of.get(int(row.id), [])
        if not boards:
            conn.execute(drop, {"id": row.id})
            continue
        conn.execute(keep, {"b": boards[0], "id": row.id})
        for board_id in boards[1:]:
            values = dict(row._mapping)
            conn.execute(copy, {**values, "b": board_id})
            new_id = int(conn.execute(copied, {"b": board_id, "ref": row.ref}).scalar_one())
            card_ids = [int(i) for (i,) in conn.execute(cards_of, {"c": row.id, "b": board_id})]
            conn.execute(repoint, {"new": new_id, "old": row.id, "b": board_id})
            moved.setdefault(board_id, {}).update(dict.fromkeys(card_ids, new_id))
    _repoint_created_events(conn, moved)

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.alter_column("board_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_customers_board_id_ref"), ["board_id", "ref"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_customers_board_id_boards"),
            "boards",
            ["board_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    """Merge each ref's per-board rows back into one: the row of the earliest card wins."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT c.id, c.ref FROM customers c LEFT JOIN cards k ON k.customer_id = c.id "
            "GROUP BY c.id, c.ref "
            "ORDER BY c.ref, CASE WHEN MIN(k.id) IS NULL THEN 1 ELSE 0 END, MIN(k.id), c.id"
        )
    ).all()
    first: dict[str, int] = {}
    repoint = sa.text("UPDATE cards SET customer_id = :new WHERE customer_id = :old")
    drop = sa.text("DELETE FROM customers WHERE id = :id")
    for customer_id, ref in rows:
        if ref not in first:
            first[ref] = int(customer_id)
            continue
        conn.execute(repoint, {"new": first[ref], "old": customer_id})
        conn.execute(drop, {"id": customer_id})
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_customers_board_id_boards"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_customers_board_id_ref"), type_="unique")
        batch_op.drop_column("board_id")
        batch_op.create_unique_constraint(batch_op.f("uq_customers_ref"), ["ref"])
