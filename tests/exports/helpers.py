"""Building export scenarios: cards created and moved through the API, then their
history pinned to fixed instants in the database, and the exports read back."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app.board.models import Card, CardStay
from app.core.models import table_of, utcnow
from app.events.models import BoardEvent
from tests import factories

CARDS = table_of(Card)
STAYS = table_of(CardStay)
EVENTS = table_of(BoardEvent)
PROBLEM = "application/problem+json"
COLUMNS = [
    {"name": "Triage", "stage": "backlog"},
    {"name": "Investigating", "stage": "active"},
    {"name": "Waiting on customer", "stage": "active", "waits_on_customer": True},
    {"name": "Review", "stage": "active"},
    {"name": "Resolved", "stage": "done"},
]


def at(text: str) -> datetime:
    """``"2025-03-02 09:00"`` as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def move(client: httpx.AsyncClient, card_id: int, column_id: int, **extra: Any) -> None:
    r = await client.post(f"/api/cards/{card_id}/move", json={"column_id": column_id, **extra})
    assert r.status_code == 200, r.text


async def pin(
    app: Any, card_id: int, created: datetime, entries: list[datetime], **fields: Any
) -> None:
    """Give a card a fixed history: it was created at ``created`` and entered the columns
    of its stays (oldest first, as the moves made them) at ``entries``; each stay ends
    when the next begins. ``fields`` set other card columns (stored aggregates)."""

    def run(session: Session) -> None:
        stays = session.execute(
            select(STAYS.c.id).where(STAYS.c.card_id == card_id).order_by(STAYS.c.id)
        ).all()
        assert len(stays) == len(entries), (len(stays), entries)
        for k, (stay_id,) in enumerate(stays):
            left = entries[k + 1] if k + 1 < len(entries) else None
            session.execute(
                update(STAYS)
                .where(STAYS.c.id == stay_id)
                .values(entered_at=entries[k], left_at=left)
            )
        values = {
            "created_at": created,
            "updated_at": entries[-1],
            "column_entered_at": entries[-1],
            **fields,
        }
        session.execute(update(CARDS).where(CARDS.c.id == card_id).values(values))

    await app.state.db.write(run)


async def card_with_history(
    client: httpx.AsyncClient,
    app: Any,
    board_id: int,
    cols: list[int],
    path: list[tuple[int, str]],
    **fields: Any,
) -> int:
    """A card created in ``cols[path[0][0]]`` and moved along ``path`` (column index,
    entry instant), its history pinned to those instants."""
    card = await factories.create_card(client, board_id, column_id=cols[path[0][0]], **fields)
    for index, _ in path[1:]:
        await move(client, int(card["id"]), cols[index])
    entries = [at(when) for _, when in path]
    await pin(app, int(card["id"]), entries[0], entries)
    return int(card["id"])


async def set_card(app: Any, card_id: int, **values: Any) -> None:
    """Set card columns directly (stored aggregates, spells) to fixed values."""

    def run(session: Session) -> None:
        session.execute(update(CARDS).where(CARDS.c.id == card_id).values(values))

    await app.state.db.write(run)


async def spread_events(app: Any, board_id: int, first: datetime, step: timedelta) -> None:
    """Event ``seq`` k happened at ``first + (k - 1) * step``."""

    def run(session: Session) -> None:
        seqs = session.execute(
            select(EVENTS.c.seq).where(EVENTS.c.board_id == board_id).order_by(EVENTS.c.seq)
        ).scalars()
        for seq in list(seqs):
            session.execute(
                update(EVENTS)
                .where(EVENTS.c.board_id == board_id, EVENTS.c.seq == seq)
                .values(at=first + (seq - 1) * step)
            )

    await app.state.db.write(run)


async def bulk_cards(app: Any, board_id: int, column_id: int, n: int) -> None:
    """``n`` cards inserted in one statement, each with its open stay (no events)."""
    now = utcnow()

    def run(session: Session) -> None:
        rows = [
            {
                "board_id": board_id,
                "column_id": column_id,
                "position": float(i),
                "title": f"Bulk {i}",
                "description": "",
                "priority": "normal",
                "assignee_ids": [],
                "blocked": False,
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "column_entered_at": now,
            }
            for i in range(n)
        ]
        session.execute(insert(CARDS), rows)
        ids = session.execute(
            select(CARDS.c.id).where(CARDS.c.board_id == board_id, CARDS.c.title.like("Bulk %"))
        ).scalars()
        session.execute(
            insert(STAYS),
            [{"card_id": i, "column_id": column_id, "entered_at": now} for i in ids],
        )

    await app.state.db.write(run)


async def get_export(
    client: httpx.AsyncClient, board_id: int, name: str, **params: Any
) -> httpx.Response:
    r = await client.get(f"/api/boards/{board_id}/export/{name}", params=params)
    assert r.status_code == 200, r.text
    return r


def csv_rows(body: bytes) -> list[list[str]]:
    """An RFC 4180 body parsed back (CRLF line ends required)."""
    text = body.decode()
    assert text.endswith("\r\n")
    return list(csv.reader(io.StringIO(text, newline="")))


def by_id(rows: list[list[str]]) -> dict[int, dict[str, str]]:
    header = rows[0]
    return {int(r[0]): dict(zip(header, r, strict=True)) for r in rows[1:]}


def ndjson_lines(body: bytes) -> dict[int, dict[str, Any]]:
    text = body.decode()
    assert text == "" or text.endswith("\n")
    objects = [json.loads(line) for line in text.splitlines()]
    return {int(o["id"]): o for o in objects}
