"""Migration 0008: global customers become per-board customers, and no board loses one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from app.core.migrate import alembic_config
from tests.conftest import empty_database

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def empty_database_url(database_url: str, tmp_path) -> Iterator[str]:
    with empty_database(database_url, tmp_path, "sb_customers") as url:
        yield url


async def _seed(conn: AsyncConnection) -> None:
    """Boards 1 and 2 share customer 10 (``crm-1``); customer 11 is board 1's alone;
    customer 12 is on no card. Board 2's card has a confirmation and an interaction."""

    async def run(sql: str, **params: Any) -> None:
        await conn.execute(text(sql), {"t": T0, **params})

    for board_id in (1, 2):
        await run(
            "INSERT INTO boards (id, name, last_seq, created_at) VALUES (:b, :name, 1, :t)",
            b=board_id,
            name=f"Board {board_id}",
        )
        await run(
            "INSERT INTO board_columns (id, board_id, name, position, stage, wip_policy)"
            " VALUES (:b, :b, 'Inbox', 0, 'backlog', 'hard')",
            b=board_id,
        )
    customers = [
        (10, "crm-1", "Beth", "beth@x.io"),
        (11, "crm-2", "Carl", None),
        (12, "crm-3", "Nobody", None),
    ]
    for customer_id, ref, name, email in customers:
        await run(
            "INSERT INTO customers (id, ref, name, email, created_at, updated_at)"
            " VALUES (:id, :ref, :name, :email, :t, :t)",
            id=customer_id,
            ref=ref,
            name=name,
            email=email,
        )
    # card id, board, customer: board 1 met crm-1 first (card 1), board 2 later (card 3).
    for card_id, board_id, customer_id in ((1, 1, 10), (2, 1, 11), (3, 2, 10), (4, 2, 10)):
        await run(
            "INSERT INTO cards (id, board_id, column_id, position, title, description,"
            " priority, assignee_ids, blocked, version, created_at, updated_at,"
            " column_entered_at, external_ref, customer_id)"
            " VALUES (:id, :b, :b, :pos, 'Ticket', '', 'normal', '[]', false, 1, :t, :t, :t,"
            " :ref, :c)",
            id=card_id,
            pos=float(card_id),
            b=board_id,
            ref=f"ZD-{card_id}",
            c=customer_id,
        )
        await run(
            "INSERT INTO board_events (id, board_id, seq, type, at, actor_kind, data)"
            " VALUES (:id, :b, :seq, 'card.created', :t, 'user', :data)",
            id=f"evt_{card_id}",
            seq=card_id,
            b=board_id,
            data=json.dumps({"card_id": card_id, "customer_id": customer_id}),
        )
    await run(
        "INSERT INTO confirmations (board_id, card_id, nonce, source, state, requested_at,"
        " expires_at) VALUES (2, 3, 'n-3', 'link', 'pending', :t, :t)"
    )
    await run(
        "INSERT INTO interactions (board_id, card_id, kind, actor_kind, at, created_at)"
        " VALUES (2, 3, 'agent_reply', 'user', :t, :t)"
    )


async def _rows(conn: AsyncConnection, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in (await conn.execute(text(sql))).all()]


def test_a_customer_shared_by_two_boards_is_split_and_both_keep_their_history(
    empty_database_url,
):
    cfg = alembic_config(empty_database_url)
    command.upgrade(cfg, "0007")

    async def scenario() -> dict[str, Any]:
        engine = create_async_engine(empty_database_url)
        try:
            async with engine.begin() as conn:
                await _seed(conn)
            await asyncio.to_thread(command.upgrade, cfg, "0008")
            seen: dict[str, Any] = {}
            async with engine.connect() as conn:
                seen["customers"] = await _rows(
                    conn,
                    "SELECT id, board_id, ref, name, email FROM customers ORDER BY board_id, ref",
                )
                seen["cards"] = dict(
                    await _rows(conn, "SELECT id, customer_id FROM cards ORDER BY id")
                )
                seen["events"] = {
                    row[0]: (row[1] if isinstance(row[1], dict) else json.loads(row[1]))
                    for row in await _rows(conn, "SELECT id, data FROM board_events")
                }
                seen["history"] = await _rows(
                    conn,
                    "SELECT c.board_id, k.id, k.customer_id, f.nonce, i.kind FROM cards k"
                    " JOIN customers c ON c.id = k.customer_id"
                    " JOIN confirmations f ON f.card_id = k.id"
                    " JOIN interactions i ON i.card_id = k.id",
                )
            # The same ref may now exist once per board, and only once per board.
            async with engine.connect() as conn:
                with pytest.raises(IntegrityError):
                    await conn.execute(
                        text(
                            "INSERT INTO customers (board_id, ref, created_at, updated_at)"
                            " VALUES (2, 'crm-1', :t, :t)"
                        ),
                        {"t": T0},
                    )
            return seen
        finally:
            await engine.dispose()

    seen = asyncio.run(scenario())

    customers = seen["customers"]
    assert [c[1:] for c in customers] == [
        (1, "crm-1", "Beth", "beth@x.io"),
        (1, "crm-2", "Carl", None),
        (2, "crm-1", "Beth", "beth@x.io"),
    ]  # crm-3 was on no board's card: no board had it, so it is gone
    board_1_beth, carl, board_2_beth = (c[0] for c in customers)
    assert board_1_beth == 10 and carl == 11  # the first board keeps the original row
    assert board_2_beth not in (10, 11, 12)
    assert seen["cards"] == {1: 10, 2: 11, 3: board_2_beth, 4: board_2_beth}
    # The event log names the customer each card now has.
    assert {e: d["customer_id"] for e, d in seen["events"].items()} == {
        "evt_1": 10,
        "evt_2": 11,
        "evt_3": board_2_beth,
        "evt_4": board_2_beth,
    }
    # Board 2's ticket keeps its confirmation and interaction, with its own customer.
    assert seen["history"] == [(2, 3, board_2_beth, "n-3", "agent_reply")]

    # Back down: one customer per ref again, every card still naming it.
    command.downgrade(cfg, "0007")

    async def after_downgrade() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        engine = create_async_engine(empty_database_url)
        try:
            async with engine.connect() as conn:
                return (
                    await _rows(conn, "SELECT id, ref FROM customers ORDER BY id"),
                    await _rows(conn, "SELECT id, customer_id FROM cards ORDER BY id"),
                )
        finally:
            await engine.dispose()

    customers_down, cards_down = asyncio.run(after_downgrade())
    assert customers_down == [(10, "crm-1"), (11, "crm-2")]
    assert cards_down == [(1, 10), (2, 11), (3, 10), (4, 10)]
