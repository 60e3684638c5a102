"""Migration 0010: existing events learn the card they are about, so a card's activity
(read through ``board_events.card_id``) includes its history from before the upgrade."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.migrate import alembic_config
from tests.conftest import empty_database

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

# (event id, seq, type, data): a card's events, a board event, and a card id that is not
# a whole number (never a lookup key).
EVENTS: list[tuple[str, int, str, dict[str, Any]]] = [
    ("evt_1", 1, "card.created", {"card_id": 7, "title": "Refund shows twice"}),
    ("evt_2", 2, "card.moved", {"card_id": 7, "from_column_id": 1, "to_column_id": 1}),
    ("evt_3", 3, "board.updated", {"name": "Support"}),
    ("evt_4", 4, "alert.raised", {"card_id": "7", "kind": "stalled"}),
]


@pytest.fixture
def empty_database_url(database_url: str, tmp_path) -> Iterator[str]:
    with empty_database(database_url, tmp_path, "sb_card_events") as url:
        yield url


def test_existing_events_are_backfilled_with_their_card(empty_database_url):
    cfg = alembic_config(empty_database_url)
    command.upgrade(cfg, "0009")

    async def scenario() -> list[tuple[Any, ...]]:
        engine = create_async_engine(empty_database_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO boards (id, name, last_seq, created_at)"
                        " VALUES (1, 'Support', 4, :t)"
                    ),
                    {"t": T0},
                )
                for eid, seq, type_, data in EVENTS:
                    await conn.execute(
                        text(
                            "INSERT INTO board_events (id, board_id, seq, type, at, actor_kind,"
                            " data) VALUES (:id, 1, :seq, :type, :t, 'user', :data)"
                        ),
                        {"id": eid, "seq": seq, "type": type_, "t": T0, "data": json.dumps(data)},
                    )
            await asyncio.to_thread(command.upgrade, cfg, "0010")
            async with engine.connect() as conn:
                rows = await conn.execute(text("SELECT id, card_id FROM board_events ORDER BY seq"))
                return [tuple(r) for r in rows]
        finally:
            await engine.dispose()

    assert asyncio.run(scenario()) == [
        ("evt_1", 7),
        ("evt_2", 7),
        ("evt_3", None),
        ("evt_4", None),
    ]
    # And back down without losing the events.
    command.downgrade(cfg, "0009")
