"""Building alert scenarios and driving the scan with an injected clock.

Card timestamps (created_at, column_entered_at, blocked_since, stays) come from the real
clock when a request runs, so a scan "later" is ``utcnow() + offset``. Where a test needs
the scan clock to stay behind a later real-clock event (a new episode after a manual
resolve), it moves the card's own timestamps back instead (:func:`age_card`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.alerts.scan import ScanResult
from app.board.models import Card, CardStay
from app.core.models import UTCDateTime, table_of, utcnow
from tests import factories

PROBLEM = "application/problem+json"
CARDS = table_of(Card)
STAYS = table_of(CardStay)


def later(seconds: float) -> datetime:
    """The real clock moved on by ``seconds``: what a scan that late would see."""
    return utcnow() + timedelta(seconds=seconds)


async def scan(app: Any, now: datetime | None = None) -> ScanResult:
    """One scan through the app's own scheduler object, at ``now`` (default: real now)."""
    result: ScanResult = await app.state.alerts.run_once(now or utcnow())
    assert not result.skipped
    return result


async def make_board(
    client: httpx.AsyncClient, columns: list[dict[str, Any]], **fields: Any
) -> tuple[int, list[int]]:
    """A board with these columns (and alert thresholds); returns (board id, column ids)."""
    body = {"name": "Alerts board", "columns": columns, **fields}
    r = await client.post("/api/boards", json=body)
    assert r.status_code == 201, r.text
    board = r.json()
    return int(board["id"]), [int(c["id"]) for c in board["columns"]]


async def card(client: httpx.AsyncClient, board_id: int, column_id: int, **fields: Any) -> int:
    created = await factories.create_card(client, board_id, column_id=column_id, **fields)
    return int(created["id"])


async def move(client: httpx.AsyncClient, card_id: int, column_id: int, **extra: Any) -> None:
    r = await client.post(f"/api/cards/{card_id}/move", json={"column_id": column_id, **extra})
    assert r.status_code == 200, r.text


async def patch_card(client: httpx.AsyncClient, card_id: int, **changes: Any) -> None:
    r = await client.patch(f"/api/cards/{card_id}", json=changes)
    assert r.status_code == 200, r.text


async def listed(
    client: httpx.AsyncClient, board_id: int, state: str = "active", **params: Any
) -> list[dict[str, Any]]:
    r = await client.get(
        f"/api/boards/{board_id}/alerts", params={"state": state, "limit": 200, **params}
    )
    assert r.status_code == 200, r.text
    return list(r.json()["alerts"])


async def every_alert(client: httpx.AsyncClient, board_id: int) -> list[dict[str, Any]]:
    """Every alert of the board whatever its state, oldest first."""
    out = await listed(client, board_id, "active") + await listed(client, board_id, "resolved")
    return sorted(out, key=lambda a: a["id"])


def of(alerts: list[dict[str, Any]], kind: str, card_id: int | None = None) -> list[dict[str, Any]]:
    return [a for a in alerts if a["kind"] == kind and (card_id is None or a["card_id"] == card_id)]


async def alert_events(client: httpx.AsyncClient, board_id: int) -> list[dict[str, Any]]:
    return [e for e in await factories.events(client, board_id) if e["type"].startswith("alert.")]


async def add_policy(client: httpx.AsyncClient, board_id: int, **fields: Any) -> int:
    r = await client.post(f"/api/boards/{board_id}/sla-policies", json={"name": "Policy", **fields})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def age_card(app: Any, card_id: int, seconds: float) -> None:
    """Move every timestamp of a card (and of its column stays) ``seconds`` into the
    past, as if everything that happened to it had happened that much earlier."""
    delta = timedelta(seconds=seconds)

    def shifted(table: Any, row: Any) -> dict[str, Any]:
        return {
            c.name: getattr(row, c.name) - delta
            for c in table.c
            if isinstance(c.type, UTCDateTime) and getattr(row, c.name) is not None
        }

    def run(session: Session) -> None:
        row = session.execute(select(CARDS).where(CARDS.c.id == card_id)).one()
        session.execute(update(CARDS).where(CARDS.c.id == card_id).values(shifted(CARDS, row)))
        for stay in session.execute(select(STAYS).where(STAYS.c.card_id == card_id)).all():
            session.execute(update(STAYS).where(STAYS.c.id == stay.id).values(shifted(STAYS, stay)))

    await app.state.db.write(run)
