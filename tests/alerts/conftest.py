"""Keep each alert test's scans to its own cards.

The scan looks at every board in the database, and these tests move its clock back and
forth (hours ahead, then the real time again). Cards left behind by earlier tests would
have their alerts raised and cleared by every later scan, making each test slower than
the one before. So the cards and alerts a test created are removed after it (card stays,
swarms and card alerts go with their card), and the columns it made forget their WIP
breach.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

TABLES = ("cards", "alerts", "board_columns")


def _high_water(session: Session) -> dict[str, int]:
    return {
        t: int(session.execute(text(f"SELECT coalesce(max(id), 0) FROM {t}")).scalar_one())
        for t in TABLES
    }


def _forget(session: Session, before: dict[str, int]) -> None:
    session.execute(text("DELETE FROM alerts WHERE id > :a"), {"a": before["alerts"]})
    session.execute(text("DELETE FROM cards WHERE id > :c"), {"c": before["cards"]})
    session.execute(
        text("UPDATE board_columns SET over_limit_since = NULL WHERE id > :b"),
        {"b": before["board_columns"]},
    )


@pytest.fixture(autouse=True)
async def _own_cards_only(app: Any) -> AsyncIterator[None]:
    before = await app.state.db.write(_high_water)
    yield
    await app.state.db.write(_forget, before)
