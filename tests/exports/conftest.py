"""One board with a hand-made March 2025, built once for the export tests.

Every card is created and moved through the API (so stays, events, confirmations and
swarms are the real ones), then its history is pinned to the fixed instants below.
Range under test: 2025-03-01 to 2025-03-31.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.core.models import utcnow
from tests.conftest import ADMIN_TOKEN
from tests.exports import helpers as h
from tests.swarm.helpers import ask
from tests.tickets.helpers import take_in

MARCH = {"from": "2025-03-01", "to": "2025-03-31"}
TRIAGE, INVESTIGATING, WAITING, REVIEW, RESOLVED = range(5)


@dataclass
class History:
    board_id: int
    cols: list[int]
    lanes: dict[str, int]
    cards: dict[str, int]  # by letter, see below

    @property
    def columns(self) -> list[str]:
        return [c["name"] for c in h.COLUMNS]


async def _build(client: httpx.AsyncClient, app: Any) -> History:
    board = await h.factories.create_board(
        client, columns=h.COLUMNS, lanes=[{"name": "Expedite"}, {"name": "Standard"}]
    )
    board_id = int(board["id"])
    cols = [int(c["id"]) for c in board["columns"]]
    lanes = {lane["name"]: int(lane["id"]) for lane in board["lanes"]}
    cards: dict[str, int] = {}

    # A: a ticket through every column, answered, swarmed, confirmed by the customer.
    ticket = await take_in(
        client, board_id, external_ref="ZD-A", channel="email", product="Billing", priority="high"
    )
    a = cards["A"] = int(ticket["id"])
    assert ticket["column_id"] == cols[TRIAGE]
    await h.move(client, a, cols[INVESTIGATING], lane_id=lanes["Expedite"])
    r = await ask(client, a, ["Billing"])
    assert r.status_code == 201, r.text
    for index in (WAITING, REVIEW, RESOLVED):
        await h.move(client, a, cols[index])
    entries = ["2025-03-02 09:00", "2025-03-03 10:00", "2025-03-05 12:00"]
    entries += ["2025-03-06 08:00", "2025-03-09 16:00"]
    await h.pin(
        app,
        a,
        h.at(entries[0]),
        [h.at(e) for e in entries],
        blocked_seconds=1.5 * 86400,
        waiting_seconds=20 * 3600.0,
    )
    r = await client.post(
        f"/api/cards/{a}/interactions",
        json={
            "kind": "agent_reply",
            "actor_kind": "user",
            "at": "2025-03-02T11:30:00Z",
            "handle_seconds": 600,
        },
    )
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/cards/{a}/survey", json={"solved": True, "csat": 5, "nps": 9})
    assert r.status_code in (200, 201), r.text

    # B: skips Waiting and Review.
    cards["B"] = await h.card_with_history(
        client,
        app,
        board_id,
        cols,
        [
            (TRIAGE, "2025-03-04 08:00"),
            (INVESTIGATING, "2025-03-04 09:00"),
            (RESOLVED, "2025-03-06 17:00"),
        ],
        channel="chat",
        product="Mobile app",
        lane_id=lanes["Standard"],
    )
    # C: finished, reopened, finished again.
    cards["C"] = await h.card_with_history(
        client,
        app,
        board_id,
        cols,
        [
            (TRIAGE, "2025-03-02 10:00"),
            (INVESTIGATING, "2025-03-03 11:00"),
            (RESOLVED, "2025-03-04 12:00"),
            (INVESTIGATING, "2025-03-10 09:00"),
            (REVIEW, "2025-03-11 10:00"),
            (RESOLVED, "2025-03-12 15:00"),
        ],
        channel="email",
    )
    # D: still investigating, blocked for two days and an hour now (half a day before).
    d = cards["D"] = await h.card_with_history(
        client,
        app,
        board_id,
        cols,
        [(TRIAGE, "2025-03-20 08:00"), (INVESTIGATING, "2025-03-21 09:00")],
        channel="call",
        priority="urgent",
    )
    r = await client.patch(f"/api/cards/{d}", json={"blocked": True, "blocked_reason": "Vendor"})
    assert r.status_code == 200, r.text
    await h.set_card(
        app,
        d,
        blocked_since=utcnow() - timedelta(days=2, hours=1),
        blocked_seconds=0.5 * 86400,
    )
    # E finished before the range; F was created after it.
    cards["E"] = await h.card_with_history(
        client,
        app,
        board_id,
        cols,
        [
            (TRIAGE, "2025-02-10 08:00"),
            (INVESTIGATING, "2025-02-11 08:00"),
            (RESOLVED, "2025-02-20 08:00"),
        ],
        channel="email",
    )
    cards["F"] = await h.card_with_history(
        client, app, board_id, cols, [(TRIAGE, "2025-04-02 08:00")], channel="email"
    )
    # G finished at the very first instant of the range.
    cards["G"] = await h.card_with_history(
        client,
        app,
        board_id,
        cols,
        [
            (TRIAGE, "2025-02-25 10:00"),
            (INVESTIGATING, "2025-02-26 10:00"),
            (RESOLVED, "2025-03-01 00:00"),
        ],
        channel="web",
    )
    # H: waiting on the customer now.
    h_id = cards["H"] = await h.card_with_history(
        client,
        app,
        board_id,
        cols,
        [
            (TRIAGE, "2025-03-25 08:00"),
            (INVESTIGATING, "2025-03-26 08:00"),
            (WAITING, "2025-03-27 10:00"),
        ],
        channel="email",
        segment="partner",
    )
    await h.set_card(app, h_id, waiting_seconds=3600.0)
    # I: moved back from Review to Investigating without ever being done.
    cards["I"] = await h.card_with_history(
        client,
        app,
        board_id,
        cols,
        [
            (TRIAGE, "2025-03-05 08:00"),
            (INVESTIGATING, "2025-03-06 08:00"),
            (REVIEW, "2025-03-08 08:00"),
            (INVESTIGATING, "2025-03-09 08:00"),
            (REVIEW, "2025-03-10 08:00"),
        ],
        channel="chat",
    )
    # J: created long before the range and never finished: its life overlaps it.
    cards["J"] = await h.card_with_history(
        client, app, board_id, cols, [(TRIAGE, "2024-06-01 08:00")], channel="web"
    )
    return History(board_id, cols, lanes, cards)


@pytest.fixture(scope="package")
async def history(app: Any) -> AsyncIterator[History]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://test",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    ) as client:
        yield await _build(client, app)
