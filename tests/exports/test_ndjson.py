"""Cards as NDJSON: every field of hand-computed cards from March 2025."""

from __future__ import annotations

from typing import Any

import httpx

from app.core.models import utcnow
from tests.exports import helpers as h
from tests.exports.conftest import MARCH, History

NDJSON = "cards.ndjson"
HOUR = 3600.0


async def _cards(client: httpx.AsyncClient, history: History) -> dict[int, dict[str, Any]]:
    r = await h.get_export(client, history.board_id, NDJSON, **MARCH)
    assert r.headers["content-type"] == "application/x-ndjson"
    assert r.headers["content-disposition"] == (
        f'attachment; filename="swarmboard-board{history.board_id}-cards-'
        '2025-03-01-2025-03-31.ndjson"'
    )
    return h.ndjson_lines(r.content)


async def test_a_ticket_with_every_metric(client: httpx.AsyncClient, history: History) -> None:
    cards = await _cards(client, history)
    a = cards.pop(history.cards["A"])
    triage, investigating, waiting, review, resolved = history.cols
    spent = a.pop("column_seconds")
    assert list(spent) == [str(c) for c in history.cols]  # board order
    assert spent[str(resolved)] > 0  # the open stay, counted up to the export
    assert {k: v for k, v in spent.items() if k != str(resolved)} == {
        str(triage): 25 * HOUR,
        str(investigating): 50 * HOUR,
        str(waiting): 20 * HOUR,
        str(review): 80 * HOUR,
    }
    confirmation = a.pop("confirmation")
    assert {k: confirmation[k] for k in ("state", "source", "solved", "csat", "ces", "nps")} == {
        "state": "confirmed",
        "source": "link",
        "solved": True,
        "csat": 5,
        "ces": None,
        "nps": 9,
    }
    assert confirmation["answered_at"] is not None
    assert isinstance(a.pop("customer_id"), int)
    assert a == {
        "id": history.cards["A"],
        "board_id": history.board_id,
        "link": f"http://127.0.0.1:8000/boards/{history.board_id}#card-{history.cards['A']}",
        "title": "Invoice PDF is blank",
        "external_ref": "ZD-A",
        "column_id": resolved,
        "column": "Resolved",
        "stage": "done",
        "lane_id": history.lanes["Expedite"],
        "lane": "Expedite",
        "channel": "email",
        "product": "Billing",
        "priority": "high",
        "segment": "customer",
        "created_at": "2025-03-02T09:00:00.000Z",
        "start": "2025-03-03T10:00:00.000Z",
        "finish": "2025-03-09T16:00:00.000Z",
        "first_done": "2025-03-09T16:00:00.000Z",
        "reopened_at": [],
        "reopen_count": 0,
        "cycle_hours": 150.0,
        "cycle_days": 7,
        "lead_hours": 175.0,
        "blocked": False,
        "blocked_seconds": 1.5 * 86400,
        "waiting_seconds": 20 * HOUR,
        "first_response_at": "2025-03-02T11:30:00.000Z",
        "frt_seconds": 2.5 * HOUR,
        "agent_replies": 1,
        "handle_seconds": 600.0,
        "bot_handled": False,
        "bot_resolved_at": None,
        "handed_off_at": None,
        "swarmed": True,
        "resolution": None,
        "usage": {"input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0},
    }


async def test_a_reopened_card(client: httpx.AsyncClient, history: History) -> None:
    c = (await _cards(client, history))[history.cards["C"]]
    assert (c["start"], c["first_done"], c["finish"]) == (
        "2025-03-03T11:00:00.000Z",
        "2025-03-04T12:00:00.000Z",
        "2025-03-12T15:00:00.000Z",
    )
    assert c["reopened_at"] == ["2025-03-10T09:00:00.000Z"]
    # Rework counts: the cycle runs from the first start to the second finish.
    assert (c["cycle_hours"], c["cycle_days"], c["lead_hours"]) == (220.0, 10, 245.0)
    investigating = str(history.cols[1])
    assert c["column_seconds"][investigating] == (25 + 25) * HOUR
    assert c["swarmed"] is False and c["confirmation"]["state"] == "pending"
    assert c["external_ref"] is None and c["lane"] is None


async def test_open_cards_count_up_to_the_export(
    client: httpx.AsyncClient, history: History
) -> None:
    cards = await _cards(client, history)
    now = utcnow().timestamp()
    d = cards[history.cards["D"]]
    assert (d["finish"], d["cycle_hours"], d["cycle_days"], d["lead_hours"]) == (None,) * 4
    assert d["start"] == "2025-03-21T09:00:00.000Z" and d["stage"] == "active"
    assert d["blocked"] is True
    # Half a day of finished spells and the current one of two days and an hour.
    assert 0 <= d["blocked_seconds"] - (0.5 + 2 + 1 / 24) * 86400 < 600
    waiting_since = h.at("2025-03-27 10:00").timestamp()
    w = cards[history.cards["H"]]
    assert 0 <= now - (w["waiting_seconds"] - 3600 + waiting_since) < 600
    assert w["segment"] == "partner" and w["confirmation"] is None
