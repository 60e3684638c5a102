"""A move's row locks do not make an alert for the same card wait (PostgreSQL).

A move locks its card and the target column, then the board row for its seq. The
alert scan holds the board row (it appends events) and inserts alerts naming cards and
columns, whose foreign-key checks take a KEY SHARE lock on those rows. With FOR UPDATE
on the card the two waited for each other: the load benchmark logged "deadlock
detected" on the scan's INSERT INTO alerts, and that scan round was lost. The move's
locks are FOR NO KEY UPDATE, which still queues writers of the same card or column
but lets a foreign-key check through.
"""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.dialects import postgresql

from app.board import repository
from tests import factories
from tests.conftest import _pg_admin_dsn


def _sql(statement, **params) -> str:
    compiled = statement.params(**params).compile(
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
    )
    return str(compiled)


async def test_an_alert_for_a_locked_card_and_column_does_not_wait(
    client, database_url, is_postgres
):
    if not is_postgres:
        pytest.skip("PostgreSQL only: SQLite has one writer and no row locks")
    board = await factories.create_board(client)
    card = await factories.create_card(client, board["id"])
    column_id = card["column_id"]

    mover = await asyncpg.connect(_pg_admin_dsn(database_url))
    scanner = await asyncpg.connect(_pg_admin_dsn(database_url))
    try:
        async with mover.transaction():
            # What a move holds before it asks for the board's seq.
            await mover.execute(_sql(repository._LOCK_CARD, card_id=card["id"]))
            await mover.execute(_sql(repository._LOCK_COLUMN, column_id=column_id))
            tx = scanner.transaction()
            await tx.start()
            try:
                # A wait would be an error here, not a hang (and, before, a deadlock).
                await scanner.execute("SET LOCAL lock_timeout = '3s'")
                await scanner.execute(
                    "INSERT INTO alerts (board_id, subject, card_id, column_id, kind, state,"
                    " raised_at, data) VALUES ($1, $2, $3, $4, 'stalled', 'open', now(), '{}')",
                    board["id"],
                    f"card:{card['id']}",
                    card["id"],
                    column_id,
                )
            finally:
                await tx.rollback()
            # Writers of the same card still queue behind the move.
            tx = scanner.transaction()
            await tx.start()
            try:
                await scanner.execute("SET LOCAL lock_timeout = '200ms'")
                with pytest.raises(asyncpg.LockNotAvailableError):
                    await scanner.execute(_sql(repository._LOCK_CARD, card_id=card["id"]))
            finally:
                await tx.rollback()
    finally:
        await mover.close()
        await scanner.close()
