"""Migration 0011: existing columns stay on the board (not removed), and it goes back down."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.migrate import alembic_config
from tests.conftest import empty_database

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def empty_database_url(database_url: str, tmp_path) -> Iterator[str]:
    with empty_database(database_url, tmp_path, "sb_column_removal") as url:
        yield url


def _run(url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    async def go() -> list[tuple[Any, ...]]:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                result = await conn.execute(text(sql), params)
                return [tuple(r) for r in result] if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _columns(url: str) -> set[str]:
    async def go() -> set[str]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                found = await conn.run_sync(
                    lambda c: [col["name"] for col in inspect(c).get_columns("board_columns")]
                )
                return set(found)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_existing_columns_stay_on_the_board_and_the_migration_goes_down(empty_database_url):
    url = empty_database_url
    cfg = alembic_config(url)
    command.upgrade(cfg, "0010")
    _run(
        url,
        "INSERT INTO boards (id, name, last_seq, created_at) VALUES (1, 'Support', 0, :t)",
        t=T0,
    )
    _run(
        url,
        "INSERT INTO board_columns (id, board_id, name, position, stage, wip_policy)"
        " VALUES (1, 1, 'Triage', 0, 'backlog', 'hard'), (2, 1, 'Resolved', 1, 'done', 'hard')",
    )
    command.upgrade(cfg, "0011")
    rows = _run(url, "SELECT id, name, removed_at FROM board_columns ORDER BY id")
    assert rows == [(1, "Triage", None), (2, "Resolved", None)]
    _run(url, "UPDATE board_columns SET removed_at = :t WHERE id = 2", t=T0)

    command.downgrade(cfg, "0010")
    assert "removed_at" not in _columns(url)
    assert _run(url, "SELECT id, name FROM board_columns ORDER BY id") == [
        (1, "Triage"),
        (2, "Resolved"),
    ]
