"""The "Automation" section of GET /api/boards/{id}/metrics/support: bots' resolutions
by the customer's real answer (through the confirmation link), hand-overs and what
followed them, and the cost per confirmed resolution of bots and of people."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.main import create_app
from tests.confirm.helpers import BLANK, expire, path_of, requested
from tests.conftest import ADMIN_TOKEN
from tests.factories import add_member, create_board, create_card, create_user

HOURLY = 90.0


@pytest.fixture
async def costed(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An admin client of an app on the same database with SWARMBOARD_STAFF_HOURLY_COST set."""
    application = create_app(settings.model_copy(update={"staff_hourly_cost": HOURLY}))
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application),
            base_url="http://test",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        ) as c,
    ):
        yield c


async def _bot(client: httpx.AsyncClient, board_id: int) -> tuple[dict[str, Any], str]:
    r = await client.post("/api/users", json={"name": f"Bot {uuid.uuid4().hex[:6]}", "kind": "bot"})
    assert r.status_code == 201, r.text
    await add_member(client, board_id, r.json()["id"])
    return r.json(), r.json()["token"]


async def _ok(r: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert r.status_code == status, r.text
    return dict(r.json())


async def _answer(client, as_user, board_id: int, card_id: int, solved: str) -> None:
    path = path_of((await requested(client, board_id, card_id))["data"]["url"])
    r = await as_user(None).post(path, data={**BLANK, "solved": solved})
    assert r.status_code == 303, r.text


async def _automation(client: httpx.AsyncClient, board_id: int, **params: str) -> dict[str, Any]:
    r = await client.get(f"/api/boards/{board_id}/metrics/support", params=params)
    return dict((await _ok(r))["automation"])


async def _scenario(client, as_user, app) -> tuple[int, dict[str, int]]:
    """Bots resolve three cards (confirmed, rejected, expired) and hand one over, which
    a person then solves and the customer confirms; a person closes one more alone."""
    board = await create_board(
        client,
        columns=[
            {"name": "Triage", "stage": "backlog"},
            {"name": "Investigating", "stage": "active"},
            {"name": "Resolved", "stage": "done"},
        ],
    )
    board_id = board["id"]
    cols = {c["name"]: c["id"] for c in board["columns"]}
    bot, token = await _bot(client, board_id)
    helper, _ = await create_user(client, role="agent", skills=[{"name": "SSO"}])
    await add_member(client, board_id, helper["id"])
    bot_api = as_user(token)
    ids: dict[str, int] = {}
    for name, channel, product in (
        ("confirmed", "chat", "Billing"),
        ("rejected", "email", "Billing"),
        ("expired", "chat", "SSO"),
        ("handed", "chat", "SSO"),
        ("people", "email", "SSO"),
    ):
        assignees = [] if name == "people" else [bot["id"]]
        card = await create_card(
            client,
            board_id,
            column_id=cols["Investigating"],
            channel=channel,
            product=product,
            assignee_ids=assignees,
        )
        ids[name] = card["id"]
    for name, cost in (("confirmed", 0.3), ("rejected", 0.2), ("expired", 0.1)):
        usage = {"model": "m", "input_tokens": 1000, "output_tokens": 100, "cost_usd": cost}
        await _ok(await bot_api.post(f"/api/cards/{ids[name]}/usage", json=usage), 201)
        await _ok(
            await bot_api.post(f"/api/cards/{ids[name]}/resolve", json={"resolution": "Fixed."})
        )
    await _answer(client, as_user, board_id, ids["confirmed"], "yes")
    await _answer(client, as_user, board_id, ids["rejected"], "no")
    await expire(app, ids["expired"])
    # The hand-over: the bot replied, could not solve it, asked for people.
    turn = {"kind": "bot_reply", "actor_kind": "bot", "body": "Try clearing cookies."}
    await _ok(await bot_api.post(f"/api/cards/{ids['handed']}/interactions", json=turn), 201)
    ask = {"skills": ["SSO"], "question": "SSO loops", "tried": "Cookies."}
    swarm = await _ok(await bot_api.post(f"/api/cards/{ids['handed']}/swarms", json=ask), 201)
    done = {"outcome": "Clock skew", "knowledge": "Check the IdP clock."}
    await _ok(await client.post(f"/api/swarms/{swarm['id']}/resolve", json=done))
    reply = {"kind": "agent_reply", "actor_kind": "user", "body": "Fixed", "handle_seconds": 1800}
    await _ok(await client.post(f"/api/cards/{ids['handed']}/interactions", json=reply), 201)
    for name in ("handed", "people"):
        move = {"column_id": cols["Resolved"]}
        await _ok(await client.post(f"/api/cards/{ids[name]}/move", json=move))
    await _answer(client, as_user, board_id, ids["handed"], "yes")
    return board_id, ids


async def test_bots_are_measured_by_what_the_customer_confirmed(client, as_user, app, costed):
    board_id, _ = await _scenario(client, as_user, app)

    auto = await _automation(client, board_id)

    assert {k: auto[k] for k in ("bot_cards_worked", "bot_resolutions")} == {
        "bot_cards_worked": 4,
        "bot_resolutions": 3,
    }
    assert (auto["confirmed"], auto["assumed"], auto["rejected"]) == (1, 1, 1)
    assert (auto["awaiting"], auto["withdrawn"]) == (0, 0)
    assert auto["confirmed_rate"] == 0.25
    assert auto["assumed_rate"] == 0.5
    assert (auto["handovers"], auto["handover_rate"]) == (1, 0.25)
    assert auto["bot_cost_usd"] == 0.6
    assert (auto["bot_input_tokens"], auto["bot_output_tokens"]) == (3000, 300)
    assert auto["cost_per_confirmed_resolution_usd"] == 0.6
    assert (auto["people_resolutions"], auto["people_confirmed"]) == (2, 1)
    assert auto["people_handling_seconds"] == 1800.0
    assert auto["people_cost_usd"] is None
    assert auto["people_cost_per_confirmed_resolution_usd"] is None
    assert auto["staff_hourly_cost"] is None
    assert auto["assumed_definition"] == "no reply within 24 hours counts as resolved"
    chat, email = auto["by_channel"]["chat"], auto["by_channel"]["email"]
    assert (chat["bot_cards_worked"], chat["confirmed"], chat["assumed"]) == (3, 1, 1)
    assert (chat["rejected"], chat["handovers"], chat["bot_cost_usd"]) == (0, 1, 0.4)
    assert chat["confirmed_rate"] == round(1 / 3, 4)
    assert (email["bot_cards_worked"], email["rejected"], email["confirmed_rate"]) == (1, 1, 0.0)
    assert email["cost_per_confirmed_resolution_usd"] is None
    billing, sso = auto["by_product"]["Billing"], auto["by_product"]["SSO"]
    assert (billing["confirmed"], billing["rejected"], billing["bot_cost_usd"]) == (1, 1, 0.5)
    assert billing["cost_per_confirmed_resolution_usd"] == 0.5
    assert (sso["assumed"], sso["handovers"], sso["handover_rate"]) == (1, 1, 0.5)
    follow = auto["handover_followup"]
    assert (follow["handovers"], follow["swarms_ended"], follow["swarms_open"]) == (1, 1, 0)
    assert follow["swarm_cycle_seconds"]["count"] == 1
    assert follow["swarm_cycle_seconds"]["median"] >= 0
    assert (follow["customer_confirmed"], follow["customer_unanswered"]) == (1, 0)
    assert follow["customer_confirmed_rate"] == 1.0

    priced = await _automation(costed, board_id)
    assert priced["staff_hourly_cost"] == HOURLY
    assert priced["people_cost_usd"] == 45.0
    assert priced["people_cost_per_confirmed_resolution_usd"] == 45.0
    assert priced["by_channel"]["chat"]["people_cost_per_confirmed_resolution_usd"] == 45.0
    assert priced["by_channel"]["email"]["people_cost_usd"] == 0.0

    emailed = await _automation(client, board_id, channel="email")
    assert (emailed["bot_cards_worked"], emailed["rejected"], emailed["confirmed"]) == (1, 1, 0)
    assert emailed["bot_cost_usd"] == 0.2 and emailed["handovers"] == 0
    before = await _automation(client, board_id, **{"from": "2020-01-01", "to": "2020-01-31"})
    assert (before["bot_cards_worked"], before["bot_resolutions"]) == (0, 0)
    assert before["confirmed_rate"] is None and before["bot_cost_usd"] == 0.0


async def test_a_board_no_bot_worked_has_an_empty_automation_section(client):
    board = await create_board(client)
    card = await create_card(client, board["id"])
    resolved = next(c["id"] for c in board["columns"] if c["stage"] == "done")
    await _ok(await client.post(f"/api/cards/{card['id']}/move", json={"column_id": resolved}))

    auto = await _automation(client, board["id"])

    assert (auto["bot_cards_worked"], auto["bot_resolutions"], auto["handovers"]) == (0, 0, 0)
    assert auto["confirmed_rate"] is None and auto["handover_rate"] is None
    assert auto["people_resolutions"] == 1 and auto["by_channel"]["none"]["bot_cards_worked"] == 0
