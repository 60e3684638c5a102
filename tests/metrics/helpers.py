"""Building flow history with exact instants.

A card is created and moved through the real API (so its stays are written the way a
board writes them), then its stays and timestamps are set to fixed instants through
the database, so every day boundary and hour in a test is hand-computable. Services
are called with a fixed ``now`` where the answer depends on it (aging, WIP now).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from app.auth.service import Principal
from app.board.models import Card, CardStay
from app.core.models import table_of
from app.metrics.filters import CardFilter, DateRange
from app.metrics.params import Scope
from tests import factories

CARDS = table_of(Card)
STAYS = table_of(CardStay)
# Monday 3 March 2025, 00:00 UTC: day 0 of every fixture.
T0 = datetime(2025, 3, 3, tzinfo=UTC)
D0 = T0.date()

FLOW_COLUMNS = [
    {"name": "Triage", "stage": "backlog"},
    {"name": "Investigating", "stage": "active"},
    {"name": "Fixing", "stage": "active"},
    {"name": "Resolved", "stage": "done"},
]


def at(day: float, hour: float = 0.0) -> datetime:
    """``day`` days and ``hour`` hours after T0."""
    return T0 + timedelta(days=day, hours=hour)


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def ts(moment: datetime) -> float:
    return moment.timestamp()


def scope(start: date, end: date, **filters: Any) -> Scope:
    return Scope(period=DateRange(start, end), filters=CardFilter(**filters))


async def admin(client: httpx.AsyncClient) -> Principal:
    r = await client.get("/api/users/me")
    assert r.status_code == 200, r.text
    me = r.json()
    return Principal(id=me["id"], name=me["name"], role=me["role"])


async def flow_board(
    client: httpx.AsyncClient, columns: list[dict[str, Any]] | None = None, **extra: Any
) -> tuple[int, list[int], dict[str, Any]]:
    """A board (default: Triage, Investigating, Fixing, Resolved); (id, column ids, body)."""
    board = await factories.create_board(client, columns=columns or FLOW_COLUMNS, **extra)
    return int(board["id"]), [int(c["id"]) for c in board["columns"]], board


async def card_with_history(
    app: Any,
    client: httpx.AsyncClient,
    board_id: int,
    path: list[tuple[int, datetime]],
    *,
    created: datetime | None = None,
    blocked_hours: float = 0.0,
    blocked_since: datetime | None = None,
    **fields: Any,
) -> int:
    """A card created in ``path[0]``'s column and moved through the rest, then given
    exactly these instants: it entered each column at its time and left at the next."""
    made = await factories.create_card(client, board_id, column_id=path[0][0], **fields)
    card_id = int(made["id"])
    for column_id, _ in path[1:]:
        r = await client.post(f"/api/cards/{card_id}/move", json={"column_id": column_id})
        assert r.status_code == 200, r.text
    if blocked_since is not None:
        r = await client.patch(f"/api/cards/{card_id}", json={"blocked": True})
        assert r.status_code == 200, r.text
    instants = [moment for _, moment in path]

    def run(session: Session) -> None:
        stays = session.execute(
            select(STAYS.c.id, STAYS.c.column_id)
            .where(STAYS.c.card_id == card_id)
            .order_by(STAYS.c.id)
        ).all()
        assert [s.column_id for s in stays] == [c for c, _ in path]
        for i, stay in enumerate(stays):
            left = instants[i + 1] if i + 1 < len(instants) else None
            session.execute(
                update(STAYS)
                .where(STAYS.c.id == stay.id)
                .values(entered_at=instants[i], left_at=left)
            )
        values: dict[str, Any] = {
            "created_at": created or instants[0],
            "column_entered_at": instants[-1],
            "blocked_seconds": blocked_hours * 3600.0,
        }
        if blocked_since is not None:
            values["blocked_since"] = blocked_since
        session.execute(update(CARDS).where(CARDS.c.id == card_id).values(values))

    await app.state.db.write(run)
    return card_id


def _high_water(session: Session) -> int:
    return int(session.execute(text("SELECT coalesce(max(id), 0) FROM cards")).scalar_one())


def _forget(session: Session, before: int) -> None:
    session.execute(text("DELETE FROM cards WHERE id > :c"), {"c": before})


async def forget_new_cards(app: Any) -> AsyncIterator[None]:
    """Remove the cards a test made (their stays go with them) once it is over: their
    history is years old, and an alert scan in a later test would find them stalled."""
    before = await app.state.db.write(_high_water)
    yield
    await app.state.db.write(_forget, before)
