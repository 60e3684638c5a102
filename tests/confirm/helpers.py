"""Building confirmation scenarios: a board with a done column, a card the customer is
asked about, the link's path, and reading what happened."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.board.models import Card
from app.confirm.models import Confirmation
from app.core.models import table_of, utcnow
from tests import factories

CONFIRMATIONS = table_of(Confirmation)
CARDS = table_of(Card)
PROBLEM = "application/problem+json"
# The fields of the customer's form, as a plain client sends them.
BLANK = {"solved": "", "csat": "", "ces": "", "nps": "", "comment": ""}


async def make_board(
    client: httpx.AsyncClient, columns: list[dict[str, Any]] | None = None
) -> tuple[int, dict[str, int]]:
    """A board (Triage, Investigating, Resolved by default); (id, column id by name)."""
    board = await factories.create_board(client, columns=columns)
    return int(board["id"]), {c["name"]: int(c["id"]) for c in board["columns"]}


async def move(client: httpx.AsyncClient, card_id: int, column_id: int) -> None:
    r = await client.post(f"/api/cards/{card_id}/move", json={"column_id": column_id})
    assert r.status_code == 200, r.text


async def requested(client: httpx.AsyncClient, board_id: int, card_id: int) -> dict[str, Any]:
    """The newest ``confirmation.requested`` event for the card."""
    found = [
        e
        for e in await factories.events(client, board_id)
        if e["type"] == "confirmation.requested" and e["data"]["card_id"] == card_id
    ]
    assert found, "the customer was not asked"
    return found[-1]


def path_of(url: str) -> str:
    """The link's path (the test app's public URL is http://127.0.0.1:8000)."""
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.netloc == "127.0.0.1:8000", url
    return parts.path


async def closed_card(
    client: httpx.AsyncClient, board_id: int, cols: dict[str, int], **fields: Any
) -> tuple[int, str]:
    """A card moved from Investigating into Resolved; (card id, link path)."""
    card = await factories.create_card(client, board_id, column_id=cols["Investigating"], **fields)
    await move(client, int(card["id"]), cols["Resolved"])
    event = await requested(client, board_id, int(card["id"]))
    return int(card["id"]), path_of(event["data"]["url"])


async def confirmation(client: httpx.AsyncClient, card_id: int) -> dict[str, Any]:
    r = await client.get(f"/api/cards/{card_id}/confirmation")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def card(client: httpx.AsyncClient, card_id: int) -> dict[str, Any]:
    r = await client.get(f"/api/cards/{card_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def types_since(client: httpx.AsyncClient, board_id: int, seq: int) -> list[str]:
    return [e["type"] for e in await factories.events(client, board_id, since=seq)]


async def last_seq(client: httpx.AsyncClient, board_id: int) -> int:
    r = await client.get(f"/api/boards/{board_id}")
    assert r.status_code == 200, r.text
    return int(r.json()["last_seq"])


async def expire(app: Any, card_id: int) -> None:
    """Put the card's confirmation deadlines a day in the past, in the database."""

    def run(session: Session) -> None:
        session.execute(
            update(CONFIRMATIONS)
            .where(CONFIRMATIONS.c.card_id == card_id)
            .values(expires_at=utcnow() - timedelta(days=1))
        )

    await app.state.db.write(run)


async def set_external_ref(app: Any, card_id: int, ref: str) -> None:
    """Give the card a channel ticket reference, as intake would."""

    def run(session: Session) -> None:
        session.execute(update(CARDS).where(CARDS.c.id == card_id).values(external_ref=ref))

    await app.state.db.write(run)
