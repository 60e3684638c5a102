"""Building support and swarm metric scenarios on a fixed calendar.

Tickets, replies, bot turns, survey answers, links and swarms go through the public API,
so the cards carry what the real flows write (reply counts, handle time, bot flags, SLA
policy, customers, members and their teams). Requests run on the real clock, though,
and metrics are about *when*: :func:`pin` then rewrites a card's history in the
database to an exact path through the columns, in hours after :data:`BASE`, the way
``tests/alerts/helpers.age_card`` moves a card back in time.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from app.board.models import BoardColumn, Card, CardStay
from app.core.models import table_of
from app.swarm.models import Swarm
from tests import factories

CARDS = table_of(Card)
STAYS = table_of(CardStay)
COLUMNS = table_of(BoardColumn)
SWARMS = table_of(Swarm)
HOUR = 3600.0
DAY = 24 * HOUR
# Monday 3 March 2025, 00:00 UTC: hour 0 of every scenario.
BASE = datetime(2025, 3, 3, tzinfo=UTC)
# Two weeks, hours 0 to 336 (both days included).
RANGE = {"from": "2025-03-03", "to": "2025-03-16"}
BOARD_COLUMNS: list[dict[str, Any]] = [
    {"name": "Triage", "stage": "backlog"},
    {"name": "Working", "stage": "active"},
    {"name": "Waiting", "stage": "active", "waits_on_customer": True},
    {"name": "Resolved", "stage": "done"},
]


def at(hours: float) -> datetime:
    return BASE + timedelta(hours=hours)


async def make_board(client: httpx.AsyncClient) -> tuple[int, dict[str, int]]:
    """Triage, Working, Waiting (on the customer), Resolved; (id, column id by name)."""
    board = await factories.create_board(client, columns=BOARD_COLUMNS)
    return int(board["id"]), {c["name"]: int(c["id"]) for c in board["columns"]}


async def ticket(
    client: httpx.AsyncClient,
    board_id: int,
    *,
    channel: str = "email",
    product: str | None = "Billing",
    segment: str | None = "customer",
    customer: str | None = "new",
    priority: str = "normal",
) -> int:
    """A channel's ticket for ``customer`` (a ref; "new" for a fresh one); without a
    customer, a card created on the board."""
    fields: dict[str, Any] = {"channel": channel, "priority": priority}
    if product is not None:
        fields["product"] = product
    if segment is not None:
        fields["segment"] = segment
    if customer is None:
        card = await factories.create_card(client, board_id, **fields)
        return int(card["id"])
    ref = f"cust-{uuid.uuid4().hex[:8]}" if customer == "new" else customer
    body = {
        "external_ref": f"ZD-{uuid.uuid4().hex[:10]}",
        "title": "Invoice PDF is blank",
        "customer": {"ref": ref, "name": "Ada"},
        **fields,
    }
    r = await client.post(f"/api/boards/{board_id}/tickets", json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def interact(
    client: httpx.AsyncClient, card_id: int, kind: str, actor_kind: str = "user", **fields: Any
) -> None:
    body = {"kind": kind, "actor_kind": actor_kind, **fields}
    r = await client.post(f"/api/cards/{card_id}/interactions", json=body)
    assert r.status_code == 201, r.text


async def replies(client: httpx.AsyncClient, card_id: int, *handle: float) -> None:
    """One public agent reply per handle time given (0: none recorded)."""
    for seconds in handle:
        await interact(client, card_id, "agent_reply", handle_seconds=seconds or None)


async def survey(client: httpx.AsyncClient, card_id: int, hours: float, **answers: Any) -> None:
    """The customer's answers, given at ``hours`` (record a "no" before pinning the card
    into done: on a done card it reopens it)."""
    body = {**answers, "answered_at": at(hours).isoformat()}
    r = await client.post(f"/api/cards/{card_id}/survey", json=body)
    assert r.status_code == 201, r.text


async def link(
    client: httpx.AsyncClient, card_id: int, target_id: int, kind: str = "repeat"
) -> None:
    r = await client.post(f"/api/cards/{card_id}/links", json={"card_id": target_id, "kind": kind})
    assert r.status_code == 201, r.text


async def policy(client: httpx.AsyncClient, board_id: int, name: str, **fields: Any) -> int:
    r = await client.post(f"/api/boards/{board_id}/sla-policies", json={"name": name, **fields})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def pin(
    app: Any,
    card_id: int,
    *,
    created: float,
    path: Sequence[tuple[int, float]],
    first_response: float | None = None,
    bot_resolved: float | None = None,
) -> None:
    """Rewrite the card's history: created at ``created``, then each (column, hour) of
    ``path`` entered in turn; it stays in the last one. Waiting time is recomputed from
    the finished stays in waiting columns, as moves add it up."""

    def run(session: Session) -> None:
        waits = set(
            session.execute(select(COLUMNS.c.id).where(COLUMNS.c.waits_on_customer.is_(True)))
            .scalars()
            .all()
        )
        session.execute(delete(STAYS).where(STAYS.c.card_id == card_id))
        waited = 0.0
        for i, (column_id, entered) in enumerate(path):
            left = path[i + 1][1] if i + 1 < len(path) else None
            if left is not None and column_id in waits:
                waited += (left - entered) * HOUR
            session.execute(
                insert(STAYS).values(
                    card_id=card_id,
                    column_id=column_id,
                    entered_at=at(entered),
                    left_at=None if left is None else at(left),
                )
            )
        values = {
            "created_at": at(created),
            "column_id": path[-1][0],
            "column_entered_at": at(path[-1][1]),
            "first_response_at": None if first_response is None else at(first_response),
            "bot_resolved_at": None if bot_resolved is None else at(bot_resolved),
            "waiting_seconds": waited,
        }
        session.execute(update(CARDS).where(CARDS.c.id == card_id).values(values))

    await app.state.db.write(run)


async def pin_swarm(app: Any, swarm_id: int, requested: float) -> None:
    def run(session: Session) -> None:
        session.execute(
            update(SWARMS).where(SWARMS.c.id == swarm_id).values(requested_at=at(requested))
        )

    await app.state.db.write(run)


async def support(client: httpx.AsyncClient, board_id: int, **params: Any) -> dict[str, Any]:
    r = await client.get(f"/api/boards/{board_id}/metrics/support", params={**RANGE, **params})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def swarms(client: httpx.AsyncClient, board_id: int, **params: Any) -> dict[str, Any]:
    r = await client.get(f"/api/boards/{board_id}/metrics/swarms", params={**RANGE, **params})
    assert r.status_code == 200, r.text
    return dict(r.json())
